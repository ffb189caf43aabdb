#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks fieldscope results folders as a lab would trust them.

  check_results.py RESULTS_DIR [--leds-off] [--run-complete]

For every run-NNNN: run.json parses; audit.log's hash chain holds; every
fov-NNNNN with a COMPLETE marker has each file it lists, with the SHA-256 it
lists, every PNG decodes, labels.png is 16-bit with ids 1..cells matching
cells.csv. FOV folders without COMPLETE are reported as incomplete (allowed).
--leds-off: run.json's sim_leds_at_exit must show every line dark.
--run-complete: every run must have its COMPLETE marker.
Prints a summary line; exits 1 with the first problem.
"""
import hashlib
import json
import os
import sys

import numpy as np
from PIL import Image


def fail(msg):
    print("problem: " + msg)
    sys.exit(1)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_audit(path):
    prev = "0" * 64
    n = 0
    with open(path, "rb") as f:
        data = f.read().decode()
    lines = data.split("\n")
    for i, line in enumerate(lines[:-1]):   # the text after the last newline is unfinished
        if " prev=" not in line or line.rsplit(" prev=", 1)[1] != prev:
            fail(f"{path}:{i + 1}: hash chain broken")
        prev = hashlib.sha256(line.encode()).hexdigest()
        n += 1
    return n


def main():
    root = sys.argv[1]
    leds_off = "--leds-off" in sys.argv
    run_complete = "--run-complete" in sys.argv
    runs = sorted(d for d in os.listdir(root) if d.startswith("run-"))
    if not runs:
        fail(f"no run folders in {root}")
    complete = incomplete = 0
    for run in runs:
        rd = os.path.join(root, run)
        try:
            rj = json.load(open(os.path.join(rd, "run.json")))
        except Exception as e:  # noqa: BLE001
            if os.path.exists(os.path.join(rd, "run.json")):
                fail(f"{rd}/run.json unreadable: {e}")
            rj = None   # killed before the first run.json: allowed
        if os.path.exists(os.path.join(rd, "audit.log")):
            check_audit(os.path.join(rd, "audit.log"))
        if run_complete and not os.path.exists(os.path.join(rd, "COMPLETE")):
            fail(f"{rd}: no run COMPLETE marker")
        if leds_off and rj is not None:
            leds = rj.get("sim_leds_at_exit")
            if leds is None:
                fail(f"{rd}/run.json: no sim_leds_at_exit record")
            lit = [k for k, v in leds.items() if v != 0]
            if lit:
                fail(f"{rd}: lines lit at exit: {lit}")
        for fov in sorted(d for d in os.listdir(rd) if d.startswith("fov-")):
            fd = os.path.join(rd, fov)
            if not os.path.exists(os.path.join(fd, "COMPLETE")):
                incomplete += 1
                continue
            done = json.load(open(os.path.join(fd, "COMPLETE")))
            for name, h in done["sha256"].items():
                p = os.path.join(fd, name)
                if not os.path.exists(p):
                    fail(f"{p}: listed in COMPLETE but missing")
                if sha(p) != h:
                    fail(f"{p}: SHA-256 differs from COMPLETE")
                if name.endswith(".png"):
                    Image.open(p).load()
            lp = os.path.join(fd, "labels.png")
            if open(lp, "rb").read()[24] != 16:   # IHDR bit depth
                fail(f"{lp} is not a 16-bit PNG")
            a = np.array(Image.open(lp))
            rows = open(os.path.join(fd, "cells.csv")).read().strip().split("\n")[1:]
            if int(a.max()) != done["cells"] or len(rows) != done["cells"]:
                fail(f"{fd}: {done['cells']} cells in COMPLETE, max label {a.max()}, {len(rows)} csv rows")
            complete += 1
    print(f"{len(runs)} run(s), {complete} complete FOV(s) intact, {incomplete} incomplete")


if __name__ == "__main__":
    main()
