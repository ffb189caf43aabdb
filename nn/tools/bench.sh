#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# make bench, engine part: fsnn (fast and reference kernels), ONNX Runtime and
# LiteRT.js side by side on the default M2U-Net (1024 and 2048) and the golden
# models, at 1 thread and all cores. A thin wrapper over nn/tools/bench.py
# (see its --help; BENCH_RUNS, BENCH_THREADS, BENCH_MODELS, BENCH_ENGINES
# narrow it). Speed targets are read from this output, never asserted by tests.
# Usage: nn/tools/bench.sh FSNN_BINARY [RUNS] [bench.py options...]
set -u
case ${1:-} in
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") echo "bench.sh: FSNN_BINARY is missing (usage: nn/tools/bench.sh FSNN_BINARY [RUNS] [options])" >&2; exit 2 ;;
esac
fsnn=$1; shift
runs=()
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then runs=(--runs "$1"); shift; fi
exec /usr/bin/python3 -u "$(dirname "$0")/bench.py" --fsnn "$fsnn" "${runs[@]}" "$@"
