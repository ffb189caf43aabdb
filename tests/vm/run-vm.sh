#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Boots the VM with the project's fsprobe and tests/vm/guest.sh and prints
# the serial console. Usage: run-vm.sh CACHE_DIR FSPROBE_BINARY [LOG]
set -euo pipefail
cache=$1; bin=$2; log=${3:-/dev/stdout}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/fs-vm-XXXXXX)
trap 'rm -rf "$work"' EXIT
# Per-run layer, appended to the cached base: init, checks, binary, libs.
mkdir -p "$work/r/bin" "$work/r/tests"
cp "$here/init" "$work/r/init"
cp "$here/guest.sh" "$work/r/tests/guest.sh"
cp "$bin" "$work/r/bin/fsprobe"
libs() { ldd "$1" | awk '/=> \//{print $3} /^\s*\/lib/{print $1}'; }
{
	libs "$bin"
	for f in /usr/lib/x86_64-linux-gnu/libcamera/*vimc*; do
		ldd "$f" >/dev/null 2>&1 && libs "$f"
	done
} | sort -u | while read -r l; do
	mkdir -p "$work/r$(dirname "$l")"
	cp -L "$l" "$work/r$l"
done
# The dynamic loader must sit where the binaries look for it.
mkdir -p "$work/r/lib64"
cp -L /lib64/ld-linux-x86-64.so.2 "$work/r/lib64/"
(cd "$work/r" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/run.cpio.gz"
cat "$cache/base.cpio.gz" "$work/run.cpio.gz" > "$work/initrd.gz"
timeout "${FS_VM_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m 1024 -smp 2 \
	-nic none -no-reboot -nographic -monitor none -serial stdio \
	-kernel "$cache/vmlinuz" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 loglevel=3 quiet" > "$log" 2>&1 < /dev/null
