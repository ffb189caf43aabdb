#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""int8 weights must be symmetric (zero point 0): TFLite's int8 spec requires
it and the kernels ignore the weight zero point for int8. A file breaking the
rule must be refused at load with an error naming the op and the tensor,
never run with silently wrong results — for every weighted op."""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

top = os.environ.get("FS_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(top, "tools", "tflite"))
from tflite_writer import ModelBuilder  # noqa: E402

fsnn = os.path.join(os.environ.get("FS_BIN", os.path.join(top, "build", "bin")), "fsnn")
fails = 0


def model(op, w_zp):
    mb = ModelBuilder()
    rng = np.random.default_rng(1)
    if op == "FULLY_CONNECTED":
        x = mb.add_tensor("input", "INT8", [1, 8], scale=[0.05], zero_point=[3])
        w = mb.add_const("weights", rng.integers(-100, 100, (4, 8)).astype(np.int8),
                         scale=[0.01], zero_point=[w_zp])
        b = mb.add_const("bias", np.zeros(4, np.int32), scale=[0.0005], zero_point=[0])
        y = mb.add_tensor("output", "INT8", [1, 4], scale=[0.1], zero_point=[0])
        mb.add_op(op, [x, w, b], [y], options=dict(fused_activation_function=0))
    elif op == "TRANSPOSE_CONV":
        shape = mb.add_const("output_shape", np.array([1, 4, 4, 2], np.int32))
        w = mb.add_const("filter", rng.integers(-100, 100, (2, 3, 3, 3)).astype(np.int8),
                         scale=[0.01], zero_point=[w_zp])
        x = mb.add_tensor("input", "INT8", [1, 2, 2, 3], scale=[0.05], zero_point=[3])
        y = mb.add_tensor("output", "INT8", [1, 4, 4, 2], scale=[0.1], zero_point=[0])
        mb.add_op(op, [shape, w, x], [y], version=2,
                  options=dict(padding=0, stride_w=2, stride_h=2))
    else:  # CONV_2D, DEPTHWISE_CONV_2D: 1x1 filter over 3 channels
        x = mb.add_tensor("input", "INT8", [1, 4, 4, 3], scale=[0.05], zero_point=[3])
        shape = (2, 1, 1, 3) if op == "CONV_2D" else (1, 1, 1, 3)
        cout = shape[0] if op == "CONV_2D" else 3
        w = mb.add_const("filter", rng.integers(-100, 100, shape).astype(np.int8),
                         scale=[0.01], zero_point=[w_zp])
        b = mb.add_const("bias", np.zeros(cout, np.int32), scale=[0.0005], zero_point=[0])
        y = mb.add_tensor("output", "INT8", [1, 4, 4, cout], scale=[0.1], zero_point=[0])
        opts = dict(padding=1, stride_w=1, stride_h=1, fused_activation_function=0)
        if op == "DEPTHWISE_CONV_2D":
            opts["depth_multiplier"] = 1
        mb.add_op(op, [x, w, b], [y], options=opts)
    mb.set_io([x], [y])
    return mb.finish()


tmp = tempfile.mkdtemp(prefix="fsnn-wzp-")
for op in ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV"]:
    for w_zp, want_ok in [(0, True), (5, False)]:
        name = f"int8_weight_zp{w_zp}_{op.lower()}"
        path = os.path.join(tmp, name + ".tflite")
        open(path, "wb").write(model(op, w_zp))
        r = subprocess.run([fsnn, "info", path], capture_output=True, text=True)
        out = r.stdout + r.stderr
        runnable = "runnable: yes" in out
        if want_ok:
            ok, why = runnable, f"the symmetric model should load: {out.strip()[-300:]}"
        else:
            ok = (not runnable) and f"({op})" in out and "zero point" in out
            why = f"expected a refusal naming {op} and the zero point, got: {out.strip()[-300:]}"
        print(f"PASS {name}" if ok else f"FAIL {name}: {why}", flush=True)
        fails += 0 if ok else 1
shutil.rmtree(tmp)
sys.exit(1 if fails else 0)
