# SPDX-License-Identifier: BSD-3-Clause
"""Shared by the *_model_vectors tests: a committed model run by fsnn on an
8-bit tile must give the output LiteRT.js gave (hashes committed in
tests/tools/vectors/*.json). Reports in the PASS/FAIL protocol."""
import hashlib
import os
import subprocess
import sys

import numpy as np

TOP = os.environ.get("FS_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(TOP, "tools", "fsmodel"))
from fsmodel_lib import imageio  # noqa: E402,F401  (re-exported for the tests)

FSNN = os.path.join(os.environ.get("FS_REL_BIN", os.path.join(TOP, "build", "bin")), "fsnn")


class Checker:
    def __init__(self):
        self.fails = 0

    def check(self, name, ok, why=""):
        print(f"PASS {name}" if ok else f"FAIL {name}: {why}", flush=True)
        self.fails += 0 if ok else 1

    def model_sha(self, name, vec, regen_script):
        """The vectors only mean something for the model they were made from."""
        model = os.path.join(TOP, vec["model"])
        digest = hashlib.sha256(open(model, "rb").read()).hexdigest()
        self.check(name, digest == vec["model_sha256"],
                   f"{vec['model']} has SHA-256 {digest}, the vectors were made for "
                   f"{vec['model_sha256']}; regenerate them with tests/tools/{regen_script}")
        return model

    def tile(self, name, model, tile, expect, tmp):
        """Runs fsnn on one uint8 tile and compares the output hash."""
        inp = os.path.join(tmp, "in.bin")
        np.ascontiguousarray(tile).tofile(inp)
        r = subprocess.run([FSNN, "run", model, inp, os.path.join(tmp, "out"),
                            "--threads", os.environ.get("FS_TEST_THREADS", "1")],
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.check(name, False, f"fsnn run exit {r.returncode}: {r.stderr.strip()[-300:]}")
            return
        o = np.fromfile(os.path.join(tmp, "out.0.bin"), np.uint8)
        self.check(name, hashlib.sha256(o.tobytes()).hexdigest() == expect["output_sha256"],
                   f"fsnn output differs from LiteRT (foreground px {int((o >= 128).sum())} vs "
                   f"{expect['foreground_px']}, sum {int(o.astype(np.int64).sum())} vs "
                   f"{expect['output_sum']}); locate the op with nn/tools/op_bisect.py")

    def exit(self):
        sys.exit(1 if self.fails else 0)
