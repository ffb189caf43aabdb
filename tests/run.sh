#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs every test program and script and prints one summary line.
# Usage: tests/run.sh SAN_BUILD_DIR REL_BUILD_DIR [FILTER]
#
# Protocol: a test prints "PASS <name>" or "FAIL <name>: <why>" per case
# ("SKIP <name>: <why>" is reported but not counted). A program that exits
# non-zero without printing FAIL (a crash, a sanitizer report) counts as one
# failure, so nothing can fail silently.
set -u
san=${1:-build/asan}; rel=${2:-build}; filter=${3:-}
top=$(cd "$(dirname "$0")/.." && pwd)
case "$san" in /*) ;; *) san="$top/$san" ;; esac
case "$rel" in /*) ;; *) rel="$top/$rel" ;; esac
export FS_TOP="$top"
export FS_SHARED="${FS_SHARED:-$top/../shared}"
export FS_BIN="$san/bin"        # sanitizer build of the programs
export FS_REL_BIN="$rel/bin"    # release build, for heavy end-to-end runs
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export PYTHON=/usr/bin/python3
passed=0; failed=0; skipped=0
log_dir="$top/build/test-logs"; mkdir -p "$log_dir"

run_one() {  # name, command...
  local name=$1; shift
  local log="$log_dir/${name//\//_}.log"
  local t0=$SECONDS
  "$@" >"$log" 2>&1; local rc=$?
  local p f s
  p=$(grep -c '^PASS ' "$log"); f=$(grep -c '^FAIL ' "$log"); s=$(grep -c '^SKIP ' "$log")
  grep -E '^(FAIL|SKIP) ' "$log" | sed "s|^|  [$name] |"
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1; echo "  [$name] FAIL exited with status $rc without reporting a failure; log tail:"
    tail -n 15 "$log" | sed 's/^/      /'
  fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  printf '%-48s %4d passed %3d failed %3ds\n' "$name" "$p" "$f" $((SECONDS - t0))
}

for t in "$san"/tests/*/test_*; do
  [ -x "$t" ] || continue
  name=${t#"$san/tests/"}
  [ -n "$filter" ] && [[ "$name" != *$filter* ]] && continue
  run_one "$name" "$t"
done
for t in "$top"/tests/*/*.test.sh "$top"/tests/*/*.test.py; do
  [ -f "$t" ] || continue
  name=${t#"$top/tests/"}
  [ -n "$filter" ] && [[ "$name" != *$filter* ]] && continue
  case "$t" in
    *.py) run_one "$name" "$PYTHON" "$t" ;;
    *)    run_one "$name" bash "$t" ;;
  esac
done
[ "$skipped" -gt 0 ] && echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
