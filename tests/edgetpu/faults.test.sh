#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Failure is a value, never an abort: every fault the emulator injects
# (FAKE_ETPU_FAULT) either recovers (reset-and-reopen, DFU again after a
# re-plug) or ends in one clear message naming the device and what was
# expected — under ASan/UBSan, with no crash. libedgetpu aborts on most of
# these. Also: firmware file problems, no stick, USB 2.0 warning, tools.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
emu_require faults
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
make_dummy_firmware "$tmp/fw.bin"
mn=mobilenet_v1_0.25_128_quant_edgetpu
model="$models/$mn.tflite"
script="$golden/$mn.script"
in0="$golden/$mn.run0.input0.bin"
want=$(grep "^run 0 output 0 " "$golden/$mn.stdout.txt")
fw=(--firmware "$tmp/fw.bin" --firmware-sha256 "$dummy_sha" --timeout 1000 --event-timeout 300)
[ -f "$model" ] || { echo "SKIP faults: no $mn.tflite"; exit 0; }

# go NAME START FAULT EXPECTED_RC [fsedgetpu args...]: runs, leaves $tmp/NAME.{out,err,raw}
go() {
  local name=$1 start=$2 fault=$3 want_rc=$4; shift 4
  emu_run "$tmp/$name.raw" "$script" "$start" super "$fault" -- "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  local rc=$?
  if [ "$rc" -ne "$want_rc" ] || grep -q 'Sanitizer\|runtime error' "$tmp/$name.err"; then
    echo "FAIL faults/$name: exit $rc (expected $want_rc): $(head -c 400 "$tmp/$name.err" "$tmp/$name.out" | tr '\n' ' ')"
    return 1
  fi
}
# has NAME FILE(out|err|raw) PATTERN WHAT
has() {
  if grep -q -- "$3" "$tmp/$1.$2"; then echo "PASS faults/$1 ($4)"
  else echo "FAIL faults/$1: no '$3' in $2: $(head -c 300 "$tmp/$1.$2" | tr '\n' ' ')"; fi
}
golden_output() {  # NAME: the output equals libedgetpu's (no retry consumed an outfeed)
  if grep -qxF "$want" "$tmp/$1.out"; then echo "PASS faults/$1_output (sha256 = libedgetpu's)"
  else echo "FAIL faults/$1_output: $(head -n 2 "$tmp/$1.out" | tr '\n' ' ')"; fi
}

# Bulk-OUT stall: the endpoint stays halted; reset-and-reopen clears it, the retry succeeds.
go stall_out app stall_out@3 0 run "$model" "$in0" "${fw[@]}" &&
  { has stall_out err 'LIBUSB_ERROR_PIPE; resetting and retrying' "stall reported, reset, retried"; golden_output stall_out; }
# Same with no retry allowed: a clean error naming the device and the transfer.
go stall_out_noretry app stall_out@3 1 run "$model" "$in0" "${fw[@]}" --attempts 1 &&
  has stall_out_noretry out 'run 0 failed: edgetpu 2-1.3: sending a DMA header (8 bytes) on EP 0x01 failed: LIBUSB_ERROR_PIPE' "error value, no abort"
# Bulk-OUT timeout with nothing taken: resent in place, no reset needed.
go timeout_out app timeout_out@2 0 run "$model" "$in0" "${fw[@]}" &&
  { golden_output timeout_out
    if grep -q 'reset' "$tmp/timeout_out.err"; then echo "FAIL faults/timeout_out_inplace: it reset the stick"
    else echo "PASS faults/timeout_out_inplace (resent without a reset)"; fi; }
# Half an output chunk lost: detected as a short read, recovered by a rerun.
go short_in app short_in@1 0 run "$model" "$in0" "${fw[@]}" &&
  { has short_in err 'short read on EP 0x81: a 504-byte chunk' "data loss detected"
    has short_in out "^run 0 output 0 'MobilenetV1/Predictions/Reshape_1' bytes=1001" "rerun produced the output"; }
# Lost completion events (parameter-caching, then execution-only): deadline, recover.
for n in 1 2; do
  go drop_event$n app drop_event@$n 0 run "$model" "$in0" "${fw[@]}" &&
    { has drop_event$n err 'no completion event on EP 0x82 within 300 ms' "event deadline"
      has drop_event$n out "^run 0 output 0 " "recovered"; }
done
# Parameters were lost with the reset: the retry must send them again.
if [ -f "$tmp/drop_event2.raw" ] && [ "$(grep -c 'WIRE bulk_out ep=0x01 len=566912' "$tmp/drop_event2.raw")" = 2 ]; then
  echo "PASS faults/drop_event2_params (parameters re-sent after the reset)"
else echo "FAIL faults/drop_event2_params: parameter DMA not sent twice"; fi
# Unplug mid-inference: reported at once, no abort.
go unplug app unplug@60 1 run "$model" "$in0" "${fw[@]}" &&
  has unplug out 'run 0 failed: edgetpu 2-1.3: device unplugged (during sending instructions' "unplug reported"
# Unplug, then re-plug (the stick comes back in its boot ROM): later runs
# find it again, download the firmware and give the output.
go replug app unplug@60,replug@3 1 run "$model" "$in0" "$in0" "$in0" "$in0" --keep-going "${fw[@]}" &&
  { has replug out 'run 0 failed: edgetpu 2-1.3: device unplugged' "unplug reported"
    has replug out "^run 3 output 0 'MobilenetV1" "recovered after the re-plug"
    has replug raw 'WIRE reset -> re-enumerated' "firmware downloaded again"; }
# DFU block rejected: CLRSTATUS, download again, then the inference.
go dfu_fail dfu dfu_fail@5 0 run "$model" "$in0" "${fw[@]}" &&
  { has dfu_fail err "DFU block 5 of $tmp/fw.bin rejected (status 3, state 10" "DFU error named, retried"
    golden_output dfu_fail; }
# Firmware file problems are reported with the file named, before any download.
go fw_missing dfu "" 1 run "$model" "$in0" --firmware "$tmp/nope.bin" --attempts 1 &&
  has fw_missing out "needs firmware, but $tmp/nope.bin cannot be read" "missing firmware file named"
go fw_sha dfu "" 1 run "$model" "$in0" --firmware "$tmp/fw.bin" --attempts 1 &&
  has fw_sha out "firmware $tmp/fw.bin: sha256 $dummy_sha, expected 3b07311b" "wrong image refused (published sha256 by default)"
head -c 1000 "$tmp/fw.bin" >"$tmp/short.bin"
go fw_size dfu "" 1 run "$model" "$in0" --firmware "$tmp/short.bin" --firmware-sha256 "" --attempts 1 &&
  has fw_size out "firmware $tmp/short.bin: 1000 bytes, expected 10783" "wrong size refused"
if [ -f "$tmp/fw_sha.raw" ] && grep -q 'DFU_DNLOAD' "$tmp/fw_sha.raw"; then
  echo "FAIL faults/fw_sha_nosend: a refused image was sent"
else echo "PASS faults/fw_sha_nosend (nothing sent)"; fi
# No stick at the requested path.
go absent app "" 1 run "$model" "$in0" --path 9-9 --attempts 1 &&
  has absent out 'no Coral USB Accelerator found at 9-9' "absent stick named"
# USB 2.0: works, warns.
emu_run "$tmp/usb2.raw" "$script" app high "" -- run "$model" "$in0" >"$tmp/usb2.out" 2>"$tmp/usb2.err"
has usb2 err 'warning: USB 2.0 high speed (480 Mb/s) link' "USB 2.0 warning"
# Tools: list in both identities, load-firmware.
go list_app app "" 0 list && has list_app out '^2-1.3 18d1:9302 runtime firmware running, USB 3 SuperSpeed' "list (runtime)"
go list_dfu dfu "" 0 list && has list_dfu out '^2-1.3 1a6e:089a boot ROM' "list (boot ROM)"
go load_fw dfu "" 0 load-firmware "${fw[@]}" && has load_fw out '^2-1.3: runtime firmware running' "load-firmware"
# The same command line under fsnn, and fsnn info's view of the program.
env LD_LIBRARY_PATH="$emu_dir" FAKE_ETPU_LOG="$tmp/fsnn_list.raw" FAKE_ETPU_START=dfu LSAN_OPTIONS="suppressions=$emu_supp" \
  "${FS_BIN:-build/asan/bin}/fsnn" edgetpu list >"$tmp/fsnn_list.out" 2>&1
has fsnn_list out '^2-1.3 1a6e:089a boot ROM' "fsnn edgetpu list"
"${FS_BIN:-build/asan/bin}/fsnn" info "$model" >"$tmp/fsnn_info.out" 2>&1
has fsnn_info out '^edgetpu executable 1: parameter-caching, token 6d146c3f97d6648c, 1 chunk(s) 12624 B, parameters 566912 B' "fsnn info shows the executables"
has fsnn_info out "^edgetpu   hint 2: output 0 offset 0 size 1008" "fsnn info shows the DMA hints"
# The fsnn backend: the whole model through fsnn run --edgetpu.
fsnn="${FS_BIN:-build/asan/bin}/fsnn"
env LD_LIBRARY_PATH="$emu_dir" FAKE_ETPU_LOG="$tmp/fsnn.raw" FAKE_ETPU_SCRIPT="$script" LSAN_OPTIONS="suppressions=$emu_supp" \
  "$fsnn" run "$model" "$in0" "$tmp/fsnn_out" --edgetpu >"$tmp/fsnn.out" 2>"$tmp/fsnn.err"
got=$(sha256sum "$tmp/fsnn_out.0.bin" 2>/dev/null | cut -d' ' -f1)
if [ "$got" = "$(echo "$want" | grep -o 'sha256=[0-9a-f]*' | cut -d= -f2)" ]; then
  echo "PASS faults/fsnn_run_edgetpu (output = libedgetpu's)"
else echo "FAIL faults/fsnn_run_edgetpu: $(head -c 300 "$tmp/fsnn.err")"; fi
