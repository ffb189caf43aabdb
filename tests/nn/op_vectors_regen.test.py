#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The committed single-op vectors (tests/vectors/ops) match their generator.

tools/gen_op_vectors.py --check rebuilds every model, input and case.txt
without the oracle and compares bytes, so a generator edit that would change
committed cases (or a hand-edited vector) is caught without Node. The
oracle's outputs themselves are checked by test_op_vectors against fsnn.
"""
import os
import subprocess
import sys

top = os.environ.get("FS_TOP") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
gen = os.path.join(top, "tools", "gen_op_vectors.py")
name = "op_vectors_regen"
try:
    import numpy  # noqa: F401  (the generator needs it)
except ImportError:
    print(f"SKIP {name}: python3-numpy is not installed (make deps)")
    sys.exit(0)
r = subprocess.run([sys.executable, gen, "--check"], capture_output=True, text=True, timeout=300)
if r.returncode == 0:
    print(f"PASS {name}")
    sys.exit(0)
lines = (r.stdout + r.stderr).strip().splitlines()
why = "; ".join(lines[:5]) + (f"; ... ({len(lines)} lines)" if len(lines) > 5 else "")
print(f"FAIL {name}: {gen} --check: {why}")
sys.exit(1)
