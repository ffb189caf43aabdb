#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fast checks of what tools/image installs and packages (part of make test;
# about 10 s). The slow ones have their own targets: make deb-test (install +
# purge in a Debian 12 chroot), make image / image-test (the SD image in QEMU),
# make fresh-check (the README's commands on a fresh Debian 12).
#   install_tree           make install's tree (install.sh) holds every file
#   install_boards_paths   installed sim board reads the installed demo images
#   paths_header           PREFIX etc. reach the generated fieldscope_paths.h
#   build_sig_*            objects rebuild when flags/features change, not otherwise
#   unit_verify            systemd-analyze verify: no warning at all
#   unit_hardening         the unit's required settings are present
#   unit_security          systemd-analyze security exposure <= 2.0
#   udev_rules             GPIO, video/media and both Coral IDs
#   deb_contents           mkdeb.sh: control, Depends, conffiles, files, scripts
set -u
top=${FS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
rel=${FS_REL_BIN:-$top/build/bin}
W=$(mktemp -d /tmp/fs-install-test.XXXXXX)
trap 'rm -rf "$W"' EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
unit=$top/rootfs-overlay/lib/systemd/system/fieldscope.service

# ---- install tree ----------------------------------------------------------
R=$W/root
if "$top/tools/image/install.sh" --bin "$rel" --destdir "$R" --prefix /usr >"$W/install.log" 2>&1; then
	missing=""
	for f in usr/bin/fieldscope usr/bin/fsnn usr/bin/fsprobe \
		usr/share/fieldscope/models/rbc_m2unet_ft_int8_1024.tflite \
		usr/share/fieldscope/models/rbc_m2unet_int8_1024.tflite \
		usr/share/fieldscope/models/nuclei_m2unet_int8_256.tflite \
		etc/fieldscope/fieldscope.conf etc/fieldscope/boards/rpi4-octopi.conf etc/fieldscope/boards/sim.conf \
		lib/systemd/system/fieldscope.service lib/udev/rules.d/60-fieldscope.rules \
		usr/lib/sysusers.d/fieldscope.conf usr/lib/tmpfiles.d/fieldscope.conf \
		usr/share/doc/fieldscope/README.md usr/share/doc/fieldscope/copyright; do
		[ -e "$R/$f" ] || missing+=" $f"
	done
	for r in "$top"/drivers/*/*.rules; do
		[ -f "$r" ] && { [ -e "$R/lib/udev/rules.d/$(basename "$r")" ] || missing+=" $(basename "$r")"; }
	done
	outside=$(find "$W" -mindepth 1 -maxdepth 1 ! -name root ! -name install.log)
	[ -z "$missing" ] && [ -z "$outside" ] && pass install_tree || fail install_tree "missing:$missing; outside DESTDIR: $outside"
	dev=$(sed -n 's/^device *= *\([^ ]*\).*/\1/p' "$R/etc/fieldscope/boards/sim.conf")
	[ "$dev" = /usr/share/fieldscope/sim/demo ] && ls "$R$dev"/*.png >/dev/null 2>&1 &&
		pass install_boards_paths || fail install_boards_paths "sim.conf device = '$dev'"
else
	fail install_tree "install.sh failed: $(tail -2 "$W/install.log" | tr '\n' '|')"
fi

# ---- generated paths header --------------------------------------------------
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top" -n BUILD="$W/b" PREFIX=/opt/fs SYSCONFDIR=/opt/etc LOCALSTATEDIR=/srv all >/dev/null 2>&1
h=$W/b/gen/fieldscope_paths.h
if grep -q '"/opt/etc/fieldscope"' "$h" 2>/dev/null && grep -q '"/opt/fs/share/fieldscope"' "$h" &&
	grep -q '"/srv/lib/fieldscope"' "$h"; then pass paths_header
else fail paths_header "$h: $(tr '\n' ' ' < "$h" 2>/dev/null)"; fi
# the release build's defaults are the Debian ones
doc=$("$rel/fieldscope" config-doc 2>/dev/null)
if grep -q '^dir = /etc/fieldscope/boards' <<<"$doc" && grep -q '^results_dir = /var/lib/fieldscope/results' <<<"$doc" &&
	grep -q '^cpu = /usr/share/fieldscope/models/rbc_m2unet_ft_int8_1024.tflite' <<<"$doc"; then pass paths_defaults
else fail paths_defaults "config-doc defaults differ from PREFIX=/usr"; fi

# ---- build signature: a copy of the release build ---------------------------
rb=$(dirname "$rel")
if [ -f "$rb/build-flags.txt" ]; then
	mkdir -p "$W/sig"
	cp -a "$rb/obj" "$rb/lib" "$rb/bin" "$rb/tests" "$rb/gen" "$rb/build-flags.txt" "$W/sig/" 2>/dev/null
	if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top" -q BUILD="$W/sig" VARIANT=rel all >/dev/null 2>&1; then pass build_sig_up_to_date
	else fail build_sig_up_to_date "a copy of the release build is not up to date for make -q"; fi
	# a feature disappears (pkg-config finds nothing): everything must rebuild
	if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top" -q BUILD="$W/sig" VARIANT=rel PKG_CONFIG=/bin/false all >/dev/null 2>&1; then
		fail build_sig_feature_change "make -q says up to date after the detected features changed"
	else pass build_sig_feature_change; fi
else
	echo "SKIP build_sig: $rb/build-flags.txt missing (not built by this Makefile?)"
fi

# ---- the unit ----------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$W/unit/bin"; cp "$rel/fieldscope" "$W/unit/bin/"
	sed "s|^ExecStart=/usr/bin/fieldscope|ExecStart=$W/unit/bin/fieldscope|" "$unit" > "$W/unit/fieldscope.service"
	out=$(systemd-analyze verify --man=no "$W/unit/fieldscope.service" 2>&1); rc=$?
	[ $rc -eq 0 ] && [ -z "$out" ] && pass unit_verify || fail unit_verify "rc=$rc: $(tr '\n' '|' <<<"$out")"
	score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for fieldscope.service: \([0-9.]*\).*/\1/p')
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN{exit !(s <= 2.0)}'; then pass unit_security; echo "  exposure $score"
	else fail unit_security "exposure '${score:-?}' (want <= 2.0)"; fi
else
	echo "SKIP unit_verify: no systemd-analyze"
fi
need="Type=notify WatchdogSec= Restart=on-failure StartLimitBurst= User=fieldscope NoNewPrivileges=yes
ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateNetwork=yes DevicePolicy=closed
DeviceAllow=char-gpiochip DeviceAllow=char-video4linux DeviceAllow=char-media DeviceAllow=char-usb_device
SystemCallFilter=@system-service ReadWritePaths=/var/lib/fieldscope"
miss=""
for k in $need; do grep -q "^$k" "$unit" || miss+=" $k"; done
grep -qx 'CapabilityBoundingSet=' "$unit" || miss+=" CapabilityBoundingSet=(empty)"
grep -q '^RestrictAddressFamilies=AF_UNIX' "$unit" || miss+=" RestrictAddressFamilies"
grep -q '^RestrictAddressFamilies=.*AF_INET' "$unit" && miss+=" (AF_INET allowed)"
[ "$(grep -c '^ReadWritePaths=' "$unit")" -eq 1 ] || miss+=" (more than one ReadWritePaths)"
[ -z "$miss" ] && pass unit_hardening || fail unit_hardening "missing or wrong:$miss"

rules=$top/rootfs-overlay/lib/udev/rules.d/60-fieldscope.rules
if grep -q 'KERNEL=="gpiochip' "$rules" && grep -q '"video4linux"' "$rules" && grep -q '"media"' "$rules" &&
	grep -q 'idVendor}=="1a6e".*idProduct}=="089a"' "$rules" && grep -q 'idVendor}=="18d1".*idProduct}=="9302"' "$rules"; then
	pass udev_rules
else fail udev_rules "$rules lacks GPIO, video/media or a Coral ID"; fi

# ---- the .deb (host architecture) --------------------------------------------
arch=$(dpkg --print-architecture 2>/dev/null)
if command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null && [ -n "$arch" ] &&
	{ [ "$arch" = amd64 ] || [ "$arch" = arm64 ]; }; then
	if "$top/tools/image/mkdeb.sh" --arch "$arch" --bin "$rel" --out "$W/deb" >"$W/deb.log" 2>&1; then
		deb=$(ls "$W"/deb/fieldscope_*_"$arch".deb)
		ctl=$(dpkg-deb -f "$deb"); files=$(dpkg-deb -c "$deb" | awk '{print $6}')
		cf=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)
		bad=""
		for l in libgpiod2 libpng16-16 libsystemd0 libnettle8 libc6; do grep -q "^Depends:.*$l" <<<"$ctl" || bad+=" Depends:$l"; done
		for f in ./usr/bin/fieldscope ./lib/systemd/system/fieldscope.service ./usr/share/fieldscope/models/rbc_m2unet_ft_int8_1024.tflite \
			./usr/lib/sysusers.d/fieldscope.conf ./usr/share/doc/fieldscope/copyright; do
			grep -qx "$f" <<<"$files" || bad+=" file:$f"
		done
		grep -qx /etc/fieldscope/fieldscope.conf <<<"$cf" || bad+=" conffile"
		dpkg-deb --ctrl-tarfile "$deb" | tar -tf - | grep -qx ./postinst || bad+=" postinst"
		dpkg-deb -c "$deb" | awk '$2 != "root/root"' | grep -q . && bad+=" (files not owned by root)"
		[ -z "$bad" ] && pass deb_contents || fail deb_contents "$bad"
	else
		fail deb_contents "mkdeb.sh failed: $(tail -2 "$W/deb.log" | tr '\n' '|')"
	fi
else
	echo "SKIP deb_contents: dpkg-deb/dpkg-shlibdeps missing (apt-get install dpkg-dev)"
fi
exit 0
