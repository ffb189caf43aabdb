#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Issue 12: the holes a hostile tester found, each a case that failed before
# the fix, and the short, deterministic version of the trust figures
# (kills, FOVs verified by `fieldscope verify`, lost = 0, disk-full ends).
# `make soak` runs tests/firmware/soak.sh for the long version.
set -u
. "$(dirname "$0")/lib.sh"
[ -x "$REL" ] || { echo "FAIL reliability_setup: $REL not built"; exit 1; }
RANDOM=12   # deterministic instants: the same figures on every run
board=$(make_board demo "$DEMO")
kills=0; verified=0; lost=0; fulls=0

# Verifies every run folder under $1; adds to $verified and $lost; sets
# $problems to what verify said about the runs that failed.
verify_all() {
  local r out n
  problems=""
  for r in "$1"/run-*; do
    [ -d "$r" ] || continue
    if ! out=$("$REL" verify "$r" 2>&1); then problems+="$out "; lost=$((lost + 1)); continue; fi
    n=$(sed -n 's/.*ok: \([0-9]*\) FOV.*/\1/p' <<<"$out"); verified=$((verified + ${n:-0}))
  done
}

# ---- item 1: the 33rd --set is named, not "unexpected argument" -----------------
conf=$(make_conf cli "$board" "$THRESH_MODEL" acquisition.max_fovs=1)
sets=(); for i in $(seq 33); do sets+=(--set acquisition.max_fovs=1); done
out=$("$SAN" selftest --config "$conf" "${sets[@]}" 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q "more than 32 --set" <<<"$out"; then pass cli_33rd_set_named
else fail cli_33rd_set_named "exit $rc: $out"; fi
out=$("$SAN" selftest --config "$conf" --set $'acquisition.max_fovs=1\n[board]\nname = x' 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q "control character 0x0a" <<<"$out"; then pass cli_set_newline_rejected
else fail cli_set_newline_rejected "exit $rc: $out"; fi
printf '[segmentation]\nthreshold = 0.5\0\n[model]\ncpu = /nonexistent\n' >"$WORK/nul.conf"
out=$("$SAN" selftest --config "$WORK/nul.conf" 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q "nul.conf:2: control character 0x00" <<<"$out"; then pass cli_config_nul_rejected
else fail cli_config_nul_rejected "exit $rc: $out"; fi

# ---- item 2: the LED guard ----------------------------------------------------------
lb=$(make_board ledcfg "$DEMO" "[leds]" "line.led-dpc-left = 5" "line.led-dpc-right = 5" "[illumination]" "settle_ms = 20")
conf=$(make_conf ledcfg "$lb" "$THRESH_MODEL" acquisition.max_fovs=2)
out=$("$SAN" run --config "$conf" 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q "line.led-dpc-left = 5 ms cannot cover step 'brightfield'.*settle_ms 20" <<<"$out"; then
  pass led_max_on_below_settle_is_config_error
else fail led_max_on_below_settle_is_config_error "exit $rc: $(tail -1 <<<"$out")"; fi
# Passes the check, but reading a 2048x2048 frame outlasts the 2 ms left: every
# FOV is discarded, none completes with cells from a frame taken in the dark.
mkdir -p "$WORK/big"
"$PYTHON" -c "
import numpy as np; from PIL import Image
Image.fromarray(np.random.default_rng(1).integers(0, 255, (2048, 2048), dtype=np.uint8)).save('$WORK/big/f0.png')"
lb=$(make_board ledcut "$WORK/big" "[leds]" "line.led-dpc-left = 12" "line.led-dpc-right = 12" "[illumination]" "settle_ms = 10")
conf=$(make_conf ledcut "$lb" "$THRESH_MODEL" acquisition.max_fovs=2)
"$REL" run --config "$conf" >/dev/null 2>"$WORK/ledcut.err"; rc=$?
run="$WORK/ledcut/results/run-0001"
if [ $rc -ne 0 ]; then fail led_cut_frames_discarded "exit $rc: $(tail -1 "$WORK/ledcut.err")"
elif ls -d "$run"/fov-* >/dev/null 2>&1; then fail led_cut_frames_discarded "a FOV was kept: $(ls "$run")"
elif ! grep -q '"fovs_discarded_led_cut": 2' "$run/run.json"; then fail led_cut_frames_discarded "run.json does not count them"
elif [ "$(grep -c ' fov_discarded fov=' "$run/audit.log")" -ne 2 ]; then fail led_cut_frames_discarded "audit.log"
else pass led_cut_frames_discarded; fi

# ---- items 9, 12, 6: fieldscope segment -------------------------------------------
img=$(ls "$DEMO"/*.png | head -1)
mkdir -p "$WORK/sa" "$WORK/sb"; cp "$img" "$WORK/sa/x.png"; cp "$(ls "$DEMO"/*.png | tail -1)" "$WORK/sb/x.png"
seg() { "$SAN" segment "$@" --model "$THRESH_MODEL" 2>&1; }
o1=$(seg "$WORK/sa/x.png" --out "$WORK/sout"); r1=$?
o2=$(seg "$WORK/sb/x.png" --out "$WORK/sout"); r2=$?
o3=$(seg "$WORK/sa/x.png" --out "$WORK/sout"); r3=$?
if [ $r1 -ne 0 ] || [ $r3 -ne 0 ]; then fail segment_same_name_refused "first or repeated run failed: $o1 $o3"
elif [ $r2 -eq 0 ] || ! grep -q "same file name" <<<"$o2"; then fail segment_same_name_refused "exit $r2: $o2"
else pass segment_same_name_refused; fi
o=$(seg "$img" --out "$WORK/sout2" --set segmentation.connectivity=5); rc=$?
if [ $rc -ne 0 ] && grep -q "connectivity = 5: expected 4 or 8" <<<"$o"; then pass segment_config_checked
else fail segment_config_checked "exit $rc: $o"; fi
: >"$WORK/afile"
o=$(seg "$img" --out "$WORK/afile/out"); rc=$?
if [ $rc -ne 0 ] && grep -q -- "--out: .*afile" <<<"$o" && ! grep -q "cells" <<<"$o"; then pass segment_unwritable_out_early
else fail segment_unwritable_out_early "exit $rc: $o"; fi
mkdir -p "$WORK/dir.png"
o=$(seg "$WORK/dir.png" --out "$WORK/sout3"); rc=$?
if [ $rc -ne 0 ] && grep -q "is a directory" <<<"$o"; then pass segment_directory_named_png
else fail segment_directory_named_png "exit $rc: $o"; fi
"$PYTHON" -c "
import numpy as np; from PIL import Image
a = np.array(Image.open('$img').convert('L')).astype(np.uint16)   # values 0..255 in a 16-bit PNG
Image.fromarray(a).save('$WORK/low16.png')"
o=$(seg "$WORK/low16.png" --out "$WORK/sout4"); rc=$?
n=$(sed -n 's/.*: \([0-9]*\) cells$/\1/p' <<<"$o" | tail -1)
if [ $rc -eq 0 ] && grep -q "every value below 256" <<<"$o" && [ "${n:-0}" -gt 0 ]; then pass segment_16bit_low_values
else fail segment_16bit_low_values "exit $rc, ${n:-?} cells: $o"; fi
o=$(seg "$WORK/big/f0.png" --out "$WORK/sout5" --set segmentation.max_image_mpx=1); rc=$?
if [ $rc -ne 0 ] && grep -q "2048x2048 is 4.2 megapixels: expected at most" <<<"$o"; then pass segment_size_checked_before_decoding
else fail segment_size_checked_before_decoding "exit $rc: $o"; fi

# ---- item 11: killed between a FOV's COMPLETE and its audit line -----------------
conf=$(make_conf gap "$board" "$THRESH_MODEL" acquisition.max_fovs=3)
res="$WORK/gap/results"
"$REL" run --config "$conf" >/dev/null 2>&1
run="$res/run-0001"
# Cut the log before FOV 3's line (a cut tail keeps the chain valid), as if the
# kill came right after fov-00003/COMPLETE; leave a temporary file behind.
line=$(grep -n ' fov_complete fov=3 ' "$run/audit.log" | cut -d: -f1)
head -n $((line - 1)) "$run/audit.log" >"$WORK/a" && cat "$WORK/a" >"$run/audit.log"
printf 'half a line wi' >>"$run/audit.log"
rm -f "$run/COMPLETE"; : >"$run/fov-00003/labels.png.tmp"
before=$("$REL" verify "$run" 2>&1)
"$REL" run --config "$conf" --set acquisition.max_fovs=1 >/dev/null 2>"$WORK/gap.err"
after=$("$REL" verify "$run" 2>&1); rc=$?
if grep -q "ok:" <<<"$before"; then fail kill9_gap_recovered "verify accepted a FOV missing from audit.log: $before"
elif [ $rc -ne 0 ]; then fail kill9_gap_recovered "after recovery: $after"
elif ! grep -q ' fov_recovered fov=3 cells=' "$run/audit.log"; then fail kill9_gap_recovered "no fov_recovered line"
elif ! tail -1 "$run/audit.log" | grep -q ' run_recovered status=interrupted'; then fail kill9_gap_recovered "no run_recovered"
elif ! grep -q '"status": "interrupted' "$run/run.json" || ! grep -q '"ok": false' "$run/run.json" \
     || ! grep -q '"recovered_fovs": \[3\]' "$run/run.json"; then
  fail kill9_gap_recovered "run.json not marked interrupted"
elif [ -e "$run/fov-00003/labels.png.tmp" ]; then fail kill9_gap_recovered "temporary file left"
elif ! grep -q "recovered interrupted" "$WORK/gap.err"; then fail kill9_gap_recovered "recovery not logged"
else pass kill9_gap_recovered; echo "  $after"; fi

# ---- kill -9 at random instants, every completed FOV verified -------------------
conf=$(make_conf kill "$board" "$THRESH_MODEL")
res="$WORK/kill/results"
for i in $(seq 1 12); do
  "$REL" run --config "$conf" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(printf '%03d' $((30 + RANDOM % 600)))"
  kill -9 $pid 2>/dev/null && kills=$((kills + 1))
  wait $pid 2>/dev/null
done
"$REL" run --config "$conf" --set acquisition.max_fovs=1 >/dev/null 2>&1   # recovers the last one
verify_all "$res"
tmp=$(find "$res" -name '*.tmp' -o -name '.reserve' -o -name '.fovs.part' | head -1)
if [ -n "$problems" ]; then fail kill9_every_fov_verified "$problems"
elif [ -n "$tmp" ]; then fail kill9_every_fov_verified "left after recovery: $tmp"
elif [ "$verified" -lt 1 ]; then fail kill9_every_fov_verified "no FOV completed"
else pass kill9_every_fov_verified; fi

# ---- items 3 and 10: a full card ------------------------------------------------
mnt="$WORK/smallfs"; mkdir -p "$mnt"
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=3m fieldscope-rel "$mnt" 2>/dev/null; then
  echo "SKIP disk_full_end_state: cannot mount a small tmpfs here (needs root with mount rights)"
else
  cleanup_dirs=("$mnt" "${cleanup_dirs[@]}")
  trap 'umount "$mnt" 2>/dev/null; for d in "${cleanup_dirs[@]}"; do rm -rf "$d"; done' EXIT
  bad=""
  for i in 1 2 3 4 5 6; do
    rm -rf "${mnt:?}"/*
    fconf=$(make_conf "full$i" "$board" "$THRESH_MODEL" "storage.results_dir=$mnt/results")
    "$REL" run --config "$fconf" >/dev/null 2>"$WORK/full$i.err" &
    pid=$!
    for _ in $(seq 200); do [ -f "$mnt/results/run-0001/fov-00001/COMPLETE" ] && break; sleep 0.02; done
    sleep "0.$(printf '%03d' $((RANDOM % 200)))"   # a different instant each time
    dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
    for _ in $(seq 150); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
    if kill -0 $pid 2>/dev/null; then kill -9 $pid; bad="try $i: did not stop"; break; fi
    wait $pid; rc=$?; fulls=$((fulls + 1))
    rj="$mnt/results/run-0001/run.json"; al="$mnt/results/run-0001/audit.log"
    last=$(tail -1 "$WORK/full$i.err")
    if [ $rc -ne 1 ]; then bad="try $i: exit $rc: $last"
    elif grep -q '"status": "running"' "$rj" || grep -q '"ended": null' "$rj" || ! grep -q '"ok": false' "$rj"; then
      bad="try $i: run.json does not record the end: $(grep -E '"(status|ok|ended)"' "$rj" | head -3 | tr '\n' ' ')"
    elif ! tail -1 "$al" | grep -q ' run_end status=storage'; then bad="try $i: audit.log does not end in run_end"
    elif [ -n "$(tail -c1 "$al")" ]; then bad="try $i: audit.log ends in a partial line"
    elif grep -q "Write Error" "$rj" "$WORK/full$i.err"; then bad="try $i: errno lost: $last"
    elif ! grep -qE "No space left on device|storage nearly full" <<<"$last"; then bad="try $i: reason lost: $last"
    elif [ -n "$(find "$mnt/results" -name '*.tmp' | head -1)" ]; then bad="try $i: temporary file left"
    fi
    verify_all "$mnt/results"
    [ -n "$problems" ] && bad="try $i: $problems"
    [ -n "$bad" ] && break
  done
  [ -z "$bad" ] && pass disk_full_end_state || fail disk_full_end_state "$bad"

  # Item 10: too little space for one FOV: the self-test says so, no run folder.
  rm -rf "${mnt:?}"/*
  dd if=/dev/zero of="$mnt/filler" bs=4k count=$(( (3072 - 900) / 4 )) 2>/dev/null
  fconf=$(make_conf nearfull "$board" "$THRESH_MODEL" "storage.results_dir=$mnt/results")
  for i in 1 2 3; do "$REL" run --config "$fconf" >/dev/null 2>"$WORK/nearfull.err"; rc=$?; done
  runs=$(ls -d "$mnt"/results/run-* 2>/dev/null | wc -l)
  if [ $rc -ne 1 ] || [ "$runs" -ne 0 ]; then fail restarts_no_empty_runs "exit $rc, $runs run folder(s) after 3 starts"
  elif ! grep -q "one FOV needs" "$WORK/nearfull.err"; then fail restarts_no_empty_runs "$(tail -1 "$WORK/nearfull.err")"
  else pass restarts_no_empty_runs; fi
  umount "$mnt"
fi

# ---- a short continuous run: memory and descriptors sampled ------------------------
conf=$(make_conf rss "$board" "$THRESH_MODEL")
"$REL" run --config "$conf" >/dev/null 2>&1 &
pid=$!
# Sample once two FOVs are done (start-up over, every buffer allocated), not
# after a fixed sleep that a loaded machine can outlast in start-up alone.
for _ in $(seq 600); do
  [ -e "$WORK/rss/results/run-0001/fov-00002/COMPLETE" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
# Open files: the fewest of 10 samples, since a file being written comes and goes.
fds_min() { local m=9999 n; for _ in $(seq 10); do n=$(ls /proc/$pid/fd | wc -l); [ "$n" -lt "$m" ] && m=$n; sleep 0.02; done; echo $m; }
rss0=$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status); fd0=$(fds_min)
sleep 6
rss1=$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status); fd1=$(fds_min)
kill -TERM $pid; wait $pid
verify_all "$WORK/rss/results"
# Flat: a leak per FOV would grow by hundreds over this run; 2 allows files in flight.
if [ "${rss1:-0}" -le $(( ${rss0:-0} * 11 / 10 + 4096 )) ] && [ "$fd1" -le $((fd0 + 2)) ]; then pass rss_fds_flat
else fail rss_fds_flat "RSS ${rss0} -> ${rss1} KiB, open files ${fd0} -> ${fd1}"; fi

echo "figures: kills=$kills fovs_verified=$verified lost=$lost disk_full_runs=$fulls" \
     "rss_kib_start=${rss0:-?} rss_kib_end=${rss1:-?} fds_start=${fd0:-?} fds_end=${fd1:-?}"
[ "$lost" -eq 0 ] && pass figures_lost_zero || fail figures_lost_zero "lost=$lost"
exit 0
