#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# fieldscope report: a self-contained HTML page of a run. Checked as text
# (the numbers of run.json, no external references) and, where Debian's
# chromium is installed, rendered headless: a screenshot is taken, the page
# logs no console errors and the rendered DOM shows run.json's numbers.
. "$(dirname "$0")/lib.sh"

board=$(make_board rep "$DEMO")
conf=$(make_conf rep "$board" "$THRESH_MODEL" acquisition.max_fovs=3 acquisition.target_cells=100)
"$REL" run --config "$conf" >/dev/null 2>"$WORK/run.err" || { fail report_setup "run failed: $(tail -2 "$WORK/run.err")"; exit 0; }
run=$(ls -d "$WORK/rep/results"/run-* | head -1)
out=$("$SAN" report "$run" 2>"$WORK/rep.err"); rc=$?
html="$run/report.html"
if [ $rc -ne 0 ] || [ ! -s "$html" ]; then fail report_written "exit $rc: $(cat "$WORK/rep.err")"; exit 0; fi
pass report_written

if $PYTHON - "$run/run.json" "$html" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1])); h = open(sys.argv[2], encoding="utf-8").read()
s = d["slide"]
need = [str(s["cells"]), str(s["usable_fovs"]), f"{s['cells_per_mm2']:.3f}"] + [str(f["cells"]) for f in d["fovs"]]
miss = [n for n in need if n not in h]
assert not miss, f"numbers from run.json missing: {miss}"
assert h.count("data:image/png;base64,") == len(d["fovs"]), "one embedded thumbnail per FOV"
ext = re.findall(r'(?:src|href)="(?!data:)([^"]+)"', h)
assert not ext, f"external references: {ext}"
assert "<script" not in h
PY
then pass report_has_run_numbers_offline; else fail report_has_run_numbers_offline "see above"; fi

chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
  echo "SKIP report_renders_in_chromium: chromium not installed (apt-get install chromium)"
  exit 0
fi
flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --user-data-dir="$WORK/chrome"
       --enable-logging=stderr --v=0 --window-size=1280,2000)
timeout 120 "$chrome" "${flags[@]}" --screenshot="$WORK/shot.png" "file://$html" >"$WORK/chrome.out" 2>"$WORK/chrome.err"
timeout 120 "$chrome" "${flags[@]}" --dump-dom "file://$html" >"$WORK/dom.html" 2>>"$WORK/chrome.err"
if ! $PYTHON - "$WORK/shot.png" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("L")
lo, hi = im.getextrema()
assert im.size[0] >= 1000 and hi - lo > 50, f"screenshot blank: {im.size} {lo}..{hi}"
PY
then fail report_renders_in_chromium "no usable screenshot: $(tail -3 "$WORK/chrome.err")"
elif grep -E "CONSOLE\(|Uncaught|Failed to load resource" "$WORK/chrome.err"; then
  fail report_renders_in_chromium "console errors (above)"
elif ! $PYTHON - "$run/run.json" "$WORK/dom.html" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); h = open(sys.argv[2], encoding="utf-8").read()
assert f'{d["slide"]["cells"]}' in h and 'id="fovs"' in h and "<svg" in h, "rendered DOM lacks the run's numbers"
PY
then fail report_renders_in_chromium "DOM check failed"
else pass report_renders_in_chromium; fi
