#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# deb-chroot-test.sh — installs and purges the amd64 .deb in a fresh Debian 12
# chroot and checks what it leaves. Prints PASS/FAIL lines (tests/run.sh style).
#
# Usage: tools/image/deb-chroot-test.sh [--keep] [--cache DIR] DEB
#   DEB          build/deb/fieldscope_<version>_amd64.deb (make deb)
#   --keep       keep the chroot (printed) for a look
#   --cache DIR  base tarball cache shared with fresh-debian-check.sh
#                (default: $FS_FRESH_CACHE or /var/tmp/fieldscope-fresh)
#   -h, --help   this text
# Checks: apt installs it with its Depends from the mirror; the `fieldscope`
# system user exists (group video, no shell); files, conffiles and the enabled
# unit are in place; `fieldscope run` on the simulated board as that user
# writes a complete FOV under /var/lib/fieldscope/results; purge removes every
# packaged file, the conffiles and the enablement, and keeps those results.
# Needs root, mmdebstrap and the Debian mirror (about 2 min; apt downloads
# ~60 MB the first time).
set -euo pipefail
keep=0; cache=${FS_FRESH_CACHE:-/var/tmp/fieldscope-fresh}; deb=""
die() { echo "deb-chroot-test: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--cache) cache=$2; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) deb=$1 ;;
	esac
	shift
done
[ -n "$deb" ] && [ -f "$deb" ] || die "give the .deb to test (make deb builds it); see --help"
[ "$(id -u)" -eq 0 ] || die "needs root (chroot)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: apt-get install mmdebstrap"
mkdir -p "$cache"
base=$cache/bookworm-systemd.tar
if [ ! -s "$base" ]; then
	mmdebstrap --variant=apt --format=tar --include=systemd,ca-certificates bookworm "$cache/tmp-systemd.tar" \
		"deb http://deb.debian.org/debian bookworm main" \
		"deb http://deb.debian.org/debian bookworm-updates main" \
		"deb http://deb.debian.org/debian-security bookworm-security main" >"$cache/mmdebstrap-systemd.log" 2>&1 ||
		die "mmdebstrap failed (log: $cache/mmdebstrap-systemd.log)"
	mv "$cache/tmp-systemd.tar" "$base"
fi
root=$(mktemp -d /var/tmp/fieldscope-debtest.XXXXXX)
cleanup() {
	umount -l "$root/proc" "$root/dev" 2>/dev/null || true
	if [ $keep -eq 1 ]; then echo "chroot kept at $root"; else rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT
tar -C "$root" -xf "$base"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"; mount --bind /dev "$root/dev"
cp "$deb" "$root/tmp/fieldscope.deb"
inch() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive "$@"; }
ok() { echo "PASS $1"; }
bad() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
fails=0

if inch sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends /tmp/fieldscope.deb' >"$root/install.log" 2>&1; then
	ok deb_install
else
	bad deb_install "apt-get install failed: $(tail -3 "$root/install.log" | tr '\n' '|')"; exit 1
fi
# the system user
pw=$(inch getent passwd fieldscope || true)
if [ -n "$pw" ] && [ "$(echo "$pw" | cut -d: -f3)" -lt 1000 ] && [[ "$pw" == */usr/sbin/nologin ]] &&
	inch id -nG fieldscope | grep -qw video; then ok deb_system_user
else bad deb_system_user "passwd: '$pw', groups: $(inch id -nG fieldscope 2>&1)"; fi
# files, conffiles, unit enabled
missing=""
for f in /usr/bin/fieldscope /usr/bin/fsnn /usr/bin/fsprobe /usr/share/fieldscope/models/rbc_m2unet_ft_int8_1024.tflite \
	/etc/fieldscope/fieldscope.conf /etc/fieldscope/boards/rpi4-octopi.conf /lib/systemd/system/fieldscope.service \
	/lib/udev/rules.d/60-fieldscope.rules /usr/share/doc/fieldscope/copyright; do
	[ -e "$root$f" ] || missing+=" $f"
done
[ -z "$missing" ] && ok deb_files || bad deb_files "missing:$missing"
cf=$(inch dpkg-query -W -f='${Conffiles}' fieldscope | awk '{print $1}' | sort | tr '\n' ' ')
[[ "$cf" == *"/etc/fieldscope/fieldscope.conf"* ]] && ok deb_conffiles || bad deb_conffiles "conffiles: $cf"
[ -L "$root/etc/systemd/system/multi-user.target.wants/fieldscope.service" ] && ok deb_unit_enabled ||
	bad deb_unit_enabled "no multi-user.target.wants/fieldscope.service link"
[ "$(inch stat -c %U /var/lib/fieldscope/results 2>/dev/null)" = fieldscope ] && ok deb_results_dir ||
	bad deb_results_dir "/var/lib/fieldscope/results missing or not owned by fieldscope"
# the installed program, as the fieldscope user, on the simulated board
printf '[board]\nname = sim\n[acquisition]\ntrigger = continuous\nmax_fovs = 1\n[model]\ncpu = /usr/share/fieldscope/models/nuclei_m2unet_int8_256.tflite\n[storage]\nmin_free_mb = 1\n[supervision]\nerror_blink_s = 0\n' > "$root/tmp/sim.conf"
if inch setpriv --reuid=fieldscope --regid=fieldscope --init-groups /usr/bin/fieldscope run \
	--config /tmp/sim.conf >"$root/run.log" 2>&1 &&
	ls "$root"/var/lib/fieldscope/results/run-*/*/COMPLETE >/dev/null 2>&1; then
	ok deb_run_as_user
else
	bad deb_run_as_user "$(tail -3 "$root/run.log" | tr '\n' '|')"
fi
# purge
pkgfiles=$(inch dpkg -L fieldscope | sort)
if inch apt-get purge -y -qq fieldscope >"$root/purge.log" 2>&1; then ok deb_purge
else bad deb_purge "$(tail -3 "$root/purge.log" | tr '\n' '|')"; fi
left=""
while IFS= read -r f; do
	[ -n "$f" ] || continue
	[ -f "$root$f" ] && left+=" $f"
done <<<"$pkgfiles"
[ -e "$root/etc/fieldscope" ] && left+=" /etc/fieldscope"
[ -e "$root/etc/systemd/system/multi-user.target.wants/fieldscope.service" ] && left+=" (unit enablement)"
inch dpkg-query -W fieldscope >/dev/null 2>&1 && left+=" (dpkg still knows fieldscope)"
[ -z "$left" ] && ok deb_purge_clean || bad deb_purge_clean "left behind:$left"
ls "$root"/var/lib/fieldscope/results/run-*/*/COMPLETE >/dev/null 2>&1 && ok deb_purge_keeps_results ||
	bad deb_purge_keeps_results "results were removed by purge"
[ $fails -eq 0 ]
