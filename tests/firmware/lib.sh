# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers for tests/firmware/*.test.sh (sourced, not run).
# Env from tests/run.sh: FS_TOP, FS_BIN (ASan), FS_REL_BIN (release), PYTHON.
FS_TOP=${FS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PYTHON=${PYTHON:-/usr/bin/python3}
REL=${FS_REL_BIN:-$FS_TOP/build/bin}/fieldscope
SAN=${FS_BIN:-$FS_TOP/build/asan/bin}/fieldscope
CHECK="$PYTHON $FS_TOP/tests/firmware/check_results.py"
WORK=$(mktemp -d /tmp/fw-test-XXXXXX)
cleanup_dirs=("$WORK")
trap 'for d in "${cleanup_dirs[@]}"; do rm -rf "$d"; done' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# make_conf NAME BOARD_FILE MODEL [extra "section.key=value" ...] -> path
# Writes a fieldscope.conf into $WORK/NAME/ with results under $WORK/NAME/results.
make_conf() {
  local name=$1 board=$2 model=$3; shift 3
  local d="$WORK/$name"; mkdir -p "$d"
  {
    echo "[board]"; echo "name = $board"
    echo "[storage]"; echo "results_dir = $d/results"; echo "min_free_mb = 0"
    echo "[model]"; echo "cpu = $model"
    echo "[segmentation]"; echo "tile_overlap = 16"; echo "min_cell_area_px = 10"
    echo "[supervision]"; echo "error_blink_s = 0"
  } >"$d/fieldscope.conf"
  # Overrides edit the file: a repeated section or key is a config error.
  [ $# -gt 0 ] && "$PYTHON" "$FS_TOP/tests/firmware/ini_set.py" "$d/fieldscope.conf" "$@"
  echo "$d/fieldscope.conf"
}

# make_board NAME DEVICE [extra lines...] -> path of a sim board file in $WORK
# Extra lines are "[section]" headers and "key = value" lines, merged into
# the file (sections and keys may appear only once).
make_board() {
  local name=$1 device=$2; shift 2
  local f="$WORK/$name.conf"
  sed -e "s|^device = .*|device = $device|" "$FS_TOP/board/sim.conf" >"$f"
  local l sec="" kvs=()
  for l in "$@"; do
    if [[ $l =~ ^\[(.*)\]$ ]]; then sec=${BASH_REMATCH[1]}
    else kvs+=("$sec.$(sed -E 's/ *= */=/' <<<"$l")"); fi
  done
  [ ${#kvs[@]} -gt 0 ] && "$PYTHON" "$FS_TOP/tests/firmware/ini_set.py" "$f" "${kvs[@]}"
  echo "$f"
}

THRESH_MODEL=$FS_TOP/tests/firmware/data/thresh_256x256.tflite
DEMO=$FS_TOP/board/sim/demo
