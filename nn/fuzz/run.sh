#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs the reader fuzzer for a fixed time on a corpus seeded from the
# committed models. Usage: nn/fuzz/run.sh FUZZER WORK_DIR SECONDS [libFuzzer args]
# Exit status is the fuzzer's: non-zero when it found a crash or leak.
set -u
fuzzer=$1; work=$2; secs=$3; shift 3
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work/corpus" "$work/artifacts"
cp -n "$top"/tests/data/models/*.tflite "$top"/tests/data/fuzz/regress_* "$work/corpus/" 2>/dev/null || true
# The single-op vector models (when present) reach every kernel's prepare.
for m in "$top"/tests/vectors/ops/*/*.tflite; do
  [ -f "$m" ] && cp -n "$m" "$work/corpus/op_$(basename "$(dirname "$m")").tflite"
done
# Models reach tens of KB; let mutants grow a little past the biggest seed.
exec "$fuzzer" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" "$work/corpus"
