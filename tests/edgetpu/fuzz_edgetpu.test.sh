#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Short libFuzzer run of the compiled-model reader (drivers/edgetpu/fuzz):
# a fixed number of inputs mutated from the shared *_edgetpu.tflite files
# with a fixed seed, so CI replays what passed here. PASS when nothing
# crashed, leaked or hung. Hostile options and DWN1 packages must give
# errors, never crashes.
set -u
top=${FS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=$(dirname "${FS_REL_BIN:-$top/build/bin}")
runs=${FUZZ_RUNS_EDGETPU:-3000}
if ! command -v clang >/dev/null; then
  echo "SKIP fuzz_edgetpu: clang is not installed (make deps installs it)"; exit 0
fi
if ! ls "${FS_SHARED:-}"/models/tflite/*_edgetpu.tflite >/dev/null 2>&1; then
  echo "SKIP fuzz_edgetpu: no \$FS_SHARED/models/tflite/*_edgetpu.tflite seeds"; exit 0
fi
log=$(mktemp); work=$(mktemp -d)
trap 'rm -rf "$log" "$work"' EXIT
if ! make -C "$top" --no-print-directory BUILD="$build" "$build/fuzz/fuzz_edgetpu" >"$log" 2>&1; then
  if grep -qi "cannot find\|no such file" "$log"; then
    echo "SKIP fuzz_edgetpu: libFuzzer runtime missing (libclang-rt-14-dev)"; exit 0
  fi
  tail -n 20 "$log"; echo "FAIL fuzz_edgetpu_build: clang could not build the harness"; exit 1
fi
mkdir -p "$work/corpus" "$work/artifacts"
cp "$FS_SHARED"/models/tflite/*_edgetpu.tflite "$work/corpus/"
timeout 600 "$build/fuzz/fuzz_edgetpu" -seed=1 -runs="$runs" -rss_limit_mb=4096 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" >"$log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
  echo "# $(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | head -n 1)"
  echo "PASS fuzz_edgetpu_smoke"
else
  tail -n 30 "$log"
  echo "FAIL fuzz_edgetpu_smoke: libFuzzer exit $rc (artifacts: $(ls "$work/artifacts" | head -n 3 | tr '\n' ' '))"
fi
