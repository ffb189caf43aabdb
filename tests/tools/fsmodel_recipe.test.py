#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The training recipe end to end on a tiny configuration (seconds, no
../shared needed): fsmodel train with named hold-out images, defocus and
illumination augmentation on synthetic smears whose masks keep a background
line between touching cells -> a second phase that widens the full-resolution
block (--last-hidden) -> fsmodel export (int8) -> fsmodel eval through fsnn
with per-cell scores from the firmware's labelling (fscells)."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

top = os.environ.get("FS_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(top, "tools", "fsmodel"))
import torch  # noqa: E402
from fsmodel_lib import m2unet, train  # noqa: E402

FSMODEL = os.path.join(top, "tools", "fsmodel", "fsmodel")
rel = os.environ.get("FS_REL_BIN", os.path.join(top, "build", "bin"))
fails = 0


def check(name, ok, why=""):
    global fails
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}", flush=True)
    fails += 0 if ok else 1


def run(*args):
    return subprocess.run([sys.executable, FSMODEL, *args], capture_output=True, text=True)


def smear(seed, n=96):
    """DPC-like field: grey background, cells as shaded discs, some touching;
    the mask is the instances minus a 1-px line where two cells meet."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:n, 0:n]
    inst = np.zeros((n, n), np.int32)
    img = np.full((n, n), 128.0)
    for k in range(1, 12):
        cx, cy, r = rng.uniform(8, n - 8), rng.uniform(8, n - 8), rng.uniform(6, 9)
        d = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
        inst[d & (inst == 0)] = k
        img[d] = 128 + 60 * (xx[d] - cx) / r   # DPC: one side bright, one dark
    line = np.zeros_like(inst, bool)
    for dy, dx in ((0, 1), (1, 0)):
        a, b = inst[:n - dy, :n - dx], inst[dy:, dx:]
        line[:n - dy, :n - dx] |= (a > 0) & (b > 0) & (a != b)
    mask = (inst > 0) & ~line
    img += rng.normal(0, 4, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), (mask * 255).astype(np.uint8)


tmp = tempfile.mkdtemp(prefix="fsmodel-recipe-")
idir, mdir = os.path.join(tmp, "images"), os.path.join(tmp, "masks")
os.makedirs(idir)
os.makedirs(mdir)
for s in range(4):
    im, m = smear(s)
    Image.fromarray(im).save(os.path.join(idir, f"s{s}.png"))
    Image.fromarray(m).save(os.path.join(mdir, f"s{s}_mask.png"))

# augmentation pieces
rng = np.random.default_rng(0)
im = smear(9)[0].astype(np.float32)
lap = lambda a: np.var(a[1:-1, 1:-1] * 4 - a[:-2, 1:-1] - a[2:, 1:-1] - a[1:-1, :-2] - a[1:-1, 2:])  # noqa: E731
check("train_defocus_blurs", lap(train.defocus(im, 1.5)) < 0.3 * lap(im))
flat = np.full((64, 64), 100.0, np.float32)
ramp = train.illumination(flat, rng)
check("train_illumination_ramp", 0.6 * 100 < ramp.min() < 100 < ramp.max() < 1.4 * 100 and
      abs(ramp.mean() - 100) < 1, f"range {ramp.min():.1f}..{ramp.max():.1f} mean {ramp.mean():.2f}")
pairs = [(f"s{i}.png", None, None) for i in range(4)]
tr, va = train.split(pairs, 0.2, 0, "s1.png,s3.png")
check("train_val_names", [p[0] for p in va] == ["s1.png", "s3.png"] and len(tr) == 2, f"{va}")
try:
    train.split(pairs, 0.2, 0, "nope.png")
    check("train_val_names_missing", False, "no error for a missing name")
except ValueError as ex:
    check("train_val_names_missing", "nope.png" in str(ex), str(ex))

ckpt = os.path.join(tmp, "tiny.pth")
r = run("train", "--images", idir, "--masks", mdir, "-o", ckpt, "--iters", "3", "--eval-every", "3",
        "--batch", "2", "--crop", "64", "--tile", "64", "--threads", "1", "--val-names", "s3.png",
        "--blur", "0.5", "--illum", "0.5", "--lr", "1e-3")
check("recipe_train", r.returncode == 0 and os.path.exists(ckpt), f"exit {r.returncode}: {r.stderr.strip()[-300:]}")

# widening the full-resolution block keeps the function, then trains
if r.returncode == 0:
    base = m2unet.load_checkpoint(ckpt)
    wide = m2unet.widen_last(base, 12).eval()
    x = torch.from_numpy(smear(5, 64)[0]).float()[None, None]
    with torch.no_grad():
        y = base(x)
        diff = float((y - wide(x)).abs().max())
    # The zero columns add exact zeros, but a wider 1x1 conv may sum in another order
    # (seen: 2.4e-7 with Debian's torch), so equal to float rounding, not to the bit.
    tol = 1e-5 * max(1.0, float(y.abs().max()))
    check("widen_last_same_function", m2unet.last_hidden(base) == 5 and m2unet.last_hidden(wide) == 12
          and diff <= tol, f"hidden {m2unet.last_hidden(base)} -> {m2unet.last_hidden(wide)}, "
          f"max diff {diff:.3g} (allowed {tol:.3g})")
    try:
        m2unet.widen_last(wide, 8)
        check("widen_last_no_narrowing", False, "narrowing 12 -> 8 gave no error")
    except ValueError as ex:
        check("widen_last_no_narrowing", "12" in str(ex) and "8" in str(ex), str(ex))
    bad = run("train", "--images", idir, "--masks", mdir, "-o", os.path.join(tmp, "bad.pth"),
              "--last-hidden", "0")
    check("train_last_hidden_invalid", bad.returncode == 1 and "--last-hidden 0" in bad.stderr,
          f"exit {bad.returncode}: {bad.stderr.strip()[-200:]}")
    wide_ckpt = os.path.join(tmp, "tiny_wide.pth")
    r = run("train", "--images", idir, "--masks", mdir, "-o", wide_ckpt, "--iters", "2", "--eval-every", "2",
            "--batch", "2", "--crop", "64", "--tile", "64", "--threads", "1", "--val-names", "s3.png",
            "--init", ckpt, "--last-hidden", "12", "--flips", "vertical", "--erode", "1")
    ok = r.returncode == 0 and os.path.exists(wide_ckpt)
    check("recipe_train_widened", ok and m2unet.last_hidden(m2unet.load_checkpoint(wide_ckpt)) == 12,
          f"exit {r.returncode}: {r.stderr.strip()[-300:]}")
    if ok:
        ckpt = wide_ckpt  # export and eval the widened network below
model = os.path.join(tmp, "tiny.tflite")
if r.returncode == 0:
    r = run("export", ckpt, "--calib", idir, "--calib-names", "s0.png,s1.png", "--size", "64",
            "--calib-count", "2", "--calib-crop", "64", "-o", model, "--threads", "1")
    check("recipe_export", r.returncode == 0 and os.path.exists(model), f"exit {r.returncode}: {r.stderr.strip()[-300:]}")
fsnn, fscells = os.path.join(rel, "fsnn"), os.path.join(rel, "fscells")
if not (os.path.exists(fsnn) and os.path.exists(fscells)):
    print(f"SKIP recipe_eval: {fsnn} or {fscells} not built")
elif os.path.exists(model):
    out = os.path.join(tmp, "eval.json")
    r = run("eval", model, ckpt, "--images", idir, "--masks", mdir, "--names", "s3.png", "--tile", "64",
            "--fsnn", fsnn, "--fscells", fscells, "--json", out, "--threads", "1")
    ok = r.returncode == 0 and os.path.exists(out)
    why = f"exit {r.returncode}: {r.stderr.strip()[-300:]}"
    if ok:
        rep = json.load(open(out))
        for path, m in rep.items():
            row = m["per_image"][0]
            c = row.get("cells", {}).get("separated", {})
            need = ("cells_pred", "cells_true", "count_err", "precision", "recall", "f1", "jaccard")
            if not all(k in c for k in need) or c["cells_true"] < 5 or "cells" not in m["mean"]:
                ok, why = False, f"{os.path.basename(path)}: per-cell scores missing or wrong: {row}"
    check("recipe_eval_cells", ok, why)
sys.exit(1 if fails else 0)
