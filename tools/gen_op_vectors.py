#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Generates the single-op test vectors in tests/vectors/ops/.

Every case is one small quantised .tflite model written with
tools/tflite/tflite_writer.py, seeded random inputs, and the outputs of the
oracle (tools/oracle/run.mjs: LiteRT.js 2.5.3, XNNPACK CPU path, 1 thread):

    tests/vectors/ops/<op>__<config>/
        model.tflite  in0.bin ...  out0.bin ...  meta.json  case.txt

case.txt is key=value lines for the C harness (tests/nn/test_op_vectors.c):
inputs=N, outputs=N, op=NAME. meta.json describes every input and output
(dtype, shape, quantisation), the seed and the oracle.

Usage: /usr/bin/python3 tools/gen_op_vectors.py [--out DIR] [--only SUBSTR] [--list] [--check]
--check rebuilds every model and input without the oracle and compares them
with the committed ones (tests/nn/op_vectors_regen.test.py runs it).
Needs Node 20 and tools/oracle/setup.sh run once (make vectors does both).
Each case's seed is a CRC32 of its name, so adding a case changes no other.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

import numpy as np

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tools", "tflite"))
import tflite_writer as tw  # noqa: E402
from tflite_writer import (FLOAT32, INT8, UINT8, INT32, INT64, SAME, VALID,  # noqa: E402
                           NONE, RELU, RELU6, RELU_N1_TO_1)

ORACLE = "LiteRT.js @litertjs/core 2.5.3 in Node 20, XNNPACK CPU path, 1 thread"
CASES = {}
# Cases the oracle is known to refuse (no vector is written; the run still
# checks that it refuses, so a newer oracle that accepts one is noticed).
EXPECTED_REFUSALS = {
    "CONCATENATION__int8_axis3_diff_q":
        "int8 inputs with their own quantisation: XNNPACK claims the node, then fails to "
        "delegate it (uint8 runs in TFLite's builtin kernel and has vectors)",
}


def case(op, config):
    """Registers a case builder under <op>__<config>."""
    def deco(fn):
        name = f"{op}__{config}"
        assert name not in CASES, name
        CASES[name] = (op, fn)
        return fn
    return deco


class Case:
    """One model plus its input data, built by a case function."""

    def __init__(self, name):
        self.name = name
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.seed = zlib.crc32(name.encode())
        self.mb = tw.ModelBuilder(description=f"fieldscope op vector {name}")
        self.inputs = []   # (tensor index, numpy array)
        self.outputs = []
        self.notes = ""

    # -- helpers -----------------------------------------------------------
    def qin(self, dtype):
        """Realistic activation quantisation: scale 0.01..0.05, zp near the middle."""
        scale = float(self.rng.uniform(0.01, 0.05))
        if dtype == INT8:
            return scale, int(self.rng.integers(-20, 21))
        return scale, int(self.rng.integers(108, 149))

    def rand(self, dtype, shape):
        if dtype == FLOAT32:
            return self.rng.uniform(-4.0, 4.0, shape).astype(np.float32)
        info = np.iinfo(tw.np_dtype(dtype))
        return self.rng.integers(info.min, info.max + 1, shape).astype(tw.np_dtype(dtype))

    def input(self, name, dtype, shape, scale=None, zp=None, data=None):
        if scale is None and dtype in (INT8, UINT8):
            scale, zp = self.qin(dtype)
        t = self.mb.add_tensor(name, dtype, shape, scale=scale, zero_point=zp)
        self.inputs.append((t, self.rand(dtype, shape) if data is None else data))
        return t

    def output(self, name, dtype, shape, scale=None, zp=None):
        t = self.mb.add_tensor(name, dtype, shape, scale=scale, zero_point=zp)
        self.outputs.append(t)
        return t

    def same_q(self, t):
        """(scale, zero_point) of tensor t, for ops whose output keeps it."""
        tt = self.mb.tensors[t]
        return tt.scale[0], tt.zero_point[0]

    def finish(self):
        self.mb.set_io([t for t, _ in self.inputs], self.outputs)
        return self.mb.finish()


def q_for_range(lo, hi, dtype, rng=None):
    """(scale, zp) mapping the float range [lo, hi] (containing 0) onto dtype."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    qmin, qmax = (-128, 127) if dtype == INT8 else (0, 255)
    scale = (hi - lo) / (qmax - qmin)
    zp = int(round(qmin - lo / scale))
    return float(scale), int(np.clip(zp, qmin, qmax))


def all_values(dtype, shape=(1, 16, 16, 1)):
    """Every value of an 8-bit dtype once (exhaustive unary-op inputs)."""
    info = np.iinfo(tw.np_dtype(dtype))
    return np.arange(info.min, info.max + 1).astype(tw.np_dtype(dtype)).reshape(shape)


def act_range(act, lo, hi):
    """Float output range after a fused activation, for choosing output quantisation."""
    if act == RELU:
        return 0.0, hi
    if act == RELU6:
        return 0.0, min(hi, 6.0)
    if act == RELU_N1_TO_1:
        return -1.0, 1.0
    return lo, hi


def weights(c, dtype, shape, per_channel, qdim, sigma_target=None):
    """Random weight tensor values and quantisation (symmetric int8 like
    converters; asymmetric uint8 per-tensor)."""
    n_ch = shape[qdim]
    if dtype == INT8:
        w = c.rng.integers(-127, 128, shape).astype(np.int8)
        if per_channel:
            scale = list(c.rng.uniform(0.002, 0.01, n_ch))
            zp = [0] * n_ch
        else:
            scale, zp = float(c.rng.uniform(0.002, 0.01)), 0
    else:
        w = c.rng.integers(0, 256, shape).astype(np.uint8)
        scale, zp = float(c.rng.uniform(0.002, 0.01)), int(c.rng.integers(100, 156))
    return w, scale, zp


def conv_out_q(c, dtype, x_t, w_scale, w_zp_dtype, k_eff, act):
    """Output quantisation for a conv-like op from the spread of its
    accumulators: inputs and weights are uniform over their ranges, so an
    output is a sum of k_eff products with std ~ sx*74 * sw*74."""
    sx, _ = c.same_q(x_t)
    sw = float(np.mean(np.atleast_1d(w_scale)))
    sigma = np.sqrt(k_eff) * sx * 74.0 * sw * 74.0
    lo, hi = act_range(act, -3.5 * sigma, 3.5 * sigma)
    return q_for_range(lo, hi, dtype)


def bias(c, n, x_scale, w_scale, rng_mag=2000):
    """int32 bias with scale = input scale * weight scale (per channel when
    the weights are; TFLite rejects per-channel bias with per-tensor weights)."""
    ws = np.atleast_1d(w_scale)
    scales = [float(np.float32(x_scale) * np.float32(s)) for s in ws]
    data = c.rng.integers(-rng_mag, rng_mag + 1, n).astype(np.int32)
    return data, scales


# "ties" cases tell XNNPACK's fp32 requantisation (round half to even) from
# TFLite's fixed point (round half away from zero): power-of-two scales make
# the multiplier exactly 1/4 on both paths, and inputs and weights within 6
# of their zero points keep the accumulators small, so a quarter of the
# outputs land exactly on .5 and the two paths disagree on about half of those.
TIE_X_SCALE, TIE_W_SCALE = 1 / 64, 1 / 128
TIE_OUT_SCALE = 4 * TIE_X_SCALE * TIE_W_SCALE


def tie_zp(dtype):
    return 0 if dtype == INT8 else 128


def tie_input(c, name, dtype, shape):
    zp = tie_zp(dtype)
    data = (zp + c.rng.integers(-6, 7, shape)).astype(tw.np_dtype(dtype))
    return c.input(name, dtype, list(shape), TIE_X_SCALE, zp, data=data)


def tie_weights(c, dtype, shape, per_channel, qdim):
    zp = tie_zp(dtype)
    w = (zp + c.rng.integers(-6, 7, shape)).astype(tw.np_dtype(dtype))
    if per_channel:
        return w, [TIE_W_SCALE] * shape[qdim], [0] * shape[qdim]
    return w, TIE_W_SCALE, zp


def out_size(n, k, s, d, pad):
    ke = (k - 1) * d + 1
    return (n + s - 1) // s if pad == SAME else (n - ke + s) // s


# ---- CONV_2D ------------------------------------------------------------------
def conv2d(name, dtype=INT8, n=1, hw=(9, 9), cin=3, cout=8, k=(3, 3), stride=(1, 1),
           dil=(1, 1), pad=SAME, act=RELU, per_channel=True, with_bias=True, wqdim=0, ties=False):
    c = Case(name)
    ishape, wshape = [n, hw[0], hw[1], cin], [cout, k[0], k[1], cin]
    if ties:
        x = tie_input(c, "input", dtype, ishape)
        w, ws, wz = tie_weights(c, dtype, wshape, per_channel, 0)
    else:
        x = c.input("input", dtype, ishape)
        w, ws, wz = weights(c, dtype, wshape, per_channel, 0)
    # uint8 per-tensor filters with quantized_dimension 3 make LiteRT's
    # XNNPACK delegate decline: TFLite's fixed-point kernel runs instead.
    wt = c.mb.add_const("filter", w, scale=ws, zero_point=wz, quantized_dimension=wqdim)
    sx, _ = c.same_q(x)
    ins = [x, wt]
    if with_bias:
        bd, bs = bias(c, cout, sx, ws, rng_mag=20 if ties else 2000)
        ins.append(c.mb.add_const("bias", bd, scale=bs, zero_point=[0] * len(bs)))
    oh = out_size(hw[0], k[0], stride[0], dil[0], pad)
    ow = out_size(hw[1], k[1], stride[1], dil[1], pad)
    if ties:
        so, zo = TIE_OUT_SCALE, tie_zp(dtype)
    else:
        so, zo = conv_out_q(c, dtype, x, ws, dtype, k[0] * k[1] * cin, act)
    y = c.output("output", dtype, [n, oh, ow, cout], so, zo)
    c.mb.add_op("CONV_2D", ins, [y], version=3 if dtype == INT8 else (2 if dil != (1, 1) else 1),
                options=dict(padding=pad, stride_w=stride[1], stride_h=stride[0],
                             fused_activation_function=act,
                             dilation_w_factor=dil[1], dilation_h_factor=dil[0]))
    return c


for cfg, kw in {
    "int8_3x3_s1_same_relu_pc": dict(),
    "int8_3x3_s2_same_odd_pc": dict(hw=(11, 13), cin=4, cout=6, stride=(2, 2), act=NONE),
    "int8_5x5_s1_valid_relu6_pc": dict(hw=(10, 9), cin=2, cout=5, k=(5, 5), pad=VALID, act=RELU6),
    "int8_3x3_dil2_same_n1to1_pc": dict(hw=(9, 10), cin=3, cout=4, dil=(2, 2), act=RELU_N1_TO_1),
    "int8_1x1_valid_pertensor_batch2": dict(n=2, hw=(5, 6), cin=16, cout=8, k=(1, 1), pad=VALID,
                                            per_channel=False, act=NONE),
    "int8_3x2_s2x1_valid_pc": dict(hw=(9, 8), cin=5, cout=7, k=(3, 2), stride=(2, 1), pad=VALID),
    "int8_3x3_s1_same_cin_eq_cout_pc": dict(hw=(6, 7), cin=4, cout=4, act=NONE),
    "int8_3x3_s1_same_relu6_17to13_pc": dict(hw=(12, 10), cin=17, cout=13, act=RELU6),
    "int8_1x1_s1_valid_32to24_pc": dict(hw=(8, 8), cin=32, cout=24, k=(1, 1), pad=VALID, act=NONE),
    "uint8_3x3_s1_same_relu": dict(dtype=UINT8, per_channel=False),
    "uint8_3x3_s2_valid_relu6": dict(dtype=UINT8, per_channel=False, hw=(10, 11), stride=(2, 2),
                                     pad=VALID, act=RELU6, cout=4),
    # TFLite fixed-point path (XNNPACK declines uint8 with quantized_dimension != 0).
    # "ties" cases (see TIE_X_SCALE) tell the two paths apart.
    "uint8_3x3_s1_same_relu_qdim3_ties": dict(dtype=UINT8, per_channel=False, hw=(7, 8), cin=5,
                                              cout=6, wqdim=3, ties=True),
    "uint8_3x3_s1_same_relu_qdim0_ties": dict(dtype=UINT8, per_channel=False, hw=(7, 8), cin=5,
                                              cout=6, ties=True),
    "uint8_1x1_valid_batch2_qdim3_ties": dict(dtype=UINT8, per_channel=False, n=2, hw=(4, 5),
                                              cin=12, cout=7, k=(1, 1), pad=VALID, act=NONE,
                                              wqdim=3, ties=True),
    "int8_3x3_s1_same_pc_ties": dict(hw=(6, 6), cin=4, cout=5, act=NONE, ties=True),
    "uint8_3x3_s2_same_relu6_qdim3": dict(dtype=UINT8, per_channel=False, hw=(9, 10), cin=3,
                                          cout=5, stride=(2, 2), act=RELU6, wqdim=3),
}.items():
    case("CONV_2D", cfg)(lambda name, kw=kw: conv2d(name, **kw))


# ---- DEPTHWISE_CONV_2D -------------------------------------------------------------
def dwconv(name, dtype=INT8, hw=(9, 9), cin=8, mult=1, k=(3, 3), stride=(1, 1), dil=(1, 1),
           pad=SAME, act=RELU, per_channel=True, wqdim=3, with_bias=True, ties=False):
    c = Case(name)
    cout = cin * mult
    if ties:
        x = tie_input(c, "input", dtype, [1, hw[0], hw[1], cin])
        w, ws, wz = tie_weights(c, dtype, [1, k[0], k[1], cout], per_channel, 3)
    else:
        x = c.input("input", dtype, [1, hw[0], hw[1], cin])
        w, ws, wz = weights(c, dtype, [1, k[0], k[1], cout], per_channel, 3)
    # uint8 with quantized_dimension 3 (the converters' choice) runs in TFLite
    # fixed point; 0 lets XNNPACK take it (fp32 requantisation). No bias: TFLite.
    wt = c.mb.add_const("filter", w, scale=ws, zero_point=wz, quantized_dimension=wqdim)
    sx, _ = c.same_q(x)
    bt = None
    if with_bias:
        bd, bs = bias(c, cout, sx, ws, rng_mag=20 if ties else 2000)
        bt = c.mb.add_const("bias", bd, scale=bs, zero_point=[0] * len(bs))
    oh = out_size(hw[0], k[0], stride[0], dil[0], pad)
    ow = out_size(hw[1], k[1], stride[1], dil[1], pad)
    if ties:
        so, zo = TIE_OUT_SCALE, tie_zp(dtype)
    else:
        so, zo = conv_out_q(c, dtype, x, ws, dtype, k[0] * k[1], act)
    y = c.output("output", dtype, [1, oh, ow, cout], so, zo)
    # Without a bias the node has two inputs: TFLite rejects an optional (-1) third.
    c.mb.add_op("DEPTHWISE_CONV_2D", [x, wt] + ([bt] if with_bias else []), [y],
                version=3 if dtype == INT8 else (2 if dil != (1, 1) else 1),
                options=dict(padding=pad, stride_w=stride[1], stride_h=stride[0],
                             depth_multiplier=mult, fused_activation_function=act,
                             dilation_w_factor=dil[1], dilation_h_factor=dil[0]))
    return c


for cfg, kw in {
    "int8_3x3_s1_same_relu_pc": dict(),
    "int8_3x3_s2_same_odd_pc": dict(hw=(11, 9), cin=6, stride=(2, 2), act=NONE),
    "int8_mult2_valid_pc": dict(hw=(7, 8), cin=3, mult=2, pad=VALID, act=RELU6),
    "int8_3x3_dil2_same_pc": dict(hw=(10, 9), cin=4, dil=(2, 2), act=NONE),
    "int8_5x5_s2_valid_pertensor": dict(hw=(11, 12), cin=5, k=(5, 5), stride=(2, 2), pad=VALID,
                                        per_channel=False, act=RELU_N1_TO_1),
    "int8_3x3_s1_same_32ch_pc": dict(hw=(10, 10), cin=32, act=NONE),
    "uint8_3x3_s1_same_relu6": dict(dtype=UINT8, per_channel=False, act=RELU6),
    "uint8_3x3_s2_valid": dict(dtype=UINT8, per_channel=False, hw=(9, 10), stride=(2, 2),
                               pad=VALID, act=NONE),
    # The uint8 cases above keep quantized_dimension 3 (TFLite fixed point);
    # these take XNNPACK's fp32 path (qdim 0) or TFLite's (no bias).
    "uint8_3x3_s1_same_relu_qdim0": dict(dtype=UINT8, per_channel=False, hw=(8, 7), cin=5,
                                         wqdim=0),
    "uint8_3x3_s1_same_qdim0_ties": dict(dtype=UINT8, per_channel=False, hw=(7, 6), cin=4,
                                         act=NONE, wqdim=0, ties=True),
    "uint8_3x3_s1_same_qdim3_ties": dict(dtype=UINT8, per_channel=False, hw=(7, 6), cin=4,
                                         act=NONE, ties=True),
    "int8_3x3_s1_same_pc_ties": dict(hw=(6, 7), cin=5, act=NONE, ties=True),
    "int8_3x3_s1_same_nobias_pc_ties": dict(hw=(6, 7), cin=5, act=NONE, with_bias=False,
                                            ties=True),
    "uint8_mult2_s2_same_qdim0": dict(dtype=UINT8, per_channel=False, hw=(9, 8), cin=3, mult=2,
                                      stride=(2, 2), act=NONE, wqdim=0),
    "uint8_3x3_s1_same_mult2_relu6_qdim3": dict(dtype=UINT8, per_channel=False, hw=(6, 7), cin=4,
                                                mult=2, act=RELU6),
    "int8_3x3_s1_same_nobias_pc": dict(hw=(7, 7), cin=6, act=NONE, with_bias=False),
}.items():
    case("DEPTHWISE_CONV_2D", cfg)(lambda name, kw=kw: dwconv(name, **kw))


# ---- TRANSPOSE_CONV ---------------------------------------------------------------
def tconv(name, dtype=INT8, hw=(5, 5), cin=4, cout=3, k=(3, 3), stride=(2, 2), pad=SAME,
          per_channel=True, with_bias=False, act=NONE, wqdim=0, ties=False):
    c = Case(name)
    if pad == SAME:
        oh, ow = hw[0] * stride[0], hw[1] * stride[1]
    else:
        oh, ow = (hw[0] - 1) * stride[0] + k[0], (hw[1] - 1) * stride[1] + k[1]
    shape_t = c.mb.add_const("output_shape", np.array([1, oh, ow, cout], np.int32))
    if ties:
        w, ws, wz = tie_weights(c, dtype, [cout, k[0], k[1], cin], per_channel, 0)
    else:
        w, ws, wz = weights(c, dtype, [cout, k[0], k[1], cin], per_channel, 0)
    wt = c.mb.add_const("filter", w, scale=ws, zero_point=wz, quantized_dimension=wqdim)
    # TRANSPOSE_CONV's data input comes third (output_shape, weights, input[, bias]).
    if ties:
        x = tie_input(c, "input", dtype, [1, hw[0], hw[1], cin])
    else:
        x = c.mb.add_tensor("input", dtype, [1, hw[0], hw[1], cin], *c.qin(dtype))
        c.inputs.append((x, c.rand(dtype, [1, hw[0], hw[1], cin])))
    sx, _ = c.same_q(x)
    ins = [shape_t, wt, x]
    if with_bias:
        bd, bs = bias(c, cout, sx, ws, rng_mag=20 if ties else 2000)
        ins.append(c.mb.add_const("bias", bd, scale=bs, zero_point=[0] * len(bs)))
    k_eff = max(1, k[0] * k[1] * cin // (stride[0] * stride[1]))
    if ties:
        so, zo = TIE_OUT_SCALE, tie_zp(dtype)
    else:
        so, zo = conv_out_q(c, dtype, x, ws, dtype, k_eff, act)
    y = c.output("output", dtype, [1, oh, ow, cout], so, zo)
    version = 4 if act != NONE else (3 if with_bias else (2 if dtype == INT8 else 1))
    c.mb.add_op("TRANSPOSE_CONV", ins, [y], version=version,
                options=dict(padding=pad, stride_w=stride[1], stride_h=stride[0],
                             fused_activation_function=act))
    return c


for cfg, kw in {
    "int8_3x3_s2_same_pc": dict(),
    "int8_2x2_s2_valid_bias_pc": dict(hw=(4, 4), cin=8, cout=4, k=(2, 2), pad=VALID, with_bias=True),
    "int8_3x3_s1_same_bias_odd_pc": dict(hw=(7, 5), cin=3, cout=2, stride=(1, 1), with_bias=True),
    "int8_4x4_s2_same_bias_relu_pertensor": dict(hw=(3, 5), cin=6, cout=5, k=(4, 4),
                                                 per_channel=False, with_bias=True, act=RELU),
    "uint8_3x3_s2_same": dict(dtype=UINT8, per_channel=False),
    "int8_3x3_s2_valid_pc": dict(hw=(4, 5), cin=5, cout=3, pad=VALID),
    "int8_2x2_s2_same_bias_relu6_pc": dict(hw=(3, 4), cin=6, cout=4, k=(2, 2), with_bias=True,
                                           act=RELU6),
    "uint8_3x3_s2_valid_bias": dict(dtype=UINT8, per_channel=False, hw=(4, 3), cin=4, cout=3,
                                    pad=VALID, with_bias=True),
    "uint8_3x3_s2_same_qdim3_ties": dict(dtype=UINT8, per_channel=False, hw=(4, 4), cin=3,
                                         cout=4, wqdim=3, ties=True),
    "uint8_3x3_s2_same_qdim0_ties": dict(dtype=UINT8, per_channel=False, hw=(4, 4), cin=3,
                                         cout=4, ties=True),
}.items():
    case("TRANSPOSE_CONV", cfg)(lambda name, kw=kw: tconv(name, **kw))


# ---- FULLY_CONNECTED --------------------------------------------------------------
def fc(name, dtype=INT8, in_shape=(1, 32), units=10, act=RELU, per_channel=False,
       with_bias=True, keep_num_dims=False, wqdim=0, ties=False):
    c = Case(name)
    k = in_shape[-1]
    rows = int(np.prod(in_shape)) // k
    if ties:
        x = tie_input(c, "input", dtype, in_shape)
        w, ws, wz = tie_weights(c, dtype, [units, k], per_channel, 0)
    else:
        x = c.input("input", dtype, list(in_shape))
        w, ws, wz = weights(c, dtype, [units, k], per_channel, 0)
    wt = c.mb.add_const("weights", w, scale=ws, zero_point=wz, quantized_dimension=wqdim)
    sx, _ = c.same_q(x)
    ins = [x, wt]
    if with_bias:
        bd, bs = bias(c, units, sx, ws, rng_mag=20 if ties else 2000)
        ins.append(c.mb.add_const("bias", bd, scale=bs, zero_point=[0] * len(bs)))
    else:
        ins.append(None)
    if ties:
        so, zo = TIE_OUT_SCALE, tie_zp(dtype)
    else:
        so, zo = conv_out_q(c, dtype, x, ws, dtype, k, act)
    oshape = list(in_shape[:-1]) + [units] if keep_num_dims else [rows, units]
    y = c.output("output", dtype, oshape, so, zo)
    version = 5 if keep_num_dims else (4 if dtype == INT8 else 1)
    c.mb.add_op("FULLY_CONNECTED", ins, [y], version=version,
                options=dict(fused_activation_function=act, keep_num_dims=keep_num_dims))
    return c


for cfg, kw in {
    "int8_32to10_relu": dict(),
    "int8_pc_48to16": dict(in_shape=(1, 48), units=16, per_channel=True, act=NONE),
    "int8_pc_relu_160to21_batch2": dict(in_shape=(2, 160), units=21, per_channel=True),
    "int8_4d_input_nobias": dict(in_shape=(1, 2, 2, 8), units=5, with_bias=False, act=NONE),
    "int8_keep_num_dims_relu6": dict(in_shape=(1, 3, 16), units=4, keep_num_dims=True, act=RELU6),
    "uint8_batch3_24to7": dict(dtype=UINT8, in_shape=(3, 24), units=7),
    "uint8_keep_num_dims_4d": dict(dtype=UINT8, in_shape=(1, 2, 3, 8), units=5, keep_num_dims=True,
                                   act=NONE),
    "int8_keep_num_dims_3d_batch2_pc": dict(in_shape=(2, 3, 12), units=6, per_channel=True,
                                            keep_num_dims=True, act=NONE),
    "uint8_qdim1_nobias_ties": dict(dtype=UINT8, in_shape=(4, 20), units=6, with_bias=False,
                                    act=NONE, wqdim=1, ties=True),
    "uint8_qdim0_bias_ties": dict(dtype=UINT8, in_shape=(4, 20), units=6, act=NONE, ties=True),
}.items():
    case("FULLY_CONNECTED", cfg)(lambda name, kw=kw: fc(name, **kw))


# ---- ADD / SUB / MUL --------------------------------------------------------------
def binary(name, op, dtype=INT8, a_shape=(1, 4, 4, 3), b_shape=None, act=NONE, b_const=False):
    c = Case(name)
    b_shape = list(a_shape if b_shape is None else b_shape)
    a = c.input("a", dtype, list(a_shape))
    if b_const:
        sb, zb = c.qin(dtype)
        b = c.mb.add_const("b", c.rand(dtype, b_shape), scale=sb, zero_point=zb)
    else:
        b = c.input("b", dtype, b_shape)
    (sa, za), (sb, zb) = c.same_q(a), c.same_q(b)
    qmin, qmax = (-128, 127) if dtype == INT8 else (0, 255)
    ra = (sa * (qmin - za), sa * (qmax - za))
    rb = (sb * (qmin - zb), sb * (qmax - zb))
    if op == "ADD":
        lo, hi = ra[0] + rb[0], ra[1] + rb[1]
    elif op == "SUB":
        lo, hi = ra[0] - rb[1], ra[1] - rb[0]
    else:
        prods = [x * y for x in ra for y in rb]
        lo, hi = min(prods), max(prods)
    # Uniform inputs rarely reach the corners: use 70% of the extreme range.
    lo, hi = act_range(act, 0.7 * lo, 0.7 * hi)
    so, zo = q_for_range(lo, hi, dtype)
    oshape = list(np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    y = c.output("output", dtype, oshape, so, zo)
    opts = dict(fused_activation_function=act)
    c.mb.add_op(op, [a, b], [y], version=2 if dtype == INT8 else 1, options=opts)
    return c


for op in ("ADD", "SUB", "MUL"):
    for cfg, kw in {
        "int8_same_shape": dict(),
        "int8_bcast_channel_relu": dict(a_shape=(1, 5, 4, 3), b_shape=(1, 1, 1, 3), act=RELU),
        "int8_bcast_2d_relu6": dict(a_shape=(1, 4, 1, 3), b_shape=(1, 1, 5, 3), act=RELU6),
        "int8_const_rhs_n1to1": dict(a_shape=(1, 3, 3, 4), b_const=True, act=RELU_N1_TO_1),
        "uint8_same_shape_relu": dict(dtype=UINT8, a_shape=(2, 3, 5, 2), act=RELU),
        "uint8_bcast_scalar": dict(dtype=UINT8, a_shape=(1, 3, 4, 2), b_shape=(1,)),
        "int8_same_shape_relu6": dict(a_shape=(1, 3, 4, 5), act=RELU6),
        "uint8_bcast_channel_relu6": dict(dtype=UINT8, a_shape=(1, 4, 3, 4), b_shape=(1, 1, 1, 4),
                                          act=RELU6),
    }.items():
        case(op, cfg)(lambda name, op=op, kw=kw: binary(name, op, **kw))


# ---- CONCATENATION ----------------------------------------------------------------
def concat(name, dtype=INT8, shapes=((1, 4, 4, 3), (1, 4, 4, 5)), axis=3, same_q=False,
           out_q=None):
    """same_q: every input and the output share one quantisation. Otherwise
    each input has its own; out_q=k gives the output input k's."""
    c = Case(name)
    q0 = c.qin(dtype)
    ins = []
    for i, s in enumerate(shapes):
        if same_q:
            ins.append(c.input(f"in{i}", dtype, list(s), *q0))
        else:
            ins.append(c.input(f"in{i}", dtype, list(s)))
    ax = axis % len(shapes[0])
    oshape = list(shapes[0])
    oshape[ax] = sum(s[ax] for s in shapes)
    if same_q:
        so, zo = q0
    elif out_q is not None:
        so, zo = c.same_q(ins[out_q])
    else:   # output range: the union of the inputs' ranges, so few values saturate
        qmin, qmax = (-128, 127) if dtype == INT8 else (0, 255)
        qs = [c.same_q(t) for t in ins]
        so, zo = q_for_range(min(s * (qmin - z) for s, z in qs),
                             max(s * (qmax - z) for s, z in qs), dtype)
    y = c.output("output", dtype, oshape, so, zo)
    c.mb.add_op("CONCATENATION", ins, [y], version=2 if dtype == INT8 else 1,
                options=dict(axis=axis, fused_activation_function=NONE))
    return c


for cfg, kw in {
    "int8_axis3_same_q": dict(same_q=True),
    "int8_axis3_odd_same_q": dict(shapes=((1, 3, 5, 1), (1, 3, 5, 4)), same_q=True),
    "int8_axis1_three_inputs": dict(shapes=((1, 2, 3, 4), (1, 3, 3, 4), (1, 1, 3, 4)), axis=1,
                                    same_q=True),
    "int8_axis_neg1_2d_same_q": dict(shapes=((3, 5), (3, 2)), axis=-1, same_q=True),
    "int8_axis0_batch_same_q": dict(shapes=((1, 2, 2, 3), (2, 2, 2, 3)), axis=0, same_q=True),
    "uint8_axis2_same_q": dict(dtype=UINT8, shapes=((1, 3, 2, 3), (1, 3, 4, 3)), axis=2,
                               same_q=True),
    # Inputs with their own scale/zero point: requantised into the output's.
    "uint8_axis3_diff_q": dict(dtype=UINT8, shapes=((1, 3, 4, 2), (1, 3, 4, 3))),
    "uint8_axis1_three_inputs_diff_q": dict(dtype=UINT8, shapes=((1, 2, 3, 2), (1, 1, 3, 2),
                                                                 (1, 3, 3, 2)), axis=1),
    "uint8_axis2_out_q_of_input1": dict(dtype=UINT8, shapes=((1, 2, 3, 3), (1, 2, 4, 3)), axis=2,
                                        out_q=1),
    "int8_axis3_diff_q": dict(shapes=((1, 2, 3, 4), (1, 2, 3, 2))),
}.items():
    case("CONCATENATION", cfg)(lambda name, kw=kw: concat(name, **kw))


# ---- pools --------------------------------------------------------------------------
def pool(name, op, dtype=INT8, hw=(8, 8), ch=3, k=(2, 2), stride=(2, 2), pad=VALID, act=NONE):
    c = Case(name)
    x = c.input("input", dtype, [1, hw[0], hw[1], ch])
    s, z = c.same_q(x)   # TFLite pools keep the input's quantisation
    oh = out_size(hw[0], k[0], stride[0], 1, pad)
    ow = out_size(hw[1], k[1], stride[1], 1, pad)
    y = c.output("output", dtype, [1, oh, ow, ch], s, z)
    c.mb.add_op(op, [x], [y], version=2 if dtype == INT8 else 1,
                options=dict(padding=pad, stride_w=stride[1], stride_h=stride[0],
                             filter_width=k[1], filter_height=k[0],
                             fused_activation_function=act))
    return c


for op in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
    for cfg, kw in {
        "int8_2x2_s2_valid": dict(),
        "int8_3x3_s2_same_odd": dict(hw=(9, 11), ch=4, k=(3, 3), pad=SAME),
        "int8_3x3_s1_same_relu6": dict(hw=(6, 5), ch=2, k=(3, 3), stride=(1, 1), pad=SAME, act=RELU6),
        "int8_global_7x7": dict(hw=(7, 7), ch=8, k=(7, 7), stride=(1, 1)),
        "uint8_2x3_s1x2_valid_relu": dict(dtype=UINT8, hw=(7, 9), k=(2, 3), stride=(1, 2), act=RELU),
    }.items():
        case(op, cfg)(lambda name, op=op, kw=kw: pool(name, op, **kw))


# ---- MEAN ----------------------------------------------------------------------------
def mean(name, dtype=INT8, shape=(1, 5, 6, 4), axes=(1, 2), keep=True, rescale=False):
    c = Case(name)
    x = c.input("input", dtype, list(shape))
    ax = c.mb.add_const("axis", np.array(axes, np.int32))
    s, z = c.qin(dtype) if rescale else c.same_q(x)
    oshape = [1 if i in [a % len(shape) for a in axes] else d for i, d in enumerate(shape)]
    if not keep:
        oshape = [d for i, d in enumerate(shape) if i not in [a % len(shape) for a in axes]]
    y = c.output("output", dtype, oshape, s, z)
    c.mb.add_op("MEAN", [x, ax], [y], version=2 if dtype == INT8 else 1,
                options=dict(keep_dims=keep))
    return c


for cfg, kw in {
    "int8_hw_keepdims": dict(),
    "int8_hw_nokeep_rescale": dict(shape=(1, 7, 7, 6), keep=False, rescale=True),
    "int8_channel_axis": dict(shape=(1, 3, 4, 5), axes=(3,), rescale=True),
    "int8_axis_neg1_2d": dict(shape=(4, 9), axes=(-1,), keep=False),
    "uint8_hw_keepdims_rescale": dict(dtype=UINT8, shape=(1, 4, 6, 3), rescale=True),
    "int8_axis1_nokeep_4d": dict(shape=(1, 6, 3, 4), axes=(1,), keep=False),
    "uint8_axis2_nokeep_rescale": dict(dtype=UINT8, shape=(1, 3, 7, 2), axes=(2,), keep=False,
                                       rescale=True),
    "int8_hw_nokeep_same_q": dict(shape=(1, 5, 4, 6), keep=False),
}.items():
    case("MEAN", cfg)(lambda name, kw=kw: mean(name, **kw))


# ---- RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR ------------------------------------------
def resize(name, op, dtype=INT8, hw=(4, 5), ch=3, size=(8, 10), align=False, half=False):
    c = Case(name)
    x = c.input("input", dtype, [1, hw[0], hw[1], ch])
    st = c.mb.add_const("size", np.array(size, np.int32))
    s, z = c.same_q(x)
    y = c.output("output", dtype, [1, size[0], size[1], ch], s, z)
    version = 3 if half else (2 if dtype == INT8 else 1)
    c.mb.add_op(op, [x, st], [y], version=version,
                options=dict(align_corners=align, half_pixel_centers=half))
    return c


for op in ("RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"):
    for cfg, kw in {
        "int8_x2": dict(),
        "int8_x2_align_corners": dict(align=True),
        "int8_x2_half_pixel": dict(half=True),
        "int8_5x7_to_9x4_half_pixel": dict(hw=(5, 7), ch=2, size=(9, 4), half=True),
        "int8_6x6_to_4x5_align_corners": dict(hw=(6, 6), ch=4, size=(4, 5), align=True),
        "uint8_3x4_to_7x9": dict(dtype=UINT8, hw=(3, 4), size=(7, 9)),
        "int8_8x10_to_3x4_down": dict(hw=(8, 10), ch=2, size=(3, 4)),
        "int8_8x10_to_3x4_down_half_pixel": dict(hw=(8, 10), ch=2, size=(3, 4), half=True),
        "int8_9x7_to_4x3_down_align_corners": dict(hw=(9, 7), ch=2, size=(4, 3), align=True),
        "int8_1x6_to_1x11_one_row": dict(hw=(1, 6), ch=3, size=(1, 11)),
        "int8_1x6_to_3x11_one_row_align_corners": dict(hw=(1, 6), ch=2, size=(3, 11), align=True),
        "int8_1x5_to_2x9_one_row_half_pixel": dict(hw=(1, 5), ch=2, size=(2, 9), half=True),
        "int8_5x6_to_1x4_to_one_row_align_corners": dict(hw=(5, 6), ch=2, size=(1, 4), align=True),
        "int8_5x6_to_1x4_to_one_row_half_pixel": dict(hw=(5, 6), ch=2, size=(1, 4), half=True),
        "uint8_7x9_to_4x5_down_half_pixel": dict(dtype=UINT8, hw=(7, 9), ch=2, size=(4, 5),
                                                 half=True),
        "uint8_3x4_to_7x9_align_corners": dict(dtype=UINT8, hw=(3, 4), ch=2, size=(7, 9),
                                               align=True),
        "int8_4x5_to_7x3_align_corners_and_half_pixel": dict(hw=(4, 5), ch=2, size=(7, 3),
                                                             align=True, half=True),
    }.items():
        case(op, cfg)(lambda name, op=op, kw=kw: resize(name, op, **kw))


# ---- PAD / PADV2 -----------------------------------------------------------------------
def pad(name, op, dtype=INT8, shape=(1, 3, 4, 2), pads=((0, 0), (1, 1), (2, 0), (0, 0)),
        value=None):
    c = Case(name)
    x = c.input("input", dtype, list(shape))
    pt = c.mb.add_const("paddings", np.array(pads, np.int32))
    s, z = c.same_q(x)
    ins = [x, pt]
    if op == "PADV2":
        ins.append(c.mb.add_const("constant_values", np.array([value], tw.np_dtype(dtype)),
                                  scale=s, zero_point=z))
    oshape = [d + p[0] + p[1] for d, p in zip(shape, pads)]
    y = c.output("output", dtype, oshape, s, z)
    c.mb.add_op(op, ins, [y], version=2 if dtype == INT8 else 1)
    return c


for cfg, kw in {
    "int8_hw": dict(),
    "int8_all_dims": dict(shape=(1, 2, 3, 3), pads=((1, 0), (0, 2), (1, 1), (2, 1))),
    "int8_2d": dict(shape=(3, 5), pads=((2, 1), (0, 3))),
    "uint8_hw": dict(dtype=UINT8, shape=(1, 4, 3, 3), pads=((0, 0), (2, 2), (1, 3), (0, 0))),
}.items():
    case("PAD", cfg)(lambda name, kw=kw: pad(name, "PAD", **kw))
for cfg, kw in {
    "int8_hw_value": dict(value=37),
    "int8_all_dims_value": dict(shape=(1, 2, 3, 3), pads=((1, 0), (0, 2), (1, 1), (2, 1)),
                                value=-100),
    "uint8_hw_value": dict(dtype=UINT8, shape=(1, 4, 3, 3), pads=((0, 0), (2, 2), (1, 3), (0, 0)),
                           value=250),
    "int8_2d_value_min": dict(shape=(3, 4), pads=((1, 2), (3, 0)), value=-128),
    "uint8_2d_value_1": dict(dtype=UINT8, shape=(2, 5), pads=((0, 1), (2, 2)), value=1),
}.items():
    case("PADV2", cfg)(lambda name, kw=kw: pad(name, "PADV2", **kw))


# ---- shape-only ops ----------------------------------------------------------------------
def reshape(name, dtype=INT8, shape=(1, 4, 4, 3), new=(1, 48), use_tensor=True, opt=True):
    c = Case(name)
    x = c.input("input", dtype, list(shape))
    s, z = c.same_q(x)
    ins = [x]
    if use_tensor:
        ins.append(c.mb.add_const("shape", np.array(new, np.int32)))
    out = list(new)
    if -1 in out:
        out[out.index(-1)] = int(np.prod(shape)) // -int(np.prod(out))
    y = c.output("output", dtype, out, s, z)
    c.mb.add_op("RESHAPE", ins, [y], version=1, options=dict(new_shape=list(new)) if opt else None)
    return c


for cfg, kw in {
    "int8_4d_to_2d": dict(),
    "int8_minus1": dict(shape=(2, 3, 4), new=(-1, 4)),
    "int8_options_only": dict(shape=(1, 6, 2), new=(1, 2, 3, 2), use_tensor=False),
    "uint8_2d_to_4d": dict(dtype=UINT8, shape=(3, 8), new=(1, 2, 3, 4)),
}.items():
    case("RESHAPE", cfg)(lambda name, kw=kw: reshape(name, **kw))


def squeeze(name, dtype=INT8, shape=(1, 1, 1, 6), dims=(1, 2)):
    c = Case(name)
    x = c.input("input", dtype, list(shape))
    s, z = c.same_q(x)
    r = len(shape)
    if dims:
        ds = [d % r for d in dims]
        out = [d for i, d in enumerate(shape) if i not in ds]
    else:
        out = [d for d in shape if d != 1]
    y = c.output("output", dtype, out, s, z)
    c.mb.add_op("SQUEEZE", [x], [y], version=1, options=dict(squeeze_dims=list(dims)))
    return c


for cfg, kw in {
    "int8_dims_1_2": dict(),
    "int8_all_ones": dict(shape=(1, 5, 1, 3), dims=()),
    "int8_negative_dim": dict(shape=(2, 3, 1), dims=(-1,)),
    "uint8_dim0": dict(dtype=UINT8, shape=(1, 4, 5), dims=(0,)),
}.items():
    case("SQUEEZE", cfg)(lambda name, kw=kw: squeeze(name, **kw))


def transpose(name, dtype=INT8, shape=(1, 3, 4, 5), perm=(0, 3, 1, 2)):
    c = Case(name)
    x = c.input("input", dtype, list(shape))
    pt = c.mb.add_const("perm", np.array(perm, np.int32))
    s, z = c.same_q(x)
    y = c.output("output", dtype, [shape[p] for p in perm], s, z)
    c.mb.add_op("TRANSPOSE", [x, pt], [y], version=2 if dtype == INT8 else 1)
    return c


for cfg, kw in {
    "int8_nhwc_to_nchw": dict(),
    "int8_swap_hw": dict(shape=(1, 2, 6, 3), perm=(0, 2, 1, 3)),
    "int8_3d": dict(shape=(3, 4, 5), perm=(2, 0, 1)),
    "uint8_nchw_to_nhwc": dict(dtype=UINT8, shape=(1, 3, 4, 5), perm=(0, 2, 3, 1)),
}.items():
    case("TRANSPOSE", cfg)(lambda name, kw=kw: transpose(name, **kw))


def tile(name, dtype=INT8, shape=(1, 2, 3, 2), mult=(1, 2, 3, 1)):
    c = Case(name)
    x = c.input("input", dtype, list(shape))
    mt = c.mb.add_const("multiples", np.array(mult, np.int32))
    s, z = c.same_q(x)
    y = c.output("output", dtype, [d * m for d, m in zip(shape, mult)], s, z)
    c.mb.add_op("TILE", [x, mt], [y], version=1)
    return c


for cfg, kw in {
    "int8_hw": dict(),
    "int8_spatial_broadcast": dict(shape=(1, 1, 1, 4), mult=(1, 5, 3, 1)),
    "int8_2d": dict(shape=(2, 3), mult=(3, 2)),
    "uint8_channels": dict(dtype=UINT8, shape=(1, 3, 2, 2), mult=(2, 1, 1, 3)),
}.items():
    case("TILE", cfg)(lambda name, kw=kw: tile(name, **kw))


def d2s(name, op, dtype=INT8, hw=(3, 4), ch=8, block=2):
    c = Case(name)
    if op == "DEPTH_TO_SPACE":
        ishape = [1, hw[0], hw[1], ch]
        oshape = [1, hw[0] * block, hw[1] * block, ch // (block * block)]
    else:
        ishape = [1, hw[0] * block, hw[1] * block, ch]
        oshape = [1, hw[0], hw[1], ch * block * block]
    x = c.input("input", dtype, ishape)
    s, z = c.same_q(x)
    y = c.output("output", dtype, oshape, s, z)
    c.mb.add_op(op, [x], [y], version=2 if dtype == INT8 else 1, options=dict(block_size=block))
    return c


for op in ("DEPTH_TO_SPACE", "SPACE_TO_DEPTH"):
    for cfg, kw in {
        "int8_block2": dict(),
        "int8_block3": dict(hw=(2, 3), ch=9 if op == "DEPTH_TO_SPACE" else 2, block=3),
        "uint8_block2": dict(dtype=UINT8, hw=(2, 5), ch=12 if op == "DEPTH_TO_SPACE" else 3),
    }.items():
        case(op, cfg)(lambda name, op=op, kw=kw: d2s(name, op, **kw))


# ---- QUANTIZE / DEQUANTIZE -----------------------------------------------------------------
def quantize(name, in_dtype, out_dtype, shape=(1, 4, 5, 3), same_real=False, in_q=(None, None),
             out_q=None, exhaustive=False):
    c = Case(name)
    if in_dtype == FLOAT32:
        x = c.input("input", FLOAT32, list(shape))
        so, zo = q_for_range(-3.0, 3.5, out_dtype)   # inputs span +-4: some saturate
    else:
        data = all_values(in_dtype) if exhaustive else None
        if data is not None:
            shape = data.shape
        x = c.input("input", in_dtype, list(shape), *in_q, data=data)
        s, z = c.same_q(x)
        if out_q is not None:
            so, zo = out_q
        elif same_real:   # int8 <-> uint8 with the same real values: zero point shifts by 128
            so, zo = s, z + (128 if out_dtype == UINT8 else -128)
        else:
            so, zo = c.qin(out_dtype)
            so *= 1.3
    y = c.output("output", out_dtype, list(shape), so, zo)
    c.mb.add_op("QUANTIZE", [x], [y], version=2 if INT8 in (in_dtype, out_dtype) else 1)
    return c


for cfg, kw in {
    "float_to_int8": dict(in_dtype=FLOAT32, out_dtype=INT8),
    "float_to_uint8": dict(in_dtype=FLOAT32, out_dtype=UINT8, shape=(2, 17)),
    "int8_to_uint8": dict(in_dtype=INT8, out_dtype=UINT8, same_real=True),
    "uint8_to_int8": dict(in_dtype=UINT8, out_dtype=INT8, same_real=True),
    "int8_to_uint8_rescale": dict(in_dtype=INT8, out_dtype=UINT8),
    "uint8_to_int8_rescale": dict(in_dtype=UINT8, out_dtype=INT8, shape=(1, 7, 3)),
    "int8_to_int8_rescale": dict(in_dtype=INT8, out_dtype=INT8),
    # Every input byte. in_s/out_s inside XNNPACK's [1/256, 128] (same-type:
    # XNNPACK's 8-bit multiplier) and outside it (TFLite's Requantize). A
    # ratio of 128.499 lands q=1 on 0.499 above a step: TFLite rounds it
    # down, XNNPACK's arithmetic would round it up.
    "int8_to_uint8_exhaustive": dict(in_dtype=INT8, out_dtype=UINT8, exhaustive=True,
                                     in_q=(0.03, -7), out_q=(0.041, 131)),
    "uint8_to_int8_exhaustive": dict(in_dtype=UINT8, out_dtype=INT8, exhaustive=True,
                                     in_q=(0.025, 120), out_q=(0.02, 9)),
    "int8_to_int8_exhaustive": dict(in_dtype=INT8, out_dtype=INT8, exhaustive=True,
                                    in_q=(0.03, 5), out_q=(0.047, -11)),
    "uint8_to_uint8_exhaustive": dict(in_dtype=UINT8, out_dtype=UINT8, exhaustive=True,
                                      in_q=(0.05, 131), out_q=(0.03726, 119)),
    "int8_to_uint8_ratio_gt128": dict(in_dtype=INT8, out_dtype=UINT8, exhaustive=True,
                                      in_q=(0.05, 0), out_q=(0.05 / 128.499, 0)),
    "uint8_to_int8_ratio_gt128": dict(in_dtype=UINT8, out_dtype=INT8, exhaustive=True,
                                      in_q=(0.04, 128), out_q=(0.04 / 128.499, -128)),
    "int8_to_uint8_ratio_lt_1_256": dict(in_dtype=INT8, out_dtype=UINT8, exhaustive=True,
                                         in_q=(0.001, -128), out_q=(0.3, 100)),
    "uint8_to_int8_ratio_lt_1_256": dict(in_dtype=UINT8, out_dtype=INT8, exhaustive=True,
                                         in_q=(0.002, 0), out_q=(0.002 * 300, -3)),
    "int8_to_int8_ratio_gt128": dict(in_dtype=INT8, out_dtype=INT8, exhaustive=True,
                                     in_q=(0.03, -2), out_q=(0.03 / 128.499, -128)),
    "uint8_to_uint8_ratio_lt_1_256": dict(in_dtype=UINT8, out_dtype=UINT8, exhaustive=True,
                                          in_q=(0.001, 255), out_q=(0.001 * 270, 77)),
}.items():
    case("QUANTIZE", cfg)(lambda name, kw=kw: quantize(name, **kw))


def dequantize(name, dtype=INT8, shape=(1, 4, 5, 3), in_q=(None, None), exhaustive=False):
    c = Case(name)
    data = all_values(dtype) if exhaustive else None
    if data is not None:
        shape = data.shape
    x = c.input("input", dtype, list(shape), *in_q, data=data)
    y = c.output("output", FLOAT32, list(shape))
    c.mb.add_op("DEQUANTIZE", [x], [y], version=2 if dtype == INT8 else 1)
    return c


for cfg, kw in {
    "int8_4d": dict(),
    "int8_2d": dict(shape=(3, 11)),
    "uint8_4d": dict(dtype=UINT8, shape=(1, 3, 3, 5)),
    "int8_exhaustive": dict(exhaustive=True, in_q=(0.0173, -13)),
    "uint8_exhaustive": dict(dtype=UINT8, exhaustive=True, in_q=(0.0291, 140)),
}.items():
    case("DEQUANTIZE", cfg)(lambda name, kw=kw: dequantize(name, **kw))


# ---- elementwise activations ------------------------------------------------------------------
# TFLite fixes the output quantisation of LOGISTIC, SOFTMAX (1/256, zp -128 int8 / 0 uint8)
# and TANH (1/128, zp 0 int8 / 128 uint8); the cases follow that.
FIXED_OUT_Q = {
    ("LOGISTIC", INT8): (1 / 256, -128), ("LOGISTIC", UINT8): (1 / 256, 0),
    ("SOFTMAX", INT8): (1 / 256, -128), ("SOFTMAX", UINT8): (1 / 256, 0),
    ("TANH", INT8): (1 / 128, 0), ("TANH", UINT8): (1 / 128, 128),
}


def unary(name, op, dtype=INT8, shape=(1, 4, 5, 3), in_scale=None, out_q=None, options=None,
          version=None, in_q=None, exhaustive=False):
    c = Case(name)
    data = all_values(dtype) if exhaustive else None
    if data is not None:
        shape = data.shape
    if in_q is not None:
        x = c.input("input", dtype, list(shape), *in_q, data=data)
    elif in_scale is None:
        x = c.input("input", dtype, list(shape), data=data)
    else:
        zp = 0 if dtype == INT8 else 128
        x = c.input("input", dtype, list(shape), in_scale, zp + int(c.rng.integers(-10, 11)),
                    data=data)
    if (op, dtype) in FIXED_OUT_Q:
        so, zo = FIXED_OUT_Q[(op, dtype)]
    elif out_q == "same":
        so, zo = c.same_q(x)
    elif out_q is not None:
        so, zo = out_q
    else:
        so, zo = c.qin(dtype)
    y = c.output("output", dtype, list(shape), so, zo)
    if version is None:
        version = 2 if dtype == INT8 else 1
    c.mb.add_op(op, [x], [y], version=version, options=options)
    return c


for op in ("LOGISTIC", "TANH"):
    k = 1.0 if op == "LOGISTIC" else 0.4   # tanh saturates twice as fast
    for cfg, kw in {
        "int8": dict(in_scale=0.05 * k),
        "int8_wide_input": dict(in_scale=0.12 * k, shape=(2, 33)),
        "int8_narrow_input": dict(in_scale=0.01 * k, shape=(1, 3, 7, 2)),
        "uint8": dict(dtype=UINT8, in_scale=0.06 * k),
        "int8_exhaustive": dict(in_q=(0.06 * k, 3), exhaustive=True),
        "uint8_exhaustive": dict(dtype=UINT8, in_q=(0.05 * k, 121), exhaustive=True),
    }.items():
        case(op, cfg)(lambda name, op=op, kw=kw: unary(name, op, **kw))

for cfg, kw in {
    "int8_beta1": dict(shape=(1, 10), in_scale=0.08, options=dict(beta=1.0)),
    "int8_beta0.5_4d": dict(shape=(1, 3, 4, 6), in_scale=0.1, options=dict(beta=0.5)),
    "int8_beta2_rows": dict(shape=(5, 7), in_scale=0.03, options=dict(beta=2.0)),
    "uint8_beta1": dict(dtype=UINT8, shape=(2, 12), in_scale=0.05, options=dict(beta=1.0)),
}.items():
    case("SOFTMAX", cfg)(lambda name, kw=kw: unary(name, "SOFTMAX", **kw))

for op in ("RELU", "RELU6"):
    for cfg, kw in {
        "int8_same_q": dict(out_q="same"),
        "int8_rescale": dict(in_scale=0.05, out_q=(0.03, -128)),
        "uint8_rescale": dict(dtype=UINT8, in_scale=0.04, out_q=(0.03, 0)),
        "int8_exhaustive": dict(in_q=(0.05, 9), out_q=(0.0251, -128), exhaustive=True),
        "uint8_exhaustive": dict(dtype=UINT8, in_q=(0.04, 133), out_q=(0.0237, 3), exhaustive=True),
    }.items():
        case(op, cfg)(lambda name, op=op, kw=kw: unary(name, op, **kw))

for cfg, kw in {
    "int8_same_q": dict(in_q=(1 / 128, 0), out_q="same"),
    "int8_exhaustive": dict(in_q=(0.011, -6), out_q=(1 / 127.5, 0), exhaustive=True),
    "uint8_exhaustive": dict(dtype=UINT8, in_q=(0.009, 126), out_q=(2 / 255, 128), exhaustive=True),
}.items():
    # The oracle registers RELU_N1_TO_1 version 1 only (int8 included).
    case("RELU_N1_TO_1", cfg)(lambda name, kw=kw: unary(name, "RELU_N1_TO_1", version=1, **kw))

for cfg, kw in {
    "int8_alpha0.2": dict(in_scale=0.05, out_q=(0.04, 20), options=dict(alpha=0.2)),
    "int8_alpha0.1_same_q": dict(out_q="same", options=dict(alpha=0.1)),
    "uint8_alpha0.3": dict(dtype=UINT8, in_scale=0.03, out_q=(0.025, 100), options=dict(alpha=0.3)),
    # Every input byte. XNNPACK takes the node when alpha is normal and both
    # multipliers (in_s/out_s, alpha*in_s/out_s) have magnitude in [1/256, 128];
    # otherwise (alpha 0 or 0.001 here) TFLite's fixed-point kernel runs. The
    # scales put 256*in_s/out_s near k+0.5, where XNNPACK's 8-bit multiplier
    # and TFLite's 31-bit one round differently, so the two paths differ.
    "int8_alpha0.2_exhaustive": dict(in_q=(0.05, 4), out_q=(0.04, 20), options=dict(alpha=0.2),
                                     exhaustive=True),
    "uint8_alpha0.3_exhaustive": dict(dtype=UINT8, in_q=(0.03, 125), out_q=(0.025, 100),
                                      options=dict(alpha=0.3), exhaustive=True),
    "int8_alpha-0.5_exhaustive": dict(in_q=(0.04, 5), out_q=(0.021, -128),
                                      options=dict(alpha=-0.5), exhaustive=True),
    "int8_alpha2_exhaustive": dict(in_q=(0.03, 0), out_q=(0.08063, -33), options=dict(alpha=2.0),
                                   exhaustive=True),
    "uint8_alpha2_exhaustive": dict(dtype=UINT8, in_q=(0.02, 130), out_q=(0.030073, 170),
                                    options=dict(alpha=2.0), exhaustive=True),
    "int8_alpha0.001_exhaustive": dict(in_q=(0.05, -3), out_q=(0.038381, -100),
                                       options=dict(alpha=0.001), exhaustive=True),
    "uint8_alpha0.001_exhaustive": dict(dtype=UINT8, in_q=(0.03, 128), out_q=(0.019922, 5),
                                        options=dict(alpha=0.001), exhaustive=True),
    "int8_alpha0_exhaustive": dict(in_q=(0.05, 10), out_q=(0.029392, -128),
                                   options=dict(alpha=0.0), exhaustive=True),
}.items():
    case("LEAKY_RELU", cfg)(lambda name, kw=kw: unary(name, "LEAKY_RELU", **kw))

for cfg, kw in {
    "int8": dict(in_scale=0.04, out_q=(0.03, -90)),
    "int8_wide": dict(in_scale=0.08, out_q=(0.045, -110), shape=(2, 40)),
    "uint8": dict(dtype=UINT8, in_scale=0.04, out_q=(0.03, 40)),
    # Every input byte, input scale above and below the output scale.
    "int8_in_gt_out_exhaustive": dict(in_q=(0.04, 2), out_q=(0.03, -90), exhaustive=True),
    "int8_in_lt_out_exhaustive": dict(in_q=(0.02, -9), out_q=(0.035, -115), exhaustive=True),
    "uint8_in_gt_out_exhaustive": dict(dtype=UINT8, in_q=(0.05, 120), out_q=(0.037, 30),
                                       exhaustive=True),
    "uint8_in_lt_out_exhaustive": dict(dtype=UINT8, in_q=(0.015, 133), out_q=(0.04, 20),
                                       exhaustive=True),
}.items():
    case("HARD_SWISH", cfg)(lambda name, kw=kw: unary(name, "HARD_SWISH", version=1, **kw))


def prelu(name, dtype=INT8, shape=(1, 4, 5, 3), alpha_shape=(1, 1, 3)):
    c = Case(name)
    x = c.input("input", dtype, list(shape), 0.04, 0 if dtype == INT8 else 128)
    qmin = -128 if dtype == INT8 else 0
    za = 0 if dtype == INT8 else 128
    a_real = c.rng.uniform(0.05, 0.5, alpha_shape)
    sa = 0.5 / 127
    a_q = np.clip(np.round(a_real / sa) + za, qmin, qmin + 255).astype(tw.np_dtype(dtype))
    at = c.mb.add_const("alpha", a_q, scale=sa, zero_point=za)
    y = c.output("output", dtype, list(shape), 0.035, -60 if dtype == INT8 else 70)
    c.mb.add_op("PRELU", [x, at], [y], version=1)   # the oracle has no PRELU version 2
    return c


for cfg, kw in {
    "int8_per_channel_alpha": dict(),
    "int8_full_alpha": dict(shape=(1, 2, 3, 4), alpha_shape=(2, 3, 4)),
    "uint8_per_channel_alpha": dict(dtype=UINT8, shape=(1, 3, 3, 2), alpha_shape=(1, 1, 2)),
}.items():
    case("PRELU", cfg)(lambda name, kw=kw: prelu(name, **kw))


def argmax(name, dtype=INT8, shape=(1, 4, 5, 6), axis=3, out_type=INT32):
    c = Case(name)
    x = c.input("input", dtype, list(shape))
    at = c.mb.add_const("axis", np.array([axis], np.int32))
    oshape = [d for i, d in enumerate(shape) if i != axis % len(shape)]
    y = c.output("output", out_type, oshape)
    c.mb.add_op("ARG_MAX", [x, at], [y], version=2 if dtype == INT8 else 1,
                options=dict(output_type=out_type))
    return c


for cfg, kw in {
    "int8_axis3_int32": dict(),
    "uint8_axis3_int64": dict(dtype=UINT8, shape=(1, 3, 4, 21), out_type=INT64),
    "int8_axis1_int64": dict(shape=(2, 7, 3), axis=1, out_type=INT64),
    "int8_axis_neg1_2d_int32": dict(shape=(5, 9), axis=-1),
    "int8_axis3_int64": dict(shape=(1, 3, 4, 9), out_type=INT64),
    "int8_axis_neg1_3d_int64": dict(shape=(2, 5, 17), axis=-1, out_type=INT64),
    "uint8_axis_neg1_2d_int64": dict(dtype=UINT8, shape=(6, 11), axis=-1, out_type=INT64),
}.items():
    case("ARG_MAX", cfg)(lambda name, kw=kw: argmax(name, **kw))


# ---- driver ---------------------------------------------------------------------------------
def tensor_meta(mb, t, fname):
    tt = mb.tensors[t]
    d = {"file": fname, "name": tt.name, "dtype": tw.np_dtype(tt.type).name.upper(),
         "shape": tt.shape}
    if tt.scale is not None:
        d["quant"] = {"scale": tt.scale, "zero_point": tt.zero_point,
                      "quantized_dimension": tt.qdim}
    return d


def check(out_dir, names):
    """Problems (strings) between the generator and the vectors in out_dir:
    models, inputs and case.txt must be byte-identical to a rebuild, and the
    directory must hold exactly the registered cases (less expected refusals)."""
    problems = []
    have = {d for d in os.listdir(out_dir) if "__" in d}
    want = {n for n in names if n not in EXPECTED_REFUSALS}
    for n in sorted(have - set(CASES)):
        problems.append(f"{n}: committed but no longer generated")
    for n in sorted(want - have):
        problems.append(f"{n}: generated but not committed (run make vectors)")
    for name in sorted(want & have):
        op, fn = CASES[name]
        c = fn(name)
        d = os.path.join(out_dir, name)
        files = {"model.tflite": c.finish(),
                 "case.txt": f"inputs={len(c.inputs)}\noutputs={len(c.outputs)}\nop={op}\n".encode()}
        for i, (_, arr) in enumerate(c.inputs):
            files[f"in{i}.bin"] = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        for fname, data in files.items():
            try:
                with open(os.path.join(d, fname), "rb") as f:
                    got = f.read()
            except OSError as e:
                problems.append(f"{name}/{fname}: {e.strerror}")
                continue
            if got != data:
                problems.append(f"{name}/{fname}: {len(got)} bytes committed, a rebuild gives "
                                f"{len(data)} bytes with different content (run make vectors)")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(TOP, "tests", "vectors", "ops"))
    ap.add_argument("--only", default="", help="only cases whose name contains this")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--check", action="store_true",
                    help="compare a rebuild of models and inputs with --out (no oracle)")
    args = ap.parse_args()
    names = [n for n in CASES if args.only in n]
    if args.list:
        print("\n".join(names))
        return 0
    if args.check:
        problems = check(args.out, names)
        for p in problems:
            print(p)
        print(f"{len(names)} cases checked in {args.out}, {len(problems)} problems")
        return 1 if problems else 0
    runner = os.path.join(TOP, "tools", "oracle", "run.mjs")
    if not os.path.isdir(os.path.join(TOP, "tools", "oracle", "node_modules")):
        print("gen_op_vectors: tools/oracle/node_modules missing: run tools/oracle/setup.sh",
              file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    if not args.only:   # full regeneration: drop cases that no longer exist
        for d in os.listdir(args.out):
            if "__" in d and d not in CASES:
                shutil.rmtree(os.path.join(args.out, d))
    jobs, built = [], []
    for name in names:
        op, fn = CASES[name]
        c = fn(name)
        d = os.path.join(args.out, name)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        with open(os.path.join(d, "model.tflite"), "wb") as f:
            f.write(c.finish())
        ins = []
        for i, (t, arr) in enumerate(c.inputs):
            p = os.path.join(d, f"in{i}.bin")
            np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tofile(p)
            ins.append(p)
        outs = [os.path.join(d, f"out{i}.bin") for i in range(len(c.outputs))]
        jobs.append({"model": os.path.join(d, "model.tflite"), "inputs": ins, "outputs": outs})
        built.append((name, op, c, d))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(jobs, f)
        jobs_path = f.name
    r = subprocess.run(["node", runner, "--batch", jobs_path], capture_output=True, text=True)
    os.unlink(jobs_path)
    results = {}
    for line in r.stdout.splitlines():
        if line.startswith("{"):
            j = json.loads(line)
            results[j["job"]] = j
    refused, expected = [], []
    for i, (name, op, c, d) in enumerate(built):
        res = results.get(i, {"ok": False, "error": "no result (runner crashed?) " + r.stderr[-300:]})
        if not res["ok"]:
            (expected if name in EXPECTED_REFUSALS else refused).append((name, res["error"]))
            shutil.rmtree(d)
            continue
        if name in EXPECTED_REFUSALS:
            print(f"note {name}: the oracle now accepts it; drop it from EXPECTED_REFUSALS")
        warn = []
        for k, t in enumerate(c.outputs):
            tt = c.mb.tensors[t]
            got = np.fromfile(os.path.join(d, f"out{k}.bin"), tw.np_dtype(tt.type))
            if got.size != int(np.prod(tt.shape)):
                refused.append((name, f"output {k}: {got.size} elements, expected shape {tt.shape}"))
                break
            if tt.type in (INT8, UINT8):
                info = np.iinfo(got.dtype)
                # Values at the zero point are clamped activations, not saturation.
                at_min = np.mean(got == info.min) if tt.zero_point[0] != info.min else 0.0
                sat = at_min + np.mean(got == info.max)
                if sat > 0.25:
                    warn.append(f"output {k}: {sat:.0%} saturated")
        else:
            meta = {"case": name, "op": op, "seed": c.seed,
                    "generator": "tools/gen_op_vectors.py",
                    "inputs": [tensor_meta(c.mb, t, f"in{k}.bin") for k, (t, _) in enumerate(c.inputs)],
                    "outputs": [tensor_meta(c.mb, t, f"out{k}.bin") for k, t in enumerate(c.outputs)],
                    "oracle": ORACLE}
            with open(os.path.join(d, "meta.json"), "w") as f:
                json.dump(meta, f, indent=1)
                f.write("\n")
            with open(os.path.join(d, "case.txt"), "w") as f:
                f.write(f"inputs={len(c.inputs)}\noutputs={len(c.outputs)}\nop={op}\n")
            print(f"ok   {name}" + (f"  (warning: {'; '.join(warn)})" if warn else ""))
            continue
        shutil.rmtree(d)
    for name, err in expected:
        print(f"refused as expected {name}: {err}")
    for name, err in refused:
        print(f"REFUSED {name}: {err}")
    print(f"{len(built) - len(refused) - len(expected)} cases written to {args.out}, "
          f"{len(expected)} refused as expected, {len(refused)} refused")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
