#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# mkdeb.sh — builds fieldscope_<version>_<arch>.deb with dpkg-deb.
#
# Usage: tools/image/mkdeb.sh --arch amd64|arm64 --bin DIR --out DIR [--version V]
#   --arch A      Debian architecture of the programs in --bin
#   --bin DIR     the release build's bin/ (build/bin or build/aarch64/bin),
#                 compiled with PREFIX=/usr SYSCONFDIR=/etc LOCALSTATEDIR=/var
#   --out DIR     where the .deb goes (the staging tree is DIR/root-A)
#   --version V   package version (default: FW_VERSION from firmware/)
#   -h, --help    this text
# Depends: comes from dpkg-shlibdeps on the programs (for arm64 it needs the
# arm64 libraries of Debian multiarch: tools/cross/deps-arm64.sh). Files are
# stamped with SOURCE_DATE_EPOCH (default: the last commit's time) and owned
# by root, so two builds of one commit give the same bytes.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
arch=""; bin=""; out=""; version=""
die() { echo "mkdeb.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift ;;
	--bin) bin=$2; shift ;;
	--out) out=$2; shift ;;
	--version) version=$2; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift
done
[ -n "$arch" ] && [ -n "$bin" ] && [ -n "$out" ] || die "--arch, --bin and --out are required (see --help)"
case $arch in
amd64) triplet=x86_64-linux-gnu; machine='3e 00' ;;
arm64) triplet=aarch64-linux-gnu; machine='b7 00' ;;
*) die "unsupported --arch $arch (amd64 or arm64)" ;;
esac
for t in dpkg-deb dpkg-shlibdeps; do
	command -v $t >/dev/null || die "$t is missing: apt-get install dpkg-dev"
done
[ -n "$version" ] || version=$(sed -n 's/^#define FW_VERSION "\(.*\)"/\1/p' "$top"/firmware/*/*.h | head -1)
[ -n "$version" ] || die "no version (FW_VERSION not found); pass --version"
for p in fieldscope fsnn fsprobe; do
	[ -x "$bin/$p" ] || die "$bin/$p is not built"
	# ELF e_machine (offset 18): 0x3e x86-64, 0xb7 AArch64
	m=$(od -An -tx1 -j18 -N2 "$bin/$p" | tr -s ' ' | sed 's/^ //; s/ $//')
	[ "$m" = "$machine" ] || die "$bin/$p is not an $arch program (ELF machine $m)"
done
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
root=$out/root-$arch
rm -rf "$root"
"$top/tools/image/install.sh" --bin "$bin" --destdir "$root" --prefix /usr >/dev/null

# Programs: stripped (debug info stays in the build tree).
strip=$triplet-strip; command -v "$strip" >/dev/null || strip=strip
for p in fieldscope fsnn fsprobe; do
	"$strip" --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/$p" 2>/dev/null ||
		"$strip" --strip-unneeded "$root/usr/bin/$p"
done

# Depends from the libraries the programs link (dpkg-shlibdeps wants a
# debian/control in its working folder).
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debian"
printf 'Source: fieldscope\n\nPackage: fieldscope\nArchitecture: any\n' > "$work/debian/control"
shlibs=$(cd "$work" && DEB_HOST_ARCH=$arch DEB_HOST_MULTIARCH=$triplet \
	dpkg-shlibdeps -O --warnings=0 "$root"/usr/bin/fieldscope "$root"/usr/bin/fsnn "$root"/usr/bin/fsprobe 2>"$work/err") ||
	die "dpkg-shlibdeps failed: $(cat "$work/err")"
depends=${shlibs#shlibs:Depends=}
[ -n "$depends" ] || die "dpkg-shlibdeps found no dependencies"
recommends=""
case $depends in *libcamera*) recommends="libcamera-ipa" ;; esac

mkdir -p "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
{
	echo "Package: fieldscope"
	echo "Version: $version"
	echo "Architecture: $arch"
	echo "Maintainer: fieldscope developers <fieldscope@localhost>"
	echo "Installed-Size: $size"
	echo "Depends: $depends, systemd, init-system-helpers"
	[ -n "$recommends" ] && echo "Recommends: $recommends"
	echo "Section: science"
	echo "Priority: optional"
	echo "Description: headless field-microscope firmware (illuminate, capture, segment)"
	echo " fieldscope switches a microscope's illumination LEDs over GPIO, captures"
	echo " frames (V4L2, libcamera), segments them with an 8-bit .tflite network"
	echo " (red blood cells by default) and writes durable results under"
	echo " /var/lib/fieldscope/results. The fieldscope.service unit runs it at boot"
	echo " as the unprivileged fieldscope user."
} > "$root/DEBIAN/control"
(cd "$root" && find etc -type f | sort | sed 's|^|/|') > "$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "$top/tools/image/deb/$s" "$root/DEBIAN/$s"; done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort |
	xargs md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
find "$root" -type d -exec chmod 0755 {} +
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
deb=$out/fieldscope_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb: $(du -h "$deb" | cut -f1), Depends: $depends"
