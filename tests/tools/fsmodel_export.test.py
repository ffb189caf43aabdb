#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""fsmodel export end to end on a tiny random checkpoint with a tiny
calibration set (seconds): the .tflite loads in fsnn and agrees with the
emulator of the same int8 graph, the ONNX QDQ twin passes the checker, and
bad input gives one-line errors instead of tracebacks."""
import os
import subprocess
import sys
import tempfile

import numpy as np

top = os.environ.get("FS_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(top, "tools", "fsmodel"))
import torch  # noqa: E402
from fsmodel_lib import m2unet, quant, cli, imageio  # noqa: E402

FSMODEL = os.path.join(top, "tools", "fsmodel", "fsmodel")
CALIB = os.path.join(top, "tests", "tools", "data")
fails = 0


def check(name, ok, why=""):
    global fails
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}", flush=True)
    fails += 0 if ok else 1


def run(*args):
    return subprocess.run([sys.executable, FSMODEL, *args], capture_output=True, text=True)


tmp = tempfile.mkdtemp(prefix="fsmodel-test-")
torch.manual_seed(1)
net = m2unet.M2UNet(1)
with torch.no_grad():  # non-trivial BN statistics so folding is exercised
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.2, 0.2)
ckpt = os.path.join(tmp, "tiny.pth")
torch.save(net.state_dict(), ckpt)

model = os.path.join(tmp, "tiny.tflite")
onnx_path = os.path.join(tmp, "tiny.onnx")
qpkl = os.path.join(tmp, "tiny.pkl")
r = run("export", ckpt, "--calib", CALIB, "--size", "32", "--calib-count", "2",
        "--calib-crop", "32", "-o", model, "--onnx", onnx_path, "--save-quant", qpkl, "--threads", "1")
check("export_tiny", r.returncode == 0 and os.path.getsize(model) > 100000,
      f"exit {r.returncode}: {r.stderr.strip()[-300:]}")
if r.returncode == 0:
    check("export_tiny_shape", cli.tflite_input_shape(model) == [1, 32, 32, 1],
          f"input shape {cli.tflite_input_shape(model)}")
    import onnx
    try:
        onnx.checker.check_model(onnx.load(onnx_path))
        check("export_tiny_onnx", True)
    except Exception as ex:  # noqa: BLE001 - report any checker failure as a FAIL
        check("export_tiny_onnx", False, " ".join(str(ex).split())[:200])

    fsnn = os.path.join(os.environ.get("FS_REL_BIN", os.path.join(top, "build", "bin")), "fsnn")
    if not os.path.exists(fsnn):
        print(f"SKIP export_tiny_fsnn: {fsnn} not built")
    else:
        import pickle
        q = pickle.load(open(qpkl, "rb"))
        tile = imageio.load_grey(os.path.join(CALIB, "dsb_0bf33d3d_crop96.png"))[10:42, 20:52]
        inp = os.path.join(tmp, "in.bin")
        np.ascontiguousarray(tile).tofile(inp)
        rr = subprocess.run([fsnn, "run", model, inp, os.path.join(tmp, "out")],
                            capture_output=True, text=True)
        if rr.returncode != 0:
            check("export_tiny_fsnn", False, f"fsnn run exit {rr.returncode}: {rr.stderr.strip()[-300:]}")
        else:
            got = np.fromfile(os.path.join(tmp, "out.0.bin"), np.uint8).reshape(32, 32)
            emu = quant.emulate(q, tile)
            d = np.abs(got.astype(int) - emu.astype(int))
            # The emulator follows XNNPACK's integer arithmetic op by op and
            # matches LiteRT.js bit for bit, so the engine must match it too.
            check("export_tiny_fsnn", d.max() == 0,
                  f"fsnn differs from the emulator on {(d > 0).sum()} of {d.size} outputs "
                  f"(max {d.max()}); locate the op with nn/tools/op_bisect.py")

# Errors are one line naming the file and what was expected.
r = run("export", ckpt, "--calib", CALIB, "--size", "40", "-o", os.path.join(tmp, "bad.tflite"))
check("export_bad_size", r.returncode == 1 and "multiple of 16" in r.stderr and "Traceback" not in r.stderr,
      f"exit {r.returncode}: {r.stderr.strip()[-200:]}")
sd = net.state_dict()
del sd["decode1.conv.0.bias"]
bad = os.path.join(tmp, "missing.pth")
torch.save(sd, bad)
r = run("export", bad, "--calib", CALIB, "--size", "32", "-o", os.path.join(tmp, "bad.tflite"))
check("export_strict_load", r.returncode == 1 and "missing.pth" in r.stderr
      and "decode1.conv.0.bias" in r.stderr and "Traceback" not in r.stderr,
      f"exit {r.returncode}: {r.stderr.strip()[-300:]}")
r = run("export", ckpt, "--calib", os.path.join(tmp, "nope"), "--size", "32",
        "-o", os.path.join(tmp, "bad.tflite"))
check("export_missing_calib", r.returncode == 1 and "nope" in r.stderr and "Traceback" not in r.stderr,
      f"exit {r.returncode}: {r.stderr.strip()[-200:]}")
sys.exit(1 if fails else 0)
