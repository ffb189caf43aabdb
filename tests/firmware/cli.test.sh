#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# fieldscope behaves like a Unix tool: help on stdout with exit 0 for every
# command, --version with the git commit, --opt=value forms, unknown options
# and extra arguments named with exit 2, and `segment` finding the shipped
# model (or listing the paths it tried).
. "$(dirname "$0")/lib.sh"

out=$("$SAN" --version); rc=$?
if [ $rc -eq 0 ] && [[ "$out" =~ ^fieldscope\ [0-9.]+\ \(git\ [^\)]+\)$ ]]; then pass cli_version
else fail cli_version "exit $rc: '$out'"; fi

ok=1
for c in run selftest segment config-doc version; do
  o=$("$SAN" $c --help 2>"$WORK/err"); rc=$?
  if [ $rc -ne 0 ] || [[ "$o" != usage:\ fieldscope\ $c* ]] || [ -s "$WORK/err" ]; then ok=0; echo "  $c --help: exit $rc"; fi
done
"$SAN" --help >"$WORK/o" 2>"$WORK/err" && grep -q "Exit status" "$WORK/o" && [ ! -s "$WORK/err" ] || ok=0
[ $ok -eq 1 ] && pass cli_help_every_command || fail cli_help_every_command "see above"

bad() {  # name, expected stderr pattern, args...
  local name=$1 pat=$2; shift 2
  "$SAN" "$@" >"$WORK/o" 2>"$WORK/err"; local rc=$?
  if [ $rc -eq 2 ] && grep -q -- "$pat" "$WORK/err" && [ ! -s "$WORK/o" ]; then pass "$name"
  else fail "$name" "exit $rc, stderr: $(head -c 300 "$WORK/err")"; fi
}
bad cli_unknown_option "unknown option '--bogus'" run --bogus
bad cli_option_not_for_command "unknown option '--model'" run --model x.tflite
bad cli_missing_value "needs a value: '--config'" selftest --config
bad cli_extra_argument "unexpected argument 'extra'" run extra
bad cli_unknown_command "unknown command 'frobnicate'" frobnicate
bad cli_segment_needs_out "needs IMAGE.png and --out" segment "$DEMO/$(ls "$DEMO" | head -1)"

img=$(ls "$DEMO"/*.png | head -1); stem=$(basename "$img" .png)
if "$SAN" segment --out="$WORK/seq" --model="$THRESH_MODEL" "$img" >"$WORK/o" 2>"$WORK/err" &&
   [ -f "$WORK/seq/$stem/labels_color.png" ]; then pass cli_option_equals_form
else fail cli_option_equals_form "$(tail -2 "$WORK/err")"; fi

# --reference: the cells' own mask scores perfectly; a mask of another size is
# an error naming both sizes, after the results are written.
"$PYTHON" - "$WORK/seq/$stem/labels.png" "$WORK/self_mask.png" "$WORK/small_mask.png" <<'EOF'
import sys
import numpy as np
from PIL import Image
lab = np.array(Image.open(sys.argv[1]))
Image.fromarray(((lab > 0) * 255).astype(np.uint8)).save(sys.argv[2])
Image.fromarray(np.zeros((7, 9), np.uint8)).save(sys.argv[3])
EOF
"$SAN" segment "$img" --out "$WORK/ref" --model "$THRESH_MODEL" --reference "$WORK/self_mask.png" >"$WORK/o" 2>"$WORK/err"; rc=$?
if [ $rc -eq 0 ] && grep -q "F1@IoU0.5 1.0000, pixel Jaccard 1.0000" "$WORK/err" &&
   grep -q '"count_error": 0.000000' "$WORK/ref/$stem/score.json" && grep -q '"f1": 1.000000' "$WORK/ref/$stem/score.json"
then pass cli_segment_reference_scores
else fail cli_segment_reference_scores "exit $rc: $(tail -2 "$WORK/err"; cat "$WORK/ref/$stem/score.json" 2>&1)"; fi
"$SAN" segment "$img" --out "$WORK/ref2" --model "$THRESH_MODEL" --reference "$WORK/small_mask.png" >"$WORK/o" 2>"$WORK/err"; rc=$?
if [ $rc -eq 1 ] && grep -q "small_mask.png: 9x7, expected the image's" "$WORK/err" && [ -f "$WORK/ref2/$stem/cells.csv" ]
then pass cli_segment_reference_size_checked
else fail cli_segment_reference_size_checked "exit $rc: $(tail -2 "$WORK/err")"; fi
bad cli_reference_only_for_segment "unknown option '--reference'" run --reference x.png

# A copy of the program outside any tree, no config: the error lists every path tried.
if [ -r /etc/fieldscope/fieldscope.conf ]; then
  echo "SKIP cli_segment_lists_model_paths: /etc/fieldscope/fieldscope.conf exists"
else
  mkdir -p "$WORK/lone/bin"; cp "$REL" "$WORK/lone/bin/fieldscope"
  "$WORK/lone/bin/fieldscope" segment "$img" --out "$WORK/lone/out" >"$WORK/o" 2>"$WORK/err"; rc=$?
  if [ $rc -eq 2 ] && grep -q "tried:" "$WORK/err" && grep -q "share/fieldscope/models" "$WORK/err" &&
     grep -q -- "--model" "$WORK/err"; then pass cli_segment_lists_model_paths
  else fail cli_segment_lists_model_paths "exit $rc: $(cat "$WORK/err")"; fi
  # From the source tree's build the shipped model is found.
  "$REL" segment "$img" --out "$WORK/tree" >"$WORK/o" 2>"$WORK/err"; rc=$?
  if [ $rc -eq 0 ] && grep -q "nn/models/" "$WORK/err"; then pass cli_segment_finds_shipped_model
  else fail cli_segment_finds_shipped_model "exit $rc: $(tail -3 "$WORK/err")"; fi
fi

# ---- fsprobe -------------------------------------------------------------------
P=${FS_BIN:-$FS_TOP/build/asan/bin}/fsprobe
o=$("$P" board --help); rc=$?
[ $rc -eq 0 ] && [[ "$o" == usage:\ fsprobe\ board* ]] && pass fsprobe_help || fail fsprobe_help "exit $rc: $o"
"$P" capture --count 3x >"$WORK/o" 2>"$WORK/err"; rc=$?
[ $rc -eq 2 ] && grep -q "count '3x'" "$WORK/err" && pass fsprobe_checks_numbers || fail fsprobe_checks_numbers "exit $rc: $(cat "$WORK/err")"
"$P" light --bogus >"$WORK/o" 2>"$WORK/err"; rc=$?
[ $rc -eq 2 ] && grep -q "unknown option '--bogus'" "$WORK/err" && pass fsprobe_unknown_option || fail fsprobe_unknown_option "exit $rc: $(cat "$WORK/err")"
"$P" board "$FS_TOP/board/sim.conf" >"$WORK/o" 2>"$WORK/err"; rc=$?
[ $rc -eq 0 ] && grep -q "usable on this machine" "$WORK/o" && pass fsprobe_board_sim || fail fsprobe_board_sim "exit $rc: $(cat "$WORK/o" "$WORK/err")"
sed -e 's|^device = .*|device = /nonexistent/frames|' "$FS_TOP/board/sim.conf" >"$WORK/badcam.conf"
"$P" board "$WORK/badcam.conf" >"$WORK/o" 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] && grep -q "camera FAIL" "$WORK/o" && pass fsprobe_board_missing_camera || fail fsprobe_board_missing_camera "exit $rc: $(cat "$WORK/o")"
