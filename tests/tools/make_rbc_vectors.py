#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Regenerates tests/tools/vectors/rbc_*.json: LiteRT.js outputs of a
shipped RBC model on a few 1024x1024 tiles of the shared RBC images.
Only hashes and summary counts are committed (the RBC images carry no licence).

Usage: make_rbc_vectors.py ORACLE_DIR [SHARED_DIR] [MODEL VECTORS.json]
ORACLE_DIR holds run.mjs and node_modules/@litertjs/core (tools/oracle after
tools/oracle/setup.sh). Default: the Octopi model into rbc_default.json.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

top = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(top, "tools", "fsmodel"))
from fsmodel_lib import imageio  # noqa: E402

TILES = [("rbc_00.png", 0, 0), ("rbc_03.png", 928, 1024)]
MODEL = os.path.join(top, "nn", "models", "rbc_m2unet_int8_1024.tflite")


def sha(b):
    return hashlib.sha256(b).hexdigest()


def main():
    oracle = sys.argv[1]
    shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(top, "..", "shared")
    model = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else MODEL
    path = os.path.abspath(sys.argv[4]) if len(sys.argv) > 4 else \
        os.path.join(top, "tests", "tools", "vectors", "rbc_default.json")
    out = {"model": os.path.relpath(model, top),
           "model_sha256": sha(open(model, "rb").read()),
           "runtime": "LiteRT.js @litertjs/core 2.5.3, 1 thread", "tiles": []}
    tmp = tempfile.mkdtemp()
    for name, y, x in TILES:
        img = imageio.load_grey(os.path.join(shared, "data", "octopi_rbc_dpc", "images", name))
        tile = np.ascontiguousarray(img[y:y + 1024, x:x + 1024])
        inp = os.path.join(tmp, "in.bin")
        tile.tofile(inp)
        subprocess.run(["node", os.path.join(oracle, "run.mjs"), model, inp,
                        os.path.join(tmp, "out")], check=True, capture_output=True)
        o = np.fromfile(os.path.join(tmp, "out.0.bin"), np.uint8)
        out["tiles"].append(dict(image=name, y=y, x=x, size=1024,
                                 input_sha256=sha(tile.tobytes()), output_sha256=sha(o.tobytes()),
                                 foreground_px=int((o >= 128).sum()),
                                 output_sum=int(o.astype(np.int64).sum())))
        print(out["tiles"][-1], flush=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
