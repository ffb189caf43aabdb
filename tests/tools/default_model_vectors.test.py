#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every shipped RBC model (the default and the others in nn/models/) run by
fsnn on real RBC tiles must be bit-identical to LiteRT.js. The tiles are read
from $FS_SHARED at test time; only LiteRT's output hashes are committed
(tests/tools/vectors/rbc_*.json, made by make_rbc_vectors.py)."""
import glob
import hashlib
import json
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_vectors import FSNN, TOP, Checker, imageio  # noqa: E402

c = Checker()
shared = os.environ.get("FS_SHARED", os.path.join(TOP, "..", "shared"))
imgdir = os.path.join(shared, "data", "octopi_rbc_dpc", "images")
files = sorted(glob.glob(os.path.join(TOP, "tests", "tools", "vectors", "rbc_*.json")))
c.check("rbc_model_vectors_present", len(files) >= 1, "no tests/tools/vectors/rbc_*.json")
for path in files:
    vec = json.load(open(path))
    tag = os.path.splitext(os.path.basename(path))[0]
    model = c.model_sha(f"{tag}_model_sha256", vec, "make_rbc_vectors.py")
    if not os.path.isdir(imgdir):
        print(f"SKIP {tag}_tiles: {imgdir} not present (the RBC images are not in the project)")
        continue
    if not os.path.exists(FSNN):
        print(f"SKIP {tag}_tiles: {FSNN} not built")
        continue
    tmp = tempfile.mkdtemp(prefix="fsmodel-vec-")
    for t in vec["tiles"]:
        name = f"{tag}_tile_{os.path.splitext(t['image'])[0]}_{t['y']}_{t['x']}"
        img = imageio.load_grey(os.path.join(imgdir, t["image"]))
        tile = np.ascontiguousarray(img[t["y"]:t["y"] + t["size"], t["x"]:t["x"] + t["size"]])
        if hashlib.sha256(tile.tobytes()).hexdigest() != t["input_sha256"]:
            print(f"SKIP {name}: {t['image']} in {imgdir} is not the image the vectors were made from")
            continue
        c.tile(name, model, tile, t, tmp)
c.exit()
