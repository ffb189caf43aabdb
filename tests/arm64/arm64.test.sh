#!/usr/bin/env bash
# arm64 tier: cross-build the project for aarch64 (Raspberry Pi 4/5, Debian 12
# arm64) with `make cross`, then run every test program of that build here
# under qemu-user. The engine's vectors and golden models must stay bit-exact
# on aarch64, so any integer/float difference between the two targets shows
# up here as a FAIL.
#
# Cases: arm64_build, then every case of every arm64 test program and of the
# end-to-end scripts that drive the arm64 programs, as arm64_<its name>.
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
  sed -E 's/^(PASS|FAIL|SKIP) /\1 arm64_/' "$out"
  if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
    local why="exited with status $rc"
    [ $rc -eq 124 ] && why="timed out after ${limit}s"
    echo "FAIL arm64_$name: $why under qemu-aarch64 without reporting a failure; last lines:"
    tail -n 10 "$out" | sed 's/^/    /'
  fi
  [ $rc -ne 0 ] && failed=1
  rm -f "$out"
}

t0=$SECONDS
# Every test program of the arm64 build: engine (op vectors, golden models,
# hostile reader, graph), drivers, image I/O and the firmware's unit tests.
for t in "$cb"/tests/*/test_*; do
  [ -x "$t" ] && run "${t#"$cb/tests/"}" 300 "$qemu" "$t"
done
t_prog=$((SECONDS - t0))
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
t_run=$((SECONDS - t0))
echo "# arm64 timings: deps ${t_deps}s, cross build ${t_build}s, test programs ${t_prog}s, scripts $((t_run - t_prog))s under qemu-aarch64"
exit $failed
