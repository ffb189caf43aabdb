#!/usr/bin/env bash
# make bench (firmware part): FOVs per minute on 2048x2048 images through the
# whole loop (capture -> DPC/input -> tiles -> inference -> cells -> durable
# PNG/CSV/JSON) and the share of wall time spent inside inference. The goal
# is a share near 1: the pipeline hides everything but inference.
# Images: the shared Octopi RBC DPC set when ../shared is there (read in
# place, never copied into the project), else 2048x2048 mosaics of the
# committed demo images. BENCH_FOVS (default 3) FOVs; BENCH_MODEL overrides.
set -u
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
shared=${FS_SHARED:-$top/../shared}
fovs=${BENCH_FOVS:-3}
model=${BENCH_MODEL:-$top/nn/models/rbc_m2unet_ft_int8_1024.tflite}  # the default model
work=$(mktemp -d /tmp/fieldscope-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ -d "$shared/data/octopi_rbc_dpc/images" ]; then
  images=$shared/data/octopi_rbc_dpc/images
else
  images=$work/images; mkdir -p "$images"
  /usr/bin/python3 - "$top/board/sim/demo" "$images" <<'PY'
import os, sys
import numpy as np
from PIL import Image
src, dst = sys.argv[1], sys.argv[2]
tiles = [np.array(Image.open(os.path.join(src, f))) for f in sorted(os.listdir(src)) if f.endswith(".png")]
for k in range(3):
    rows = [np.hstack([tiles[(k + r + c) % len(tiles)] for c in range(8)]) for r in range(8)]
    Image.fromarray(np.vstack(rows)).save(os.path.join(dst, f"mosaic_{k}.png"))
PY
fi
[ -f "$model" ] || { echo "bench: model $model missing"; exit 1; }
sed -e "s|^device = .*|device = $images|" "$top/board/sim.conf" >"$work/board.conf"
cat >"$work/fieldscope.conf" <<CONF
[board]
name = $work/board.conf
[storage]
results_dir = $work/results
min_free_mb = 0
[acquisition]
max_fovs = $fovs
[model]
cpu = $model
[segmentation]
grow_px = 1
[supervision]
error_blink_s = 0
CONF
echo "bench: $fovs FOV(s) of $(basename "$images") through 'fieldscope run', model $(basename "$model")"
"$bin" run --config "$work/fieldscope.conf" 2>"$work/log" | grep -E 'fovs|inference_share'
rc=${PIPESTATUS[0]}
/usr/bin/python3 - "$work/results/run-0001/run.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["totals"]
f = d["fovs"]
n = max(len(f), 1)
avg = lambda k: sum(x["timings_ms"][k] for x in f) / n
print(f"bench: {t['fovs']} FOVs of {d['image']['width']}x{d['image']['height']} in {t['wall_s']:.1f} s: "
      f"{t['fovs_per_min']:.2f} FOVs/min, inference {t['inference_share'] * 100:.1f} % of wall time")
print(f"bench: per FOV (ms): capture {avg('capture'):.0f}, inference {avg('inference'):.0f}, "
      f"tiling+inference {avg('segment'):.0f}, cells {avg('analysis'):.0f}, write {avg('write'):.0f} "
      f"(capture and write overlap inference)")
PY
exit $rc
