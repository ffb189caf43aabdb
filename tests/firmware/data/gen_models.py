#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Tiny int8 segmentation models for the firmware tests (not real networks).

  thresh_HxW.tflite  ADD(-128) -> LOGISTIC: foreground where pixel >= 128.
                     Purely per pixel, so any tiling must give the same mask.
  blur_HxW.tflite    3x3 mean CONV_2D (bias -128, SAME) -> LOGISTIC: a
                     neighbourhood op, so tiles need overlap to match.

Input int8 with scale 1, zero point -128 (real value = raw pixel 0..255),
output the usual LOGISTIC int8 (scale 1/256, zero point -128).
Run: /usr/bin/python3 tests/firmware/data/gen_models.py OUT_DIR
"""
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "tools", "tflite"))
from tflite_writer import ModelBuilder, INT8, INT32  # noqa: E402


def logistic_tail(mb, x, h, w):
    y = mb.add_tensor("prob", INT8, [1, h, w, 1], scale=1 / 256, zero_point=-128)
    mb.add_op("LOGISTIC", [x], [y])
    return y


def thresh(h, w):
    mb = ModelBuilder(description="fieldscope test: pixel >= 128")
    x = mb.add_tensor("image", INT8, [1, h, w, 1], scale=1.0, zero_point=-128)
    c = mb.add_const("minus128", np.array([-128], np.int8).reshape(1, 1, 1, 1), scale=1.0, zero_point=0)
    s = mb.add_tensor("centred", INT8, [1, h, w, 1], scale=1.0, zero_point=0)
    mb.add_op("ADD", [x, c], [s], options={"fused_activation_function": 0})
    y = logistic_tail(mb, s, h, w)
    mb.set_io([x], [y])
    return mb.finish()


def blur(h, w):
    mb = ModelBuilder(description="fieldscope test: 3x3 mean >= 128")
    x = mb.add_tensor("image", INT8, [1, h, w, 1], scale=1.0, zero_point=-128)
    ws = (1 / 9) / 127
    wt = mb.add_const("w", np.full((1, 3, 3, 1), 127, np.int8), scale=[ws], zero_point=[0])
    b = mb.add_const("b", np.array([round(-128 / ws)], np.int32), scale=[ws], zero_point=[0])
    s = mb.add_tensor("centred", INT8, [1, h, w, 1], scale=1.0, zero_point=0)
    mb.add_op("CONV_2D", [x, wt, b], [s], version=3,
              options={"padding": 0, "stride_w": 1, "stride_h": 1, "fused_activation_function": 0})
    y = logistic_tail(mb, s, h, w)
    mb.set_io([x], [y])
    return mb.finish()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else here
    os.makedirs(out, exist_ok=True)
    for name, fn, h, w in [("thresh_32x32", thresh, 32, 32), ("thresh_97x150", thresh, 97, 150),
                           ("blur_32x48", blur, 32, 48), ("blur_97x150", blur, 97, 150),
                           ("thresh_256x256", thresh, 256, 256)]:
        with open(os.path.join(out, name + ".tflite"), "wb") as f:
            f.write(fn(h, w))


if __name__ == "__main__":
    main()
