#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The default model (M2U-Net, 1024²) on one random image gives the same
# bytes with the fast kernel variants as with the reference kernels
# (FSNN_KERNELS=ref). Uses the release build: the reference path takes
# seconds there and minutes under the sanitizers.
set -u
top="${FS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}"
fsnn="${FS_REL_BIN:-$top/build/bin}/fsnn"
model="$top/nn/models/rbc_m2unet_int8_1024.tflite"
if [ ! -x "$fsnn" ]; then
  echo "FAIL variants_rbc: $fsnn not built"
  exit 1
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# A fixed pseudo-random image, so a failure can be reproduced.
"${PYTHON:-python3}" -c "import random,sys; r=random.Random(8); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(1<<20)))" >"$tmp/in.bin"
if ! FSNN_KERNELS=ref "$fsnn" run "$model" "$tmp/in.bin" "$tmp/ref" >"$tmp/log" 2>&1; then
  echo "FAIL variants_rbc: reference run: $(tail -c 300 "$tmp/log")"
  exit 1
fi
if ! FSNN_KERNELS=auto "$fsnn" run "$model" "$tmp/in.bin" "$tmp/fast" >"$tmp/log" 2>&1; then
  echo "FAIL variants_rbc: fast run: $(tail -c 300 "$tmp/log")"
  exit 1
fi
if cmp -s "$tmp/ref.0.bin" "$tmp/fast.0.bin"; then
  echo "PASS variants_rbc: fast variants give the reference's bytes on rbc_m2unet_int8_1024"
else
  echo "FAIL variants_rbc: $(cmp "$tmp/ref.0.bin" "$tmp/fast.0.bin" | head -1); $(cmp -l "$tmp/ref.0.bin" "$tmp/fast.0.bin" | wc -l) bytes differ"
fi
