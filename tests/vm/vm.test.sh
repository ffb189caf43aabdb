#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# VM tier: boots Debian 12's kernel in QEMU (TCG, no KVM needed) with
# gpio-sim, vivid and vimc loaded and runs the release fsprobe against
# them (tests/vm/guest.sh). The kernel, modules and base initramfs are
# built once and cached beside the release build (build/vm/).
# FS_SKIP_VM=1 skips the tier (reported as SKIP, never as a pass).
set -u
top=${FS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
rel=${FS_REL_BIN:-$top/build/bin}
bin=$rel/fsprobe
if [ -n "${FS_SKIP_VM:-}" ]; then
	echo "SKIP vm_tier: FS_SKIP_VM is set"
	exit 0
fi
[ -x "$bin" ] || { echo "FAIL vm_tier: $bin is not built"; exit 1; }
export VM_CACHE=${VM_CACHE:-$(dirname "$rel")/vm}
mkdir -p "$VM_CACHE"
setup_log=$VM_CACHE/setup.log
t0=$SECONDS
"$top/tests/vm/setup.sh" > "$VM_CACHE/setup.out" 2> "$setup_log"
rc=$?
if [ $rc -eq 2 ]; then
	echo "SKIP vm_tier: $(tail -1 "$VM_CACHE/setup.out")"
	exit 0
elif [ $rc -ne 0 ]; then
	echo "FAIL vm_setup: exit $rc; $(tail -5 "$setup_log" "$VM_CACHE/setup.out" | tr '\n' '|')"
	exit 1
fi
cache=$(tail -1 "$VM_CACHE/setup.out")
t1=$SECONDS
log=$VM_CACHE/serial.log
"$top/tests/vm/run-vm.sh" "$cache" "$bin" "$log"
rc=$?
tr -d '\r' < "$log" | grep -E '^(PASS|FAIL|SKIP) '
if ! tr -d '\r' < "$log" | grep -q '^FS_VM_END'; then
	echo "FAIL vm_boot: the guest did not finish (qemu exit $rc); serial log tail: $(tail -5 "$log" | tr -d '\r' | tr '\n' '|')"
	exit 1
fi
echo "vm tier: setup $((t1 - t0)) s, boot and checks $((SECONDS - t1)) s"
exit 0
