#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The supervisory loop end to end on the simulated board: normal runs,
# restart numbering, DPC, signals, the button, bad configs, `segment`,
# accelerator hangs. Every run must leave every simulated LED dark.
set -u
. "$(dirname "$0")/lib.sh"

for b in "$REL" "$SAN"; do
  [ -x "$b" ] || { echo "FAIL loop_setup: $b not built"; exit 1; }
done

# ---- a normal run under ASan/UBSan ------------------------------------------
board=$(make_board demo "$DEMO")
conf=$(make_conf demo "$board" "$THRESH_MODEL" acquisition.max_fovs=4)
out=$("$SAN" run --config "$conf" 2>"$WORK/demo.err"); rc=$?
res="$WORK/demo/results"
if [ $rc -ne 0 ]; then fail loop_demo_asan "exit $rc: $(tail -3 "$WORK/demo.err")"
elif ! grep -q "fovs: 4" <<<"$out"; then fail loop_demo_asan "summary: $out"
elif ! msg=$($CHECK "$res" --leds-off --run-complete); then fail loop_demo_asan "$msg"
elif ! grep -q "4 complete" <<<"$msg"; then fail loop_demo_asan "$msg"
else pass loop_demo_asan; fi

# run.json carries what a lab needs
if $PYTHON - "$res/run-0001/run.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["firmware_version"] and len(d["models"]["cpu"]["sha256"]) == 64
assert d["board"] == "sim" and d["config"]["segmentation"]["tile_overlap"] == 16
assert [c["check"] for c in d["selftest"]] == ["leds", "camera", "model", "accelerator", "storage"]
assert all(f["backend"] == "cpu" and f["why"] for f in d["fovs"]) and len(d["fovs"]) == 4
assert d["totals"]["fovs"] == 4 and "timings_ms" in d["fovs"][0]
EOF
then pass run_json_contents; else fail run_json_contents "run.json lacks fields (see above)"; fi

# ---- restart: numbering continues, nothing overwritten ----------------------
before=$(cd "$res/run-0001" && find . -type f -exec sha256sum {} + | sort)
"$REL" run --config "$conf" >/dev/null 2>"$WORK/demo2.err"; rc=$?
after=$(cd "$res/run-0001" && find . -type f -exec sha256sum {} + | sort)
if [ $rc -ne 0 ]; then fail restart_numbering "exit $rc"
elif [ ! -f "$res/run-0002/COMPLETE" ]; then fail restart_numbering "no run-0002"
elif [ "$before" != "$after" ]; then fail restart_numbering "run-0001 changed"
else pass restart_numbering; fi

# ---- DPC: two 16-bit steps per FOV combined as Octopi does -------------------------
mkdir -p "$WORK/dpcimg/dpc_left" "$WORK/dpcimg/dpc_right"
$PYTHON - "$DEMO" "$WORK/dpcimg" <<'EOF'
import os, sys
import numpy as np
from PIL import Image
src, dst = sys.argv[1], sys.argv[2]
for i, f in enumerate(sorted(os.listdir(src))[:2]):
    a = np.array(Image.open(os.path.join(src, f)).convert("L")).astype(np.float64)
    g = np.gradient(a, axis=1)
    # 16-bit frames, as a 12-bit sensor scaled to 16 bits delivers them
    left = (np.clip(100 + a * 0.4 + g, 0, 255) * 257).astype(np.uint16)
    right = (np.clip(100 + a * 0.4 - g, 0, 255) * 257).astype(np.uint16)
    Image.fromarray(left, mode="I;16").save(f"{dst}/dpc_left/{i:03d}.png")
    Image.fromarray(right, mode="I;16").save(f"{dst}/dpc_right/{i:03d}.png")
EOF
dboard="$WORK/dpc-board.conf"
sed -e "s|^device = .*|device = $WORK/dpcimg|" -e "s|^depth = 8|depth = 16|" "$FS_TOP/board/sim-dpc.conf" >"$dboard"
dconf=$(make_conf dpc "$dboard" "$THRESH_MODEL" acquisition.max_fovs=2)
"$REL" run --config "$dconf" >/dev/null 2>"$WORK/dpc.err"; rc=$?
fov="$WORK/dpc/results/run-0001/fov-00001"
if [ $rc -ne 0 ]; then fail dpc_pipeline "exit $rc: $(tail -2 "$WORK/dpc.err")"
elif ! $PYTHON - "$fov" <<'EOF'
import sys
import numpy as np
from PIL import Image
d = sys.argv[1]
assert open(d + "/raw_dpc_left.png", "rb").read()[24] == 16, "raw frames must stay 16-bit"
l = np.array(Image.open(d + "/raw_dpc_left.png")).astype(np.float64)
r = np.array(Image.open(d + "/raw_dpc_right.png")).astype(np.float64)
s = l + r
want = np.where(s > 0, 0.5 + (l - r) / np.where(s > 0, s, 1), 0.0)
want = (np.clip(want, 0, 1) * 255).astype(np.uint8)
got = np.array(Image.open(d + "/dpc.png"))
bad = np.abs(want.astype(int) - got.astype(int)).max()
sys.exit(0 if bad <= 1 else 1)
EOF
then fail dpc_pipeline "dpc.png differs from 0.5+(L-R)/(L+R)"
elif ! msg=$($CHECK "$WORK/dpc/results" --leds-off); then fail dpc_pipeline "$msg"
else pass dpc_pipeline; fi

# ---- SIGTERM: finish or abandon the current FOV, LEDs off, exit 0 ----------
tconf=$(make_conf term "$board" "$THRESH_MODEL" acquisition.trigger=interval acquisition.interval_s=0.2)
"$SAN" run --config "$tconf" >/dev/null 2>"$WORK/term.err" &
pid=$!
# SIGTERM once the run is under way (the first FOV complete), not after a
# fixed sleep: under ASan on a loaded machine start-up alone can take seconds
for _ in $(seq 600); do
  [ -e "$WORK/term/results/run-0001/fov-00001/COMPLETE" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
sleep 0.3
kill -TERM $pid
wait $pid; rc=$?
if [ ! -e "$WORK/term/results/run-0001/fov-00001/COMPLETE" ]; then
  fail sigterm_clean_exit "no FOV complete in 60 s (exit $rc): $(tail -3 "$WORK/term.err")"
elif [ $rc -ne 0 ]; then fail sigterm_clean_exit "exit $rc: $(tail -3 "$WORK/term.err")"
elif ! grep -q '"status": "stopped by SIGTERM"' "$WORK/term/results/run-0001/run.json"; then
  fail sigterm_clean_exit "status not recorded"
elif ! msg=$($CHECK "$WORK/term/results" --leds-off --run-complete); then fail sigterm_clean_exit "$msg"
else pass sigterm_clean_exit; fi

# ---- button trigger (SIGUSR1 presses the simulated button) ------------------
bconf=$(make_conf button "$board" "$THRESH_MODEL" acquisition.trigger=button)
"$REL" run --config "$bconf" >/dev/null 2>"$WORK/button.err" &
pid=$!
# Press only once the run has started (after the self-test): under qemu-user
# on a loaded machine start-up takes seconds, and SIGUSR1 before the handler
# is installed kills the program.
for _ in $(seq 600); do grep -q '^fieldscope: run 1 in' "$WORK/button.err" && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
sleep 0.3; kill -USR1 $pid; sleep 0.6; kill -USR1 $pid; sleep 0.8
kill -INT $pid; wait $pid; rc=$?
n=$(ls -d "$WORK/button/results/run-0001"/fov-* 2>/dev/null | wc -l)
if [ $rc -ne 0 ]; then fail button_trigger "exit $rc: $(tail -2 "$WORK/button.err")"
elif [ "$n" -ne 2 ]; then fail button_trigger "2 presses gave $n FOVs"
elif ! msg=$($CHECK "$WORK/button/results" --leds-off); then fail button_trigger "$msg"
else pass button_trigger; fi

# ---- bad configs: one clear line each ---------------------------------------
bad_case() {  # name expected_rc grep_pattern config_text...
  local name=$1 want=$2 pat=$3; shift 3
  local c="$WORK/bad-$name.conf"
  printf '%s\n' "$@" >"$c"
  local err; err=$("$REL" run --config "$c" 2>&1 >/dev/null); local rc=$?
  local last; last=$(tail -1 <<<"$err")
  if [ $rc -ne "$want" ]; then fail "bad_config_$name" "exit $rc (want $want): $last"
  elif ! grep -q -- "$pat" <<<"$last"; then fail "bad_config_$name" "message '$last' lacks '$pat'"
  else pass "bad_config_$name"; fi
}
common=("[board]" "name = $board" "[storage]" "results_dir = $WORK/bad/results" "[supervision]" "error_blink_s = 0")
bad_case unknown_key 2 "bad-unknown_key.conf:8: unknown key 'treshold' in \[segmentation\]" \
  "${common[@]}" "[segmentation]" "treshold = 0.5"
bad_case bad_value 2 "bad-bad_value.conf:8: \[segmentation\] threshold = '2': expected a number in 0..1" \
  "${common[@]}" "[segmentation]" "threshold = 2"
bad_case missing_model 2 "\[model\] cpu = '/nonexistent/rbc.tflite': no such model file" \
  "${common[@]}" "[model]" "cpu = /nonexistent/rbc.tflite"
bad_case wrong_hash 1 "SHA-256 is .*, the config expects 1111" \
  "${common[@]}" "[model]" "cpu = $THRESH_MODEL" "cpu_sha256 = $(printf '1%.0s' {1..64})"
bad_case missing_board 2 "board file: .*nosuchboard.conf: cannot open" \
  "[board]" "name = nosuchboard" "dir = $WORK"

# ---- fieldscope segment on one file -----------------------------------------
img=$(ls "$DEMO"/*.png | head -1); stem=$(basename "$img" .png)
sout=$("$SAN" segment "$img" --out "$WORK/seg" --model "$THRESH_MODEL" 2>"$WORK/seg.err"); rc=$?
if [ $rc -ne 0 ]; then fail segment_cli "exit $rc: $(tail -2 "$WORK/seg.err")"
elif ! $PYTHON - "$WORK/seg/$stem" "$img" <<'EOF'
import sys
import numpy as np
from PIL import Image
d, src = sys.argv[1], sys.argv[2]
lab = np.array(Image.open(d + "/labels.png"))
img = np.array(Image.open(src).convert("L"))
assert open(d + "/labels.png", "rb").read()[24] == 16, "labels.png must be a 16-bit PNG"
assert lab.shape == img.shape, lab.shape
rows = open(d + "/cells.csv").read().strip().split("\n")
n = len(rows) - 1
assert rows[0].startswith("fov,cell_id,area_px,area_um2,centroid_x_px") and rows[0].endswith(",border,clump")
assert set(np.unique(lab)) == set(range(n + 1)), "labels must be 0..N"
# the test model is "pixel >= 128": every labelled pixel is bright
assert (img[lab > 0] >= 128).all()
ov = Image.open(d + "/overlay.png"); assert ov.mode == "RGB" and ov.size == (img.shape[1], img.shape[0])
EOF
then fail segment_cli "outputs wrong (see above)"
else pass segment_cli; fi
"$REL" segment /nonexistent.png --out "$WORK/seg" --model "$THRESH_MODEL" 2>"$WORK/seg2.err"; rc=$?
if [ $rc -eq 1 ] && grep -q "/nonexistent.png" "$WORK/seg2.err"; then pass segment_cli_missing_image
else fail segment_cli_missing_image "exit $rc: $(cat "$WORK/seg2.err")"; fi

# ---- any image size: 3000x3000 and odd sizes stitch without seams -----------------
$PYTHON - "$WORK/sizes" <<'EOF'
import os, sys
import numpy as np
from PIL import Image
d = sys.argv[1]; os.makedirs(d, exist_ok=True)
rng = np.random.default_rng(7)
for w, h in [(3000, 3000), (2047, 1531), (301, 5)]:
    y, x = np.mgrid[0:h, 0:w]
    a = 128 + 100 * np.sin(x / 37.0) * np.cos(y / 23.0) + rng.integers(-20, 21, (h, w))
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(f"{d}/size_{w}x{h}.png")
EOF
ok=1
for img in "$WORK"/sizes/*.png; do
  # plain components: this checks the stitching, which separation would hide
  "$REL" segment "$img" --out "$WORK/sizes-out" --model "$THRESH_MODEL" --config "$conf" \
    --set segmentation.separate=false >/dev/null 2>>"$WORK/sizes.err" || ok=0
done
if [ $ok -ne 1 ]; then fail segment_any_size "$(tail -1 "$WORK/sizes.err")"
elif ! $PYTHON - "$WORK/sizes" "$WORK/sizes-out" <<'EOF'
import os, sys
import numpy as np
from PIL import Image
from scipy import ndimage
src, out = sys.argv[1:3]
for f in sorted(os.listdir(src)):
    img = np.array(Image.open(f"{src}/{f}"))
    lab = np.array(Image.open(f"{out}/{f[:-4]}/labels.png"))
    # the per-pixel model is "pixel >= 128"; components below 10 px are dropped
    want, n = ndimage.label(img >= 128)
    sizes = np.bincount(want.ravel())
    keep = sizes >= 10; keep[0] = False
    want_fg = keep[want]
    assert lab.shape == img.shape, f
    assert ((lab > 0) == want_fg).all(), f"{f}: stitched mask differs from a whole-image threshold"
    assert len(np.unique(lab)) - 1 == int(keep.sum()), f"{f}: cell count"
EOF
then fail segment_any_size "stitched results differ (see above)"
else pass segment_any_size; fi

# ---- simulated accelerator: permanent hang -> retries -> CPU fallback --------
hboard=$(make_board hang "$DEMO" "[board]" "accelerator = sim" "[sim]" "hang_from = 1" "hang_count = -1")
hconf=$(make_conf hang "$hboard" "$THRESH_MODEL" acquisition.max_fovs=3 supervision.inference_deadline_ms=200 \
  supervision.inference_retries=2)
"$SAN" run --config "$hconf" >/dev/null 2>"$WORK/hang.err"; rc=$?
if [ $rc -ne 0 ]; then fail inference_hang_cpu_fallback "exit $rc: $(tail -3 "$WORK/hang.err")"
elif ! $PYTHON - "$WORK/hang/results/run-0001/run.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
acc = d["accelerator"]
assert acc["present"] and acc["fell_back_to_cpu"], acc
assert "failed 3 time(s)" in acc["fallback_reason"], acc["fallback_reason"]
assert len(d["fovs"]) == 3 and all(f["backend"] == "cpu" for f in d["fovs"]), d["fovs"]
assert all("CPU fallback" in f["why"] for f in d["fovs"]), [f["why"] for f in d["fovs"]]
EOF
then fail inference_hang_cpu_fallback "run.json does not record the fallback"
elif [ "$(grep -c inference_fault "$WORK/hang/results/run-0001/audit.log")" -ne 3 ]; then
  fail inference_hang_cpu_fallback "want 3 inference_fault audit lines"
elif ! msg=$($CHECK "$WORK/hang/results" --leds-off --run-complete); then fail inference_hang_cpu_fallback "$msg"
else pass inference_hang_cpu_fallback; fi

# ---- transient hang: one reset, the accelerator carries on ------------------
tboard=$(make_board blip "$DEMO" "[board]" "accelerator = sim" "[sim]" "hang_from = 2" "hang_count = 1")
tconf=$(make_conf blip "$tboard" "$THRESH_MODEL" acquisition.max_fovs=3 supervision.inference_deadline_ms=200)
"$REL" run --config "$tconf" >/dev/null 2>"$WORK/blip.err"; rc=$?
if [ $rc -ne 0 ]; then fail inference_hang_recovers "exit $rc"
elif ! $PYTHON - "$WORK/blip/results/run-0001/run.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["fovs"]
assert not d["accelerator"]["fell_back_to_cpu"]
assert [x["backend"] for x in f] == ["sim", "sim", "sim"], f
assert "recovered after 1 reset" in f[1]["why"] and f[0]["why"] == "accelerator healthy", f
EOF
then fail inference_hang_recovers "run.json wrong"
else pass inference_hang_recovers; fi
# ---- self-test command, and a failing self-test --------------------------------
if "$SAN" selftest --config "$conf" >"$WORK/st.out" 2>"$WORK/st.err" && grep -q "self-test passed" "$WORK/st.out"
then pass selftest_command; else fail selftest_command "$(tail -2 "$WORK/st.err")"; fi
nboard=$(make_board nocam "$WORK/no-such-folder")
nconf=$(make_conf nocam "$nboard" "$THRESH_MODEL")
"$SAN" run --config "$nconf" >/dev/null 2>"$WORK/nocam.err"; rc=$?
if [ $rc -eq 1 ] && grep -q "self-test failed (blink code 2)" "$WORK/nocam.err" \
   && grep -q "no-such-folder" "$(printf '%s' "$WORK/nocam.err")"; then pass selftest_camera_missing
else fail selftest_camera_missing "exit $rc: $(tail -2 "$WORK/nocam.err")"; fi

# ---- blink code on the status LED before exiting ------------------------------
kconf=$(make_conf blink "$nboard" "$THRESH_MODEL" supervision.error_blink_s=1)
"$REL" run --config "$kconf" >/dev/null 2>"$WORK/blink.err"; rc=$?
# self-test toggle (1) + one cycle of code 2 (2 pulses)
pulses=$(sed -n 's/.*status LED lit \([0-9]*\) time.*/\1/p' "$WORK/blink.err")
if [ $rc -eq 1 ] && [ "${pulses:-0}" -eq 3 ]; then pass blink_code_camera
else fail blink_code_camera "exit $rc, status LED lit ${pulses:-?} times (want 3)"; fi

# ---- the committed key reference matches the parser's table --------------------
if "$REL" config-doc | cmp -s - "$FS_TOP/firmware/config/reference.conf"; then pass config_reference_up_to_date
else fail config_reference_up_to_date "regenerate: fieldscope config-doc > firmware/config/reference.conf"; fi

# ---- every run above, on every exit path, let go of the LEDs dark ------------
runs=$(cat "$WORK"/*.err | grep -c "sim LEDs at exit")
lit=$(cat "$WORK"/*.err | grep "sim LEDs at exit" | grep "=1" | head -1)
if [ -n "$lit" ]; then fail leds_dark_on_every_exit "$lit"
elif [ "$runs" -lt 9 ]; then fail leds_dark_on_every_exit "only $runs runs reported their LEDs"
else pass leds_dark_on_every_exit; fi
exit 0
