#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs a firmware fuzzer on a corpus seeded from the committed configs or
# PNGs. Usage: firmware/fuzz/run.sh config|png FUZZER WORK_DIR SECONDS [libFuzzer args]
# Exit status is the fuzzer's: non-zero when it found a crash or leak.
set -u
kind=$1; fuzzer=$2; work=$3; secs=$4; shift 4
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work/corpus" "$work/artifacts"
if [ "$kind" = config ]; then
  for f in "$top"/board/*.conf "$top"/board/*/*.conf "$top"/firmware/config/reference.conf; do
    [ -f "$f" ] && cp -n "$f" "$work/corpus/$(echo "${f#"$top"/}" | tr / _)"
  done
  maxlen=16384
else
  cp -n "$top"/board/sim/demo/*.png "$work/corpus/" 2>/dev/null
  for f in "$top"/tests/data/fuzz/png_*; do [ -f "$f" ] && cp -n "$f" "$work/corpus/"; done
  maxlen=262144
fi
exec "$fuzzer" -max_total_time="$secs" -max_len=$maxlen -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" "$work/corpus"
