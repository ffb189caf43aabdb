#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes small single-op .tflite models with random shapes for
test_variants_ops.c, which runs each with the reference kernels and with
the fast variants and compares the outputs byte for byte.

Usage: variant_ops_models.py OUTDIR [SEED]

Shapes are chosen to reach every path of the variants: odd sizes, channel
counts below, at and past the vector widths (16 and 32), stride 2,
padding, per-tensor and per-channel weights, int8 and uint8, with and
without bias (fp32 versus fixed-point requantisation), fused activations.
Each file is named <OP>__<n>.tflite."""
import os
import sys

import numpy as np

top = os.environ.get("FS_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(top, "tools", "tflite"))
from tflite_writer import ModelBuilder  # noqa: E402

NONE, RELU, RELU_N1_TO_1, RELU6 = 0, 1, 2, 3
SAME, VALID = 0, 1


def qparams(rng, dtype):
    """A random activation scale and zero point for dtype."""
    scale = float(rng.uniform(0.005, 0.08))
    zp = int(rng.integers(-128, 128)) if dtype == "INT8" else int(rng.integers(0, 256))
    return scale, zp


def rand_q(rng, dtype, shape):
    if dtype == "INT8":
        return rng.integers(-128, 128, shape).astype(np.int8)
    return rng.integers(0, 256, shape).astype(np.uint8)


def channels(rng):
    return int(rng.choice([1, 3, 5, 8, 15, 16, 17, 24, 31, 32, 33, 40, 47, 64, 72]))


def depthwise(rng, dtype, big):
    mb = ModelBuilder()
    k = int(rng.choice([3, 3, 3, 1, 2, 5]))
    kh, kw = (k, k) if rng.random() < 0.85 else (k, int(rng.choice([1, 3])))
    stride = int(rng.choice([1, 2]))
    dil = 1 if rng.random() < 0.85 else 2
    padding = SAME if rng.random() < 0.7 else VALID
    c = channels(rng)
    h, w = int(rng.integers(max(kh, 3) * dil, 60 if big else 20)), int(rng.integers(max(kw, 3) * dil, 24))
    batch = 1 if rng.random() < 0.8 else 2
    mult = 1 if rng.random() < 0.9 else 2
    cout = c * mult
    eff_h, eff_w = (kh - 1) * dil + 1, (kw - 1) * dil + 1
    if padding == SAME:
        oh, ow = -(-h // stride), -(-w // stride)
    else:
        oh, ow = (h - eff_h) // stride + 1, (w - eff_w) // stride + 1
    sx, zx = qparams(rng, dtype)
    sy, zy = qparams(rng, dtype)
    x = mb.add_tensor("input", dtype, [batch, h, w, c], scale=sx, zero_point=zx)
    per_channel = dtype == "INT8" and rng.random() < 0.7
    nq = cout if per_channel else 1
    ws = [float(s) for s in rng.uniform(0.002, 0.02, nq)]
    if dtype == "INT8":
        wz = [0] * nq
        wdata = rng.integers(-127, 128, (1, kh, kw, cout)).astype(np.int8)
    else:
        wz = [int(rng.integers(0, 256))]
        wdata = rng.integers(0, 256, (1, kh, kw, cout)).astype(np.uint8)
    wt = mb.add_const("filter", wdata, scale=ws, zero_point=wz, quantized_dimension=3)
    inputs = [x, wt]
    if rng.random() < 0.75:   # with a bias XNNPACK's fp32 requantisation applies
        bs = [sx * s for s in ws]
        b = mb.add_const("bias", rng.integers(-3000, 3000, cout).astype(np.int32),
                         scale=bs, zero_point=[0] * nq)
        inputs.append(b)
    y = mb.add_tensor("output", dtype, [batch, oh, ow, cout], scale=sy, zero_point=zy)
    act = int(rng.choice([NONE, RELU, RELU6, RELU_N1_TO_1]))
    mb.add_op("DEPTHWISE_CONV_2D", inputs, [y], version=3,
              options=dict(padding=padding, stride_w=stride, stride_h=stride,
                           depth_multiplier=mult, fused_activation_function=act,
                           dilation_w_factor=dil, dilation_h_factor=dil))
    mb.set_io([x], [y])
    return mb.finish()


def resize_bilinear(rng, dtype, big):
    mb = ModelBuilder()
    c = channels(rng)
    h, w = int(rng.integers(1, 40 if big else 14)), int(rng.integers(1, 14))
    if rng.random() < 0.6:
        oh, ow = 2 * h, 2 * w
    else:
        oh, ow = int(rng.integers(1, 30)), int(rng.integers(1, 30))
    batch = 1 if rng.random() < 0.8 else 2
    s, z = qparams(rng, dtype)
    x = mb.add_tensor("input", dtype, [batch, h, w, c], scale=s, zero_point=z)
    size = mb.add_const("size", np.array([oh, ow], np.int32))
    y = mb.add_tensor("output", dtype, [batch, oh, ow, c], scale=s, zero_point=z)
    mode = int(rng.integers(0, 4))
    mb.add_op("RESIZE_BILINEAR", [x, size], [y], version=3,
              options=dict(align_corners=bool(mode & 1), half_pixel_centers=bool(mode & 2)))
    mb.set_io([x], [y])
    return mb.finish()


def rand_shape(rng, rank=4, big=False):
    hi = 90 if big else 12
    dims = [1 if rng.random() < 0.8 else 2] + [int(rng.integers(1, hi)) for _ in range(rank - 2)]
    return dims + [channels(rng)]


def binary(op):
    def gen(rng, dtype, big):
        mb = ModelBuilder()
        shape = rand_shape(rng, 4, big)
        kind = rng.random()
        if kind < 0.6:
            bshape = shape
        elif kind < 0.8:
            bshape = [1]                       # a single value
        else:
            bshape = [shape[-1]]               # per channel: declined by the fast path
        swap = rng.random() < 0.3
        sa, za = qparams(rng, dtype)
        sb, zb = qparams(rng, dtype)
        so, zo = qparams(rng, dtype)
        if rng.random() < 0.2:                 # extreme ratios stress the int32 check
            so = max(sa, sb) / 200.0 if rng.random() < 0.5 else min(sa, sb) / 0.0012
        a = mb.add_tensor("a", dtype, shape, scale=sa, zero_point=za)
        b = mb.add_tensor("b", dtype, bshape, scale=sb, zero_point=zb)
        y = mb.add_tensor("y", dtype, shape, scale=so, zero_point=zo)
        act = int(rng.choice([NONE, RELU, RELU6, RELU_N1_TO_1]))
        mb.add_op(op, [b, a] if swap else [a, b], [y], options=dict(fused_activation_function=act))
        mb.set_io([a, b], [y])
        return mb.finish()
    return gen


def concatenation(rng, dtype, big):
    mb = ModelBuilder()
    shape = rand_shape(rng, int(rng.choice([3, 4])) if big else int(rng.choice([2, 3, 4, 4])), big)
    axis = int(rng.integers(-len(shape), len(shape)))
    ax = axis % len(shape)
    so, zo = qparams(rng, dtype)
    ins, total = [], 0
    for i in range(int(rng.integers(1, 5))):
        sh = list(shape)
        sh[ax] = int(rng.integers(1, 6)) if ax != len(shape) - 1 else channels(rng)
        total += sh[ax]
        s, z = (so, zo) if rng.random() < 0.6 else qparams(rng, dtype)
        ins.append(mb.add_tensor(f"in{i}", dtype, sh, scale=s, zero_point=z))
    oshape = list(shape)
    oshape[ax] = total
    y = mb.add_tensor("y", dtype, oshape, scale=so, zero_point=zo)
    mb.add_op("CONCATENATION", ins, [y], options=dict(axis=axis, fused_activation_function=NONE))
    mb.set_io(ins, [y])
    return mb.finish()


def pad(op):
    def gen(rng, dtype, big):
        mb = ModelBuilder()
        rank = int(rng.choice([2, 3, 4, 4, 4]))
        shape = rand_shape(rng, rank, big)
        pads = np.array([[int(rng.integers(0, 3)), int(rng.integers(0, 3))] for _ in range(rank)],
                        np.int32)
        if rng.random() < 0.5:
            pads[0] = [0, 0]
        if rng.random() < 0.4:       # an image padded in height and width only
            pads[-1] = [0, 0]
            pads[0] = [0, 0]
        s, z = qparams(rng, dtype)
        x = mb.add_tensor("x", dtype, shape, scale=s, zero_point=z)
        p = mb.add_const("paddings", pads)
        ins = [x, p]
        if op == "PADV2":
            ins.append(mb.add_const("value", rand_q(rng, dtype, [1]), scale=s, zero_point=z))
        y = mb.add_tensor("y", dtype, [d + int(a) + int(b) for d, (a, b) in zip(shape, pads)],
                          scale=s, zero_point=z)
        mb.add_op(op, ins, [y])
        mb.set_io([x], [y])
        return mb.finish()
    return gen


def quantize(rng, dtype, big):
    mb = ModelBuilder()
    shape = rand_shape(rng, 4, big)
    s, z = qparams(rng, dtype)
    odt = dtype if rng.random() < 0.5 else ("UINT8" if dtype == "INT8" else "INT8")
    so, zo = qparams(rng, odt)
    if rng.random() < 0.3:
        so = s
    x = mb.add_tensor("x", dtype, shape, scale=s, zero_point=z)
    y = mb.add_tensor("y", odt, shape, scale=so, zero_point=zo)
    mb.add_op("QUANTIZE", [x], [y])
    mb.set_io([x], [y])
    return mb.finish()


def lut_act(op):
    def gen(rng, dtype, big):
        mb = ModelBuilder()
        shape = rand_shape(rng, 4, big)
        s, z = qparams(rng, dtype)
        if op == "LOGISTIC":
            so, zo = 1.0 / 256.0, (-128 if dtype == "INT8" else 0)
        else:
            so, zo = 1.0 / 128.0, (0 if dtype == "INT8" else 128)
        x = mb.add_tensor("x", dtype, shape, scale=s * 4, zero_point=z)
        y = mb.add_tensor("y", dtype, shape, scale=so, zero_point=zo)
        mb.add_op(op, [x], [y])
        mb.set_io([x], [y])
        return mb.finish()
    return gen


def arg_max(rng, dtype, big):
    mb = ModelBuilder()
    rank = int(rng.choice([2, 3, 4, 4]))
    shape = rand_shape(rng, rank, big)
    axis = -1 if rng.random() < 0.7 else int(rng.integers(0, rank))
    s, z = qparams(rng, dtype)
    x = mb.add_tensor("x", dtype, shape, scale=s, zero_point=z)
    ax = mb.add_const("axis", np.array([axis], np.int32))
    oshape = [d for i, d in enumerate(shape) if i != axis % rank]
    otype = "INT32" if rng.random() < 0.6 else "INT64"
    y = mb.add_tensor("y", otype, oshape)
    mb.add_op("ARG_MAX", [x, ax], [y], options=dict(output_type=2 if otype == "INT32" else 4))
    mb.set_io([x], [y])
    return mb.finish()


def fully_connected(rng, dtype, big):
    mb = ModelBuilder()
    rows = int(rng.integers(1, 4))
    k = int(rng.choice([1, 7, 16, 33, 100, 257])) if not big else int(rng.integers(300, 1300))
    n = int(rng.choice([1, 5, 64, 65, 130])) if not big else int(rng.integers(100, 400))
    sx, zx = qparams(rng, dtype)
    sy, zy = qparams(rng, dtype)
    x = mb.add_tensor("x", dtype, [rows, k], scale=sx, zero_point=zx)
    per_channel = dtype == "INT8" and rng.random() < 0.5
    nq = n if per_channel else 1
    ws = [float(s) for s in rng.uniform(0.0005, 0.004, nq)]
    if dtype == "INT8":
        wz, wdata = [0] * nq, rng.integers(-127, 128, (n, k)).astype(np.int8)
    else:
        wz, wdata = [int(rng.integers(0, 256))], rng.integers(0, 256, (n, k)).astype(np.uint8)
    w = mb.add_const("w", wdata, scale=ws, zero_point=wz, quantized_dimension=0)
    ins = [x, w]
    if rng.random() < 0.75:
        ins.append(mb.add_const("b", rng.integers(-3000, 3000, n).astype(np.int32),
                                scale=[sx * s for s in ws], zero_point=[0] * nq))
    y = mb.add_tensor("y", dtype, [rows, n], scale=sy, zero_point=zy)
    act = int(rng.choice([NONE, RELU, RELU6]))
    mb.add_op("FULLY_CONNECTED", ins, [y], options=dict(fused_activation_function=act))
    mb.set_io([x], [y])
    return mb.finish()


GENERATORS = {
    "DEPTHWISE_CONV_2D": (depthwise, 60),
    "RESIZE_BILINEAR": (resize_bilinear, 30),
    "ADD": (binary("ADD"), 40),
    "SUB": (binary("SUB"), 20),
    "CONCATENATION": (concatenation, 30),
    "PAD": (pad("PAD"), 24),
    "PADV2": (pad("PADV2"), 12),
    "QUANTIZE": (quantize, 16),
    "LOGISTIC": (lut_act("LOGISTIC"), 10),
    "TANH": (lut_act("TANH"), 10),
    "ARG_MAX": (arg_max, 16),
    "FULLY_CONNECTED": (fully_connected, 20),
}


def main():
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20261201
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    for op, (gen, count) in GENERATORS.items():
        for i in range(count):
            dtype = "INT8" if i % 2 == 0 else "UINT8"
            with open(os.path.join(out, f"{op}__{i:02d}.tflite"), "wb") as f:
                f.write(gen(rng, dtype, i >= count - 4))   # the last few span many tasks


if __name__ == "__main__":
    main()
