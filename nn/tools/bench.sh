#!/usr/bin/env bash
# make bench, engine part: fsnn bench on the committed models (the golden
# models and the project's own), one thread, median and min per invoke.
# Speed targets are read from this output, never asserted by tests.
set -u
fsnn=${1:?usage: nn/tools/bench.sh FSNN_BINARY [RUNS]}
runs=${2:-10}
top=$(cd "$(dirname "$0")/../.." && pwd)
echo "== fsnn bench (reference kernels, 1 thread, $runs runs; load $(cut -d' ' -f1-3 /proc/loadavg)) =="
for m in "$top"/tests/vectors/golden/*/*.tflite "$top"/nn/models/*.tflite; do
  [ -f "$m" ] || continue
  "$fsnn" bench "$m" --runs "$runs" || echo "fsnn bench failed on $m"
done
