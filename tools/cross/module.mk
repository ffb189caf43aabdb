# SPDX-License-Identifier: BSD-3-Clause
# tools/cross: the arm64 (aarch64) build for the Raspberry Pi 4/5 (Debian 12
# bookworm arm64), cross-compiled here with Debian's crossbuild-essential-arm64
# against arm64 libraries from Debian multiarch.
#
#   make cross        deps (tools/cross/deps-arm64.sh) + release build of the
#                     engine, drivers, firmware and test programs into
#                     $(BUILD)/aarch64 (bin/, lib/, tests/)
#   make test-arm64   the same, then run the engine's and firmware's test
#                     programs under qemu-aarch64 (tests/arm64/arm64.test.sh)
.PHONY: cross test-arm64

CROSS_TRIPLET ?= aarch64-linux-gnu
CROSS_BUILD   ?= $(BUILD)/aarch64
# Command-line variables of the inner make override the Makefile's CC/CXX/
# AR/PKG_CONFIG; the module fragments ask $(PKG_CONFIG) for their libraries.
CROSS_MAKE_VARS = BUILD=$(CROSS_BUILD) VARIANT=rel \
	CC=$(CROSS_TRIPLET)-gcc CXX=$(CROSS_TRIPLET)-g++ AR=$(CROSS_TRIPLET)-ar \
	PKG_CONFIG=$(abspath tools/cross/aarch64-pkg-config)

cross:
	@tools/cross/deps-arm64.sh
	@$(MAKE) --no-print-directory $(CROSS_MAKE_VARS) all

test-arm64:
	@FS_ARM64_BUILD=$(abspath $(CROSS_BUILD)) tests/run.sh $(BUILD)/asan $(BUILD) arm64/
