#!/usr/bin/env bash
# Short libFuzzer run of the model reader (nn/fuzz): builds the fuzzer with
# clang beside the release build and fuzzes for FUZZ_SECONDS (25 s) from
# the committed models with a fixed seed. PASS when nothing crashed,
# leaked or hung. `make fuzz` is the long run.
set -u
top=${FS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=$(dirname "${FS_REL_BIN:-$top/build/bin}")
secs=${FUZZ_SECONDS:-25}
if ! command -v clang >/dev/null; then
  echo "SKIP fuzz_reader_smoke: clang is not installed (make deps installs it)"; exit 0
fi
log=$(mktemp); work=$(mktemp -d)
trap 'rm -rf "$log" "$work"' EXIT
if ! make -C "$top" --no-print-directory BUILD="$build" "$build/fuzz/fuzz_reader" >"$log" 2>&1; then
  if grep -q "fuzzer" "$log" && grep -qi "cannot find\|no such file" "$log"; then
    echo "SKIP fuzz_reader_smoke: libFuzzer runtime missing (libclang-rt-14-dev)"; exit 0
  fi
  tail -n 20 "$log"; echo "FAIL fuzz_reader_build: clang could not build nn/fuzz/fuzz_reader"; exit 1
fi
"$top/nn/fuzz/run.sh" "$build/fuzz/fuzz_reader" "$work" "$secs" -seed=1 >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
if [ "$rc" -eq 0 ]; then
  echo "# ${runs:-?} inputs in ${secs}s (${rate:-?}/s), no crash"
  echo "PASS fuzz_reader_smoke"
else
  grep -E "runtime error|ERROR|SUMMARY|#[0-9]+ 0x|Test unit written" "$log" | head -n 20
  art=$(ls "$work"/artifacts/ 2>/dev/null | head -n 1)
  [ -n "$art" ] && cp "$work/artifacts/$art" "$build/fuzz/" && echo "# reproducer kept: $build/fuzz/$art"
  echo "FAIL fuzz_reader_smoke: fuzzer exited with $rc after ${runs:-?} inputs (see above)"
  exit 1
fi
