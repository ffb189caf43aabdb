#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Regenerates tests/tools/vectors/nuclei_demo.json: LiteRT.js outputs of the
nuclei demo model (nn/models/nuclei_m2unet_int8_256.tflite) on the committed
CC0 demo images (board/sim/demo, 256x256 each, one tile). Only hashes and
summary counts are stored; nuclei_model_vectors.test.py checks fsnn against them.

Usage: make_nuclei_vectors.py [ORACLE_DIR]   (default tools/oracle, after its setup.sh)
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

MODEL = os.path.join(top, "nn", "models", "nuclei_m2unet_int8_256.tflite")
DEMO = os.path.join(top, "board", "sim", "demo")


def sha(b):
    return hashlib.sha256(b).hexdigest()


def main():
    oracle = sys.argv[1] if len(sys.argv) > 1 else os.path.join(top, "tools", "oracle")
    out = {"model": os.path.relpath(MODEL, top),
           "model_sha256": sha(open(MODEL, "rb").read()),
           "runtime": "LiteRT.js @litertjs/core 2.5.3, 1 thread (tools/oracle/run.mjs)",
           "tiles": []}
    tmp = tempfile.mkdtemp(prefix="nuclei-vec-")
    for name in sorted(os.listdir(DEMO)):
        if not name.endswith(".png"):
            continue
        tile = np.ascontiguousarray(imageio.load_grey(os.path.join(DEMO, name)))
        if tile.shape != (256, 256):
            continue
        inp = os.path.join(tmp, "in.bin")
        tile.tofile(inp)
        subprocess.run(["node", os.path.join(oracle, "run.mjs"), MODEL, inp,
                        os.path.join(tmp, "out")], check=True, capture_output=True)
        o = np.fromfile(os.path.join(tmp, "out.0.bin"), np.uint8)
        out["tiles"].append(dict(image=os.path.relpath(os.path.join(DEMO, name), top),
                                 input_sha256=sha(tile.tobytes()), output_sha256=sha(o.tobytes()),
                                 foreground_px=int((o >= 128).sum()),
                                 output_sum=int(o.astype(np.int64).sum())))
        print(out["tiles"][-1], flush=True)
    path = os.path.join(top, "tests", "tools", "vectors", "nuclei_demo.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
