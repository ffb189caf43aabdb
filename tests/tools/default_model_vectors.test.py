#!/usr/bin/python3
"""The committed default model (nn/models/rbc_m2unet_int8_1024.tflite) run by
fsnn on real RBC tiles must be bit-identical to LiteRT.js. The tiles are read
from $FS_SHARED at test time; only LiteRT's output hashes are committed
(tests/tools/vectors/rbc_default.json, made by make_rbc_vectors.py)."""
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

vec = json.load(open(os.path.join(top, "tests", "tools", "vectors", "rbc_default.json")))
model = os.path.join(top, vec["model"])
fails = 0


def check(name, ok, why=""):
    global fails
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}", flush=True)
    fails += 0 if ok else 1


digest = hashlib.sha256(open(model, "rb").read()).hexdigest()
check("default_model_sha256", digest == vec["model_sha256"],
      f"{vec['model']} has SHA-256 {digest}, the vectors were made for {vec['model_sha256']}; "
      "regenerate them with tests/tools/make_rbc_vectors.py")

shared = os.environ.get("FS_SHARED", os.path.join(top, "..", "shared"))
fsnn = os.path.join(os.environ.get("FS_REL_BIN", os.path.join(top, "build", "bin")), "fsnn")
imgdir = os.path.join(shared, "data", "octopi_rbc_dpc", "images")
if not os.path.isdir(imgdir):
    print(f"SKIP default_model_tiles: {imgdir} not present (the RBC images are not in the project)")
elif not os.path.exists(fsnn):
    print(f"SKIP default_model_tiles: {fsnn} not built")
else:
    tmp = tempfile.mkdtemp(prefix="fsmodel-vec-")
    for t in vec["tiles"]:
        name = f"default_model_tile_{os.path.splitext(t['image'])[0]}_{t['y']}_{t['x']}"
        img = imageio.load_grey(os.path.join(imgdir, t["image"]))
        tile = np.ascontiguousarray(img[t["y"]:t["y"] + t["size"], t["x"]:t["x"] + t["size"]])
        if hashlib.sha256(tile.tobytes()).hexdigest() != t["input_sha256"]:
            print(f"SKIP {name}: {t['image']} in {imgdir} is not the image the vectors were made from")
            continue
        inp = os.path.join(tmp, "in.bin")
        tile.tofile(inp)
        r = subprocess.run([fsnn, "run", model, inp, os.path.join(tmp, "out")],
                           capture_output=True, text=True)
        if r.returncode != 0:
            check(name, False, f"fsnn run exit {r.returncode}: {r.stderr.strip()[-300:]}")
            continue
        o = np.fromfile(os.path.join(tmp, "out.0.bin"), np.uint8)
        got = hashlib.sha256(o.tobytes()).hexdigest()
        check(name, got == t["output_sha256"],
              f"fsnn output differs from LiteRT (foreground px {int((o >= 128).sum())} vs "
              f"{t['foreground_px']}, sum {int(o.astype(np.int64).sum())} vs {t['output_sum']}); "
              "locate the op with nn/tools/op_bisect.py")
sys.exit(1 if fails else 0)
