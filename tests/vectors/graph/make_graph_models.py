#!/usr/bin/python3
"""Writes the tiny models tests/nn/test_graph.c uses (run from anywhere;
outputs land beside this script). They are generated, not downloaded, so
they carry the project's own licence.

custom_relu.tflite:  x INT8[1,8] -> CUSTOM "fsnn-test-negate" -> t INT8[1,8]
                     -> RESHAPE [2,4] -> r -> RELU -> y INT8[2,4]
A test backend claims the custom op (y = relu(-x)); RESHAPE exercises
aliasing across a backend-written tensor.

relu_image.tflite:   x INT8[1,4,6,1] -> RELU -> y INT8[1,4,6,1] (scale 1, zp 0)
An image-shaped model for `fsnn run` with PNG input and --png output:
pixel p becomes p-128, so the output PNG is max(p, 128).
"""
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "tools", "tflite"))
from tflite_writer import ModelBuilder  # noqa: E402

mb = ModelBuilder(description="fsnn graph test: custom op + reshape + relu")
q = dict(scale=0.1, zero_point=0)
x = mb.add_tensor("x", "INT8", [1, 8], **q)
t = mb.add_tensor("negated", "INT8", [1, 8], **q)
shape = mb.add_const("new_shape", np.array([2, 4], np.int32))
r = mb.add_tensor("reshaped", "INT8", [2, 4], **q)
y = mb.add_tensor("y", "INT8", [2, 4], **q)
mb.add_op("CUSTOM", [x], [t], custom_code="fsnn-test-negate", custom_options=b"negate")
mb.add_op("RESHAPE", [t, shape], [r], options={"new_shape": [2, 4]})
mb.add_op("RELU", [r], [y])
mb.set_io([x], [y])
with open(os.path.join(here, "custom_relu.tflite"), "wb") as f:
    f.write(mb.finish())

mb = ModelBuilder(description="fsnn graph test: image-shaped relu")
x = mb.add_tensor("image", "INT8", [1, 4, 6, 1], scale=1.0, zero_point=0)
y = mb.add_tensor("relu", "INT8", [1, 4, 6, 1], scale=1.0, zero_point=0)
mb.add_op("RELU", [x], [y])
mb.set_io([x], [y])
with open(os.path.join(here, "relu_image.tflite"), "wb") as f:
    f.write(mb.finish())
