#!/usr/bin/env bash
# make run: the firmware loop on the simulated board with the committed demo
# images and the default model, a few FOVs, then a summary.
# Usage: board/sim/run-demo.sh PATH/TO/fieldscope RESULTS_DIR
set -u
bin=$1; results=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$results"
echo "fieldscope: simulated board, demo images in $here/demo, results under $results"
"$bin" run --config "$here/fieldscope.conf" --set "storage.results_dir=$results"
rc=$?
run=$(ls -d "$results"/run-* 2>/dev/null | sort | tail -1)
if [ -n "$run" ]; then
  echo
  echo "results: $run"
  echo "  run.json, audit.log, and per FOV: labels.png (16-bit), overlay.png, cells.csv, COMPLETE"
fi
exit $rc
