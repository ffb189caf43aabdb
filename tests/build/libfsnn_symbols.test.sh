#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The engine stays embeddable anywhere: libfsnn.a (release build) may only
# call into libc, libm and libpthread -- no libgpiod, libcamera, libsystemd,
# nettle, libpng, and nothing from drivers/ or firmware/. Every symbol the
# archive leaves undefined must be defined inside it or exported by one of
# those three libraries.
set -u
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
lib="${FS_REL_BIN:-build/bin}/../lib/libfsnn.a"
name=libfsnn_links_only_libc_libm_libpthread
if [ ! -f "$lib" ]; then fail $name "$lib not built"; exit 1; fi
CC=${CC:-cc}
exported=$(mktemp); trap 'rm -f "$exported"' EXIT
for so in libc.so.6 libm.so.6 libpthread.so.0; do
  path=$($CC -print-file-name=$so)
  [ -f "$path" ] || { fail $name "cannot find $so ($path)"; exit 1; }
  nm -D --defined-only "$path" | awk '{print $NF}' | sed 's/@.*//' >> "$exported"
done
# Symbols the linker itself provides.
printf '%s\n' _GLOBAL_OFFSET_TABLE_ __dso_handle >> "$exported"
defined=$(nm --defined-only "$lib" 2>/dev/null | awk 'NF==3 {print $3}' | sort -u)
undefined=$(nm -u "$lib" 2>/dev/null | awk '$1=="U" {print $2}' | sort -u)
bad=$(comm -23 <(echo "$undefined") <(echo "$defined") | grep -vxFf <(sort -u "$exported") || true)
if [ -n "$bad" ]; then
  fail $name "undefined outside libc/libm/libpthread: $(echo $bad | head -c 400)"
else
  pass $name
fi
# A program of the engine alone (the fsnn tool also reads PNGs through
# libfsimage and drives the Coral stick for `run --edgetpu` through
# libfsedgetpu: libusb, nettle) must not pull in the LED, camera or
# firmware libraries.
bin="${FS_REL_BIN:-build/bin}/fsnn"
needed=$(readelf -d "$bin" 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
case "$needed" in
  *gpiod*|*camera*|*systemd*) fail fsnn_tool_links_no_hardware_libs "fsnn needs: $needed" ;;
  "") fail fsnn_tool_links_no_hardware_libs "$bin: no dynamic section" ;;
  *) pass fsnn_tool_links_no_hardware_libs ;;
esac
