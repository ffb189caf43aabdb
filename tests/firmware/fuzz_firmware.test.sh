#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Short libFuzzer runs of the config parser and the PNG path (firmware/fuzz),
# beside the model reader's (tests/nn/fuzz_reader.test.sh): a fixed count of
# inputs with a fixed seed, so every machine replays what passed here; new
# findings come from `make fuzz` and `make soak`. PASS when nothing crashed,
# leaked or hung; prints the executions for the trust figures.
set -u
top=${FS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=$(dirname "${FS_REL_BIN:-$top/build/bin}")
if ! command -v clang >/dev/null; then
  echo "SKIP fuzz_config_smoke: clang is not installed (make deps installs it)"
  echo "SKIP fuzz_png_smoke: clang is not installed (make deps installs it)"; exit 0
fi
log=$(mktemp); work=$(mktemp -d)
trap 'rm -rf "$log" "$work"' EXIT
if ! make -C "$top" --no-print-directory BUILD="$build" "$build/fuzz/fuzz_config" "$build/fuzz/fuzz_png" >"$log" 2>&1; then
  if grep -q "fuzzer" "$log" && grep -qi "cannot find\|no such file" "$log"; then
    echo "SKIP fuzz_config_smoke: libFuzzer runtime missing (libclang-rt-14-dev)"; exit 0
  fi
  tail -n 20 "$log"; echo "FAIL fuzz_firmware_build: clang could not build firmware/fuzz"; exit 1
fi
total=0
for kind in config png; do
  case $kind in config) runs=${FUZZ_CONFIG_RUNS:-30000} ;; png) runs=${FUZZ_PNG_RUNS:-6000} ;; esac
  "$top/firmware/fuzz/run.sh" $kind "$build/fuzz/fuzz_$kind" "$work/$kind" 600 -seed=1 -runs="$runs" >"$log" 2>&1
  rc=$?
  n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  if [ "$rc" -eq 0 ]; then
    echo "# $kind: ${n:-?} inputs, no crash"; total=$((total + ${n:-0}))
    echo "PASS fuzz_${kind}_smoke"
  else
    grep -E "runtime error|ERROR|SUMMARY|#[0-9]+ 0x|Test unit written" "$log" | head -n 20
    art=$(ls "$work/$kind"/artifacts/ 2>/dev/null | head -n 1)
    [ -n "$art" ] && cp "$work/$kind/artifacts/$art" "$build/fuzz/" && echo "# reproducer kept: $build/fuzz/$art"
    echo "FAIL fuzz_${kind}_smoke: fuzzer exited with $rc after ${n:-?} inputs (see above)"
  fi
done
echo "figures: fuzz_executions=$total (config + png)"
exit 0
