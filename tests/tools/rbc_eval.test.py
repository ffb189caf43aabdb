#!/usr/bin/python3
"""fsmodel eval of the default int8 model through fsnn on two shared RBC
images reproduces the numbers in the model card (nn/models/rbc_m2unet_int8_1024.eval.json,
from which MODELS.md's table is made): same tiling as the firmware, same threshold."""
import json
import os
import subprocess
import sys
import tempfile

top = os.environ.get("FS_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
IMAGES = ["rbc_00.png", "rbc_03.png"]
card = json.load(open(os.path.join(top, "nn", "models", "rbc_m2unet_int8_1024.eval.json")))
shared = os.environ.get("FS_SHARED", os.path.join(top, "..", "shared"))
data = os.path.join(shared, "data", "octopi_rbc_dpc")
fsnn = os.path.join(os.environ.get("FS_REL_BIN", os.path.join(top, "build", "bin")), "fsnn")
if not os.path.isdir(data):
    print(f"SKIP rbc_eval: {data} not present (the RBC images are not in the project)")
    sys.exit(0)
if not os.path.exists(fsnn):
    print(f"SKIP rbc_eval: {fsnn} not built")
    sys.exit(0)
out = os.path.join(tempfile.mkdtemp(prefix="fsmodel-eval-"), "eval.json")
r = subprocess.run([sys.executable, os.path.join(top, "tools", "fsmodel", "fsmodel"), "eval",
                    os.path.join(top, "nn", "models", "rbc_m2unet_int8_1024.tflite"),
                    "--engine", "fsnn", "--fsnn", fsnn, "--images", os.path.join(data, "images"),
                    "--masks", os.path.join(data, "masks"), "--names", ",".join(IMAGES),
                    "--json", out], capture_output=True, text=True)
if r.returncode != 0:
    print(f"FAIL rbc_eval: fsmodel eval exit {r.returncode}: {r.stderr.strip()[-300:]}")
    sys.exit(1)
got = {row["image"]: row for row in next(iter(json.load(open(out)).values()))["per_image"]}
want = {row["image"]: row for row in card["int8"]["per_image"]}
fails = 0
for name in IMAGES:
    g, w = got[name], want[name]
    diffs = [f"{k} {g[k]:.6g} vs card {w[k]:.6g}" for k in ("jaccard", "dice")
             if abs(g[k] - w[k]) > 1e-6]
    diffs += [f"{k} {g[k]} vs card {w[k]}" for k in ("cells_pred", "cells_true") if g[k] != w[k]]
    ok = not diffs
    print(f"PASS rbc_eval_{name}" if ok else f"FAIL rbc_eval_{name}: {'; '.join(diffs)}")
    fails += 0 if ok else 1
sys.exit(1 if fails else 0)
