#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Sets up what make bench's peers need, under build/bench (nothing is
# installed outside the build folder):
#   (default)      onnxruntime-node and @litertjs/core, pinned in
#                  tools/bench/package.json + package-lock.json, with npm ci
#                  into OUT/node_modules (ONNXRUNTIME_NODE_INSTALL=skip: the
#                  npm tarball already holds the linux-x64 CPU runtime; the
#                  package's postinstall would only fetch CUDA from nuget).
#                  Needs Node + npm and the npm registry, once; skipped when
#                  the installed lock file is the committed one.
#   --m2unet-2048  OUT/rbc_m2unet_int8_2048.tflite: the default M2U-Net
#                  exported by fsmodel at 2048x2048 (the committed 1024 model
#                  is reproduced byte for byte by the same command, so this is
#                  the same quantised network), for LiteRT.js and for an fsnn
#                  without --input-size. Needs ../shared (checkpoint, images).
# Usage: nn/tools/bench_setup.sh [--out DIR] [--m2unet-2048]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/bench
what=npm
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=${2:?--out takes a folder}; shift 2 ;;
    --m2unet-2048) what=m2unet; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench_setup.sh: unexpected argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"

if [ "$what" = m2unet ]; then
  shared=${FS_SHARED:-$top/../shared}
  dst=$out/rbc_m2unet_int8_2048.tflite
  ckpt=$shared/models/octopi_m2unet/model_4000_11.pth
  calib=$shared/data/octopi_rbc_dpc/images
  if [ ! -f "$ckpt" ] || [ ! -d "$calib" ]; then
    echo "bench: no $ckpt or $calib: cannot export the 2048x2048 M2U-Net (its LiteRT.js row is skipped)" >&2
    exit 1
  fi
  echo "bench: exporting the default M2U-Net at 2048x2048 with fsmodel (same command as nn/models/MODELS.md; ~30 s)"
  nice "$top/tools/fsmodel/fsmodel" export "$ckpt" --calib "$calib" --calib-names rbc_05.png,rbc_06.png \
    --size 2048 -o "$dst.tmp" >"$out/fsmodel_export_2048.log" 2>&1 && mv "$dst.tmp" "$dst" || {
    echo "bench: fsmodel export --size 2048 failed (log: $out/fsmodel_export_2048.log)" >&2
    rm -f "$dst.tmp"; exit 1; }
  exit 0
fi

src=$top/tools/bench
if [ -f "$out/node_modules/.fieldscope-lock" ] && cmp -s "$src/package-lock.json" "$out/node_modules/.fieldscope-lock"; then
  exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "bench: node/npm not found (need Node 20 + npm: apt-get install nodejs npm): ONNX Runtime and LiteRT.js are skipped" >&2
  exit 1
fi
cp "$src/package.json" "$src/package-lock.json" "$out/"
echo "bench: installing onnxruntime-node and @litertjs/core into $out/node_modules (npm ci: needs the npm registry, this once)"
if ! (cd "$out" && ONNXRUNTIME_NODE_INSTALL=skip timeout 600 npm ci --no-audit --no-fund \
        --fetch-retries=1 --fetch-timeout=60000 >"$out/npm.log" 2>&1); then
  echo "bench: npm ci failed — is the npm registry reachable? (log: $out/npm.log; the network is needed only for this install)" >&2
  tail -n 3 "$out/npm.log" >&2
  exit 1
fi
if ! (cd "$out" && node -e "require('./node_modules/onnxruntime-node')" 2>>"$out/npm.log"); then
  echo "bench: onnxruntime-node installed but does not load here (log: $out/npm.log)" >&2
  exit 1
fi
cp "$src/package-lock.json" "$out/node_modules/.fieldscope-lock"
echo "bench: peers ready (onnxruntime-node $(node -p "require('$out/node_modules/onnxruntime-node/package.json').version"), @litertjs/core $(node -p "require('$out/node_modules/@litertjs/core/package.json').version"))"
