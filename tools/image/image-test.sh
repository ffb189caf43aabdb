#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# image-test.sh — power-on-to-result test of the qemu-arm64 SD image.
#
# Usage: tools/image/image-test.sh [--image IMG] [--keep] [--timeout S]
#   --image IMG   build/image/fieldscope-qemu-arm64.img (make image BOARD=qemu-arm64);
#                 its .vmlinuz/.initrd twins beside it are booted with -kernel/-initrd
#   --timeout S   per boot (default 900)
#   --keep        keep the working copy of the image and the serial logs
#   -h, --help    this text
# Boots a copy of the image in qemu-system-aarch64 (TCG, -M virt, no network,
# no interaction) three times:
#   1. clean: the unit reports ready (as user fieldscope), the first FOV's
#      results with COMPLETE appear on the data partition, root is mounted
#      read-only, nothing listens on any socket; one more FOV, then the unit is
#      stopped and the VM powers off (the LEDs must be dark in run.json);
#   2. hard power-off: qemu is killed (SIGKILL) a few seconds after a FOV of a
#      new run completes, in the middle of the next one;
#   3. reboot: the data partition is checked (fsck at boot), a new run starts
#      and completes a FOV; then every COMPLETE FOV of every run is verified
#      (tests/firmware/check_results.py: hashes, PNGs, cells) from the data
#      partition read on the host with debugfs.
# Prints PASS/FAIL lines and the power-on-to-first-result time.
# Needs qemu-system-aarch64 (qemu-system-arm), e2fsprogs (debugfs), python3
# with numpy and PIL (make deps).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
img=$top/build/image/fieldscope-qemu-arm64.img; keep=0; tmo=900
die() { echo "image-test: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--image) img=$2; shift ;;
	--timeout) tmo=$2; shift ;;
	--keep) keep=1 ;;
	-h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift
done
[ -f "$img" ] || die "no image $img: build it with make image BOARD=qemu-arm64 (root)"
kern=${img%.img}.vmlinuz; initrd=${img%.img}.initrd
[ -f "$kern" ] && [ -f "$initrd" ] || die "missing $kern or $initrd (made by mkimage.sh --board qemu-arm64)"
command -v qemu-system-aarch64 >/dev/null || die "qemu-system-aarch64 missing: apt-get install qemu-system-arm"
command -v debugfs >/dev/null || die "debugfs missing: apt-get install e2fsprogs"
W=$(mktemp -d /var/tmp/fieldscope-image-test.XXXXXX)
[ $keep -eq 1 ] || trap 'rm -rf "$W"' EXIT
cp --sparse=always "$img" "$W/disk.img"
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
fails=0

# boot N MODE [kill_after_first_result_s]: runs qemu, returns when it exits
boot() {
	local n=$1 mode=$2 killafter=${3:-}
	local log=$W/serial-$n.log
	: > "$log"
	qemu-system-aarch64 -M virt -accel tcg,thread=multi -cpu cortex-a72 -smp 2 -m 1024 \
		-nographic -nic none -no-reboot \
		-kernel "$kern" -initrd "$initrd" \
		-append "root=LABEL=FIELDROOT ro console=ttyAMA0 panic=-1 fieldscope.test=$mode fieldscope.extra=1" \
		-drive "file=$W/disk.img,format=raw,if=virtio,cache=writeback" </dev/null >"$log" 2>&1 &
	local q=$! t0=$SECONDS killed=0
	while kill -0 $q 2>/dev/null; do
		if [ $((SECONDS - t0)) -ge "$tmo" ]; then kill -9 $q; echo "TIMEOUT" >> "$log"; break; fi
		if [ -n "$killafter" ] && [ $killed -eq 0 ] && grep -q 'FS_TEST FIRST_RESULT' "$log"; then
			sleep "$killafter"; kill -9 $q; killed=1
		fi
		sleep 1
	done
	wait $q 2>/dev/null
	echo $((SECONDS - t0)) > "$W/wall-$n"
}
field() { tr -d '\r' < "$W/serial-$1.log" | sed -n "s/^.*FS_TEST $2 //p" | head -1; }

# ---- boot 1: clean ---------------------------------------------------------------
boot 1 poweroff
ready=$(field 1 READY); first=$(field 1 FIRST_RESULT)
if [[ "$ready" == *state=active*user=fieldscope*pid_user=fieldscope* ]]; then pass image_unit_ready
else fail image_unit_ready "READY line: '${ready:-none}'; serial tail: $(tail -5 "$W/serial-1.log" | tr -d '\r' | tr '\n' '|')"; fi
if [[ "$first" == *COMPLETE* ]]; then
	pass image_first_result
	echo "  power-on to first result: guest uptime ${first%% *} s; wall $(cat "$W/wall-1") s for the whole boot"
else fail image_first_result "no FIRST_RESULT with COMPLETE: '${first:-none}'"; fi
[[ "$(field 1 ROOT_MOUNT)" == ro,* ]] && pass image_root_readonly || fail image_root_readonly "root mounted '$(field 1 ROOT_MOUNT)'"
[[ "$(field 1 DATA_MOUNT)" == *rw* ]] && pass image_data_mounted || fail image_data_mounted "/data: '$(field 1 DATA_MOUNT)'"
[ "$(field 1 LISTENING)" = 0 ] && pass image_no_listening_socket || fail image_no_listening_socket "listening sockets: '$(field 1 LISTENING)'"
[[ "$(field 1 JOURNAL)" == /var/log/journal/* ]] && pass image_journal_persistent || fail image_journal_persistent "journal file '$(field 1 JOURNAL)'"
grep -q 'FS_TEST POWEROFF' "$W/serial-1.log" && pass image_clean_poweroff || fail image_clean_poweroff "did not reach POWEROFF"

# ---- boot 2: hard power-off in the middle of a run -----------------------------
boot 2 hold 4
grep -q 'FS_TEST FIRST_RESULT' "$W/serial-2.log" && pass image_run_before_power_cut ||
	fail image_run_before_power_cut "no result before the power cut"

# ---- boot 3: reboot, fsck, a new run ---------------------------------------------
boot 3 poweroff
[[ "$(field 3 FIRST_RESULT)" == *COMPLETE* ]] && pass image_after_power_cut ||
	fail image_after_power_cut "no result after the reboot: $(tail -5 "$W/serial-3.log" | tr -d '\r' | tr '\n' '|')"

# ---- the data partition, read on the host ----------------------------------------
start=$(sfdisk -d "$W/disk.img" | awk -F'[=,]' '/disk.img3/{gsub(/ /,"",$2); print $2}')
size=$(sfdisk -d "$W/disk.img" | awk -F'[=,]' '/disk.img3/{gsub(/ /,"",$4); print $4}')
dd if="$W/disk.img" of="$W/data.fs" bs=512 skip="$start" count="$size" status=none
fsck_out=$(e2fsck -fn "$W/data.fs" 2>&1); rc=$?
[ $rc -eq 0 ] && pass image_data_fsck_clean || fail image_data_fsck_clean "e2fsck -n: rc $rc: $(tail -3 <<<"$fsck_out" | tr '\n' '|')"
mkdir -p "$W/results"
debugfs -R "rdump /fieldscope/results $W/results" "$W/data.fs" >/dev/null 2>&1
runs=$(ls -d "$W"/results/results/run-* 2>/dev/null | wc -l)
complete=$(ls "$W"/results/results/run-*/fov-*/COMPLETE 2>/dev/null | wc -l)
if [ "$runs" -ge 3 ] && out=$("${PYTHON:-/usr/bin/python3}" "$top/tests/firmware/check_results.py" "$W/results/results" 2>&1); then
	pass image_results_intact; echo "  $runs runs, $complete complete FOVs: $(tail -1 <<<"$out")"
else
	fail image_results_intact "$runs runs (want 3), check_results: $(tail -2 <<<"${out:-}" | tr '\n' '|')"
fi
# the first run was stopped cleanly: every LED dark at exit
r1=$(ls -d "$W"/results/results/run-* 2>/dev/null | sort | head -1)
if [ -n "$r1" ] && "${PYTHON:-/usr/bin/python3}" - "$r1/run.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
leds = j.get("sim_leds_at_exit")
sys.exit(0 if isinstance(leds, dict) and leds and not any(leds.values()) else 1)
PY
then pass image_leds_dark_after_stop
else fail image_leds_dark_after_stop "run.json of $r1: sim_leds_at_exit missing or a line still on"; fi
[ $keep -eq 1 ] && echo "kept: $W"
[ $fails -eq 0 ]
