#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Faults: kill -9 at random instants, a full filesystem, the camera
# vanishing mid-run. Uses the release build (FS_REL_BIN) for speed.
set -u
. "$(dirname "$0")/lib.sh"
[ -x "$REL" ] || { echo "FAIL faults_setup: $REL not built"; exit 1; }

board=$(make_board demo "$DEMO")

# ---- 50 random kill -9 ---------------------------------------------------------
conf=$(make_conf kill "$board" "$THRESH_MODEL")
res="$WORK/kill/results"
for i in $(seq 1 50); do
  "$REL" run --config "$conf" >/dev/null 2>&1 &
  pid=$!
  # 20..700 ms: lands in self-test, capture, inference and mid-write.
  sleep "0.$(printf '%03d' $((20 + RANDOM % 680)))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
done
runs=$(ls -d "$res"/run-* 2>/dev/null | wc -l)
if ! msg=$($CHECK "$res"); then fail kill9_completed_fovs_intact "$msg"
elif [ "$runs" -lt 25 ] || [ "$runs" -gt 50 ]; then fail kill9_completed_fovs_intact "50 starts made $runs run folders"
elif ! grep -q "complete FOV" <<<"$msg"; then fail kill9_completed_fovs_intact "$msg"
else pass kill9_completed_fovs_intact; echo "  kill -9 x50: $msg"; fi
# Interrupted FOVs are recognisable: a folder without COMPLETE, nothing else half-made.
bad=$(find "$res" -name '*.png' -size 0 | head -1)
[ -z "$bad" ] && pass kill9_no_empty_files || fail kill9_no_empty_files "$bad"
# A restart after all that continues numbering and completes.
last=$(ls -d "$res"/run-* | sort | tail -1); next=$(printf 'run-%04d' $((10#${last##*run-} + 1)))
"$REL" run --config "$conf" --set acquisition.max_fovs=2 >/dev/null 2>&1; rc=$?
if [ $rc -eq 0 ] && [ -f "$res/$next/COMPLETE" ]; then pass kill9_restart_continues
else fail kill9_restart_continues "exit $rc, $next/COMPLETE missing"; fi

# ---- full filesystem ----------------------------------------------------------
mnt="$WORK/smallfs"; mkdir -p "$mnt"
mounted=0
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=1600k fieldscope-test "$mnt" 2>/dev/null; then
  mounted=1
fi
if [ $mounted -eq 0 ]; then
  echo "SKIP full_fs_stops_cleanly: cannot mount a small tmpfs here (needs root with mount rights)"
  echo "SKIP full_fs_concurrent_fill: cannot mount a small tmpfs here (needs root with mount rights)"
else
  cleanup_dirs=("$mnt" "${cleanup_dirs[@]}")
  trap 'umount "$mnt" 2>/dev/null; for d in "${cleanup_dirs[@]}"; do rm -rf "$d"; done' EXIT
  fconf=$(make_conf full "$board" "$THRESH_MODEL" "storage.results_dir=$mnt/results")
  "$REL" run --config "$fconf" >"$WORK/full.out" 2>"$WORK/full.err"; rc=$?
  last=$(tail -1 "$WORK/full.err")
  tmp=$(find "$mnt" -name '*.tmp' | head -1)
  if [ $rc -ne 1 ]; then fail full_fs_stops_cleanly "exit $rc (want 1): $last"
  elif ! grep -q "storage" <<<"$last"; then fail full_fs_stops_cleanly "unclear message: $last"
  elif [ -n "$tmp" ]; then fail full_fs_stops_cleanly "left $tmp"
  # The self-test asks for the space one FOV needs (issue 12 item 10): too
  # little stops before a run folder exists, so restarts do not pile up runs.
  elif ls -d "$mnt"/results/run-* >/dev/null 2>&1; then fail full_fs_stops_cleanly "an empty run folder was created"
  elif ! grep -q "self-test failed (blink code 5)" "$WORK/full.err"; then fail full_fs_stops_cleanly "want blink 5: $last"
  else pass full_fs_stops_cleanly; echo "  $last"; fi

  # Another writer fills the disk while the loop writes back to back: the
  # stop comes from the free-space check or from ENOSPC inside a write.
  umount "$mnt"; mount -t tmpfs -o size=3m fieldscope-test "$mnt"
  gconf=$(make_conf fill "$board" "$THRESH_MODEL" "storage.results_dir=$mnt/results")
  "$REL" run --config "$gconf" >/dev/null 2>"$WORK/fill.err" &
  pid=$!
  for _ in $(seq 100); do [ -f "$mnt/results/run-0001/fov-00001/COMPLETE" ] && break; sleep 0.05; done
  dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
  for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  if kill -0 $pid 2>/dev/null; then kill -9 $pid; wait $pid; fail full_fs_concurrent_fill "did not stop"
  else
    wait $pid; rc=$?
    last=$(tail -1 "$WORK/fill.err")
    tmp=$(find "$mnt/results" -name '*.tmp' ! -name 'run.json.tmp' | head -1)
    if [ $rc -ne 1 ] || ! grep -q "storage" <<<"$last"; then fail full_fs_concurrent_fill "exit $rc: $last"
    elif [ -n "$tmp" ]; then fail full_fs_concurrent_fill "left $tmp"
    elif ! msg=$($CHECK "$mnt/results"); then fail full_fs_concurrent_fill "$msg"
    else pass full_fs_concurrent_fill; echo "  $last"; fi
  fi
  umount "$mnt"
fi

# ---- the file camera vanishes mid-run ----------------------------------------
cp -r "$DEMO" "$WORK/camimgs"
cboard=$(make_board cam "$WORK/camimgs")
cconf=$(make_conf cam "$cboard" "$THRESH_MODEL" acquisition.trigger=interval acquisition.interval_s=0.3 \
  supervision.camera_retries=3 supervision.camera_backoff_ms=50)
"$REL" run --config "$cconf" >/dev/null 2>"$WORK/cam.err" &
pid=$!
for _ in $(seq 100); do [ -f "$WORK/cam/results/run-0001/fov-00001/COMPLETE" ] && break; sleep 0.05; done
rm -rf "$WORK/camimgs"
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then kill -9 $pid; fail camera_vanishes "still running 10 s after the camera vanished"
else
  wait $pid; rc=$?
  last=$(tail -1 "$WORK/cam.err")
  rj="$WORK/cam/results/run-0001/run.json"
  if [ $rc -ne 1 ]; then fail camera_vanishes "exit $rc (want 1): $last"
  elif ! grep -q "camera lost: .*gave up after 3 reopen attempts" <<<"$last"; then fail camera_vanishes "message: $last"
  elif [ "$(grep -c 'reopening in' "$WORK/cam.err")" -ne 3 ]; then fail camera_vanishes "want 3 reopen attempts with backoff"
  elif ! grep -q '"status": "camera lost' "$rj"; then fail camera_vanishes "run.json status"
  elif ! msg=$($CHECK "$WORK/cam/results" --leds-off); then fail camera_vanishes "$msg"
  else pass camera_vanishes; echo "  $last"; fi
fi
exit 0
