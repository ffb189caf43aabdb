# SPDX-License-Identifier: BSD-3-Clause
"""M2U-Net as a flat list of ops with BatchNorm folded into the convolutions.

This float graph is what calibration measures, what the int8 emulator and
both exporters (.tflite, ONNX) walk, so the three cannot drift apart.

Op dicts (tensors are named by strings; "input" is the raw 0..255 image):
  conv:     in, out, w [O, I/groups, kh, kw], b [O], stride, pad, groups, act
  add:      in [a, b], out
  resize:   in, out            (bilinear x2, half-pixel centres)
  concat:   in [a, b], out     (channels)
  logistic: in, out
"""
import numpy as np
import torch
import torch.nn.functional as F

from .m2unet import InvertedResidual


def _fold(conv, bn):
    w = conv.weight.detach().double().numpy()
    b = conv.bias.detach().double().numpy() if conv.bias is not None else np.zeros(w.shape[0])
    if bn is None:
        return w, b
    g = bn.weight.detach().double().numpy() / np.sqrt(bn.running_var.detach().double().numpy() + bn.eps)
    return w * g[:, None, None, None], (b - bn.running_mean.detach().double().numpy()) * g + \
        bn.bias.detach().double().numpy()


class Builder:
    def __init__(self):
        self.ops = []
        self.n = 0

    def name(self, base):
        self.n += 1
        return f"{base}"

    def conv(self, x, conv, bn, act, out):
        w, b = _fold(conv, bn)
        self.ops.append(dict(op="conv", name=out, inp=x, out=out, w=w, b=b,
                             stride=conv.stride[0], pad=conv.padding[0], groups=conv.groups,
                             act=act))
        return out

    def ir(self, x, blk: InvertedResidual, prefix):
        layers = list(blk.conv)
        i = 0
        y = x
        convs = [m for m in layers if isinstance(m, torch.nn.Conv2d)]
        bns = [m for m in layers if isinstance(m, torch.nn.BatchNorm2d)]
        names = ["expand", "dw", "project"] if len(convs) == 3 else ["dw", "project"]
        for i, (c, bn, nm) in enumerate(zip(convs, bns, names)):
            y = self.conv(y, c, bn, "relu6" if nm != "project" else None, f"{prefix}.{nm}")
        if blk.use_res:
            out = f"{prefix}.add"
            self.ops.append(dict(op="add", name=out, inp=[x, y], out=out))
            y = out
        return y


def build_graph(model):
    """Folded op list for an M2UNet in eval mode."""
    g = Builder()
    x = "input"
    c0 = model.conv1[0]
    y = g.conv(x, c0[0], c0[1], "relu6", "conv1.0")
    y = g.ir(y, model.conv1[1], "conv1.1")
    c1 = y
    for stage in (model.conv2, model.conv3, model.conv4):
        for name, blk in stage.named_children():
            y = g.ir(y, blk, f"{stage_name(model, stage)}.{name}")
        if stage is model.conv2:
            c2 = y
        elif stage is model.conv3:
            c3 = y
    skips = {"decode4": c3, "decode3": c2, "decode2": c1, "decode1": x}
    for dname in ("decode4", "decode3", "decode2", "decode1"):
        dec = getattr(model, dname)
        up = f"{dname}.up"
        g.ops.append(dict(op="resize", name=up, inp=y, out=up))
        skip = skips[dname]
        if dname == "decode1":
            # The raw image joins the concat through a 1x1 "scale" conv so it
            # can share the concat's quantisation; alpha is set after
            # calibration and divided back out of the next conv (exact in float).
            g.ops.append(dict(op="conv", name="decode1.in_scale", inp=x, out="decode1.in_scale",
                              w=np.ones((1, 1, 1, 1)), b=np.zeros(1), stride=1, pad=0, groups=1,
                              act=None, in_scale=True))
            skip = "decode1.in_scale"
        cat = f"{dname}.cat"
        g.ops.append(dict(op="concat", name=cat, inp=[up, skip], out=cat))
        y = g.ir(cat, dec.ir1, f"{dname}.ir1")
    last = model.decode1.conv[0]
    y = g.conv(y, last, None, None, "logit")
    g.ops.append(dict(op="logistic", name="prob", inp=y, out="prob"))
    return g.ops


def stage_name(model, stage):
    for n, m in model.named_children():
        if m is stage:
            return n
    raise KeyError("stage not in model")


def set_input_scale(ops, alpha):
    """Sets the decode1 image-scaling conv to alpha and divides alpha out of
    the image channel of the conv that consumes the concat."""
    for i, op in enumerate(ops):
        if op.get("in_scale"):
            old = op["w"][0, 0, 0, 0]
            op["w"] = np.full((1, 1, 1, 1), alpha)
            nxt = next(o for o in ops[i:] if o["op"] == "conv" and o["inp"] == "decode1.cat")
            nxt["w"][:, -1] *= old / alpha
            return
    raise KeyError("graph has no decode1.in_scale op")


def run_float(ops, image, keep=None, stats=None):
    """Runs the folded graph in float32 torch. image: float tensor [N, C, H, W]
    of raw 0..255 values. Returns the logit tensor (or dict of kept tensors).
    stats(name, tensor) is called on every produced tensor."""
    env = {"input": image}
    for op in ops:
        k = op["op"]
        if k == "conv":
            w = torch.from_numpy(op["w"]).float()
            b = torch.from_numpy(op["b"]).float()
            y = F.conv2d(env[op["inp"]], w, b, op["stride"], op["pad"], 1, op["groups"])
            if op["act"] == "relu6":
                y = y.clamp(0, 6)
        elif k == "add":
            y = env[op["inp"][0]] + env[op["inp"][1]]
        elif k == "resize":
            y = F.interpolate(env[op["inp"]], scale_factor=2, mode="bilinear", align_corners=False)
        elif k == "concat":
            y = torch.cat([env[t] for t in op["inp"]], 1)
        elif k == "logistic":
            y = torch.sigmoid(env[op["inp"]])
        else:
            raise ValueError(f"unknown op {k}")
        env[op["out"]] = y
        if stats is not None:
            stats(op["out"], y)
    if keep:
        return {n: env[n] for n in keep}
    return env["logit"]
