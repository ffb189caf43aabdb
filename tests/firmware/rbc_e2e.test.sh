#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# End to end on the shared Octopi RBC DPC images: `fieldscope segment` on
# whole 2048x2048 images (9 overlapping 1024x1024 tiles each) with the
# default RBC model, scored against the masks. Tiling must not cost accuracy:
# the raw mask (no growing) must reach the Jaccard the model card reports
# (nn/models/rbc_m2unet_int8_1024.eval.json, made by `fsmodel eval` with the
# same tiling); the clinic setting grow_px = 1 is scored too. segment's own
# scores (--reference, score.json) must equal the ones computed here. Release build;
# one image by default (CI time), FS_RBC_IMAGES=all for all seven.
set -u
. "$(dirname "$0")/lib.sh"
data=${FS_SHARED:-}/data/octopi_rbc_dpc
model=$FS_TOP/nn/models/rbc_m2unet_int8_1024.tflite
[ -n "${FS_SHARED:-}" ] && [ -d "$data/images" ] || { echo "SKIP rbc_e2e_jaccard: no \$FS_SHARED/data/octopi_rbc_dpc"; exit 0; }
[ -f "$model" ] || { echo "SKIP rbc_e2e_jaccard: no $model yet"; exit 0; }
[ -x "$REL" ] || { echo "FAIL rbc_e2e_setup: $REL not built"; exit 1; }

# The model card's tiling (32 px overlap), raw output: grow_px 0.
conf=$(make_conf rbc "$FS_TOP/board/sim.conf" "$model" segmentation.grow_px=0 segmentation.tile_overlap=32 \
  segmentation.max_arena_mb=0 \
  segmentation.min_cell_area_px=20)
if [ "${FS_RBC_IMAGES:-}" = all ]; then imgs=("$data"/images/rbc_0*.png); else imgs=("$data/images/rbc_00.png"); fi
for img in "${imgs[@]}"; do
  stem=$(basename "$img" .png)
  "$REL" segment "$img" --out "$WORK/out" --config "$conf" --reference "$data/masks/${stem}_mask.png" \
    >/dev/null 2>>"$WORK/seg.err" \
    || { fail rbc_e2e_jaccard "segment $img failed: $(tail -1 "$WORK/seg.err")"; exit 0; }
done
grep -h "tile(s)" "$WORK/seg.err" | sed 's/^/  /'
$PYTHON - "$WORK/out" "$data" "$FS_TOP/nn/models/rbc_m2unet_int8_1024.eval.json" <<'EOF'
import json, os, sys
import numpy as np
from PIL import Image
from scipy import ndimage
out, data, card = sys.argv[1:4]

def card_jaccard(stem):
    """The card's Jaccard for one image, wherever the eval JSON keeps it."""
    if not os.path.exists(card):
        return None
    found = []
    def walk(x, ctx):
        if isinstance(x, dict):
            here = ctx or any(stem in str(v) for v in x.values() if isinstance(v, str))
            for k, v in x.items():
                if here and "jaccard" in k.lower() and isinstance(v, (int, float)):
                    found.append(float(v))
                walk(v, ctx or stem in str(k))
        elif isinstance(x, list):
            for v in x:
                walk(v, ctx)
    walk(json.load(open(card)), False)
    return found[0] if found else None

def grow(L):
    # the firmware's grow_px step: background taking the one label around it
    P = np.pad(L, 1)
    nb = [P[:-2, 1:-1], P[2:, 1:-1], P[1:-1, :-2], P[1:-1, 2:]]
    mx = np.max(nb, axis=0)
    mn = np.min([np.where(n > 0, n, np.iinfo(np.int64).max) for n in nb], axis=0)
    G = L.copy()
    sel = (L == 0) & (mx > 0) & (mx == mn)
    G[sel] = mx[sel]
    return G

ok = True
for stem in sorted(os.listdir(out)):
    lab = np.array(Image.open(f"{out}/{stem}/labels.png")).astype(np.int64)
    gt = np.array(Image.open(f"{data}/masks/{stem}_mask.png")) > 127
    p = lab > 0
    j = (p & gt).sum() / (p | gt).sum()
    g1 = grow(lab) > 0
    j1 = (g1 & gt).sum() / (g1 | gt).sum()
    comps, n_gt = ndimage.label(gt)
    n_p = len(np.unique(lab)) - 1
    want = card_jaccard(stem)
    floor = want - 0.003 if want is not None else 0.83
    print(f"  {stem}: Jaccard {j:.4f} (card {want if want is not None else 'n/a'}), "
          f"grown 1 px {j1:.4f}; cells {n_p} vs {n_gt} mask components ({100 * (n_p - n_gt) / n_gt:+.1f} %)")
    if j < floor:
        print(f"FAIL rbc_e2e_jaccard: {stem}: {j:.4f} < {floor:.4f}")
        ok = False
    if j1 < 0.88:
        print(f"FAIL rbc_e2e_jaccard: {stem}: grown {j1:.4f} < 0.88")
        ok = False
    if abs(n_p - n_gt) > 0.25 * n_gt:
        print(f"FAIL rbc_e2e_counts: {stem}: {n_p} cells vs {n_gt} components")
        ok = False
    sc = json.load(open(f"{out}/{stem}/score.json"))
    # all pairs at once: overlap of every (cell, reference) pair
    both = (lab > 0) & (comps > 0)
    keys, inter = np.unique(lab[both] * (n_gt + 1) + comps[both], return_counts=True)
    ap, at = np.bincount(lab.ravel()), np.bincount(comps.ravel())
    pi, ti = keys // (n_gt + 1), keys % (n_gt + 1)
    tp = int((inter / (ap[pi] + at[ti] - inter) > 0.5).sum())
    want = dict(reference_cells=n_gt, cells=n_p, matched_iou_gt_0_5=tp, pixel_jaccard=j)
    bad = {k: (sc[k], v) for k, v in want.items() if abs(sc[k] - v) > 1e-6}
    if bad:
        print(f"FAIL rbc_e2e_segment_reference: {stem}: score.json vs recomputed {bad}")
        ok = False
    else:
        print(f"  {stem}: segment --reference: F1@0.5 {sc['f1']:.4f}, count error {100 * sc['count_error']:+.2f} %")
if ok:
    print("PASS rbc_e2e_jaccard")
    print("PASS rbc_e2e_counts")
    print("PASS rbc_e2e_segment_reference")
EOF
exit 0
