# firmware/: the supervisory loop (libfsfw.a) and the `fieldscope` program.
LIBS += fsfw
lib_fsfw_SRCS := $(filter-out firmware/cli/% firmware/fuzz/%,$(wildcard firmware/*/*.c))
BINS += fieldscope
bin_fieldscope_SRCS := $(wildcard firmware/cli/*.c)
lib_fsfw_LIBS := fsdrivers fsedgetpu fsnn
lib_fsfw_CFLAGS := $(shell $(PKG_CONFIG) --cflags libsystemd nettle 2>/dev/null)
lib_fsfw_LDLIBS := $(shell $(PKG_CONFIG) --libs libsystemd nettle 2>/dev/null || echo -lsystemd -lnettle)
bin_fieldscope_LIBS := fsfw
tests_firmware_LIBS := fsfw
DEPS_PACKAGES += libsystemd-dev nettle-dev
DEPS_TEST_PACKAGES += python3-pil python3-scipy

# make run: the loop on the simulated board with the committed demo images.
FS_RUN_DIR ?= $(abspath $(B))/run-results
RUN_CMD := board/sim/run-demo.sh $(abspath $(B))/bin/fieldscope $(FS_RUN_DIR)
# make bench: FOVs per minute on 2048x2048 images and the share spent in inference.
BENCH_CMD := $(if $(BENCH_CMD),$(BENCH_CMD) && )board/sim/bench.sh $(abspath $(B))/bin/fieldscope
