#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `fsnn info` inspects Edge TPU models without the hardware (it lists the
# edgetpu-custom-op and the CPU ops around it), while a plain load — `fsnn
# run` — fails with one line naming the missing "edgetpu" backend.
set -u
fsnn="${FS_BIN:-build/asan/bin}/fsnn"
if [ -z "${FS_SHARED:-}" ] || ! ls "$FS_SHARED"/models/tflite/*_edgetpu.tflite >/dev/null 2>&1; then
  echo "SKIP edgetpu_info: no \$FS_SHARED/models/tflite/*_edgetpu.tflite"
  exit 0
fi
if [ ! -x "$fsnn" ]; then
  echo "FAIL edgetpu_info: $fsnn not built"
  exit 1
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for model in "$FS_SHARED"/models/tflite/*_edgetpu.tflite; do
  name=$(basename "$model" .tflite)
  # info: loads for inspection, names the custom op and its (missing) backend.
  if ! "$fsnn" info "$model" >"$tmp/info" 2>"$tmp/err"; then
    echo "FAIL info/$name: exit $? — $(head -c 300 "$tmp/err")"
  elif ! grep -q '^custom op [0-9]*: edgetpu-custom-op, backend: none' "$tmp/info"; then
    echo "FAIL info/$name: no 'custom op N: edgetpu-custom-op, backend: none' line"
  elif ! grep -q '^op sequence: .*edgetpu-custom-op' "$tmp/info"; then
    echo "FAIL info/$name: op sequence lacks edgetpu-custom-op"
  else
    echo "PASS info/$name ($(grep '^op sequence' "$tmp/info" | cut -c15- | head -c 200))"
  fi
  # The CPU ops beside the delegate must be known ops, not placeholders.
  if grep -q 'UNKNOWN\|BUILTIN_' "$tmp/info"; then
    echo "FAIL info_ops/$name: unnamed ops: $(grep -o 'UNKNOWN[^ ]*\|BUILTIN_[0-9]*' "$tmp/info" | head -3 | tr '\n' ' ')"
  else
    echo "PASS info_ops/$name"
  fi
  # json form carries the same facts.
  if "$fsnn" info "$model" --json >"$tmp/json" 2>&1 &&
     "${PYTHON:-/usr/bin/python3}" -c '
import json, sys
d = json.load(open(sys.argv[1]))
ops = [o for o in d["ops"] if o["name"] == "edgetpu-custom-op"]
assert ops and all(o["custom"] and o["backend"] is None for o in ops), ops
assert d["runnable"] is False and "edgetpu" in d["not_runnable_reason"]
' "$tmp/json" 2>"$tmp/err"; then
    echo "PASS info_json/$name"
  else
    echo "FAIL info_json/$name: $(tail -n 1 "$tmp/err")"
  fi
  # A plain load (run) must fail with the missing-backend reason, one line.
  head -c 16 /dev/zero >"$tmp/in.bin"
  if "$fsnn" run "$model" "$tmp/in.bin" "$tmp/out" >"$tmp/out.txt" 2>&1; then
    echo "FAIL load/$name: fsnn run succeeded without an edgetpu backend"
  elif [ "$(wc -l <"$tmp/out.txt")" -ne 1 ] ||
       ! grep -q 'edgetpu-custom-op needs the "edgetpu" backend (Coral USB Accelerator); none is registered' "$tmp/out.txt"; then
    echo "FAIL load/$name: unexpected error: $(head -c 300 "$tmp/out.txt")"
  else
    echo "PASS load/$name"
  fi
done
