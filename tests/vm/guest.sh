#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs inside the VM (busybox sh) against the real kernel drivers: gpio-sim
# for the LEDs and button, vivid for V4L2, vimc for libcamera. The project
# code runs as /bin/fsprobe (release build). One PASS/FAIL line per check.
P=/bin/fsprobe
pass() { echo "PASS vm_$1"; }
fail() { echo "FAIL vm_$1: $2"; }
t0() { cut -d' ' -f1 /proc/uptime; }

# Waits up to $2 tenths of a second for $1 to appear in file $3.
wait_for() {
	n=0
	while [ $n -lt "$2" ]; do
		grep -q "$1" "$3" 2>/dev/null && return 0
		sleep 0.1; n=$((n + 1))
	done
	return 1
}

# ---- gpio-sim: two chips, named lines --------------------------------------
echo "guest: gpio-sim setup at $(t0) s"
modprobe configfs 2>/dev/null
mount -t configfs none /sys/kernel/config 2>/dev/null
modprobe gpio-sim || fail gpio_sim_load "modprobe gpio-sim failed"
G=/sys/kernel/config/gpio-sim/board
mkdir -p $G/bank0 $G/bank1
echo 8 > $G/bank0/num_lines
echo microscope-leds > $G/bank0/label
i=0
for nm in led-dpc-left led-dpc-right led-dpc-top led-dpc-bottom led-fluo-405 led-status button; do
	mkdir $G/bank0/line$i; echo $nm > $G/bank0/line$i/name; i=$((i + 1))
done
echo 2 > $G/bank1/num_lines
echo microscope-aux > $G/bank1/label
mkdir $G/bank1/line0; echo led-fluo-488 > $G/bank1/line0/name
echo 1 > $G/live
DEVN=$(cat $G/dev_name); C0=$(cat $G/bank0/chip_name); C1=$(cat $G/bank1/chip_name)
S0=/sys/devices/platform/$DEVN/$C0; S1=/sys/devices/platform/$DEVN/$C1
[ -e /dev/$C0 ] && [ -e $S0/sim_gpio0/value ] && pass gpio_sim_chips || fail gpio_sim_chips "no /dev/$C0 or $S0"

# Levels of lines 0-5 of chip 0 and line 0 of chip 1, e.g. "100000 0".
levels() {
	s=""
	for k in 0 1 2 3 4 5; do s="$s$(cat $S0/sim_gpio$k/value)"; done
	echo "$s $(cat $S1/sim_gpio0/value)"
}
BOARD="--pattern brightfield=led-dpc-left,led-dpc-right,led-dpc-top,led-dpc-bottom
 --pattern dpc-left=led-dpc-left --pattern dpc-right=led-dpc-right
 --pattern dpc-top=led-dpc-top --pattern dpc-bottom=led-dpc-bottom
 --pattern fluo-405=led-fluo-405 --pattern fluo-488=led-fluo-488"

# Every pattern lights exactly its lines; SIGTERM leaves all dark.
for pat in brightfield:111100 dpc-left:100000 dpc-right:010000 dpc-top:001000 dpc-bottom:000100 \
	   fluo-405:000010 fluo-488:000000; do
	name=${pat%%:*}; want="${pat#*:} 0"
	[ "$name" = fluo-488 ] && want="000000 1"
	$P light $BOARD --set $name --hold -1 > /tmp/light.log 2>&1 &
	pid=$!
	if wait_for "^lit $name" 100 /tmp/light.log; then
		got=$(levels)
		kill -TERM $pid; wait $pid
		after=$(levels)
		if [ "$got" = "$want" ] && [ "$after" = "000000 0" ] && grep -q '^dark' /tmp/light.log; then
			pass "gpio_pattern_$name"
		else
			fail "gpio_pattern_$name" "lit levels '$got' (expected '$want'), after SIGTERM '$after'"
		fi
	else
		kill -9 $pid 2>/dev/null
		fail "gpio_pattern_$name" "not lit: $(cat /tmp/light.log)"
	fi
done

# Active-low wiring (board pull-ups): lit = pin low, dark = pin high.
for k in 0 1 2 3; do echo pull-up > $S0/sim_gpio$k/pull; done
$P light --active-low $BOARD --set dpc-top --hold -1 > /tmp/light.log 2>&1 &
pid=$!
if wait_for "^lit dpc-top" 100 /tmp/light.log; then
	got=$(levels | cut -c1-4); kill -TERM $pid; wait $pid; after=$(levels | cut -c1-4)
	[ "$got" = 1101 ] && [ "$after" = 1111 ] && pass gpio_active_low ||
		fail gpio_active_low "lit '$got' (expected 1101), after '$after' (expected 1111)"
else
	kill -9 $pid 2>/dev/null; fail gpio_active_low "$(cat /tmp/light.log)"
fi
for k in 0 1 2 3; do echo pull-down > $S0/sim_gpio$k/pull; done

# kill -9 with a pattern lit: the guard process switches everything off.
$P light $BOARD --set brightfield --hold -1 > /tmp/light.log 2>&1 &
pid=$!
if wait_for "^lit brightfield" 100 /tmp/light.log && [ "$(levels)" = "111100 0" ]; then
	kill -9 $pid; wait $pid 2>/dev/null
	wait_for "owner process gone" 50 /tmp/light.log
	after=$(levels)
	if [ "$after" = "000000 0" ] && grep -q "switched 6 output lines off" /tmp/light.log; then
		pass gpio_kill9_dark
	else
		fail gpio_kill9_dark "after kill -9: '$after'; log: $(tr '\n' '|' < /tmp/light.log)"
	fi
else
	kill -9 $pid 2>/dev/null; fail gpio_kill9_dark "not lit: $(levels) $(cat /tmp/light.log)"
fi

# Maximum on-time: the fluorescence LED is cut by the guard thread.
$P light $BOARD --max-on 1000 --set fluo-405 --hold 2500 > /tmp/light.log 2>&1 &
pid=$!
wait_for "^lit fluo-405" 100 /tmp/light.log; early=$(levels)
sleep 1.8; late=$(levels); wait $pid
[ "$early" = "000010 0" ] && [ "$late" = "000000 0" ] && grep -q "overtime cuts: 1" /tmp/light.log &&
	pass gpio_max_on_time || fail gpio_max_on_time "when lit '$early', 1.8 s later '$late'; $(tr '\n' '|' < /tmp/light.log)"

# Lines by chip and offset, on both chips.
$P light --pattern a=$C0:5,$C1:0 --set a --hold -1 > /tmp/light.log 2>&1 &
pid=$!
if wait_for "^lit a" 100 /tmp/light.log; then
	got=$(levels); kill -TERM $pid; wait $pid
	[ "$got" = "000001 1" ] && pass gpio_chip_offset || fail gpio_chip_offset "levels '$got'"
else
	kill -9 $pid 2>/dev/null; fail gpio_chip_offset "$(cat /tmp/light.log)"
fi

# Unknown line name: the error lists what each chip offers.
out=$($P light --pattern x=led-dpc-diagonal --set x 2>&1)
echo "$out" | grep -q "error -2: .*no GPIO line named 'led-dpc-diagonal'.*$C0 (microscope-leds) \[led-dpc-left.*$C1 (microscope-aux) \[led-fluo-488" &&
	pass gpio_unknown_line || fail gpio_unknown_line "$out"

# Busy line: names the consumer holding it.
$P light --pattern a=led-dpc-left --hold -1 > /tmp/light.log 2>&1 &
pid=$!
wait_for "^ready" 100 /tmp/light.log
out=$($P light --pattern b=led-dpc-left 2>&1)
kill -TERM $pid; wait $pid
echo "$out" | grep -q "error -16: .*busy.*'fieldscope'" && pass gpio_busy_line || fail gpio_busy_line "$out"

# Button (active low, pull-up = released): a bouncing press then a release
# give exactly two debounced events.
echo pull-up > $S0/sim_gpio6/pull
$P button --line button --active-low --debounce 40 --events 3 --timeout 1500 > /tmp/button.log 2>&1 &
pid=$!
if wait_for "^ready: button released" 100 /tmp/button.log; then
	for lv in pull-down pull-up pull-down pull-up pull-down; do echo $lv > $S0/sim_gpio6/pull; done
	sleep 0.4
	echo pull-up > $S0/sim_gpio6/pull
	wait $pid
	ev=$(grep '^button' /tmp/button.log | tr '\n' ',')
	[ "$ev" = "button pressed,button released,button timeout," ] && pass gpio_button_debounce ||
		fail gpio_button_debounce "events '$ev'"
else
	kill -9 $pid 2>/dev/null; fail gpio_button_debounce "$(cat /tmp/button.log)"
fi

# ---- vivid through the V4L2 backend ---------------------------------------
echo "guest: vivid at $(t0) s"
modprobe vivid n_devs=1 node_types=0x1 num_inputs=1 input_types=0x0 || fail vivid_load "modprobe vivid failed"
V=/dev/video0
# Colour bars: eight bands of falling luma (white, yellow, ..., black).
bars_fall() {
	set -- $(grep '^bars' "$1" | head -1 | cut -d' ' -f2-)
	[ $# -eq 8 ] || return 1
	prev=999999
	for b in "$@"; do [ "$b" -lt "$prev" ] || return 1; prev=$b; done
	return 0
}
for f in YUYV:8 GREY:8 Y10:16 Y12:16 Y16:16; do
	fmt=${f%:*}; d=${f#*:}
	$P capture --backend v4l2 --device $V --format "$fmt" --size 640x480 --depth $d --count 3 --bars > /tmp/cap.log 2>&1
	rc=$?
	seqs=$(grep '^frame' /tmp/cap.log | sed 's/.*seq=\([0-9]*\).*/\1/' | tr '\n' ' ')
	set -- $seqs
	if [ $rc -eq 0 ] && grep -q "format $fmt.* 640x480 depth $d" /tmp/cap.log && [ $# -eq 3 ] &&
	   [ "$2" -gt "$1" ] && [ "$3" -gt "$2" ] && grep -q "^frame.* 640x480 depth=$d" /tmp/cap.log && bars_fall /tmp/cap.log; then
		pass "v4l2_vivid_$fmt"
	else
		fail "v4l2_vivid_$fmt" "rc $rc seqs '$seqs': $(tr '\n' '|' < /tmp/cap.log)"
	fi
done

# 8-bit Bayer: grey is the mean of each 2x2 cell (yellow and cyan bars come
# out equal that way, so only the white-to-black fall is checked).
$P capture --backend v4l2 --device $V --format BA81 --size 640x480 --count 2 --bars > /tmp/cap.log 2>&1
set -- $(grep '^bars' /tmp/cap.log | head -1 | cut -d' ' -f2-)
[ $# -eq 8 ] && [ "$1" -gt "$4" ] && [ "$4" -gt "$8" ] && [ "$(grep -c '^frame.*640x480 depth=8' /tmp/cap.log)" = 2 ] &&
	pass v4l2_vivid_bayer || fail v4l2_vivid_bayer "$(tr '\n' '|' < /tmp/cap.log)"

# Manual gain with auto gain off (vivid has both controls).
$P capture --backend v4l2 --device $V --gain 20 --count 1 > /tmp/cap.log 2>&1 &&
	pass v4l2_manual_gain || fail v4l2_manual_gain "$(tr '\n' '|' < /tmp/cap.log)"

out=$($P capture --backend v4l2 --device $V --format MJPG 2>&1)
echo "$out" | grep -q "error -22: .*'MJPG'.*offers: .*YUYV" && pass v4l2_unsupported_format || fail v4l2_unsupported_format "$out"
out=$($P capture --backend v4l2 --device $V --format YUYV --size 123x45 2>&1)
echo "$out" | grep -q "error -22: .*123x45.*sizes for YUYV: .*640x480" && pass v4l2_unsupported_size || fail v4l2_unsupported_size "$out"

# Unplug while streaming: unbinding the driver must read as "camera gone".
$P capture --backend v4l2 --device $V --count 100000 --timeout 2000 > /tmp/cap.log 2>&1 &
pid=$!
wait_for "^frame" 100 /tmp/cap.log
echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind
wait $pid
grep -q "^error -19" /tmp/cap.log && pass v4l2_unplug_gone || fail v4l2_unplug_gone "$(tail -2 /tmp/cap.log | tr '\n' '|')"

# ---- vimc through the libcamera backend -------------------------------------
echo "guest: vimc at $(t0) s"
modprobe vimc || fail vimc_load "modprobe vimc failed"
sleep 0.5
# No udevd here: libcamera only takes devices udev has initialised, so
# write the minimal udev database entries it checks for.
mkdir -p /run/udev/data
for d in /sys/class/video4linux/* /sys/bus/media/devices/*; do
	[ -f "$d/dev" ] && echo "I:1" > "/run/udev/data/c$(cat "$d/dev")"
done
export LIBCAMERA_LOG_LEVELS=*:ERROR
$P capture --backend libcamera --count 3 --timeout 10000 > /tmp/lc.log 2>&1
rc=$?
seqs=$(grep '^frame' /tmp/lc.log | sed 's/.*seq=\([0-9]*\).*/\1/' | tr '\n' ' ')
set -- $seqs
if [ $rc -eq 0 ] && [ $# -eq 3 ] && [ "$3" -gt "$1" ] && grep -q "^camera .*libcamera" /tmp/lc.log &&
   ! grep -q "max=0$" /tmp/lc.log; then
	pass libcamera_vimc_capture
else
	fail libcamera_vimc_capture "rc $rc: $(tr '\n' '|' < /tmp/lc.log)"
fi
out=$($P capture --backend libcamera --format MJPEG 2>&1)
echo "$out" | grep -q "error -22: .*MJPEG.*offers" && pass libcamera_unsupported_format || fail libcamera_unsupported_format "$out"

# ---- bring-up listing, kernel health ---------------------------------------
$P list > /tmp/list.log 2>&1
grep -q "led-dpc-left" /tmp/list.log && grep -q "^libcamera " /tmp/list.log && pass fsprobe_list ||
	fail fsprobe_list "$(tr '\n' '|' < /tmp/list.log)"
if dmesg | grep -E "WARNING:|BUG:|Oops" > /tmp/dmesg.bad; then
	fail kernel_clean "$(head -3 /tmp/dmesg.bad | tr '\n' '|')"
else
	pass kernel_clean
fi
