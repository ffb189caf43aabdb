#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The committed default model (nn/models/rbc_m2unet_int8_1024.tflite) run by
fsnn on real RBC tiles must be bit-identical to LiteRT.js. The tiles are read
from $FS_SHARED at test time; only LiteRT's output hashes are committed
(tests/tools/vectors/rbc_default.json, made by make_rbc_vectors.py)."""
import hashlib
import json
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_vectors import FSNN, TOP, Checker, imageio  # noqa: E402

vec = json.load(open(os.path.join(TOP, "tests", "tools", "vectors", "rbc_default.json")))
c = Checker()
model = c.model_sha("default_model_sha256", vec, "make_rbc_vectors.py")

shared = os.environ.get("FS_SHARED", os.path.join(TOP, "..", "shared"))
imgdir = os.path.join(shared, "data", "octopi_rbc_dpc", "images")
if not os.path.isdir(imgdir):
    print(f"SKIP default_model_tiles: {imgdir} not present (the RBC images are not in the project)")
elif not os.path.exists(FSNN):
    print(f"SKIP default_model_tiles: {FSNN} not built")
else:
    tmp = tempfile.mkdtemp(prefix="fsmodel-vec-")
    for t in vec["tiles"]:
        name = f"default_model_tile_{os.path.splitext(t['image'])[0]}_{t['y']}_{t['x']}"
        img = imageio.load_grey(os.path.join(imgdir, t["image"]))
        tile = np.ascontiguousarray(img[t["y"]:t["y"] + t["size"], t["x"]:t["x"] + t["size"]])
        if hashlib.sha256(tile.tobytes()).hexdigest() != t["input_sha256"]:
            print(f"SKIP {name}: {t['image']} in {imgdir} is not the image the vectors were made from")
            continue
        c.tile(name, model, tile, t, tmp)
c.exit()
