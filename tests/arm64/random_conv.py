#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Random-shape CONV_2D and DEPTHWISE_CONV_2D models: the fast kernel
variants must give the reference kernels' bytes exactly.

Usage: random_conv.py FSNN [CASES] [SEED]

FSNN is the fsnn program to test (for the arm64 tier, a wrapper that starts
the arm64 fsnn under qemu-aarch64; QEMU_CPU in the environment picks the
emulated CPU, e.g. cortex-a72 for NEON without the dot product). Each case is
a one-op model with random geometry (odd sizes, channel counts that are not
multiples of the vector widths, 1x1/3x3/other filters, stride 1 and 2, SAME
and VALID, dilation, depth multiplier), types (int8 per-channel and
per-tensor, uint8 with non-zero zero points), fused activations, with and
without bias (without, the fixed-point requantisation applies) and weights
that reach -128 (the A72 kernel's pairwise int16 sums must then not be used).
Shapes the variants decline still run, on the reference kernel. One run with
FSNN_KERNELS=ref, one with the default selection; outputs compared byte for
byte (FSNN_KERNELS in the environment, e.g. "neon", restricts the second
run's variants). Prints PASS/FAIL random_<op>_<n> lines.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

top = os.environ.get("FS_TOP") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(top, "tools", "tflite"))
from tflite_writer import ModelBuilder, SAME, VALID, NONE, RELU, RELU6  # noqa: E402


def make_case(rng, op):
    u8 = rng.random() < 0.4
    dt = "UINT8" if u8 else "INT8"
    lo, hi = (0, 256) if u8 else (-128, 128)
    n = 2 if rng.random() < 0.15 else 1
    h, w = int(rng.integers(1, 14)), int(rng.integers(1, 14))
    cin = int(rng.choice([1, 2, 3, 5, 8, 13, 16, 17, 24, 31, 40]))
    stride = int(rng.choice([1, 2]))
    dil = 2 if rng.random() < 0.1 else 1
    pad = SAME if rng.random() < 0.7 else VALID
    act = int(rng.choice([NONE, RELU, RELU6]))
    if op == "CONV_2D":
        kh, kw = [(1, 1), (3, 3), (3, 3), (1, 1), (2, 3), (5, 5)][int(rng.integers(0, 6))]
        cout = int(rng.choice([1, 3, 4, 7, 8, 16, 17, 24, 33]))
        mult = 1
    else:
        kh, kw = (3, 3) if rng.random() < 0.85 else (5, 5)
        mult = 2 if rng.random() < 0.1 else 1
        cout = cin * mult
    ekh, ekw = (kh - 1) * dil + 1, (kw - 1) * dil + 1
    if pad == VALID and (h < ekh or w < ekw):
        pad = SAME
    if pad == SAME:
        oh, ow = -(-h // stride), -(-w // stride)
    else:
        oh, ow = (h - ekh) // stride + 1, (w - ekw) // stride + 1
    in_scale = float(rng.uniform(0.005, 0.05))
    in_zp = int(rng.integers(0, 256)) if u8 else int(rng.integers(-128, 128))
    nch = cout
    per_channel = (not u8) and rng.random() < 0.7
    w_scale = rng.uniform(0.002, 0.02, nch if per_channel else 1)
    w_zp = int(rng.integers(0, 256)) if u8 else 0
    wshape = (cout, kh, kw, cin) if op == "CONV_2D" else (1, kh, kw, cout)
    wq = rng.integers(lo, hi, wshape)
    if rng.random() < 0.5:   # some -128 in the signed domain
        flat = wq.reshape(-1)
        flat[rng.integers(0, flat.size, max(1, flat.size // 20))] = 0 if u8 else -128
    elif not u8:
        wq = np.clip(wq, -127, 127)
    k = kh * kw * (cin if op == "CONV_2D" else 1)
    acc_typ = np.sqrt(k) * 70.0 * 70.0
    out_scale = float(in_scale * float(np.mean(w_scale)) * acc_typ / 60.0)
    out_zp = int(rng.integers(0, 256)) if u8 else int(rng.integers(-128, 128))

    mb = ModelBuilder(description=f"random {op}")
    x = mb.add_tensor("x", dt, [n, h, w, cin], scale=in_scale, zero_point=in_zp)
    qdim = 0 if op == "CONV_2D" else 3
    if per_channel:
        wt = mb.add_const("w", wq.astype(np.int8), scale=list(w_scale), zero_point=[0] * nch,
                          quantized_dimension=qdim)
    else:
        wt = mb.add_const("w", wq.astype(np.uint8 if u8 else np.int8), scale=float(w_scale[0]),
                          zero_point=w_zp)
    b = None
    if rng.random() < 0.8:
        bs = [in_scale * float(s) for s in (w_scale if per_channel else [w_scale[0]] * nch)]
        bq = rng.integers(-20000, 20000, nch).astype(np.int32)
        b = mb.add_const("b", bq, scale=bs, zero_point=[0] * nch)
    y = mb.add_tensor("y", dt, [n, oh, ow, cout], scale=out_scale, zero_point=out_zp)
    opts = dict(padding=pad, stride_w=stride, stride_h=stride, fused_activation_function=act,
                dilation_w_factor=dil, dilation_h_factor=dil)
    if op == "DEPTHWISE_CONV_2D":
        opts["depth_multiplier"] = mult
    mb.add_op(op, [x, wt, b], [y], version=3, options=opts)
    mb.set_io([x], [y])
    desc = (f"{dt.lower()} n{n} {h}x{w}x{cin}->{cout} k{kh}x{kw} s{stride} d{dil} "
            f"{'same' if pad == SAME else 'valid'} {'pc' if per_channel else 'pt'} "
            f"{'bias' if b is not None else 'nobias'} act{act}")
    data = rng.integers(0, 256, n * h * w * cin).astype(np.uint8).tobytes()
    return mb.finish(), data, desc


def run(fsnn, model, inp, prefix, kernels, threads=1):
    env = dict(os.environ)
    if kernels is not None:   # else the caller's FSNN_KERNELS, if any, picks the variants
        env["FSNN_KERNELS"] = kernels
    p = subprocess.run([fsnn, "run", model, inp, prefix, "--threads", str(threads)], env=env,
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        return None, (p.stderr or p.stdout).strip().splitlines()[-1:] or ["?"]
    with open(prefix + ".0.bin", "rb") as f:
        return f.read(), None


def main():
    fsnn = sys.argv[1]
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261201
    rng = np.random.default_rng(seed)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="fsnn-random-") as tmp:
        for i in range(cases):
            op = "CONV_2D" if i % 2 == 0 else "DEPTHWISE_CONV_2D"
            model, data, desc = make_case(rng, op)
            mp, ip = os.path.join(tmp, f"m{i}.tflite"), os.path.join(tmp, f"x{i}.bin")
            open(mp, "wb").write(model)
            open(ip, "wb").write(data)
            name = f"random_{op.lower()}_{i}"
            ref, err = run(fsnn, mp, ip, os.path.join(tmp, f"r{i}"), "ref")
            if ref is None:
                print(f"FAIL {name}: reference run failed ({desc}): {err[0]}")
                failed += 1
                continue
            # Threads inside the op must not change a byte: 1, 2 and 3 in turn.
            threads = 1 + i % 3
            fast, err = run(fsnn, mp, ip, os.path.join(tmp, f"f{i}"), None, threads)
            desc += f", {threads} thread{'s' if threads > 1 else ''}"
            if fast is None:
                print(f"FAIL {name}: fast run failed ({desc}): {err[0]}")
                failed += 1
            elif fast != ref:
                a, b = np.frombuffer(ref, np.uint8), np.frombuffer(fast, np.uint8)
                print(f"FAIL {name}: {int(np.sum(a != b))} of {a.size} bytes differ from the "
                      f"reference ({desc}, seed {seed})")
                failed += 1
            else:
                print(f"PASS {name} ({desc}, {len(set(ref))} distinct output values)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
