#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Whole-FOV inference: with the default memory limit a 2048x2048 field runs
# through M2U-Net in one pass (the engine re-plans the model at the frame's
# size), with [segmentation] max_arena_mb = 0 in 1024x1024 tiles; with an
# overlap wider than the network's reach the stitched tiles must give the
# single pass's labels bit for bit. A limit too small for the whole field
# picks a smaller tiling, never more memory. Release build.
set -u
. "$(dirname "$0")/lib.sh"
img=${FS_SHARED:-}/data/octopi_rbc_dpc/images/rbc_00.png
model=$FS_TOP/nn/models/rbc_m2unet_int8_1024.tflite
[ -n "${FS_SHARED:-}" ] && [ -f "$img" ] || { echo "SKIP whole_fov: no \$FS_SHARED/data/octopi_rbc_dpc"; exit 0; }
[ -x "$REL" ] || { echo "FAIL whole_fov_setup: $REL not built"; exit 1; }

seg() {  # name, key=value... -> runs segment, leaves $WORK/<name>/rbc_00 and the log line
  local name=$1; shift
  local sets=() kv
  for kv in "$@"; do sets+=(--set "$kv"); done
  "$REL" segment "$img" --out "$WORK/$name" --model "$model" "${sets[@]}" 2>"$WORK/$name.err" >/dev/null
}

if seg whole && grep -q '1 tile(s) of 2048x2048' "$WORK/whole.err"; then pass whole_fov_one_pass
else fail whole_fov_one_pass "$(tail -2 "$WORK/whole.err")"; fi

if seg tiles segmentation.max_arena_mb=0 segmentation.tile_overlap=512 &&
   grep -q 'tile(s) of 1024x1024' "$WORK/tiles.err"; then
  # Pixels, not bytes: each PNG carries its own time in its metadata.
  if "$PYTHON" -c 'import sys, numpy as np; from PIL import Image
a, b = (np.array(Image.open(p)) for p in sys.argv[1:3])
sys.exit(0 if a.shape == b.shape and (a == b).all() else 1)' "$WORK/whole/rbc_00/labels.png" "$WORK/tiles/rbc_00/labels.png"
  then pass whole_fov_equals_stitched_tiles
  else fail whole_fov_equals_stitched_tiles "labels of the single pass and of 1024x1024 tiles differ"; fi
else fail whole_fov_equals_stitched_tiles "tiled run: $(tail -2 "$WORK/tiles.err")"; fi

# 100 MB holds a 1024x1024 tile (64 MB arena) but not the 268 MB whole field.
if seg small segmentation.max_arena_mb=100 && ! grep -q 'tile(s) of 2048x2048' "$WORK/small.err" &&
   grep -q 'tile(s) of' "$WORK/small.err"; then pass whole_fov_respects_max_arena
else fail whole_fov_respects_max_arena "$(tail -2 "$WORK/small.err")"; fi
exit 0
