#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# make soak: the long version of tests/firmware/reliability.test.sh, for
# release checks (minutes). Random kill -9 with every completed FOV checked by
# `fieldscope verify`, disk full at random instants, the fuzzers for a while,
# a long run with RSS and open files sampled, the watchdog test. Prints the
# trust figures at the end; exits 1 when any is wrong (lost > 0, a crash, a
# fuzz finding, memory or descriptors growing).
# Knobs: SOAK_KILLS (200), SOAK_FULLS (20), SOAK_RUN_S (180), SOAK_FUZZ_S (60 per target).
set -u
. "$(dirname "$0")/lib.sh"
[ -x "$REL" ] || { echo "soak: $REL not built (make all)"; exit 1; }
kills_n=${SOAK_KILLS:-200}; fulls_n=${SOAK_FULLS:-20}; run_s=${SOAK_RUN_S:-180}; fuzz_s=${SOAK_FUZZ_S:-60}
board=$(make_board demo "$DEMO")
kills=0; verified=0; lost=0; fulls=0; bad=0; fuzz_total=0
note() { echo "soak: $*"; }

verify_all() {   # every run folder under $1
  local r out n
  for r in "$1"/run-*; do
    [ -d "$r" ] || continue
    if ! out=$("$REL" verify "$r" 2>&1); then note "LOST: $out"; lost=$((lost + 1)); continue; fi
    n=$(sed -n 's/.*ok: \([0-9]*\) FOV.*/\1/p' <<<"$out"); verified=$((verified + ${n:-0}))
  done
}

# ---- kill -9 ------------------------------------------------------------------
conf=$(make_conf kill "$board" "$THRESH_MODEL")
for i in $(seq 1 "$kills_n"); do
  "$REL" run --config "$conf" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(printf '%03d' $((20 + RANDOM % 900)))"
  kill -9 $pid 2>/dev/null && kills=$((kills + 1))
  wait $pid 2>/dev/null
done
"$REL" run --config "$conf" --set acquisition.max_fovs=1 >/dev/null 2>&1
verify_all "$WORK/kill/results"
left=$(find "$WORK/kill/results" -name '*.tmp' | wc -l)
[ "$left" -ne 0 ] && { note "$left temporary files left after recovery"; bad=1; }
note "kill -9: $kills kills, $verified FOVs verified, lost $lost"

# ---- disk full -----------------------------------------------------------------
mnt="$WORK/smallfs"; mkdir -p "$mnt"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=3m fieldscope-soak "$mnt" 2>/dev/null; then
  trap 'umount "$mnt" 2>/dev/null; rm -rf "$WORK"' EXIT
  for i in $(seq 1 "$fulls_n"); do
    rm -rf "${mnt:?}"/*
    fconf=$(make_conf "full$i" "$board" "$THRESH_MODEL" "storage.results_dir=$mnt/results")
    "$REL" run --config "$fconf" >/dev/null 2>"$WORK/full.err" &
    pid=$!
    sleep "0.$(printf '%03d' $((RANDOM % 400)))"
    dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
    for _ in $(seq 150); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
    if kill -0 $pid 2>/dev/null; then kill -9 $pid; note "disk full $i: did not stop"; bad=1; continue; fi
    wait $pid
    rj="$mnt/results/run-0001/run.json"
    if [ -f "$rj" ] && { grep -q '"ended": null' "$rj" || grep -q '"status": "running"' "$rj"; }; then
      note "disk full $i: run.json does not record the end"; bad=1
    fi
    verify_all "$mnt/results"; fulls=$((fulls + 1))
  done
  umount "$mnt"
else
  note "disk full: skipped (needs root to mount a small tmpfs)"
fi

# ---- fuzzers -------------------------------------------------------------------
build=$(dirname "$(dirname "$REL")")
if command -v clang >/dev/null; then
  for kind in reader config png; do
    if ! make -C "$FS_TOP" --no-print-directory BUILD="$build" "$build/fuzz/fuzz_$kind" >"$WORK/fz.log" 2>&1; then
      note "fuzz $kind: not built: $(grep -m1 "error:" "$WORK/fz.log")"; bad=1; continue
    fi
    if [ $kind = reader ]; then "$FS_TOP/nn/fuzz/run.sh" "$build/fuzz/fuzz_reader" "$WORK/fz-$kind" "$fuzz_s" >"$WORK/fz.log" 2>&1
    else "$FS_TOP/firmware/fuzz/run.sh" $kind "$build/fuzz/fuzz_$kind" "$WORK/fz-$kind" "$fuzz_s" >"$WORK/fz.log" 2>&1; fi
    rc=$?
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fz.log"); fuzz_total=$((fuzz_total + ${n:-0}))
    if [ $rc -ne 0 ]; then note "fuzz $kind: finding after ${n:-?} inputs:"; grep -E "ERROR|SUMMARY" "$WORK/fz.log" | head -5; bad=1
    else note "fuzz $kind: ${n:-?} inputs, no crash"; fi
  done
else
  note "fuzzers: skipped (clang missing)"
fi

# ---- a long run: memory and descriptors flat ----------------------------------
conf=$(make_conf long "$board" "$THRESH_MODEL")
"$REL" run --config "$conf" >/dev/null 2>"$WORK/long.err" &
pid=$!
sleep 3
rss() { awk '/^VmRSS:/ {print $2}' /proc/$pid/status; }
# The fewest of 10 samples: a file being written comes and goes.
fds() { local m=9999 n; for _ in $(seq 10); do n=$(ls /proc/$pid/fd 2>/dev/null | wc -l); [ "$n" -lt "$m" ] && m=$n; sleep 0.02; done; echo $m; }
rss0=$(rss); fd0=$(fds)
sleep "$run_s"
rss1=$(rss); fd1=$(fds)
kill -TERM $pid; wait $pid; rc=$?
fovs=$(ls -d "$WORK"/long/results/run-0001/fov-* 2>/dev/null | wc -l)
verify_all "$WORK/long/results"
[ $rc -ne 0 ] && { note "long run: exit $rc after SIGTERM"; bad=1; }
# Flat: within 10 % + 4 MiB of the start (allocator noise), the same descriptors.
[ "${rss1:-0}" -gt $(( ${rss0:-0} * 11 / 10 + 4096 )) ] && { note "long run: RSS grew ${rss0} -> ${rss1} KiB"; bad=1; }
[ "${fd1:-0}" -gt $(( ${fd0:-0} + 2 )) ] && { note "long run: open files ${fd0} -> ${fd1}"; bad=1; }
note "long run: $fovs FOVs in ${run_s} s, RSS ${rss0} -> ${rss1} KiB, open files ${fd0} -> ${fd1}"

# ---- the watchdog ---------------------------------------------------------------
wd=$("$PYTHON" "$FS_TOP/tests/firmware/watchdog.test.py" 2>&1)
grep -q '^FAIL' <<<"$wd" && { note "watchdog: $wd"; bad=1; } || note "watchdog: stops when a stage hangs; SIGTERM bounded"

echo "figures: kills=$kills fovs_verified=$verified lost=$lost disk_full_runs=$fulls fuzz_executions=$fuzz_total" \
     "rss_kib_start=${rss0:-?} rss_kib_end=${rss1:-?} fds_start=${fd0:-?} fds_end=${fd1:-?}"
[ "$lost" -eq 0 ] && [ "$bad" -eq 0 ]
