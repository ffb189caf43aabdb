#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Smoke test of the make bench driver (nn/tools/bench.py): one run of a tiny
# model through fsnn (default and reference kernels) and, when the npm peers
# are already installed under build/bench, LiteRT.js; results.json must be
# well formed and the summary must read a firmware bench line. Never
# installs anything and never asserts a speed.
set -u
top=${FS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${FS_REL_BIN:-$top/build/bin}
[ -x "$bin/fsnn" ] || bin=${FS_BIN:-$top/build/asan/bin}
py=${PYTHON:-/usr/bin/python3}
model=$top/tests/vectors/golden/micro_speech_quantized/micro_speech_quantized.tflite
work=$(mktemp -d /tmp/fieldscope-bench-smoke-XXXXXX)
trap 'rm -rf "$work"' EXIT

check_results() {  # name, results.json, expected engines (comma-separated)
  "$py" - "$2" "$3" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
want = sys.argv[2].split(",")
assert isinstance(rows, list) and rows, "results.json is not a non-empty list"
keys = {"model", "size", "threads", "engine", "median_ms", "min_ms", "gmac", "peak_rss_mb"}
for r in rows:
    assert set(r) == keys, f"keys {sorted(r)}"
    assert isinstance(r["model"], str) and isinstance(r["size"], str) and isinstance(r["engine"], str)
    assert isinstance(r["threads"], int) and r["threads"] >= 1
    for k in ("median_ms", "min_ms", "peak_rss_mb"):
        assert isinstance(r[k], (int, float)) and r[k] >= 0, f"{k} = {r[k]!r}"
    assert r["min_ms"] <= r["median_ms"], "min above median"
    assert r["gmac"] is None or (isinstance(r["gmac"], (int, float)) and r["gmac"] > 0), f"gmac {r['gmac']!r}"
got = sorted({r["engine"] for r in rows})
assert got == sorted(want), f"engines {got}, expected {sorted(want)}"
PY
}

# fsnn, default and reference kernels, 1 thread, 1 run.
if "$py" "$top/nn/tools/bench.py" --fsnn "$bin/fsnn" --model tiny="$model" --engines fsnn,fsnn-ref \
     --threads 1 --runs 1 --no-setup --out "$work/a" >"$work/a.log" 2>&1 &&
   err=$(check_results a "$work/a/results.json" fsnn,fsnn-ref 2>&1); then
  echo "PASS bench_driver_fsnn"
else
  echo "FAIL bench_driver_fsnn: ${err:-driver failed}"; sed 's/^/    /' "$work/a.log"
fi

# fsnn bench --json: one JSON line with the fields the driver reads.
if out=$("$bin/fsnn" bench "$model" --runs 1 --json 2>&1) &&
   "$py" -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["median_ms"] >= 0 and d["min_ms"] >= 0 and d["gmac"] > 0 and d["peak_rss_mb"] > 0' "$out"; then
  echo "PASS fsnn_bench_json"
else
  echo "FAIL fsnn_bench_json: $out"
fi

# Usage errors go to stderr with status 2.
"$py" "$top/nn/tools/bench.py" --fsnn "$bin/fsnn" --engines nosuch --no-setup --out "$work/u" \
  >"$work/u.out" 2>"$work/u.err"; rc=$?
if [ "$rc" -eq 2 ] && grep -q "unknown engine 'nosuch'" "$work/u.err" && [ ! -s "$work/u.out" ]; then
  echo "PASS bench_driver_usage"
else
  echo "FAIL bench_driver_usage: status $rc, stderr: $(cat "$work/u.err")"
fi

# The summary reads the firmware bench's line and the engine results.
cat >"$work/a/fw.log" <<'LOG'
bench: 3 FOVs of 2048x2048 in 90.0 s: 2.00 FOVs/min, inference 95.0 % of wall time
LOG
if "$py" "$top/nn/tools/bench.py" --summary "$work/a" --firmware-log "$work/a/fw.log" >"$work/s.log" 2>&1 &&
   grep -q "firmware: 2.00 FOVs/min" "$work/s.log" &&
   "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["fovs_per_min"] == 2.0 and d["inference_share"] == 0.95' "$work/a/firmware.json"; then
  echo "PASS bench_summary"
else
  echo "FAIL bench_summary: $(cat "$work/s.log")"
fi

# LiteRT.js, only if make bench already installed the peers (no network here).
if command -v node >/dev/null && [ -f "$top/build/bench/node_modules/.fieldscope-lock" ]; then
  mkdir -p "$work/c" && ln -s "$top/build/bench/node_modules" "$work/c/node_modules"
  if "$py" "$top/nn/tools/bench.py" --fsnn "$bin/fsnn" --model tiny="$model" --engines litert.js \
       --threads 1 --runs 1 --no-setup --out "$work/c" >"$work/c.log" 2>&1 &&
     err=$(check_results c "$work/c/results.json" litert.js 2>&1); then
    echo "PASS bench_driver_litert"
  else
    echo "FAIL bench_driver_litert: ${err:-driver failed}"; sed 's/^/    /' "$work/c.log"
  fi
else
  echo "SKIP bench_driver_litert: peers not installed (make bench installs them into build/bench)"
fi
