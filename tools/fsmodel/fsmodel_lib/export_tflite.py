# SPDX-License-Identifier: BSD-3-Clause
"""Writes the int8 graph as a full-integer .tflite (NHWC).

I/O: input uint8 [1, H, W, C] raw pixels (scale 1, zero point 0), shifted to
int8 by one QUANTIZE; output uint8 [1, H, W, 1] = probability * 256 (scale
1/256, zero point 0), from LOGISTIC's int8 output by one QUANTIZE. Both
QUANTIZE ops are exact (same scale, zero points 128 apart).
PyTorch pads stride-2 3x3 convolutions by one pixel on every side where
TFLite's SAME pads only bottom/right, so those get an explicit PAD + VALID.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tflite"))
import tflite_writer as tw  # noqa: E402  (tools/tflite, the project's writer)


def write_tflite(q, size, path, description="fieldscope M2U-Net int8", in_channels=1,
                 stop_at=None):
    """stop_at: name of an inner tensor to make the (int8) output, for
    checking a runtime op by op."""
    h = w = int(size)
    if h % 16:
        raise ValueError(f"input size {size} must be a multiple of 16")
    mb = tw.ModelBuilder(description=description)
    T = q["tensors"]
    shapes = {"input": (h, w, in_channels)}
    idx = {}

    def tensor(name, shape):
        s, z = T[name]
        idx[name] = mb.add_tensor(name, tw.INT8, [1, *shape], scale=s, zero_point=z)
        shapes[name] = shape
        return idx[name]

    raw = mb.add_tensor("image_u8", tw.UINT8, [1, h, w, in_channels], scale=1.0, zero_point=0)
    tensor("input", shapes["input"])
    mb.add_op("QUANTIZE", [raw], [idx["input"]])

    for op in q["ops"]:
        k = op["op"]
        ih, iw, ic = shapes[op["inp"] if isinstance(op["inp"], str) else op["inp"][0]]
        if k == "conv":
            wq = op["w"]  # [O, I/g, kh, kw]
            o, _, kh, kw = wq.shape
            st = op["stride"]
            src = idx[op["inp"]]
            if op["pad"] and st != 1:
                # explicit symmetric pad (value = input zero point)
                pads = mb.add_const(op["name"] + ".pads",
                                    np.array([[0, 0], [op["pad"]] * 2, [op["pad"]] * 2, [0, 0]],
                                             np.int32))
                s, z = T[op["inp"]]
                padded = mb.add_tensor(op["name"] + ".padded", tw.INT8,
                                       [1, ih + 2 * op["pad"], iw + 2 * op["pad"], ic],
                                       scale=s, zero_point=z)
                mb.add_op("PAD", [src, pads], [padded])
                src, padding = padded, tw.VALID
            else:
                padding = tw.SAME
            oh, ow = (ih + st - 1) // st, (iw + st - 1) // st
            bias = mb.add_const(op["name"] + ".bias", op["b"].astype(np.int32),
                                scale=[float(v) for v in op["sb"]], zero_point=[0] * o)
            act = tw.RELU6 if op["act"] == "relu6" else tw.NONE
            if op["groups"] == 1:
                wt = mb.add_const(op["name"] + ".weights", np.transpose(wq, (0, 2, 3, 1)),
                                  scale=[float(v) for v in op["sw"]], zero_point=[0] * o,
                                  quantized_dimension=0)
                out = tensor(op["out"], (oh, ow, o))
                mb.add_op("CONV_2D", [src, wt, bias], [out], version=3,
                          options=dict(padding=padding, stride_w=st, stride_h=st,
                                       fused_activation_function=act))
            else:
                wt = mb.add_const(op["name"] + ".weights",
                                  np.transpose(wq, (1, 2, 3, 0)),  # [1, kh, kw, C]
                                  scale=[float(v) for v in op["sw"]], zero_point=[0] * o,
                                  quantized_dimension=3)
                out = tensor(op["out"], (oh, ow, o))
                mb.add_op("DEPTHWISE_CONV_2D", [src, wt, bias], [out], version=3,
                          options=dict(padding=padding, stride_w=st, stride_h=st,
                                       depth_multiplier=1, fused_activation_function=act))
        elif k == "add":
            out = tensor(op["out"], (ih, iw, ic))
            mb.add_op("ADD", [idx[t] for t in op["inp"]], [out], version=2,
                      options=dict(fused_activation_function=tw.NONE))
        elif k == "resize":
            size_t = mb.add_const(op["name"] + ".size", np.array([2 * ih, 2 * iw], np.int32))
            out = tensor(op["out"], (2 * ih, 2 * iw, ic))
            mb.add_op("RESIZE_BILINEAR", [idx[op["inp"]], size_t], [out], version=3,
                      options=dict(align_corners=False, half_pixel_centers=True))
        elif k == "concat":
            c = sum(shapes[t][2] for t in op["inp"])
            out = tensor(op["out"], (ih, iw, c))
            mb.add_op("CONCATENATION", [idx[t] for t in op["inp"]], [out], version=2,
                      options=dict(axis=3, fused_activation_function=tw.NONE))
        elif k == "logistic":
            out = tensor(op["out"], (ih, iw, ic))
            mb.add_op("LOGISTIC", [idx[op["inp"]]], [out], version=2)
        else:
            raise ValueError(f"cannot export op {k}")
        if op["out"] == stop_at:
            mb.set_io([raw], [idx[stop_at]])
            data = mb.finish()
            with open(path, "wb") as f:
                f.write(data)
            return len(data)

    prob_u8 = mb.add_tensor("prob_u8", tw.UINT8, [1, h, w, shapes["prob"][2]],
                            scale=1.0 / 256.0, zero_point=0)
    mb.add_op("QUANTIZE", [idx["prob"]], [prob_u8])
    mb.set_io([raw], [prob_u8])
    mb.add_signature(input_names=["image"], output_names=["probability"])
    data = mb.finish()
    with open(path, "wb") as f:
        f.write(data)
    return len(data)
