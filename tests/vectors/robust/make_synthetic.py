#!/usr/bin/python3
"""Builds the synthetic models of tests/vectors/robust/ (see DATA.md):
several STRIDED_SLICE / SLICE / SPLIT / SPLIT_V / MAXIMUM / MINIMUM / PACK /
UNPACK / EXPAND_DIMS ops side by side in one model each, so one case covers many configurations. Writes
<name>/<name>.tflite and <name>/rand1/in*.bin; with --oracle also runs
tools/oracle/run.mjs to write out*.bin (needs tools/oracle/setup.sh).

    tests/vectors/robust/make_synthetic.py [--oracle]
"""
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tools", "tflite"))
from tflite_writer import FLOAT32, INT32, INT8, UINT8, ModelBuilder  # noqa: E402

NP = {INT8: np.int8, UINT8: np.uint8, FLOAT32: np.float32, INT32: np.int32}


def tensor(mb, name, dtype, shape):
    if dtype == INT8:
        return mb.add_tensor(name, dtype, shape, scale=0.05, zero_point=3)
    if dtype == UINT8:
        return mb.add_tensor(name, dtype, shape, scale=0.05, zero_point=128)
    return mb.add_tensor(name, dtype, shape)


def strided_slices():
    """One int8 [2,5,6,3] input, one output per configuration."""
    mb = ModelBuilder(description="fieldscope robust: STRIDED_SLICE configurations")
    shape = [2, 5, 6, 3]
    x = tensor(mb, "x", INT8, shape)
    cases = [  # begin, end, strides, begin_mask, end_mask, shrink_axis_mask
        ([0, 1, 0, 0], [2, 4, 6, 3], [1, 1, 1, 1], 0, 0, 0),        # plain box
        ([0, 0, 1, 0], [0, 0, 6, 0], [1, 2, 2, 1], 0b1011, 0b1011, 0),  # masks, stride 2
        ([1, -1, -1, 2], [2, -6, -7, 3], [1, -1, -2, 1], 0, 0, 0),   # negative strides and indices
        ([0, 2, 0, 1], [1, 3, 6, 2], [1, 1, 1, 1], 0, 0, 0b1001),    # shrink batch and channel
        ([0, 0, 0, 0], [2, 5, 6, 3], [1, 1, 1, 3], 0, 0, 0),         # strided channels
        ([-5, -7, -100, 0], [100, 100, 100, 1], [1, 1, 3, 1], 0, 0, 0),  # clamped out-of-range
    ]
    outs = []
    xs = np.zeros(shape)
    for k, (b, e, s, bm, em, sm) in enumerate(cases):
        sl = []
        for a in range(4):
            if sm >> a & 1:
                sl.append(b[a])
            else:
                sl.append(slice(None if bm >> a & 1 else b[a], None if em >> a & 1 else e[a], s[a]))
        oshape = list(xs[tuple(sl)].shape)
        y = tensor(mb, f"y{k}", INT8, oshape)
        mb.add_op("STRIDED_SLICE", [x, mb.add_const(f"b{k}", np.array(b, np.int32)),
                                    mb.add_const(f"e{k}", np.array(e, np.int32)),
                                    mb.add_const(f"s{k}", np.array(s, np.int32))], [y],
                  options=dict(begin_mask=bm, end_mask=em, shrink_axis_mask=sm), version=2)
        outs.append(y)
    mb.set_io([x], outs)
    return mb


def slices_and_splits():
    """uint8 [3,4,10] input through SLICE, SPLIT (negative axis) and SPLIT_V (-1 entry)."""
    mb = ModelBuilder(description="fieldscope robust: SLICE, SPLIT, SPLIT_V")
    x = tensor(mb, "x", UINT8, [3, 4, 10])
    outs = []
    y = tensor(mb, "slice", UINT8, [2, 4, 3])
    mb.add_op("SLICE", [x, mb.add_const("sb", np.array([1, 0, 5], np.int32)),
                        mb.add_const("ss", np.array([-1, 4, 3], np.int32))], [y], version=2)
    outs.append(y)
    ys = [tensor(mb, f"split{i}", UINT8, [3, 4, 2]) for i in range(5)]
    mb.add_op("SPLIT", [mb.add_const("ax", np.array(-1, np.int32).reshape(())), x], ys,
              options=dict(num_splits=5), version=2)
    outs += ys
    sizes = [1, 2, 1]
    ys = [tensor(mb, f"splitv{i}", UINT8, [3, n, 10]) for i, n in enumerate(sizes)]
    mb.add_op("SPLIT_V", [x, mb.add_const("sz", np.array([1, -1, 1], np.int32)),
                          mb.add_const("axv", np.array([1], np.int32))], ys,
              options=dict(num_splits=3), version=2)
    outs += ys
    mb.set_io([x], outs)
    return mb


def minimum_maximum():
    """MAXIMUM/MINIMUM with broadcasting; int8 inputs with different
    quantisations (the oracle compares raw values), float32 and int32."""
    mb = ModelBuilder(description="fieldscope robust: MAXIMUM, MINIMUM")
    a8 = mb.add_tensor("a8", INT8, [1, 4, 5, 3], scale=0.05, zero_point=3)
    b8 = mb.add_tensor("b8", INT8, [5, 1], scale=0.02, zero_point=-7)
    af = tensor(mb, "af", FLOAT32, [2, 3, 4])
    bf = tensor(mb, "bf", FLOAT32, [4])
    ai = tensor(mb, "ai", INT32, [6])
    bi = tensor(mb, "bi", INT32, [6])
    outs = []
    for op in ("MAXIMUM", "MINIMUM"):
        y = mb.add_tensor(f"{op}8", INT8, [1, 4, 5, 3], scale=0.1, zero_point=10)
        mb.add_op(op, [a8, b8], [y], version=2)
        yf = tensor(mb, f"{op}f", FLOAT32, [2, 3, 4])
        mb.add_op(op, [af, bf], [yf])
        yi = tensor(mb, f"{op}i", INT32, [6])
        mb.add_op(op, [bi, ai], [yi], version=4)
        outs += [y, yf, yi]
    mb.set_io([a8, b8, af, bf, ai, bi], outs)
    return mb


def pack_unpack_expand():
    """PACK (negative axis), UNPACK, and EXPAND_DIMS both mid-graph (its
    output aliases an intermediate that an ADD then reads) and at the end."""
    mb = ModelBuilder(description="fieldscope robust: PACK, UNPACK, EXPAND_DIMS")
    a = tensor(mb, "a", INT8, [3, 4])
    b = tensor(mb, "b", INT8, [3, 4])
    p = tensor(mb, "pack", INT8, [3, 4, 2])
    mb.add_op("PACK", [a, b], [p], options=dict(values_count=2, axis=-1), version=2)
    us = [tensor(mb, f"unpack{i}", INT8, [4, 2]) for i in range(3)]
    mb.add_op("UNPACK", [p], us, options=dict(num=3, axis=0), version=2)
    s = mb.add_tensor("sum", INT8, [4, 2], scale=0.1, zero_point=-5)
    mb.add_op("ADD", [us[0], us[2]], [s], options=dict(fused_activation_function=0), version=2)
    e = mb.add_tensor("expand", INT8, [4, 1, 2], scale=0.1, zero_point=-5)
    mb.add_op("EXPAND_DIMS", [s, mb.add_const("ax1", np.array([1], np.int32))], [e])
    s2 = mb.add_tensor("sum2", INT8, [4, 1, 2], scale=0.2, zero_point=0)
    mb.add_op("ADD", [e, e], [s2], options=dict(fused_activation_function=0), version=2)
    e2 = mb.add_tensor("expand_out", INT8, [1, 4, 1, 2], scale=0.2, zero_point=0)
    mb.add_op("EXPAND_DIMS", [s2, mb.add_const("ax0", np.array(-4, np.int64).reshape(()))], [e2])
    mb.set_io([a, b], [p, us[1], e2])
    return mb


def accumulator_wrap():
    """CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and TRANSPOSE_CONV whose
    biases sit next to the int32 limits, so the accumulators overflow: the
    oracle wraps around (two's complement adds), and fsnn must too, without
    undefined behaviour (a mutated real model found this under UBSan)."""
    from tflite_writer import SAME
    mb = ModelBuilder(description="fieldscope robust: int32 accumulator wrap-around")
    x = mb.add_tensor("x", INT8, [1, 4, 4, 8], scale=0.05, zero_point=-128)
    big = np.array([2**31 - 100, -2**31 + 50, 2**31 - 700000, -2**31 + 3000], np.int32)
    bq = dict(scale=[0.0005] * 4, zero_point=[0] * 4)
    wq = dict(scale=[0.01] * 4, zero_point=[0] * 4, quantized_dimension=0)
    sign = np.array([1, -1, 1, -1], np.int8)
    outs = []
    w = mb.add_const("w_conv", (np.full((4, 3, 3, 8), 127) * sign[:, None, None, None]).astype(np.int8), **wq)
    y = mb.add_tensor("conv", INT8, [1, 4, 4, 4], scale=0.5, zero_point=0)
    mb.add_op("CONV_2D", [x, w, mb.add_const("b_conv", big, **bq)], [y], version=3,
              options=dict(padding=SAME, stride_w=1, stride_h=1))
    outs.append(y)
    x4 = mb.add_tensor("x4", INT8, [1, 4, 4, 4], scale=0.05, zero_point=-128)
    mb.add_op("STRIDED_SLICE", [x, mb.add_const("sb", np.array([0, 0, 0, 0], np.int32)),
                                mb.add_const("se", np.array([1, 4, 4, 4], np.int32)),
                                mb.add_const("ss", np.array([1, 1, 1, 1], np.int32))], [x4], version=2)
    wd = mb.add_const("w_dw", (np.full((1, 3, 3, 4), 127) * sign[None, None, None, :]).astype(np.int8),
                      scale=[0.01] * 4, zero_point=[0] * 4, quantized_dimension=3)
    y = mb.add_tensor("dw", INT8, [1, 4, 4, 4], scale=0.5, zero_point=0)
    mb.add_op("DEPTHWISE_CONV_2D", [x4, wd, mb.add_const("b_dw", big, **bq)], [y], version=3,
              options=dict(padding=SAME, stride_w=1, stride_h=1, depth_multiplier=1))
    outs.append(y)
    xr = mb.add_tensor("xr", INT8, [1, 128], scale=0.05, zero_point=-128)
    mb.add_op("RESHAPE", [x, mb.add_const("rs", np.array([1, 128], np.int32))], [xr],
              options=dict(new_shape=[1, 128]))
    wf = mb.add_const("w_fc", (np.full((4, 128), 127) * sign[:, None]).astype(np.int8),
                      scale=[0.01], zero_point=[0])
    y = mb.add_tensor("fc", INT8, [1, 4], scale=0.5, zero_point=0)
    mb.add_op("FULLY_CONNECTED", [xr, wf, mb.add_const("b_fc", big, scale=[0.0005], zero_point=[0])],
              [y], version=4, options=dict(fused_activation_function=0))
    outs.append(y)
    wt = mb.add_const("w_tc", (np.full((4, 3, 3, 8), 127) * sign[:, None, None, None]).astype(np.int8), **wq)
    y = mb.add_tensor("tconv", INT8, [1, 8, 8, 4], scale=0.5, zero_point=0)
    mb.add_op("TRANSPOSE_CONV", [mb.add_const("osh", np.array([1, 8, 8, 4], np.int32)), wt, x,
                                 mb.add_const("b_tc", big, **bq)], [y], version=3,
              options=dict(padding=SAME, stride_w=2, stride_h=2))
    outs.append(y)
    mb.set_io([x], outs)
    return mb


def inputs(mb_inputs, rng):
    data = []
    for dtype, shape in mb_inputs:
        n = int(np.prod(shape))
        if dtype == FLOAT32:
            data.append(rng.uniform(-2, 2, n).astype(np.float32))
        elif dtype == INT32:
            data.append(rng.integers(-1000, 1000, n).astype(np.int32))
        else:
            data.append(rng.integers(0, 256, n, dtype=np.uint8).view(NP[dtype]))
    return data


MODELS = {
    "synthetic_strided_slice": (strided_slices, [(INT8, [2, 5, 6, 3])]),
    "synthetic_slice_split": (slices_and_splits, [(UINT8, [3, 4, 10])]),
    "synthetic_minimum_maximum": (minimum_maximum,
                                  [(INT8, [1, 4, 5, 3]), (INT8, [5, 1]), (FLOAT32, [2, 3, 4]),
                                   (FLOAT32, [4]), (INT32, [6]), (INT32, [6])]),
    "synthetic_pack_expand": (pack_unpack_expand, [(INT8, [3, 4]), (INT8, [3, 4])]),
    "synthetic_accumulator_wrap": (accumulator_wrap, [(INT8, [1, 4, 4, 8])]),
}


def main():
    oracle = "--oracle" in sys.argv[1:]
    for name, (build, ins) in MODELS.items():
        d = os.path.join(HERE, name)
        case = os.path.join(d, "rand1")
        os.makedirs(case, exist_ok=True)
        model = os.path.join(d, name + ".tflite")
        with open(model, "wb") as f:
            f.write(build().finish())
        paths = []
        for i, arr in enumerate(inputs(ins, np.random.default_rng(1))):
            p = os.path.join(case, f"in{i}.bin")
            arr.tofile(p)
            paths.append(p)
        if oracle:
            prefix = os.path.join(case, "oracle")
            subprocess.run(["node", os.path.join(TOP, "tools", "oracle", "run.mjs"), model,
                            ",".join(paths), prefix], check=True)
            k = 0
            while os.path.exists(f"{prefix}.{k}.bin"):
                os.replace(f"{prefix}.{k}.bin", os.path.join(case, f"out{k}.bin"))
                k += 1
        print(name, "written" + (" with oracle outputs" if oracle else ""))


if __name__ == "__main__":
    main()
