#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""fsmodel eval of every shipped int8 RBC model (nn/models/rbc_*_int8_1024.tflite,
each with its card nn/models/<name>.eval.json, from which MODELS.md's tables
are made) through fsnn on two shared RBC images reproduces the card's numbers:
same tiling as the firmware, same threshold. The per-cell numbers (the
firmware's labelling with instance separation, fscells, against the masks'
instances, with the card's growth) must match the card's "cells" section and
stay within the issue's targets for counts and per-cell F1; separation must
beat plain connected components."""
import glob
import json
import os
import subprocess
import sys
import tempfile

top = os.environ.get("FS_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
IMAGES = ["rbc_00.png", "rbc_03.png"]
shared = os.environ.get("FS_SHARED", os.path.join(top, "..", "shared"))
data = os.path.join(shared, "data", "octopi_rbc_dpc")
rel = os.environ.get("FS_REL_BIN", os.path.join(top, "build", "bin"))
fsnn, fscells = os.path.join(rel, "fsnn"), os.path.join(rel, "fscells")
# Regression tolerances for the separated cells (the targets are
# |count error| <= 2 %, F1 >= 0.95; measured values are in the cards).
MAX_ABS_COUNT_ERR = 0.02
MIN_F1 = 0.97
if not os.path.isdir(data):
    print(f"SKIP rbc_eval: {data} not present (the RBC images are not in the project)")
    sys.exit(0)
for exe in (fsnn, fscells):
    if not os.path.exists(exe):
        print(f"SKIP rbc_eval: {exe} not built")
        sys.exit(0)
models = sorted(glob.glob(os.path.join(top, "nn", "models", "rbc_*_int8_1024.tflite")))
fails = 0
if not models:
    print("FAIL rbc_eval: no nn/models/rbc_*_int8_1024.tflite")
    fails = 1
for model in models:
    stem = os.path.splitext(os.path.basename(model))[0]
    tag = stem.replace("_int8_1024", "")
    card = json.load(open(os.path.join(top, "nn", "models", stem + ".eval.json")))
    grow = card["cells"]["options"]["grow"]
    out = os.path.join(tempfile.mkdtemp(prefix="fsmodel-eval-"), "eval.json")
    r = subprocess.run([sys.executable, os.path.join(top, "tools", "fsmodel", "fsmodel"), "eval", model,
                        "--engine", "fsnn", "--fsnn", fsnn, "--fscells", fscells,
                        "--images", os.path.join(data, "images"), "--grow", str(grow),
                        "--masks", os.path.join(data, "masks"), "--names", ",".join(IMAGES),
                        "--json", out], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"FAIL rbc_eval_{tag}: fsmodel eval exit {r.returncode}: {r.stderr.strip()[-300:]}")
        fails += 1
        continue
    print(r.stdout)
    got = {row["image"]: row for row in next(iter(json.load(open(out)).values()))["per_image"]}
    want = {row["image"]: row for row in card["int8"]["per_image"]}
    want_cells = {row["image"]: row for row in card["cells"]["int8"]["per_image"]}
    for name in IMAGES:
        g, w = got[name], want[name]
        diffs = [f"{k} {g[k]:.6g} vs card {w[k]:.6g}" for k in ("jaccard", "dice")
                 if abs(g[k] - w[k]) > 1e-6]
        diffs += [f"{k} {g[k]} vs card {w[k]}" for k in ("cells_pred", "cells_true") if g[k] != w[k]]
        ok = not diffs
        print(f"PASS rbc_eval_{tag}_{name}" if ok else f"FAIL rbc_eval_{tag}_{name}: {'; '.join(diffs)}")
        fails += 0 if ok else 1

        gs, ws_ = g["cells"]["separated"], want_cells[name]["separated"]
        gp = g["cells"]["plain"]
        diffs = [f"{k} {gs[k]} vs card {ws_[k]}" for k in ("cells_pred", "cells_true", "tp") if gs[k] != ws_[k]]
        diffs += [f"{k} {gs[k]:.6g} vs card {ws_[k]:.6g}" for k in ("f1", "jaccard") if abs(gs[k] - ws_[k]) > 1e-6]
        if abs(gs["count_err"]) > MAX_ABS_COUNT_ERR:
            diffs.append(f"count error {100 * gs['count_err']:+.2f}% beyond +-{100 * MAX_ABS_COUNT_ERR:.0f}%")
        if gs["f1"] < MIN_F1:
            diffs.append(f"per-cell F1 {gs['f1']:.4f} < {MIN_F1}")
        if not (gs["f1"] > gp["f1"] and abs(gs["count_err"]) <= abs(gp["count_err"])):
            diffs.append(f"separation (F1 {gs['f1']:.4f}, {100 * gs['count_err']:+.2f}%) does not beat plain "
                         f"components (F1 {gp['f1']:.4f}, {100 * gp['count_err']:+.2f}%)")
        ok = not diffs
        print(f"PASS rbc_eval_cells_{tag}_{name}" if ok else f"FAIL rbc_eval_cells_{tag}_{name}: {'; '.join(diffs)}")
        fails += 0 if ok else 1
sys.exit(1 if fails else 0)
