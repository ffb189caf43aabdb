#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# mkimage.sh — the flashable SD image: Debian 12 arm64 + the fieldscope .deb.
#
# Usage: tools/image/mkimage.sh --board qemu-arm64|rpi4|rpi5 --deb DEB [--out DIR]
#            [--mirror URL] [--root-mb N] [--data-mb N]
#   --board B     qemu-arm64: QEMU's `virt` machine (kernel/initrd also written
#                 beside the image for -kernel/-initrd); rpi4: Raspberry Pi 4
#                 (raspi-firmware boot files); rpi5: refused (see below)
#   --deb DEB     fieldscope_<version>_arm64.deb (make deb)
#   --out DIR     output folder (default build/image)
#   --mirror URL  Debian mirror (default http://deb.debian.org/debian)
#   --data-mb N   data partition size (default 256; grow it after flashing)
#   --reuse-root  resume: keep build/image/work-BOARD/root from a failed or
#                 earlier run (dpkg --configure -a, then the .deb), skip mmdebstrap
#   -h, --help    this text
#
# Layout (MBR): 1 FIELDBOOT vfat 256 MiB (kernel, initrd; Pi firmware), 2 FIELDROOT
# ext4 mounted read-only, 3 FIELDDATA ext4 (fsck'd and mounted at /data at boot;
# results in /data/fieldscope = /var/lib/fieldscope, journal in /data/journal).
# The root is Debian 12 arm64 (mmdebstrap, maintainer scripts run through
# qemu-user binfmt), linux-image-arm64, systemd, udev, the .deb (which creates
# the fieldscope user and enables fieldscope.service) and rootfs-overlay/etc.
# No network service, no ssh, root locked.
# Reproducible: files are stamped with SOURCE_DATE_EPOCH (default the last
# commit's time), file systems get fixed UUIDs/volume ids/hash seeds and
# mke2fs's E2FSPROGS_FAKE_TIME. Not checked yet: two builds byte for byte
# (packages fetched at different times differ anyway; see rootfs-overlay/README.md).
# Needs root, mmdebstrap, qemu-user-static with binfmt_misc (arch-test arm64),
# dosfstools, mtools, fdisk, e2fsprogs, and the Debian mirror.
#
# rpi5: Debian 12's linux-image-arm64 (6.1) has no Raspberry Pi 5 (BCM2712/RP1)
# support, so an image would not boot; build one from Raspberry Pi OS's kernel.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
board=""; deb=""; out=$top/build/image; mirror=http://deb.debian.org/debian; data_mb=256; reuse=0
die() { echo "mkimage.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--board) board=$2; shift ;;
	--deb) deb=$2; shift ;;
	--out) out=$2; shift ;;
	--mirror) mirror=$2; shift ;;
	--data-mb) data_mb=$2; shift ;;
	--reuse-root) reuse=1 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift
done
case $board in
qemu-arm64|rpi4) ;;
rpi5) die "rpi5: Debian 12's arm64 kernel (6.1) does not support the Raspberry Pi 5 (BCM2712, RP1 GPIO); not built (see --help)" ;;
*) die "--board qemu-arm64|rpi4|rpi5 is required" ;;
esac
[ -n "$deb" ] && [ -f "$deb" ] || die "--deb fieldscope_<version>_arm64.deb is required (make deb builds it)"
[ "$(dpkg-deb -f "$deb" Architecture)" = arm64 ] || die "$deb is not an arm64 package"
[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap in root mode, chroot, file ownership in the file systems); run: sudo make image"
for t in mmdebstrap mkfs.vfat mcopy sfdisk mkfs.ext4 arch-test; do
	command -v $t >/dev/null || die "$t is missing: apt-get install mmdebstrap dosfstools mtools fdisk e2fsprogs arch-test qemu-user-static"
done
arch-test arm64 >/dev/null 2>&1 || die "this machine cannot run arm64 programs: install qemu-user-static and make sure binfmt_misc is mounted with qemu-aarch64 registered (arch-test arm64 must say ok)"
host=${mirror#*://}; host=${host%%/*}
getent hosts "$host" >/dev/null || die "cannot resolve the Debian mirror $host (the image is built from Debian's packages; give --mirror)"

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)}
mkdir -p "$out"; out=$(cd "$out" && pwd)
work=$out/work-$board
root=$work/root
if [ $reuse -eq 1 ] && [ -f "$root/var/lib/dpkg/status" ]; then
	rm -rf "$work/boot" "$work/data"
else
	reuse=0
	rm -rf --one-file-system "$work"; mkdir -p "$work"
fi
log() { echo "[mkimage $(date +%T)] $*"; }
t0=$SECONDS

pkgs=systemd-sysv,udev,kmod,e2fsprogs,dosfstools,linux-image-arm64,initramfs-tools,procps,util-linux,zstd
components=main
if [ "$board" = rpi4 ]; then
	pkgs+=",raspi-firmware"; components="main non-free-firmware"
fi
# The initramfs holds only what finds the root (MODULES=list + this hook):
# Debian's default (most) takes over half an hour under qemu-user here.
initramfs_hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/hooks"
echo MODULES=list > "$1/etc/initramfs-tools/conf.d/fieldscope"
cat > "$1/etc/initramfs-tools/hooks/fieldscope" <<"EOH"
#!/bin/sh
# fieldscope image: the modules that find and mount the root file system
# (QEMU virtio, Raspberry Pi 4 SD card).
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
for m in virtio_pci virtio_mmio virtio_blk ext4 crc32c_generic sdhci_iproc sdhci_pltfm mmc_block; do
	manual_add_modules "$m"
done
EOH
chmod 0755 "$1/etc/initramfs-tools/hooks/fieldscope"'
cp "$deb" "$work/fieldscope.deb"
if [ $reuse -eq 1 ]; then
	log "reusing $root: dpkg --configure -a, then $(basename "$deb")"
	sh -c "$initramfs_hook" sh "$root"
	for m in proc sys dev; do mount --bind /$m "$root/$m"; done
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	cp "$work/fieldscope.deb" "$root/tmp/fieldscope.deb"
	rc=0
	{ chroot "$root" env DEBIAN_FRONTEND=noninteractive dpkg --configure -a &&
	  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -f install -y &&
	  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/fieldscope.deb
	} >"$work/resume.log" 2>&1 || rc=$?
	rm -f "$root/tmp/fieldscope.deb"
	for m in dev sys proc; do umount -l "$root/$m"; done
	[ $rc -eq 0 ] || { tail -n 15 "$work/resume.log" >&2; die "resuming the root failed (log: $work/resume.log)"; }
else
log "mmdebstrap bookworm arm64 ($pkgs + $(basename "$deb")); log: $work/mmdebstrap.log"
mmdebstrap --arch=arm64 --variant=minbase --mode=root --format=directory \
	--include="$pkgs" \
	--essential-hook="$initramfs_hook" \
	--customize-hook="copy-in $work/fieldscope.deb /tmp" \
	--customize-hook='chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/fieldscope.deb' \
	--customize-hook='rm -f "$1/tmp/fieldscope.deb"' \
	bookworm "$root" "deb $mirror bookworm $components" "deb $mirror bookworm-updates $components" \
	"deb http://deb.debian.org/debian-security bookworm-security $components" \
	>"$work/mmdebstrap.log" 2>&1 || { tail -n 15 "$work/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $work/mmdebstrap.log); retry with --reuse-root to keep what was installed"; }
fi
log "root built in $((SECONDS - t0)) s"

# ---- customise -------------------------------------------------------------
cp -a "$top/rootfs-overlay/etc/." "$root/etc/"
if [ "$board" = qemu-arm64 ]; then
	install -m 0644 "$top/tools/image/boards/qemu-arm64.conf" "$root/etc/fieldscope/fieldscope.conf"
	install -D -m 0755 "$top/tools/image/boards/fieldscope-image-test.sh" "$root/usr/lib/fieldscope/fieldscope-image-test.sh"
	install -m 0644 "$top/tools/image/boards/fieldscope-image-test.service" "$root/lib/systemd/system/"
	chroot "$root" systemctl enable fieldscope-image-test.service >/dev/null 2>&1
fi
chroot "$root" systemctl enable fieldscope.service >/dev/null 2>&1
# Nothing may write to the read-only root or reach for a network.
for u in apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer e2scrub_reap.service \
	fstrim.timer systemd-networkd.service systemd-timesyncd.service; do
	chroot "$root" systemctl mask "$u" >/dev/null 2>&1 || true
done
mkdir -p "$root/data" "$root/boot/firmware" "$root/var/lib/fieldscope" "$root/var/log/journal"
: > "$root/etc/machine-id"          # generated at each boot (read-only root)
rm -f "$root/var/lib/dbus/machine-id"
chroot "$root" passwd -l root >/dev/null
uid=$(chroot "$root" id -u fieldscope); gid=$(chroot "$root" id -g fieldscope)
jgid=$(chroot "$root" getent group systemd-journal | cut -d: -f3)
fsver=$(chroot "$root" dpkg-query -W -f='${Version}' fieldscope)
npkg=$(chroot "$root" dpkg-query -W -f='.\n' | wc -l)
kver=$(ls "$root"/lib/modules | head -1)
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/log/* "$root"/var/cache/man \
	"$root"/var/cache/ldconfig/aux-cache "$root"/etc/ssh/ssh_host_* 2>/dev/null || true
mkdir -p "$root/var/log/journal"
rm -f "$root/etc/resolv.conf"

# ---- boot files --------------------------------------------------------------
boot=$work/boot; mkdir -p "$boot"
if [ "$board" = rpi4 ]; then
	# cmdline.txt: root by label, read-only, console on the GPIO UART; then
	# let raspi-firmware's kernel hook rewrite /boot/firmware.
	d=$root/etc/default/raspi-firmware
	touch "$d"
	sed -i '/^#*ROOTPART=/d; /^#*CONSOLES=/d' "$d"
	printf 'ROOTPART=LABEL=FIELDROOT\nCONSOLES="ttyS1,115200"\n' >> "$d"
	echo "ro" > "$root/etc/default/raspi-extra-cmdline"
	[ -x "$root/etc/kernel/postinst.d/z50-raspi-firmware" ] &&
		chroot "$root" /etc/kernel/postinst.d/z50-raspi-firmware "$kver" >/dev/null
	cp -a "$root/boot/firmware/." "$boot/"
	[ -f "$boot/start4.elf" ] || die "raspi-firmware did not populate /boot/firmware"
	rm -rf "$root/boot/firmware"/*
else
	cp "$root/boot/vmlinuz-$kver" "$boot/vmlinuz"
	cp "$root/boot/initrd.img-$kver" "$boot/initrd.img"
fi

# ---- data partition ----------------------------------------------------------
data=$work/data
mkdir -p "$data/fieldscope/results" "$data/journal"
chown "$uid:$gid" "$data/fieldscope" "$data/fieldscope/results"; chmod 0750 "$data/fieldscope" "$data/fieldscope/results"
chown "0:$jgid" "$data/journal"; chmod 2755 "$data/journal"

# ---- file systems (reproducible stamps) --------------------------------------
find "$root" "$boot" "$data" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} + 2>/dev/null || true
export E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
root_mb=$(( $(du -sm "$root" | cut -f1) * 125 / 100 + 64 ))
boot_mb=256
mke2() { # label uuid dir size_mb file
	mkfs.ext4 -q -F -L "$1" -U "$2" -E "hash_seed=$2,root_owner=0:0,lazy_itable_init=0" -T default \
		-I 256 -b 4096 -d "$3" "$5" "${4}M"
}
log "file systems: boot ${boot_mb} MiB, root ${root_mb} MiB, data ${data_mb} MiB"
rm -f "$work"/*.fs
mkfs.vfat -n FIELDBOOT -i 46534254 --invariant -C "$work/boot.fs" $((boot_mb * 1024)) >/dev/null
(cd "$boot" && MTOOLS_SKIP_CHECK=1 mcopy -s -p -m -i "$work/boot.fs" ./* ::/)
mke2 FIELDROOT 6669656c-6473-636f-7065-726f6f740001 "$root" "$root_mb" "$work/root.fs"
mke2 FIELDDATA 6669656c-6473-636f-7065-646174610001 "$data" "$data_mb" "$work/data.fs"

# ---- disk image (MBR: the Pi's boot ROM wants a FAT partition 1) ------------
img=$out/fieldscope-$board.img
s1=2048; n1=$((boot_mb * 2048)); s2=$((s1 + n1)); n2=$((root_mb * 2048)); s3=$((s2 + n2)); n3=$((data_mb * 2048))
total=$((s3 + n3 + 2048))
rm -f "$img"; truncate -s $((total * 512)) "$img"
sfdisk -q --no-reread --no-tell-kernel "$img" <<EOT
label: dos
label-id: 0x46534331
start=$s1, size=$n1, type=c, bootable
start=$s2, size=$n2, type=83
start=$s3, size=$n3, type=83
EOT
dd if="$work/boot.fs" of="$img" bs=512 seek=$s1 conv=notrunc,sparse status=none
dd if="$work/root.fs" of="$img" bs=512 seek=$s2 conv=notrunc,sparse status=none
dd if="$work/data.fs" of="$img" bs=512 seek=$s3 conv=notrunc,sparse status=none
if [ "$board" = qemu-arm64 ]; then
	cp "$boot/vmlinuz" "$out/fieldscope-$board.vmlinuz"; cp "$boot/initrd.img" "$out/fieldscope-$board.initrd"
fi
rm -f "$work"/*.fs
sum=$(sha256sum "$img" | cut -d' ' -f1)
echo "$sum  $(basename "$img")" > "$img.sha256"
cat <<EOT
image: $img
  size $(( total * 512 / 1048576 )) MiB (sparse on disk: $(du -m "$img" | cut -f1) MiB), sha256 $sum
  board $board; Debian 12 arm64, kernel $kver, $npkg packages, fieldscope $fsver (uid $uid)
  partitions: 1 FIELDBOOT vfat ${boot_mb} MiB | 2 FIELDROOT ext4 ${root_mb} MiB (read-only) | 3 FIELDDATA ext4 ${data_mb} MiB (/data)
  built in $((SECONDS - t0)) s; SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH
EOT
