# SPDX-License-Identifier: BSD-3-Clause
"""Post-training int8 quantisation of the folded graph, and an emulator that
reproduces XNNPACK's integer arithmetic (what TFLite/LiteRT runs on CPUs).

Scheme (TFLite's int8 spec): weights symmetric int8 per output channel,
bias int32 at scale s_in*s_w, activations asymmetric int8 per tensor.
Graph input: int8, scale 1, zero point -128, i.e. raw pixel - 128 (the
.tflite takes uint8 and shifts it with one QUANTIZE op).

Requantisation as XNNPACK does it ("fp32" scheme): the int32 accumulator is
converted to float32, multiplied by the float32 scale (s_in*s_w)/s_out,
rounded half to even, offset by the zero point and clamped.
"""
import numpy as np
import torch
import torch.nn.functional as F

from . import graph as G

F32 = np.float32
LOGIT_CLIP = 8.0   # |logit| beyond 8 is p<3e-4 or >0.9997: below the 1/256 output step


# ---------------------------------------------------------------- calibration
class Stats:
    """Per-tensor min/max, per-channel mean, and a reservoir of samples for
    the MSE range search."""

    def __init__(self, samples=50000, seed=0):
        self.rng = np.random.default_rng(seed)
        self.n = samples
        self.t = {}

    def __call__(self, name, y):
        a = y.detach()
        s = self.t.setdefault(name, dict(lo=np.inf, hi=-np.inf, mean=0.0, count=0, smp=[]))
        s["lo"] = min(s["lo"], float(a.min()))
        s["hi"] = max(s["hi"], float(a.max()))
        cm = a.double().mean(dim=(0, 2, 3)).numpy()
        s["mean"] = (s["mean"] * s["count"] + cm) / (s["count"] + 1)
        s["count"] += 1
        flat = a.reshape(-1).numpy()
        k = min(self.n // 4, flat.size)
        s["smp"].append(flat[self.rng.integers(0, flat.size, k)])


def calibrate(ops, tiles):
    """tiles: list of uint8 [H, W] arrays. Returns Stats."""
    st = Stats()
    with torch.no_grad():
        for t in tiles:
            G.run_float(ops, torch.from_numpy(t).float()[None, None], stats=st)
    for s in st.t.values():
        s["smp"] = np.concatenate(s["smp"])
    return st


def _qparams(lo, hi):
    """Scale/zero point for an int8 range that contains 0 exactly."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-8:
        hi = lo + 1e-8
    scale = (hi - lo) / 255.0
    zp = int(np.clip(np.round(-128 - lo / scale), -128, 127))
    return float(F32(scale)), zp


def _fake(x, scale, zp):
    return (np.clip(np.round(x / scale) + zp, -128, 127) - zp) * scale


def mse_range(smp, lo, hi):
    """Clipping range minimising the quantisation MSE on the samples."""
    best = None
    for c in np.linspace(1.0, 0.3, 36):
        for cl in ((c, c) if lo < 0 < hi else (c,)):
            l2, h2 = lo * cl, hi * c
            s, z = _qparams(l2, h2)
            e = np.mean((_fake(smp, s, z) - smp) ** 2)
            if best is None or e < best[0]:
                best = (e, l2, h2)
    return best[1], best[2]


# ---------------------------------------------------------------- quantising
def choose_ranges(ops, st, method="mse"):
    """Float range per tensor, with the equalities the int8 graph needs:
    concat inputs/outputs share one range (so CONCATENATION is a copy in
    every runtime), a resize keeps its input's range."""
    rng = {"input": (0.0, 255.0)}
    for op in ops:
        o = op["out"]
        s = st.t[o]
        if op["op"] == "conv" and op["act"] == "relu6":
            hi = 6.0 if method == "minmax" else min(6.0, mse_range(s["smp"], 0.0, s["hi"])[1])
            rng[o] = (0.0, hi)
        elif op["op"] == "logistic":
            rng[o] = (0.0, 1.0)
        elif o == "logit":
            m = min(LOGIT_CLIP, max(abs(s["lo"]), abs(s["hi"])))
            rng[o] = (-m, m)
        elif op["op"] in ("resize", "concat"):
            rng[o] = None  # tied below
        elif method == "minmax":
            rng[o] = (s["lo"], s["hi"])
        else:
            rng[o] = mse_range(s["smp"], s["lo"], s["hi"])
    # Tie concat groups: the concat, its inputs and (through the resize) the
    # deep tensor all get the union of their ranges.
    for op in ops:
        if op["op"] != "concat":
            continue
        up, skip = op["inp"]
        deep = next(o["inp"] for o in ops if o["out"] == up)
        members = [deep, skip]
        lo = min(rng[m][0] for m in members if m != "decode1.in_scale")
        hi = max(rng[m][1] for m in members if m != "decode1.in_scale")
        for m in (deep, up, skip, op["out"]):
            rng[m] = (lo, hi)
    return rng


def quantize(ops, st, method="mse", bias_correction=True):
    """Returns the int8 graph: a list of op dicts with integer weights and
    per-tensor (scale, zero point) in q['tensors']."""
    ops = [dict(o) for o in ops]
    for o in ops:
        if "w" in o:
            o["w"] = o["w"].copy()
            o["b"] = o["b"].copy()
    # Choose the image scale for decode1's concat: the scaled image (>= 0)
    # should span the positive part of the range the upsampled map needs.
    pre = choose_ranges(ops, st, method)
    hi = pre["decode1.cat"][1]
    alpha = hi / 255.0
    G.set_input_scale(ops, alpha)
    rng = choose_ranges(ops, st, method)
    tq = {"input": (1.0, -128)}
    for name, (lo, hi) in rng.items():
        if name == "input":
            continue
        if name == "prob":
            tq[name] = (1.0 / 256.0, -128)
        else:
            tq[name] = _qparams(lo, hi)
    # The in_scale output range: the same as the concat (tied) above.
    qops = []
    for op in ops:
        q = dict(op=op["op"], name=op["name"], inp=op["inp"], out=op["out"])
        if op["op"] == "conv":
            w, b = op["w"], op["b"]
            amax = np.abs(w).reshape(w.shape[0], -1).max(1)
            amax = np.maximum(amax, 1e-6)  # dead channels: keep the scale a normal float
            sw = (amax / 127.0).astype(F32)
            wq = np.clip(np.round(w / sw[:, None, None, None]), -127, 127)
            if bias_correction and op["inp"] in st.t:
                # Weight rounding shifts each output's mean by
                # sum_c (Wq*sw - W)[o, c] * E[x_c]; remove it from the bias.
                mean_in = st.t[op["inp"]]["mean"]
                dw = (wq * sw[:, None, None, None] - w).sum(axis=(2, 3))
                if op["groups"] == 1:
                    b = b - dw @ mean_in
                else:
                    b = b - dw[:, 0] * mean_in
            s_in = tq[op["inp"]][0]
            sb = (np.float64(s_in) * sw.astype(np.float64))
            bq = np.clip(np.round(b / sb), -2**31, 2**31 - 1)
            q.update(w=wq.astype(np.int8), sw=sw, b=bq.astype(np.int32), sb=sb.astype(F32),
                     stride=op["stride"], pad=op["pad"], groups=op["groups"], act=op["act"])
        qops.append(q)
    return dict(ops=qops, tensors=tq, alpha=alpha, method=method)


# ---------------------------------------------------------------- emulation
def _act_range(act, scale, zp):
    if act == "relu6":
        return max(-128, zp + int(np.round(0.0 / scale))), min(127, zp + int(np.round(6.0 / scale)))
    return -128, 127


def _requant(acc, scale_c, zp, lo, hi):
    """acc: torch float64 [N,C,H,W] holding exact int32 values."""
    a32 = acc.float()  # int32 -> float32 conversion, round to nearest even
    y = a32 * torch.from_numpy(scale_c).float()[None, :, None, None]
    y = torch.round(y)  # torch.round is half-to-even, like the magic-bias trick
    return (y + zp).clamp(lo, hi)


def emulate(q, image_u8, keep_all=False):
    """Runs the int8 graph on uint8 [H, W]; returns uint8 [H, W] probability
    (value/256), bit-exact with XNNPACK for conv/add/concat/quantize."""
    T = q["tensors"]
    x = torch.from_numpy(image_u8.astype(np.float32) - 128.0)[None, None]
    env = {"input": x}
    with torch.no_grad():
        for op in q["ops"]:
            k = op["op"]
            if k == "conv":
                s_in, z_in = T[op["inp"]]
                s_out, z_out = T[op["out"]]
                xi = env[op["inp"]] - z_in
                kk = op["w"].shape[1] * op["w"].shape[2] * op["w"].shape[3]
                # float32 sums are exact below 2^24; wider convs use float64
                dt = torch.float64 if kk * 255 * 127 >= 2**24 else torch.float32
                w = torch.from_numpy(op["w"].astype(np.float32)).to(dt)
                acc = F.conv2d(xi.to(dt), w, None, op["stride"], op["pad"], 1, op["groups"])
                acc = acc.double() + torch.from_numpy(op["b"].astype(np.float64))[None, :, None, None]
                scale = ((F32(s_in) * op["sw"].astype(F32)) / F32(s_out)).astype(F32)
                lo, hi = _act_range(op["act"], s_out, z_out)
                y = _requant(acc, scale, z_out, lo, hi)
            elif k == "add":
                y = _xnn_add(env[op["inp"][0]], T[op["inp"][0]], env[op["inp"][1]],
                             T[op["inp"][1]], T[op["out"]])
            elif k == "resize":
                y = _xnn_resize2x(env[op["inp"]])
            elif k == "concat":
                y = torch.cat([env[t] for t in op["inp"]], 1)
            elif k == "logistic":
                lut = sigmoid_lut(T[op["inp"]], T[op["out"]])
                idx = (env[op["inp"]] + 128).long()
                y = torch.from_numpy(lut.astype(np.float32))[idx]
            env[op["out"]] = y
    if keep_all:
        return env
    return (env["prob"][0, 0].numpy() + 128).astype(np.uint8)


def _xnn_add(a, qa, b, qb, qo):
    """XNNPACK qs8 add: fixed-point multipliers with a shared shift."""
    ra = F32(F32(qa[0]) / F32(qo[0]))
    rb = F32(F32(qb[0]) / F32(qo[0]))
    mx = max(ra, rb)
    exp = int((np.array(mx, F32).view(np.uint32) >> 23)) - 127
    shift = 20 - exp
    am = int(np.rint(F32(ra * F32(2.0 ** shift))))
    bm = int(np.rint(F32(rb * F32(2.0 ** shift))))
    bias = (1 << (shift - 1)) - am * qa[1] - bm * qb[1]
    acc = bias + a.long() * am + b.long() * bm
    y = (acc >> shift) + qo[1]
    return y.clamp(-128, 127).float()


def _xnn_resize2x(x):
    """Bilinear x2 with half-pixel centres on int8 values, XNNPACK's s8
    kernel: 11-bit weights, rounding constant 2^21, arithmetic shift by 22.
    For x2 the weights are 0.25/0.75 (512/1536) and clamped at the edges."""
    n, c, h, w = x.shape

    def idx(n_in):
        o = np.arange(2 * n_in)
        src = (o + 0.5) / 2 - 0.5
        i0 = np.floor(src).astype(int)
        a = src - i0
        i1 = np.minimum(i0 + 1, n_in - 1)
        i0c = np.maximum(i0, 0)
        a = np.where(i0 < 0, 0.0, a)
        return i0c, i1, np.round(a * 2048).astype(np.int64)

    y0, y1, ay = idx(h)
    x0, x1, ax = idx(w)
    xi = x.long()
    tl = xi[:, :, y0][:, :, :, x0]
    tr = xi[:, :, y0][:, :, :, x1]
    bl = xi[:, :, y1][:, :, :, x0]
    br = xi[:, :, y1][:, :, :, x1]
    axt = torch.from_numpy(ax)[None, None, None, :]
    ayt = torch.from_numpy(ay)[None, None, :, None]
    t = (tl << 11) + (tr - tl) * axt
    b = (bl << 11) + (br - bl) * axt
    acc = (t << 11) + (b - t) * ayt
    return ((acc + (1 << 21)) >> 22).float()


def sigmoid_lut(qi, qo):
    """XNNPACK's qs8 sigmoid table: dequantise, sigmoid in float32, requantise."""
    out = np.zeros(256, np.int64)
    for i in range(-128, 128):
        x = F32(F32(i - qi[1]) * F32(qi[0]))
        if x < 0:
            y = F32(1.0) / (F32(1.0) + np.exp(F32(-x), dtype=F32))
        else:
            y = F32(1.0) - F32(1.0) / (F32(1.0) + np.exp(F32(x), dtype=F32))
        v = int(np.rint(F32(y / F32(qo[0])))) + qo[1]
        out[i + 128] = min(127, max(-128, v))
    return out
