#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# What a lab reads: metadata inside every PNG (pHYs, iTXt JSON), fovs.csv and
# summary.csv agreeing with run.json, the slide summary counting usable FOVs
# only, cells.csv flags, and run.json staying valid JSON whatever bytes the
# results path holds.
. "$(dirname "$0")/lib.sh"

board=$(make_board res "$DEMO" "[board]" "objective = 40x/0.65" "magnification = 20" "sensor_pixel_um = 10")
# 0xFF (not UTF-8) in the results path: run.json must stay valid. (Control bytes
# cannot reach it: the config parser refuses them, see reliability.test.sh.)
odd=$(printf 'res\xffdir')
conf=$(make_conf res "$board" "$THRESH_MODEL" acquisition.max_fovs=4 acquisition.target_cells=100 \
  storage.device_id=scope-7 "storage.results_dir=$WORK/res/$odd")
"$REL" run --config "$conf" >/dev/null 2>"$WORK/run.err" || { fail results_setup "$(tail -3 "$WORK/run.err")"; exit 0; }
run=$(ls -d "$WORK/res/$odd"/run-* | head -1)

$PYTHON - "$run" <<'PY'
import csv, json, os, sys
from PIL import Image
run = sys.argv[1]
ok = True
def check(name, cond, why):
    global ok
    print(f"PASS {name}" if cond else f"FAIL {name}: {why}")
    ok = ok and cond
try:
    raw = open(os.path.join(run, "run.json"), "rb").read()
    d = json.loads(raw.decode("utf-8"))   # strict: invalid UTF-8 raises
    check("run_json_valid_with_odd_path", b"res\\ufffddir" in raw, "0xFF not replaced by U+FFFD")
except Exception as e:
    check("run_json_valid_with_odd_path", False, repr(e)); sys.exit(0)
check("run_json_provenance", d["device"] == "scope-7" and d["git_commit"] and d["hostname"]
      and d["optics"]["objective"] == "40x/0.65" and d["optics"]["magnification"] == 20
      and d["optics"]["sensor_pixel_um"] == 10 and all("time" in f and "frame_sequence" in f for f in d["fovs"]),
      f"{d['device']} {d['optics']}")
fovs = list(csv.DictReader(open(os.path.join(run, "fovs.csv"))))
check("fovs_csv_matches_run_json", [int(r["cells"]) for r in fovs] == [f["cells"] for f in d["fovs"]]
      and [int(r["blurred"]) for r in fovs] == [int(f["blurred"]) for f in d["fovs"]], "rows differ")
s = d["slide"]
usable = [f for f in d["fovs"] if not f["blurred"]]
area = sum(f["area_mm2"] for f in usable)
check("slide_counts_usable_fovs_only", s["cells"] == sum(f["cells"] for f in usable)
      and s["usable_fovs"] == len(usable) and abs(s["area_mm2"] - area) < 1e-6
      and abs(s["cells_per_mm2"] - s["cells"] / area) < 0.01 and s["target_cells"] == 100
      and s["target_reached"] == (s["cells"] >= 100), str(s))
check("slide_has_a_blurred_fov", len(usable) < len(d["fovs"]), "the demo's 4th image is blurred; nothing excluded")
summ = list(csv.DictReader(open(os.path.join(run, "summary.csv"))))
check("summary_csv_matches", len(summ) == 1 and int(summ[0]["cells"]) == s["cells"]
      and summ[0]["device"] == "scope-7" and summ[0]["status"].startswith("completed"), str(summ))
f1 = os.path.join(run, "fov-00001")
bad = []
for name in sorted(os.listdir(f1)):
    if not name.endswith(".png"):
        continue
    im = Image.open(os.path.join(f1, name))
    meta = json.loads(im.info.get("fieldscope", "{}"))
    dpi = im.info.get("dpi", (0, 0))[0]
    if abs(dpi - 25400 / 0.5) > 1 or meta.get("device") != "scope-7" or meta.get("fov") != 1 or not meta.get("time"):
        bad.append((name, dpi, meta))
    if name.startswith("labels") and not meta.get("model_sha256"):
        bad.append((name, "no model_sha256"))
check("png_metadata", not bad, str(bad))
rows = list(csv.DictReader(open(os.path.join(f1, "cells.csv"))))
lab = Image.open(os.path.join(f1, "labels.png"))
col = Image.open(os.path.join(f1, "labels_color.png"))
import numpy as np
L = np.array(lab); C = np.array(col)
check("cells_csv_flags", rows and all(r["fov"] == "1" and r["border"] in "01" and r["clump"] in "01" for r in rows)
      and sum(r["border"] == "1" for r in rows) == d["fovs"][0]["border"]
      and sum(r["clump"] == "1" for r in rows) == d["fovs"][0]["clumps"], "flags disagree with run.json")
check("labels_color_view", col.mode == "RGB" and ((C.max(axis=2) > 0) == (L > 0)).all(), "colour view differs from labels")
PY

# Dated run folders pool across devices; numbering continues over both forms.
dconf=$(make_conf dated "$board" "$THRESH_MODEL" acquisition.max_fovs=1 storage.run_name=dated storage.device_id="lab/7 b")
mkdir -p "$WORK/dated/results/run-0004"
"$REL" run --config "$dconf" >/dev/null 2>"$WORK/dated.err"
got=$(ls "$WORK/dated/results" | grep -v '^run-0004$')
if [[ "$got" =~ ^[0-9]{8}T[0-9]{4}Z-lab_7_b-run-0005$ ]] && [ -f "$WORK/dated/results/$got/COMPLETE" ]; then pass run_folder_dated
else fail run_folder_dated "got '$got': $(tail -2 "$WORK/dated.err")"; fi

# Raw frames as OME-TIFF: pixels equal the PNG path's, the OME-XML names the
# channel, pixel size and acquisition time, and COMPLETE hashes the file.
oconf=$(make_conf ome "$board" "$THRESH_MODEL" acquisition.max_fovs=1 storage.save_raw_format=ome-tiff)
"$SAN" run --config "$oconf" >/dev/null 2>"$WORK/ome.err"
f=$(ls -d "$WORK/ome/results"/run-*/fov-00001 2>/dev/null | head -1)
if [ -z "$f" ] || ! $PYTHON - "$f" <<'PY'
import hashlib, json, os, sys, xml.etree.ElementTree as ET
import numpy as np
from PIL import Image
d = sys.argv[1]
t = Image.open(os.path.join(d, "raw_brightfield.ome.tif"))
p = Image.open(os.path.join(d, "input.png"))
assert (np.array(t) == np.array(p)).all(), "OME-TIFF pixels differ from the analysed frame"
root = ET.fromstring(t.tag_v2[270])
ns = {"o": "http://www.openmicroscopy.org/Schemas/OME/2016-06"}
px = root.find(".//o:Pixels", ns); ch = root.find(".//o:Channel", ns)
assert float(px.get("PhysicalSizeX")) == 0.5 and ch.get("Name") == "brightfield", ET.tostring(root)[:300]
assert root.find(".//o:AcquisitionDate", ns).text.startswith("20")
done = json.load(open(os.path.join(d, "COMPLETE")))
h = hashlib.sha256(open(os.path.join(d, "raw_brightfield.ome.tif"), "rb").read()).hexdigest()
assert done["sha256"]["raw_brightfield.ome.tif"] == h
PY
then fail raw_ome_tiff "$(tail -3 "$WORK/ome.err")"
else pass raw_ome_tiff; fi
