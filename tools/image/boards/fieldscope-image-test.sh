#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs in the qemu-arm64 test image only when the kernel command line has
# fieldscope.test=MODE (make image-test): prints FS_TEST lines on the console
# for tools/image/image-test.sh. MODE: poweroff (after the first result, wait
# for EXTRA more complete FOVs, then power off) or hold (never power off: the
# host cuts the power).
mode=$(sed -n 's/.*fieldscope\.test=\([a-z]*\).*/\1/p' /proc/cmdline)
extra=$(sed -n 's/.*fieldscope\.extra=\([0-9]*\).*/\1/p' /proc/cmdline); extra=${extra:-1}
up() { cut -d' ' -f1 /proc/uptime; }
say() { echo "FS_TEST $*" > /dev/console; }
say BOOTED "$(up)" mode=$mode
# ready = the unit sent READY=1 (after its self-test)
i=0
while [ "$(systemctl show -P ActiveState fieldscope.service)" != active ] && [ $i -lt 600 ]; do sleep 0.5; i=$((i+1)); done
say READY "$(up)" state=$(systemctl show -P ActiveState fieldscope.service) \
	user=$(systemctl show -P User fieldscope.service) \
	pid_user=$(ps -o user= -p "$(systemctl show -P MainPID fieldscope.service)" 2>/dev/null)
count() { ls /var/lib/fieldscope/results/run-*/fov-*/COMPLETE 2>/dev/null | wc -l; }
base=$(count)
i=0
while [ "$(count)" -le "$base" ] && [ $i -lt 1200 ]; do sleep 0.5; i=$((i+1)); done
first=$(ls -t /var/lib/fieldscope/results/run-*/fov-*/COMPLETE 2>/dev/null | head -1)
say FIRST_RESULT "$(up)" "$first"
say ROOT_MOUNT "$(findmnt -no OPTIONS /)"
say DATA_MOUNT "$(findmnt -no SOURCE,OPTIONS /data)"
# no listening socket anywhere: TCP LISTEN (state 0A) / bound UDP, v4 and v6
listen=$(awk 'FNR>1 && ($4=="0A" || FILENAME ~ /udp/) {n++} END{print n+0}' /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 2>/dev/null)
say LISTENING "$listen"
say JOURNAL "$(journalctl --header 2>/dev/null | sed -n 's/^File path: //p' | head -1)"
if [ "$mode" = poweroff ]; then
	target=$(( $(count) + extra ))
	i=0
	while [ "$(count)" -lt "$target" ] && [ $i -lt 1200 ]; do sleep 0.5; i=$((i+1)); done
	say STOPPING "$(up)" complete=$(count)
	systemctl stop fieldscope.service
	say LEDS "$(ls -t /var/lib/fieldscope/results/run-*/run.json | head -1)"
	sync
	say POWEROFF "$(up)"
	systemctl poweroff
fi
