#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds (once) what the VM tier boots, cached under $VM_CACHE (default
# build/vm/<kernel release>):
#   kernel/    Debian 12's stock amd64 kernel and its modules (apt-get download)
#   oot/       gpio-sim, irq_sim and vimc, which Debian's config leaves out,
#              built from linux-source of exactly that version
#   base.cpio.gz  busybox + the module closure + libcamera's IPA files
# Prints the cache folder on the last line. Exit 2 = a tool is missing
# (the caller SKIPs), other non-zero = a real failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$PATH:/usr/sbin:/sbin"   # depmod, modprobe
for t in qemu-system-x86_64 busybox cpio depmod apt-get dpkg-deb gcc make; do
	command -v "$t" >/dev/null || { echo "missing tool: $t (make deps installs it)"; exit 2; }
done
[ -x /bin/busybox ] || { echo "missing /bin/busybox (busybox-static)"; exit 2; }

# The kernel ABI Debian ships now, e.g. 6.1.0-56-amd64, and its version.
img_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$img_pkg" ] || { echo "apt-cache knows no linux-image-amd64 (run apt-get update)"; exit 2; }
krel=${img_pkg#linux-image-}
kver=$(apt-cache show "$img_pkg" | awk '/^Version:/{print $2; exit}')
series=$(echo "$krel" | cut -d. -f1-2)           # 6.1
cache=${VM_CACHE:-$top/build/vm/$krel}
mkdir -p "$cache"
cd "$cache"
log() { echo "[vm-setup $(date +%T)] $*" >&2; }

# ---- 1. Debian packages, unpacked without installing --------------------
if [ ! -f stamp.kernel ]; then
	log "downloading $img_pkg $kver, headers, kbuild and linux-source-$series"
	rm -rf debs kernel && mkdir -p debs kernel
	(cd debs && apt-get download -q "$img_pkg" "linux-headers-$krel" \
		"linux-headers-${krel%-amd64}-common" "linux-kbuild-$series" "linux-source-$series" >&2)
	for d in debs/*.deb; do dpkg-deb -x "$d" kernel; done
	# The headers' Makefile includes the common tree by absolute path.
	sed -i "s|/usr/src/|$cache/kernel/usr/src/|" "kernel/usr/src/linux-headers-$krel/Makefile"
	rm -f debs/linux-image-* debs/linux-source-*   # unpacked; keep the cache small
	touch stamp.kernel
fi
hdr=$cache/kernel/usr/src/linux-headers-$krel
moddir=kernel/lib/modules/$krel

# ---- 2. out-of-tree modules ------------------------------------------------
if [ ! -f stamp.oot ]; then
	log "building gpio-sim, irq_sim and vimc against $krel"
	rm -rf oot src && mkdir -p oot src
	tar -xJf "kernel/usr/src/linux-source-$series.tar.xz" -C src \
		"linux-source-$series/drivers/gpio/gpio-sim.c" "linux-source-$series/drivers/gpio/gpiolib.h" \
		"linux-source-$series/kernel/irq/irq_sim.c" "linux-source-$series/drivers/media/test-drivers/vimc"
	s=src/linux-source-$series
	cp "$s/drivers/gpio/gpio-sim.c" "$s/drivers/gpio/gpiolib.h" "$s/kernel/irq/irq_sim.c" oot/
	cp "$s"/drivers/media/test-drivers/vimc/*.[ch] oot/
	# irq_sim is normally built in: as a module it needs a licence, and
	# irq_to_desc is not exported (generic_handle_irq runs the same handler).
	sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' oot/irq_sim.c
	grep -q 'generic_handle_irq(irqnum)' oot/irq_sim.c || { echo "irq_sim.c patch did not apply"; exit 1; }
	echo 'MODULE_LICENSE("GPL");' >> oot/irq_sim.c
	cat > oot/Kbuild <<'EOF'
obj-m := irq_sim.o gpio-sim.o vimc.o
vimc-y := vimc-core.o vimc-common.o vimc-streamer.o vimc-capture.o \
          vimc-debayer.o vimc-scaler.o vimc-sensor.o vimc-lens.o
EOF
	make -s -C "$hdr" M="$cache/oot" -j2 modules >&2
	rm -rf src "kernel/usr/src/linux-source-$series.tar.xz"   # 140 MB, no longer needed
	touch stamp.oot
fi

# ---- 3. base initramfs ------------------------------------------------------
if [ ! -f stamp.base ]; then
	log "building the base initramfs"
	rm -rf base && mkdir -p base/bin base/sbin base/etc base/proc base/sys base/dev base/run base/tmp base/mnt
	cp /bin/busybox base/bin/busybox
	for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "base/bin/$a"; done
	# Module closure: depmod on the unpacked tree with the OOT modules added.
	mkdir -p "$moddir/extra"
	cp oot/*.ko "$moddir/extra/"
	depmod -b "$cache/kernel" "$krel"
	want="gpio-sim vivid vimc configfs"
	mods=$(for m in $want; do modprobe -d "$cache/kernel" -S "$krel" --show-depends "$m"; done |
		awk '$1=="insmod"{print $2}' | sort -u)
	for m in $mods; do
		rel=${m#"$cache/kernel/"}
		mkdir -p "base/$(dirname "$rel")"
		cp "$m" "base/$rel"
	done
	cp "$moddir"/modules.order "$moddir"/modules.builtin* "base/lib/modules/$krel/"
	depmod -b "$cache/base" "$krel"
	# libcamera finds the vimc IPA module (and its signature) here.
	mkdir -p base/usr/lib/x86_64-linux-gnu/libcamera base/usr/share
	cp -a /usr/lib/x86_64-linux-gnu/libcamera/*vimc* base/usr/lib/x86_64-linux-gnu/libcamera/ 2>/dev/null || true
	[ -d /usr/share/libcamera ] && cp -a /usr/share/libcamera base/usr/share/
	(cd base && find . | cpio -o -H newc --quiet | gzip -1) > base.cpio.gz
	touch stamp.base
fi
cp kernel/boot/vmlinuz-"$krel" vmlinuz
echo "$krel" > krel
echo "$cache"
