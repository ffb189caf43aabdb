#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The committed nuclei demo model run by fsnn on the committed demo images
(board/sim/demo, CC0) must be bit-identical to LiteRT.js: the output hashes in
tests/tools/vectors/nuclei_demo.json were made by make_nuclei_vectors.py."""
import hashlib
import json
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_vectors import FSNN, TOP, Checker, imageio  # noqa: E402

vec = json.load(open(os.path.join(TOP, "tests", "tools", "vectors", "nuclei_demo.json")))
c = Checker()
model = c.model_sha("nuclei_model_sha256", vec, "make_nuclei_vectors.py")
if not os.path.exists(FSNN):
    print(f"SKIP nuclei_model_tiles: {FSNN} not built")
    c.exit()
tmp = tempfile.mkdtemp(prefix="fsmodel-nuclei-")
for t in vec["tiles"]:
    name = "nuclei_model_tile_" + os.path.splitext(os.path.basename(t["image"]))[0]
    tile = np.ascontiguousarray(imageio.load_grey(os.path.join(TOP, t["image"])))
    if hashlib.sha256(tile.tobytes()).hexdigest() != t["input_sha256"]:
        c.check(name, False, f"{t['image']} is not the image the vectors were made from")
        continue
    c.tile(name, model, tile, t, tmp)
c.exit()
