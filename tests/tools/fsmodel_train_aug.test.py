#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""fsmodel train's sampling and augmentation options on synthetic images:
polarity-balanced weights, object-centred crops, inversion, eroded targets,
orientations."""
import os
import sys

import numpy as np

top = os.environ.get("FS_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(top, "tools", "fsmodel"))
from fsmodel_lib import train  # noqa: E402

fails = 0


def check(name, ok, why=""):
    global fails
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}", flush=True)
    fails += 0 if ok else 1


def image(bright_objects, size=64):
    m = np.zeros((size, size), bool)
    m[10:20, 10:20] = True
    img = np.where(m, 200, 30) if bright_objects else np.where(m, 40, 220)
    return img.astype(np.uint8), m


# three fluorescence-like images, one brightfield-like: the latter gets half the draws
pairs = [(f"f{i}", *image(True)) for i in range(3)] + [("b0", *image(False))]
w = train.sampling_weights(pairs, True)
check("train_balance_polarity", np.allclose(w, [1 / 6, 1 / 6, 1 / 6, 0.5]), f"weights {w}")
w = train.sampling_weights(pairs, False)
check("train_uniform_weights", np.allclose(w, 0.25), f"weights {w}")

# a sparse 512x512 image: object-centred 64 px crops always hold the object
big = np.zeros((512, 512), np.uint8)
bm = np.zeros((512, 512), bool)
bm[400:404, 30:34] = True
rng = np.random.default_rng(1)
hits = sum(train._crop(big, bm, 64, rng, on_object=True)[1].any() for _ in range(50))
check("train_on_object_crops", hits == 50, f"{hits}/50 crops contain the object")
shapes = {train._crop(big, bm, 64, rng, on_object=True)[0].shape for _ in range(20)}
check("train_on_object_shape", shapes == {(64, 64)}, f"crop shapes {shapes}")

# inversion with probability 1 turns bright objects dark; labels unchanged
x, y = train.batch(pairs[:1], 2, 32, np.random.default_rng(0), max_rot_deg=0, invert=1.0,
                   on_object=1.0)
fg, bg = x[y > 0.5].mean(), x[y < 0.5].mean()
check("train_invert", float(fg) < float(bg), f"object mean {float(fg):.1f} vs background "
      f"{float(bg):.1f} after inversion")
# eroded targets: two touching 8x8 squares with a 1-px line between them
# shrink by 1 px on every side (the line becomes 3 px), so they cannot merge
m = np.zeros((20, 30), bool)
m[5:13, 5:13] = True
m[5:13, 14:22] = True
img = np.where(m, 50, 200).astype(np.uint8)
(_, _, e), = train.erode_targets([("t", img, m)], 1)
want = np.zeros_like(m)
want[6:12, 6:12] = True
want[6:12, 15:21] = True
check("train_erode_targets", np.array_equal(e, want), f"eroded mask has {int(e.sum())} px, want {int(want.sum())}")
(_, _, same), = train.erode_targets([("t", img, m)], 0)
check("train_erode_zero_is_identity", same is m, "erode 0 must leave the masks alone")

# orientations: an asymmetric mark (an L in the top-left corner) turns up in
# all eight orientations by default, only upright or upside down with "vertical"
ori = np.zeros((16, 16), np.uint8)
ori[1:6, 1] = 255
ori[5, 1:4] = 255
seen = {"all": set(), "vertical": set()}
for flips in seen:
    r = np.random.default_rng(2)
    for _ in range(200):
        x, _ = train.batch([("o", ori, ori > 0)], 1, 16, r, max_rot_deg=0, flips=flips)
        seen[flips].add((x[0, 0].numpy() > 127).tobytes())
check("train_flips_all", len(seen["all"]) == 8, f"{len(seen['all'])} orientations, want 8")
check("train_flips_vertical", seen["vertical"] == {ori.astype(bool).tobytes(), ori[::-1].astype(bool).tobytes()},
      f"{len(seen['vertical'])} orientations, want upright and upside down only")
try:
    train.batch([("o", ori, ori > 0)], 1, 16, np.random.default_rng(0), flips="sideways")
    check("train_flips_bad_value", False, "flips='sideways' was accepted")
except ValueError as ex:
    check("train_flips_bad_value", "sideways" in str(ex), str(ex))
sys.exit(1 if fails else 0)
