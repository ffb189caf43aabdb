#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# fresh-debian-check.sh — the newcomer path on a fresh Debian 12.
#
# Builds (once, cached) a minimal Debian 12 "bookworm" root with mmdebstrap,
# unpacks a fresh copy of it, copies this working tree in (tracked and
# untracked-but-not-ignored files: what a clone would have, plus your edits)
# and ../shared beside it (bind-mounted read-only), then runs exactly the
# README's two commands as root inside it:
#
#     make run      then      make test
#
# and passes only when `make run` exits 0 and `make test` ends with
# "N passed, 0 failed". The chroot starts with nothing but Debian's "apt"
# variant plus `make` (the README's prerequisite); everything else must come
# from `make deps`.
#
# Usage: tools/image/fresh-debian-check.sh [options]
#   --keep            keep the chroot afterwards (default: removed)
#   --only-run        run `make run` only (quick: no test dependencies)
#   --cache DIR       where the base tarball is kept
#                     (default: $FS_FRESH_CACHE or /var/tmp/fieldscope-fresh)
#   --mirror URL      Debian mirror (default: http://deb.debian.org/debian)
#   --logs DIR        where logs go (default: build/fresh-debian/)
#   -h, --help        this text
# Environment passed into the chroot: FS_SKIP_VM, FS_SKIP_ARM64 (if set).
# Needs: root, mmdebstrap, network access to the Debian mirror. Takes
# 30-60 min on 2 cores (PyTorch, QEMU, the cross toolchain, two builds).
set -euo pipefail
keep=0; only_run=0
cache=${FS_FRESH_CACHE:-/var/tmp/fieldscope-fresh}
mirror=http://deb.debian.org/debian
top=$(cd "$(dirname "$0")/../.." && pwd)
logs=$top/build/fresh-debian
die() { echo "fresh-debian-check: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--only-run) only_run=1 ;;
	--cache) cache=$2; shift ;;
	--mirror) mirror=$2; shift ;;
	--logs) logs=$2; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || die "needs root (chroot, mounts); run it with sudo"
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: apt-get install mmdebstrap"
shared=$(cd "$top/.." && pwd)/shared
[ -d "$shared" ] || shared=${FS_SHARED:-}
[ -n "$shared" ] && [ -d "$shared" ] || die "no ../shared beside $top (set FS_SHARED=)"
mkdir -p "$cache" "$logs"
log() { echo "[fresh-debian $(date +%T)] $*"; }

base=$cache/bookworm-apt-make.tar
if [ ! -s "$base" ]; then
	log "mmdebstrap bookworm (variant apt + make) -> $base"
	mmdebstrap --variant=apt --format=tar --include=make,ca-certificates \
		bookworm "$base.tmp" "deb $mirror bookworm main" \
		"deb $mirror bookworm-updates main" \
		"deb http://deb.debian.org/debian-security bookworm-security main" \
		>"$logs/mmdebstrap.log" 2>&1 || { tail -5 "$logs/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $logs/mmdebstrap.log)"; }
	mv "$base.tmp" "$base"
fi

root=$(mktemp -d /var/tmp/fieldscope-fresh-root.XXXXXX)
mounts=()
cleanup() {
	local m
	for ((i=${#mounts[@]}-1; i>=0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
	if [ $keep -eq 1 ]; then log "chroot kept at $root"; else rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT
bindm() { mkdir -p "$2"; mount --bind "$1" "$2"; mounts+=("$2"); }
tar -C "$root" -xf "$base"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
src=$root/root/src
mkdir -p "$src/fieldscope"
(cd "$top" && git ls-files -z -c -o --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf -) |
	tar -C "$src/fieldscope" -xf -
bindm "$shared" "$src/shared"; mount -o remount,bind,ro "$src/shared" || true
mount -t proc proc "$root/proc"; mounts+=("$root/proc")
bindm /sys "$root/sys"
bindm /dev "$root/dev"
[ -d /dev/pts ] && bindm /dev/pts "$root/dev/pts"
mount -t tmpfs tmpfs "$root/tmp"; mounts+=("$root/tmp")

inenv=(env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb)
[ -n "${FS_SKIP_VM:-}" ] && inenv+=("FS_SKIP_VM=$FS_SKIP_VM")
[ -n "${FS_SKIP_ARM64:-}" ] && inenv+=("FS_SKIP_ARM64=$FS_SKIP_ARM64")
t0=$SECONDS
log "make run (log: $logs/make-run.log)"
set +e
nice chroot "$root" "${inenv[@]}" sh -c 'cd /root/src/fieldscope && make run' >"$logs/make-run.log" 2>&1
run_rc=$?
log "make run exited $run_rc after $((SECONDS - t0)) s; tail:"
tail -n 8 "$logs/make-run.log" | sed 's/^/    /'
test_rc=skipped; summary=""
if [ $only_run -eq 0 ]; then
	t1=$SECONDS
	log "make test (log: $logs/make-test.log)"
	nice chroot "$root" "${inenv[@]}" sh -c 'cd /root/src/fieldscope && make test' >"$logs/make-test.log" 2>&1
	test_rc=$?
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logs/make-test.log" | tail -1)
	log "make test exited $test_rc after $((SECONDS - t1)) s: ${summary:-no summary line}"
	grep -E '^\s+\[.*\] (FAIL|SKIP)' "$logs/make-test.log" | cut -c1-240 | sed 's/^/    /' | head -40
fi
set -e
ok=1
[ $run_rc -eq 0 ] || ok=0
if [ $only_run -eq 0 ]; then
	[ "$test_rc" -eq 0 ] && [[ "$summary" == *" passed, 0 failed" ]] || ok=0
fi
if [ $ok -eq 1 ]; then
	echo "PASS fresh_debian: make run rc=0${summary:+, make test: $summary} ($((SECONDS - t0)) s)"
else
	echo "FAIL fresh_debian: make run rc=$run_rc, make test rc=$test_rc${summary:+ ($summary)}; logs in $logs"
	exit 1
fi
