# SPDX-License-Identifier: BSD-3-Clause
# firmware/: the supervisory loop (libfsfw.a) and the `fieldscope` program.
LIBS += fsfw
lib_fsfw_SRCS := $(filter-out firmware/cli/% firmware/fuzz/%,$(wildcard firmware/*/*.c))
BINS += fieldscope
bin_fieldscope_SRCS := $(wildcard firmware/cli/*.c)
lib_fsfw_LIBS := fsdrivers fsedgetpu fsnn
lib_fsfw_CFLAGS := $(shell $(PKG_CONFIG) --cflags libsystemd nettle libtiff-4 2>/dev/null)
lib_fsfw_LDLIBS := $(shell $(PKG_CONFIG) --libs libsystemd nettle libtiff-4 2>/dev/null || echo -lsystemd -lnettle -ltiff)
bin_fieldscope_LIBS := fsfw
tests_firmware_LIBS := fsfw
DEPS_PACKAGES += libsystemd-dev nettle-dev libtiff-dev
DEPS_TEST_PACKAGES += python3-pil python3-scipy

# make run: the loop on the simulated board with the committed demo images.
FS_RUN_DIR ?= $(abspath $(B))/run-results
RUN_CMD := board/sim/run-demo.sh $(abspath $(B))/bin/fieldscope $(FS_RUN_DIR)
# make bench: FOVs per minute on 2048x2048 images and the share spent in inference.
BENCH_CMD := $(if $(BENCH_CMD),$(BENCH_CMD) && )board/sim/bench.sh $(abspath $(B))/bin/fieldscope

# The git commit the firmware was built from, in run.json, every PNG's
# metadata and `fieldscope --version`. Only util/version.c sees it, and it is
# rebuilt when the commit changes (the stamp is rewritten only then).
FW_GIT_COMMIT := $(shell git describe --always --dirty --abbrev=12 --exclude='*' 2>/dev/null || echo unknown)
# Written while the Makefile is read, like the paths header, so that an
# up-to-date build stays up to date for `make -q`.
ifneq ($(FW_GIT_COMMIT),$(file <$(B)/gen/git_commit))
  $(shell mkdir -p $(B)/gen)
  $(file >$(B)/gen/git_commit,$(FW_GIT_COMMIT))
endif
$(B)/gen/git_commit:
	@mkdir -p $(@D)
	$(file >$@,$(FW_GIT_COMMIT))
$(B)/obj/firmware/util/version.c.o: $(B)/gen/git_commit
$(B)/obj/firmware/util/version.c.o: KERNEL_CFLAGS := -DFW_GIT_COMMIT='"$(FW_GIT_COMMIT)"'
# report.test.sh renders `fieldscope report` pages headless (skipped without it).
DEPS_TEST_PACKAGES += chromium
