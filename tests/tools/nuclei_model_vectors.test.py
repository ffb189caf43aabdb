#!/usr/bin/python3
"""The committed nuclei demo model run by fsnn on the committed demo images
(board/sim/demo, CC0) must be bit-identical to LiteRT.js: the output hashes in
tests/tools/vectors/nuclei_demo.json were made by make_nuclei_vectors.py."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

top = os.environ.get("FS_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(top, "tools", "fsmodel"))
from fsmodel_lib import imageio  # noqa: E402

vec = json.load(open(os.path.join(top, "tests", "tools", "vectors", "nuclei_demo.json")))
model = os.path.join(top, vec["model"])
fails = 0


def check(name, ok, why=""):
    global fails
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}", flush=True)
    fails += 0 if ok else 1


digest = hashlib.sha256(open(model, "rb").read()).hexdigest()
check("nuclei_model_sha256", digest == vec["model_sha256"],
      f"{vec['model']} has SHA-256 {digest}, the vectors were made for {vec['model_sha256']}; "
      "regenerate them with tests/tools/make_nuclei_vectors.py")

fsnn = os.path.join(os.environ.get("FS_REL_BIN", os.path.join(top, "build", "bin")), "fsnn")
if not os.path.exists(fsnn):
    print(f"SKIP nuclei_model_tiles: {fsnn} not built")
    sys.exit(1 if fails else 0)
tmp = tempfile.mkdtemp(prefix="fsmodel-nuclei-")
for t in vec["tiles"]:
    name = "nuclei_model_tile_" + os.path.splitext(os.path.basename(t["image"]))[0]
    tile = np.ascontiguousarray(imageio.load_grey(os.path.join(top, t["image"])))
    if hashlib.sha256(tile.tobytes()).hexdigest() != t["input_sha256"]:
        check(name, False, f"{t['image']} is not the image the vectors were made from")
        continue
    inp = os.path.join(tmp, "in.bin")
    tile.tofile(inp)
    r = subprocess.run([fsnn, "run", model, inp, os.path.join(tmp, "out")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        check(name, False, f"fsnn run exit {r.returncode}: {r.stderr.strip()[-300:]}")
        continue
    o = np.fromfile(os.path.join(tmp, "out.0.bin"), np.uint8)
    check(name, hashlib.sha256(o.tobytes()).hexdigest() == t["output_sha256"],
          f"fsnn output differs from LiteRT (foreground px {int((o >= 128).sum())} vs "
          f"{t['foreground_px']}, sum {int(o.astype(np.int64).sum())} vs {t['output_sum']})")
sys.exit(1 if fails else 0)
