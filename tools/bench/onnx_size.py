#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes a copy of a fully convolutional ONNX model (fsmodel's QDQ twin of
the M2U-Net) with a different input/output height and width.

    onnx_size.py IN.onnx --size HxW -o OUT.onnx

The twin's graph has no size in it but the I/O shapes: convolutions, Resize
(by scales 2x) and Concat follow the input. So the 2048x2048 twin is the
committed 1024x1024 network, same weights and quantisation, with its I/O
dims rewritten (fixed, not symbolic, so ONNX Runtime plans memory as for the
1024 file). Refuses models whose graph holds value_info shapes or a Resize
by explicit sizes (those would not follow). Needs python3-onnx.
"""
import argparse
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--size", required=True, help="HxW, e.g. 2048x2048")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    try:
        h, w = (int(v) for v in a.size.lower().split("x"))
        assert h > 0 and w > 0
    except (ValueError, AssertionError):
        print(f"onnx_size.py: --size takes HxW, got '{a.size}'", file=sys.stderr)
        return 2
    try:
        import onnx
    except ImportError:
        print("onnx_size.py: python3-onnx is missing (apt-get install python3-onnx)", file=sys.stderr)
        return 1
    m = onnx.load(a.model)
    g = m.graph
    if len(g.value_info):
        print(f"onnx_size.py: {a.model} has {len(g.value_info)} intermediate shapes; "
              "only I/O shapes are rewritten", file=sys.stderr)
        return 1
    for n in g.node:
        if n.op_type == "Resize" and len(n.input) > 3 and n.input[3]:
            print(f"onnx_size.py: {a.model}: Resize '{n.name}' takes explicit sizes", file=sys.stderr)
            return 1
    for v in list(g.input) + list(g.output):
        d = v.type.tensor_type.shape.dim
        if len(d) != 4:
            print(f"onnx_size.py: {a.model}: '{v.name}' is not NCHW", file=sys.stderr)
            return 1
        d[2].dim_value = h
        d[3].dim_value = w
    onnx.checker.check_model(m)
    onnx.save(m, a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
