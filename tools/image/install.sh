#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# install.sh — installs fieldscope into a root tree (make install runs it).
#
# Usage: tools/image/install.sh --bin DIR [--destdir DIR] [--prefix /usr]
#            [--sysconfdir /etc] [--unitdir /lib/systemd/system]
#            [--udevdir /lib/udev/rules.d] [--localstatedir /var]
#   --bin DIR        folder holding the built fieldscope, fsnn, fsprobe
#   --destdir DIR    staging root (DESTDIR); default / (a real install)
#   -h, --help       this text
#
# What goes where (PREFIX=/usr):
#   /usr/bin/{fieldscope,fsnn,fsprobe}
#   /usr/share/fieldscope/models/*.tflite        shipped models
#   /usr/share/fieldscope/sim/demo/*.png         demo images of the simulated board
#   /etc/fieldscope/fieldscope.conf              clinic configuration (conffile)
#   /etc/fieldscope/boards/*.conf                board files (sim paths point at
#                                                /usr/share/fieldscope/sim)
#   /lib/systemd/system/fieldscope.service       the unit (not enabled here)
#   /lib/udev/rules.d/60-fieldscope.rules        GPIO chips, cameras, Coral IDs
#   /lib/udev/rules.d/*.rules                    every drivers/*/*.rules file
#   /usr/lib/sysusers.d/fieldscope.conf          the `fieldscope` system user
#   /usr/lib/tmpfiles.d/fieldscope.conf          /var/lib/fieldscope/results
#   /usr/share/doc/fieldscope/                   READMEs, model card, copyright
# The paths compiled into the programs come from the same PREFIX/SYSCONFDIR/
# LOCALSTATEDIR (build/gen/fieldscope_paths.h): install with the values you
# built with. Nothing outside DESTDIR is touched.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=""; destdir=""; prefix=/usr; sysconfdir=/etc; localstatedir=/var
unitdir=/lib/systemd/system; udevdir=/lib/udev/rules.d
die() { echo "install.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--bin) bin=$2; shift ;;
	--destdir) destdir=$2; shift ;;
	--prefix) prefix=$2; shift ;;
	--sysconfdir) sysconfdir=$2; shift ;;
	--localstatedir) localstatedir=$2; shift ;;
	--unitdir) unitdir=$2; shift ;;
	--udevdir) udevdir=$2; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift
done
[ -n "$bin" ] || die "--bin DIR is required (see --help)"
for p in fieldscope fsnn fsprobe; do
	[ -x "$bin/$p" ] || die "$bin/$p is not built (run make first)"
done
D=${destdir%/}
datadir=$prefix/share/fieldscope
docdir=$prefix/share/doc/fieldscope
etc=$sysconfdir/fieldscope

inst() { # mode src dst-file
	install -D -m "$1" "$2" "$D$3"
}
for p in fieldscope fsnn fsprobe; do
	install -D -m 0755 "$bin/$p" "$D$prefix/bin/$p"
done
for m in "$top"/nn/models/*.tflite; do inst 0644 "$m" "$datadir/models/$(basename "$m")"; done
for f in "$top"/board/sim/demo/*.png; do inst 0644 "$f" "$datadir/sim/demo/$(basename "$f")"; done
# Board files: relative camera folders of the simulated boards (sim/...) are
# resolved against the installed demo data.
for b in "$top"/board/*.conf; do
	install -d "$D$etc/boards"
	sed "s|^\(device *= *\)sim/|\1$datadir/sim/|" "$b" > "$D$etc/boards/$(basename "$b")"
	chmod 0644 "$D$etc/boards/$(basename "$b")"
done
ov=$top/rootfs-overlay
inst 0644 "$ov/etc/fieldscope/fieldscope.conf" "$etc/fieldscope.conf"
inst 0644 "$ov/lib/systemd/system/fieldscope.service" "$unitdir/fieldscope.service"
inst 0644 "$ov/lib/udev/rules.d/60-fieldscope.rules" "$udevdir/60-fieldscope.rules"
for r in "$top"/drivers/*/*.rules; do
	[ -f "$r" ] && inst 0644 "$r" "$udevdir/$(basename "$r")"
done
inst 0644 "$ov/usr/lib/sysusers.d/fieldscope.conf" "$prefix/lib/sysusers.d/fieldscope.conf"
inst 0644 "$ov/usr/lib/tmpfiles.d/fieldscope.conf" "$prefix/lib/tmpfiles.d/fieldscope.conf"
inst 0644 "$top/README.md" "$docdir/README.md"
for d in firmware drivers rootfs-overlay; do
	inst 0644 "$top/$d/README.md" "$docdir/$d.README.md"
done
inst 0644 "$top/nn/models/MODELS.md" "$docdir/MODELS.md"
for e in "$top"/nn/models/*.eval.json; do inst 0644 "$e" "$docdir/$(basename "$e")"; done
inst 0644 "$top/tools/image/copyright" "$docdir/copyright"
echo "installed into ${D:-/} (prefix $prefix, config $etc, results $localstatedir/lib/fieldscope/results)"
