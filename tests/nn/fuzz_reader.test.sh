#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Short libFuzzer run of the model reader (nn/fuzz): builds the fuzzer with
# clang beside the release build and runs FUZZ_RUNS inputs from the
# committed models with a fixed seed. A fixed count (not a time limit) keeps
# the run the same on every machine, so CI replays what passed here; new
# findings come from `make fuzz`, the long run. PASS when nothing crashed,
# leaked or hung.
set -u
top=${FS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=$(dirname "${FS_REL_BIN:-$top/build/bin}")
runs_wanted=${FUZZ_RUNS:-300000}
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
# The time limit is only a backstop against a pathological slow machine.
"$top/nn/fuzz/run.sh" "$build/fuzz/fuzz_reader" "$work" 600 -seed=1 -runs="$runs_wanted" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
if [ "$rc" -eq 0 ]; then
  echo "# ${runs:-?} inputs (${rate:-?}/s), no crash"
  echo "PASS fuzz_reader_smoke"
else
  grep -E "runtime error|ERROR|SUMMARY|#[0-9]+ 0x|Test unit written" "$log" | head -n 20
  art=$(ls "$work"/artifacts/ 2>/dev/null | head -n 1)
  [ -n "$art" ] && cp "$work/artifacts/$art" "$build/fuzz/" && echo "# reproducer kept: $build/fuzz/$art"
  echo "FAIL fuzz_reader_smoke: fuzzer exited with $rc after ${runs:-?} inputs (see above)"
  exit 1
fi
