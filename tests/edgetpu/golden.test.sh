#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Wire-identical to libedgetpu: for every golden recording in
# ../shared/coral-emulator/golden, run fsedgetpu against the emulator with
# the same start state, speed, clocks, firmware image and inputs, and
# require (1) the emulator's wire form (canon.py --wire) to equal the golden
# byte for byte and (2) every output tensor's sha256 to equal the one
# libedgetpu returned (the golden's stdout).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
emu_require golden
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
make_dummy_firmware "$tmp/fw.bin"
n=0
for wire in "$golden"/*.wire.txt; do
  rec=$(basename "$wire" .wire.txt)       # e.g. mobilenet_..._edgetpu.runs2_max
  # The model is the recording name up to a known .script (names hold dots).
  model=
  for sc in "$golden"/*.script; do
    m=$(basename "$sc" .script)
    case "$rec" in "$m"|"$m".*) model=$m ;; esac
  done
  [ -n "$model" ] || { echo "FAIL golden/$rec: no device script for it"; continue; }
  variant=${rec#"$model"}; variant=${variant#.}
  start=app speed=super perf=high
  case "$variant" in
    *dfu*) start=dfu ;;
  esac
  case "$variant" in *usb2*|*high*) speed=high ;; esac
  case "$variant" in *max*) perf=max ;; esac
  if [ ! -f "$models/$model.tflite" ]; then
    echo "SKIP golden/$rec: no $model.tflite in \$FS_SHARED/models/tflite"; continue
  fi
  # One argument per inference, in run order (run0, run1, ...).
  runs=()
  for r in 0 1 2 3 4 5 6 7; do
    ins=$(ls "$golden/$rec.run$r".input*.bin 2>/dev/null | sort | paste -sd, -)
    [ -n "$ins" ] && runs+=("$ins")
  done
  n=$((n + 1))
  raw="$tmp/$rec.raw.txt"
  if ! emu_run "$raw" "$golden/$model.script" "$start" "$speed" "" -- \
       run "$models/$model.tflite" "${runs[@]}" --perf "$perf" \
       --firmware "$tmp/fw.bin" --firmware-sha256 "$dummy_sha" >"$tmp/$rec.out" 2>"$tmp/$rec.err"; then
    echo "FAIL golden/$rec: fsedgetpu failed: $(head -c 400 "$tmp/$rec.err" "$tmp/$rec.out" | tr '\n' ' ')"
    continue
  fi
  "$py" "$emu_src/canon.py" --wire "$raw" >"$tmp/$rec.wire.txt"
  if ! cmp -s "$wire" "$tmp/$rec.wire.txt"; then
    echo "FAIL golden/$rec: wire form differs from libedgetpu's: $(diff "$wire" "$tmp/$rec.wire.txt" | head -n 6 | cut -c1-160 | tr '\n' '|')"
  else
    echo "PASS golden/$rec (wire form identical, $(head -n 1 "$wire" | grep -o '([0-9]*)') transfers)"
  fi
  # Output hashes: the golden's "run R output I 'name' bytes=N sha256=H" lines.
  grep '^run [0-9]* output ' "$golden/$rec.stdout.txt" | sort >"$tmp/want"
  grep '^run [0-9]* output ' "$tmp/$rec.out" | sort >"$tmp/got"
  if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"; then
    echo "PASS golden_outputs/$rec ($(wc -l <"$tmp/want") output tensors, sha256 equal)"
  else
    echo "FAIL golden_outputs/$rec: $(diff "$tmp/want" "$tmp/got" | head -n 4 | cut -c1-160 | tr '\n' '|')"
  fi
done
[ "$n" -gt 0 ] || echo "FAIL golden: no golden recordings found in $golden"
