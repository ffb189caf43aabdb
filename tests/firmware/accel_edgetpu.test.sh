#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# [board] accelerator = edgetpu in the firmware: with no stick the self-test
# says so and the run goes on the CPU; with a stick (the Coral emulator from
# ../shared behind its stand-in libusb) the self-test reports where it is and
# its link speed, and a USB 2.0 link is called out.
set -u
. "$(dirname "$0")/lib.sh"
. "$FS_TOP/tests/edgetpu/lib.sh"
tool="$REL"   # emu_require checks this program exists
board=$(make_board etpu "$DEMO" "[board]" "accelerator = edgetpu")
conf=$(make_conf etpu "$board" "$THRESH_MODEL" acquisition.max_fovs=2)

# No stick: the real libusb finds nothing (the sandbox has no Coral).
out=$("$REL" selftest --config "$conf" 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q 'edgetpu absent or unusable' <<<"$out" && grep -q 'CPU' <<<"$out"; then
  pass accel_edgetpu_absent_uses_cpu
else fail accel_edgetpu_absent_uses_cpu "exit $rc: $(tail -3 <<<"$out")"; fi

emu_require accel_edgetpu_emulator
for speed in super high; do
  out=$(env LD_LIBRARY_PATH="$emu_dir" FAKE_ETPU_LOG="$WORK/etpu-$speed.log" FAKE_ETPU_START=app \
        FAKE_ETPU_SPEED=$speed "$REL" selftest --config "$conf" 2>&1); rc=$?
  if [ $rc -ne 0 ] || ! grep -q 'edgetpu at USB' <<<"$out"; then
    fail accel_edgetpu_present_$speed "exit $rc: $(grep -i accel <<<"$out" | tail -2)"
  elif [ $speed = high ] && ! grep -q 'USB 2.0 link' <<<"$out"; then
    fail accel_edgetpu_present_$speed "no USB 2.0 warning: $(grep -i edgetpu <<<"$out" | tail -1)"
  else pass accel_edgetpu_present_$speed; fi
done
exit 0
