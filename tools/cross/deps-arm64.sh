#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Debian packages for the arm64 cross build (make cross) and for running its
# programs here under qemu-user (tests/arm64). As root it enables the arm64
# architecture (multiarch) and installs what is missing; otherwise it prints
# the commands and fails. Debian packages only.
#
#   tools/cross/deps-arm64.sh          toolchain + arm64 libraries + qemu
#   tools/cross/deps-arm64.sh --check  exit 0 if all is installed, else 1
set -u
# Toolchain and emulator (host packages), then the arm64 -dev packages the
# engine, drivers and firmware link against (see */module.mk).
host_pkgs=(crossbuild-essential-arm64 qemu-user-static pkg-config)
arm64_pkgs=(libpng-dev:arm64 libgpiod-dev:arm64 libsystemd-dev:arm64 nettle-dev:arm64 libusb-1.0-0-dev:arm64
            libcamera-dev:arm64 libtiff-dev:arm64)

missing=()
for p in "${host_pkgs[@]}" "${arm64_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
[ "${1:-}" = --check ] && { echo "deps-arm64: missing: ${missing[*]}"; exit 1; }

has_arm64=0
dpkg --print-foreign-architectures 2>/dev/null | grep -qx arm64 && has_arm64=1
if [ "$(id -u)" -ne 0 ]; then
  echo "deps-arm64: missing Debian packages; run as root:"
  add=""; [ $has_arm64 -eq 1 ] || add="sudo dpkg --add-architecture arm64 && "
  echo "  ${add}sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
  exit 1
fi
log=/tmp/fieldscope-deps-arm64.log
echo "deps-arm64: installing ${missing[*]} (log: $log)"
export DEBIAN_FRONTEND=noninteractive
{
  { [ $has_arm64 -eq 1 ] || dpkg --add-architecture arm64; } &&
  apt-get update -qq &&
  # Multiarch -dev:arm64 packages need the same version of their amd64
  # twins, so apt may upgrade a few host libraries to match.
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
} >"$log" 2>&1 || { echo "deps-arm64: installation failed, see $log"; tail -5 "$log"; exit 1; }
