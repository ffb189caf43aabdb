#!/usr/bin/env bash
# make run: the firmware loop on the simulated board with the committed demo
# images and the default model, a few FOVs, then a summary.
# Usage: board/sim/run-demo.sh PATH/TO/fieldscope RESULTS_DIR
set -u
bin=$1; results=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$results"
echo "fieldscope: simulated board, demo images in $here/demo, results under $results"
# The default nuclei model (trained on CC0 DSB2018 images) suits the demo
# images; until it is in nn/models the config's small test model stands in.
model=$(ls "$here"/../../nn/models/*nuclei*.tflite "$here"/../../nn/models/*dsb*.tflite 2>/dev/null | head -1)
set_model=()
if [ -n "$model" ]; then
  echo "fieldscope: model $(basename "$model")"
  set_model=(--set "model.cpu=$(cd "$(dirname "$model")" && pwd)/$(basename "$model")")
else
  echo "fieldscope: no nuclei model in nn/models yet; using the test model tests/firmware/data/thresh_256x256.tflite"
fi
"$bin" run --config "$here/fieldscope.conf" --set "storage.results_dir=$results" "${set_model[@]}"
rc=$?
run=$(ls -d "$results"/run-* 2>/dev/null | sort | tail -1)
if [ -n "$run" ]; then
  echo
  echo "results: $run"
  echo "  run.json, audit.log, and per FOV: labels.png (16-bit), overlay.png, cells.csv, COMPLETE"
fi
exit $rc
