#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# make bench (cells part): time of the firmware's cell labelling per 2048x2048
# FOV — plain connected components (fw_label) against instance separation
# (fw_separate) — each followed by fw_measure and fw_cells_flag. Input: a
# seeded synthetic RBC-like probability map (~4,500 touching discs of
# r 11-15 px, like the Octopi fields), so the bench needs nothing outside
# the tree. Reports wall and thread-CPU ms, the fastest of 5 runs each.
set -u
bin=$1
work=$(mktemp -d /tmp/fieldscope-bench-cells-XXXXXX)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 - "$work/map.png" <<'PY'
import sys
import numpy as np
from PIL import Image
rng = np.random.default_rng(0)
n = 2048
m = np.zeros((n, n), np.uint8)
yy, xx = np.mgrid[-16:17, -16:17]
for _ in range(5200):
    cx, cy = rng.integers(0, n, 2)
    r = rng.uniform(11, 15)
    d = np.hypot(xx, yy)
    y0, x0 = cy - 16, cx - 16
    ys, xs = slice(max(y0, 0), min(y0 + 33, n)), slice(max(x0, 0), min(x0 + 33, n))
    sub = d[ys.start - y0:ys.stop - y0, xs.start - x0:xs.stop - x0]
    p = np.clip(255 * (r + 0.5 - sub), 0, 255).astype(np.uint8)
    m[ys, xs] = np.maximum(m[ys, xs], p)
Image.fromarray(m).save(sys.argv[1])
PY
for mode in --plain ""; do
  "$bin" "$work/map.png" --repeat 5 --grow 1 $mode >"$work/out.json" || exit 1
  /usr/bin/python3 - "$work/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"bench: cells {d['mode']:8s} {d['width']}x{d['height']}: {d['cells']} cells, "
      f"{d['cpu_ms']:.0f} ms CPU ({d['ms']:.0f} ms wall) per FOV")
PY
done
