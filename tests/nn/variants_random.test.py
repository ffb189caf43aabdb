#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every fast kernel variant this CPU can run gives the reference kernel's
bytes on random shapes: odd sizes, channel counts that are not multiples of
the vector width, stride 2, dilation, SAME/VALID padding, per-tensor and
per-channel int8, uint8 with weight zero points, with and without bias
(fixed-point requantisation), fused activations, at 1, 2 and 3 threads.

Each case is a one-op model written with tools/tflite; fsnn run with
--kernels ref is the yardstick. A case also fails if no fast variant took
the op where one should (so a silent fall-back to the reference cannot pass
for a tested variant)."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

top = os.environ.get("FS_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(top, "tools", "tflite"))
from tflite_writer import ModelBuilder  # noqa: E402

fsnn = os.path.join(os.environ.get("FS_BIN", os.path.join(top, "build", "bin")), "fsnn")
SELECTIONS = ["generic", "generic,avx2", "generic,avx2,avxvnni", "generic,avx2,avxvnni,avx512vnni",
              "generic,neon", "generic,neon,dotprod"]
fails = 0


def report(name, ok, why=""):
    global fails
    if ok:
        print(f"PASS {name}")
    else:
        fails += 1
        print(f"FAIL {name}: {why}")


def out_size(n, k, s, d, same):
    eff = (k - 1) * d + 1
    return (n + s - 1) // s if same else (n - eff + s) // s


def conv_model(rng, op, u8):
    """A random CONV_2D or DEPTHWISE_CONV_2D; returns (bytes, input shape, dtype)."""
    mb = ModelBuilder()
    dt, npdt = ("UINT8", np.uint8) if u8 else ("INT8", np.int8)
    lo, hi = (0, 256) if u8 else (-128, 128)
    k = int(rng.choice([1, 1, 3, 3, 5]))
    kh, kw = k, int(rng.choice([k, 1])) if k > 1 and rng.random() < 0.2 else k
    s = int(rng.choice([1, 1, 2]))
    d = 2 if (k > 1 and s == 1 and rng.random() < 0.15) else 1
    same = bool(rng.random() < 0.7)
    h = int(rng.integers(max(kh, 1) * d, 19))
    w = int(rng.integers(max(kw, 1) * d, 23))
    cin = int(rng.choice([1, 2, 3, 5, 8, 16, 17, 31, 32, 33, 48]))
    if op == "CONV_2D":
        cout = int(rng.choice([1, 3, 7, 15, 16, 17, 32, 33, 40]))
        wshape, qdim = (cout, kh, kw, cin), 0
    else:
        cout = cin
        wshape, qdim = (1, kh, kw, cin), 3
    oh, ow = out_size(h, kh, s, d, same), out_size(w, kw, s, d, same)
    in_zp = int(rng.integers(lo, hi))
    x = mb.add_tensor("x", dt, [1, h, w, cin], scale=[float(rng.uniform(0.005, 0.05))], zero_point=[in_zp])
    per_channel = (not u8) and rng.random() < 0.6
    nq = cout if per_channel else 1
    w_scale = [float(v) for v in rng.uniform(0.002, 0.02, nq)]
    w_zp = [0] * nq if not u8 else [int(rng.integers(0, 256))]
    wt = mb.add_const("w", rng.integers(lo, hi, wshape).astype(npdt), scale=w_scale,
                      zero_point=w_zp, quantized_dimension=qdim)
    inputs = [x, wt]
    if rng.random() < 0.85:
        inputs.append(mb.add_const("b", rng.integers(-20000, 20000, cout).astype(np.int32),
                                   scale=[0.0001] * nq, zero_point=[0] * nq))
    y = mb.add_tensor("y", dt, [1, oh, ow, cout], scale=[float(rng.uniform(0.02, 0.3))],
                      zero_point=[int(rng.integers(lo, hi))])
    act = int(rng.choice([0, 0, 1, 3]))
    opts = dict(padding=0 if same else 1, stride_w=s, stride_h=s, fused_activation_function=act,
                dilation_w_factor=d, dilation_h_factor=d)
    if op == "DEPTHWISE_CONV_2D":
        opts["depth_multiplier"] = 1
    mb.add_op(op, inputs, [y], version=3 if op == "CONV_2D" else 5, options=opts)
    mb.set_io([x], [y])
    return mb.finish(), h * w * cin


def run(model, inp, outp, kernels, threads):
    r = subprocess.run([fsnn, "run", model, inp, outp, "--kernels", kernels, "--threads", str(threads)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()[-300:]
    with open(outp + ".0.bin", "rb") as f:
        return f.read(), ""


def variant_of(model, kernels):
    r = subprocess.run([fsnn, "info", model, "--json", "--kernels", kernels], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)["ops"][0].get("variant")


def main():
    rng = np.random.default_rng(int(os.environ.get("FS_SEED", "20261201")))
    cases = int(os.environ.get("FS_VARIANT_CASES", "40"))
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "m.tflite")
        inp = os.path.join(tmp, "in.bin")
        # Which selections give distinct variants on this CPU (probe on a conv).
        blob, n = conv_model(np.random.default_rng(1), "CONV_2D", False)
        open(model, "wb").write(blob)
        sels, seen = [], set()
        for sel in SELECTIONS:
            v = variant_of(model, sel)
            if v and v != "ref" and v not in seen:
                seen.add(v)
                sels.append(sel)
        print(f"# conv variants on this CPU: {sorted(seen) or 'none'}")
        for i in range(cases):
            op = "CONV_2D" if i % 3 != 2 else "DEPTHWISE_CONV_2D"
            u8 = i % 4 == 3
            blob, n = conv_model(rng, op, u8)
            open(model, "wb").write(blob)
            rng.integers(0, 256, n).astype(np.uint8).tofile(inp)
            ref, why = run(model, inp, os.path.join(tmp, "ref"), "ref", 1)
            name = f"variants/{op.lower()}_{'u8' if u8 else 'i8'}_{i}"
            if ref is None:
                report(name, False, f"reference run failed: {why}")
                continue
            for sel in sels:
                var = variant_of(model, sel)
                if op == "CONV_2D" and var in (None, "ref"):
                    report(f"{name}/{sel}/taken", False, f"selection {sel} ran the reference kernel")
                    continue
                for threads in (1, 2, 3):
                    got, why = run(model, inp, os.path.join(tmp, "fast"), sel, threads)
                    tag = f"{name}/{var}/t{threads}"
                    if got is None:
                        report(tag, False, f"run failed: {why}")
                    elif got != ref:
                        diff = sum(a != b for a, b in zip(got, ref))
                        report(tag, False, f"{diff} of {len(ref)} bytes differ from the reference")
                    else:
                        report(tag, True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
