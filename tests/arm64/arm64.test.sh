#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# arm64 tier: cross-build the project for aarch64 (Raspberry Pi 4/5, Debian 12
# arm64) with `make cross`, then run every test program of that build here
# under qemu-user. The engine's vectors and golden models must stay bit-exact
# on aarch64, so any integer/float difference between the two targets shows
# up here as a FAIL.
#
# Cases: arm64_build, then every case of every arm64 test program and of the
# end-to-end scripts that drive the arm64 programs, as arm64_<its name>. These
# run on qemu's "max" CPU (NEON with the dot product, as the Pi 5's
# Cortex-A76), so the engine picks its NEON dot-product kernel variants.
# The engine's tests (tests/nn/test_*) then run again as arm64_a72_<name>
# on "cortex-a72" (NEON without the dot product, the Pi 4) and as
# arm64_ref_<name> with FSNN_KERNELS=ref; random one-op CONV_2D and
# DEPTHWISE_CONV_2D models (random_conv.py) and the shipped RBC model on a
# random 1024x1024 input must give the reference kernels' bytes on both
# CPUs, and `fsnn info` must name the NEON variants (once it shows them).
# Needs crossbuild-essential-arm64, qemu-user-static and the arm64 -dev
# libraries (tools/cross/deps-arm64.sh installs them when run as root);
# without them it prints SKIP. FS_SKIP_ARM64=1 skips it on purpose.
# The build goes to $FS_ARM64_BUILD, by default beside the release build
# (FS_REL_BIN/../aarch64), so parallel builds with BUILD=... do not collide.
set -u
top=${FS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
deps="$top/tools/cross/deps-arm64.sh"
skip() { echo "SKIP arm64: $*"; exit 0; }

[ "${FS_SKIP_ARM64:-0}" = 1 ] && skip "FS_SKIP_ARM64=1"
case "$(uname -m)" in
  aarch64) skip "already on aarch64: the ordinary tests cover it" ;;
esac

t_start=$SECONDS
if ! "$deps" --check >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    skip "cross toolchain or qemu-user missing and not root; install with: $("$deps" 2>/dev/null | tail -1 | sed 's/^ *//')"
  fi
  "$deps" || skip "installing the arm64 cross toolchain failed (see above)"
fi
t_deps=$((SECONDS - t_start))
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64) ||
  skip "qemu-aarch64 not found after installing qemu-user-static"
command -v aarch64-linux-gnu-gcc >/dev/null || skip "aarch64-linux-gnu-gcc not found"

if [ -n "${FS_ARM64_BUILD:-}" ]; then
  cb=$FS_ARM64_BUILD
elif [ -n "${FS_REL_BIN:-}" ]; then
  cb="$(dirname "$FS_REL_BIN")/aarch64"
else
  cb="$top/build/aarch64"
fi

# ---- build ------------------------------------------------------------------
# A clean environment for the inner make: an outer `make -jN test` leaves
# jobserver descriptors in MAKEFLAGS that this process no longer holds.
t0=$SECONDS
log=$(mktemp /tmp/fieldscope-arm64-build.XXXXXX)
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top" -j2 --no-print-directory \
  cross CROSS_BUILD="$cb" >"$log" 2>&1
rc=$?
t_build=$((SECONDS - t0))
if [ $rc -ne 0 ]; then
  echo "FAIL arm64_build: make cross CROSS_BUILD=$cb exited $rc; last lines:"
  tail -n 20 "$log" | sed 's/^/    /'
  rm -f "$log"
  exit 1
fi
rm -f "$log"
# The programs must really be aarch64 ELF files, or nothing below means much.
bad=""
for f in "$cb"/bin/* "$cb"/tests/*/test_*; do
  [ -f "$f" ] || continue
  LC_ALL=C readelf -h "$f" 2>/dev/null | grep -q 'Machine:.*AArch64' || bad="$bad ${f#"$cb/"}"
done
ntests=$(ls "$cb"/tests/*/test_* 2>/dev/null | wc -l)
if [ -n "$bad" ] || [ "$ntests" -eq 0 ] || [ ! -x "$cb/bin/fieldscope" ] || [ ! -x "$cb/bin/fsnn" ]; then
  echo "FAIL arm64_build: in $cb: not AArch64:${bad:- none}; $ntests test programs; fieldscope/fsnn present?"
  exit 1
fi
echo "PASS arm64_build"
# Which optional backends this arm64 build has (libcamera only when its
# arm64 pkg-config entry was found).
echo "# arm64 fieldscope links: $(LC_ALL=C readelf -d "$cb/bin/fieldscope" |
  sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"

# ---- run under qemu-user ----------------------------------------------------
# Tests that start the programs (FS_BIN/fsnn ...) go through /bin/sh, which is
# the host's; small wrappers hand each arm64 program to qemu.
qbin="$cb/qemu-bin"
mkdir -p "$qbin"
for f in "$cb"/bin/*; do
  [ -f "$f" ] || continue
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$qemu" "$f" >"$qbin/${f##*/}"
  chmod +x "$qbin/${f##*/}"
done
# The arm64 build is release only (the sanitizer runs are the x86 ones), so
# FS_BIN and FS_REL_BIN both name it.
export FS_TOP="$top" FS_BIN="$qbin" FS_REL_BIN="$qbin"

failed=0
# run NAME TIMEOUT COMMAND...: its cases with arm64_ prefixed, same protocol
# as tests/run.sh (a non-zero exit without a FAIL line is one failure).
run() {
  local name=$1 limit=$2; shift 2
  local out rc
  out=$(mktemp /tmp/fieldscope-arm64-run.XXXXXX)
  timeout "$limit" "$@" >"$out" 2>&1
  rc=$?
  sed -E "s/^(PASS|FAIL|SKIP) /\\1 arm64_${tag}/" "$out"
  if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
    local why="exited with status $rc"
    [ $rc -eq 124 ] && why="timed out after ${limit}s"
    echo "FAIL arm64_$tag$name: $why under qemu-aarch64 without reporting a failure; last lines:"
    tail -n 10 "$out" | sed 's/^/    /'
  fi
  [ $rc -ne 0 ] && failed=1
  rm -f "$out"
}

t0=$SECONDS
t_run0=$SECONDS
# qemu-user reads the emulated CPU from QEMU_CPU (the wrappers in $qbin
# too): "max" has ASIMD and ASIMDDP in its HWCAP, like the Pi 5's A76.
export QEMU_CPU=max
tag=""
# Every test program of the arm64 build: engine (op vectors, golden models,
# hostile reader, graph), drivers, image I/O and the firmware's unit tests.
for t in "$cb"/tests/*/test_*; do
  [ -x "$t" ] && run "${t#"$cb/tests/"}" 300 "$qemu" "$t"
done
# The engine's tests again: on a Cortex-A72 (the Pi 4: NEON, no dot
# product, so the other CONV_2D variant), and on the reference kernels
# alone, which every variant must match byte for byte.
for t in "$cb"/tests/nn/test_*; do
  [ -x "$t" ] || continue
  tag=a72_ QEMU_CPU=cortex-a72 run "${t#"$cb/tests/"}" 300 "$qemu" "$t"
  tag=ref_ FSNN_KERNELS=ref run "${t#"$cb/tests/"}" 300 "$qemu" "$t"
done
tag=""
t_prog=$((SECONDS - t0))

# ---- fast kernels against the reference, on both CPUs ------------------------
t0=$SECONDS
for cpu in max cortex-a72; do
  tag="${cpu#cortex-}_" QEMU_CPU=$cpu run random_conv.py 300 /usr/bin/python3 \
    "$top/tests/arm64/random_conv.py" "$qbin/fsnn" 40
done
tag=""
# The shipped model on one random 1024x1024 input: the default variants on
# each CPU against FSNN_KERNELS=ref (the reference run is the slow one).
model_case() {
  local model="$top/nn/models/rbc_m2unet_int8_1024.tflite" tmp rc=0
  tmp=$(mktemp -d /tmp/fieldscope-arm64-model.XXXXXX)
  head -c 1048576 /dev/urandom >"$tmp/in.bin"
  if ! FSNN_KERNELS=ref "$qbin/fsnn" run "$model" "$tmp/in.bin" "$tmp/ref" >"$tmp/log" 2>&1; then
    echo "FAIL rbc_m2unet_1024_ref: fsnn run with FSNN_KERNELS=ref failed: $(tail -1 "$tmp/log")"
    rm -rf "$tmp"
    return 1
  fi
  for cpu in max cortex-a72; do
    if ! QEMU_CPU=$cpu "$qbin/fsnn" run "$model" "$tmp/in.bin" "$tmp/$cpu" >"$tmp/log" 2>&1; then
      echo "FAIL rbc_m2unet_1024_$cpu: fsnn run failed: $(tail -1 "$tmp/log")"
      rc=1
    elif cmp -s "$tmp/ref.0.bin" "$tmp/$cpu.0.bin"; then
      echo "PASS rbc_m2unet_1024_$cpu (fast kernels = reference on a random input)"
    else
      echo "FAIL rbc_m2unet_1024_$cpu: $(cmp -l "$tmp/ref.0.bin" "$tmp/$cpu.0.bin" | wc -l)" \
        "output bytes differ from FSNN_KERNELS=ref"
      rc=1
    fi
  done
  rm -rf "$tmp"
  return $rc
}
# run() starts its command under timeout, so the cases go to a child bash.
export -f model_case
export top qbin
run model 900 bash -c model_case
# `fsnn info --json` names each op's kernel variant (once the engine shows
# it): CONV_2D must get the dot-product kernel on "max" and the plain NEON
# one on the A72, DEPTHWISE_CONV_2D the NEON one on both.
info_case() {
  local cpu=$1 want_conv=$2 json
  json=$(QEMU_CPU=$cpu "$qbin/fsnn" info "$top/nn/models/rbc_m2unet_int8_1024.tflite" --json) || {
    echo "FAIL info_variants_$cpu: fsnn info --json failed"; return 1; }
  printf '%s' "$json" | /usr/bin/python3 "$top/tests/arm64/check_variants.py" "$cpu" "$want_conv"
}
export -f info_case
run info 120 bash -c 'info_case max neon-dotprod'
run info 120 bash -c 'info_case cortex-a72 neon'
t_fast=$((SECONDS - t0))
# End-to-end scripts that drive the arm64 fieldscope/fsnn programs (through
# the wrappers): the firmware loop, systemd notify, Edge TPU model info.
# With FS_ARM64_HEAVY=1 also: the fault script, whose kill -9 case expects
# most of 50 kills at 20..700 ms to land after start-up (calibrated for
# native speed; under qemu start-up is slower, so that count varies), and the
# default RBC model on two real 1024x1024 tiles (~65 s each under qemu).
# rbc_e2e (9 such tiles per image) is left out.
scripts=(nn/edgetpu_info.test.sh firmware/loop.test.sh firmware/sdnotify.test.py)
[ "${FS_ARM64_HEAVY:-0}" = 1 ] && scripts+=(firmware/faults.test.sh tools/default_model_vectors.test.py)
for s in "${scripts[@]}"; do
  f="$top/tests/$s"
  [ -f "$f" ] || continue
  case "$f" in
    *.py) run "$s" 400 /usr/bin/python3 "$f" ;;
    *)    run "$s" 300 bash "$f" ;;
  esac
done
t_run=$((SECONDS - t_run0))
echo "# arm64 timings: deps ${t_deps}s, cross build ${t_build}s, test programs ${t_prog}s, fast vs reference ${t_fast}s, scripts $((t_run - t_prog - t_fast))s under qemu-aarch64"
exit $failed
