# SPDX-License-Identifier: BSD-3-Clause
"""Tile runners: one callable per backend, uint8 tile [S, S] -> uint8 [S, S]
probability*256 (int8 models) or float logit (PyTorch)."""
import os
import shutil
import subprocess
import tempfile

import numpy as np
import torch


def find_repo_root():
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


class TorchRunner:
    """FP32 PyTorch; returns the logit (threshold 0 == probability 0.5)."""

    def __init__(self, model):
        self.model = model.eval()

    def __call__(self, tile):
        with torch.no_grad():
            return self.model(torch.from_numpy(tile).float()[None, None])[0, 0].numpy()


class FileRunner:
    """Runs a .tflite through a command-line runner that takes
    MODEL IN.bin OUTPREFIX and writes OUTPREFIX.0.bin (fsnn run, tools/oracle/run.mjs)."""

    def __init__(self, argv_prefix, model, size, name):
        self.argv = list(argv_prefix)
        self.model = model
        self.size = size
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix="fsmodel-")

    def __call__(self, tile):
        inp = os.path.join(self.tmp, "in.bin")
        out = os.path.join(self.tmp, "out")
        with open(inp, "wb") as f:
            f.write(np.ascontiguousarray(tile, np.uint8).tobytes())
        r = subprocess.run(self.argv + [self.model, inp, out], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{self.name}: {' '.join(self.argv)} {self.model} failed "
                               f"(exit {r.returncode}): {r.stderr.strip()[-400:]}")
        path = out + ".0.bin"
        data = np.fromfile(path, np.uint8)
        if data.size != self.size * self.size:
            raise RuntimeError(f"{self.name}: {path} holds {data.size} bytes, expected "
                               f"{self.size}x{self.size} uint8 probabilities")
        return data.reshape(self.size, self.size)

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def fsnn_runner(model, size, fsnn=None):
    fsnn = fsnn or os.environ.get("FSNN") or shutil.which("fsnn") or \
        os.path.join(os.environ.get("FS_REL_BIN", os.path.join(find_repo_root(), "build", "bin")), "fsnn")
    if not os.path.exists(fsnn):
        raise FileNotFoundError(f"{fsnn}: fsnn binary not found (build with make, or set FSNN)")
    return FileRunner([fsnn, "run"], model, size, "fsnn")


def litert_runner(model, size, oracle_dir=None):
    """LiteRT.js through tools/oracle (or ORACLE_DIR) with node."""
    cands = [oracle_dir, os.environ.get("ORACLE_DIR"), os.path.join(find_repo_root(), "tools", "oracle")]
    for d in cands:
        if d and os.path.exists(os.path.join(d, "run.mjs")) and \
                os.path.isdir(os.path.join(d, "node_modules", "@litertjs")):
            return FileRunner(["node", os.path.join(d, "run.mjs")], model, size, "litert")
    raise FileNotFoundError("LiteRT.js runner not found: run tools/oracle/setup.sh, or set ORACLE_DIR "
                            "to a folder holding run.mjs and node_modules/@litertjs/core")
