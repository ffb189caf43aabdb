# SPDX-License-Identifier: BSD-3-Clause
# tests/vm: the VM tier. It also runs inside `make test` (tests/run.sh
# picks up tests/vm/vm.test.sh); `make test-vm` runs it alone.
DEPS_TEST_PACKAGES += qemu-system-x86 busybox-static cpio kmod xz-utils gcc-12 make

.PHONY: test-vm
test-vm:
	@$(MAKE) --no-print-directory VARIANT=rel $(BUILD)/bin/fsprobe
	@tests/run.sh $(BUILD)/asan $(BUILD) vm/vm.test.sh
