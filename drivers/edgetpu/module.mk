# SPDX-License-Identifier: BSD-3-Clause
# drivers/edgetpu: the Coral USB Accelerator over libusb-1.0, as its own
# library (libfsedgetpu.a: libusb-1.0, nettle for the firmware's SHA-256)
# so that only programs that drive the stick link libusb.
LIBS += fsedgetpu
lib_fsedgetpu_SRCS := $(wildcard drivers/edgetpu/*.c)
lib_fsedgetpu_CFLAGS := $(shell $(PKG_CONFIG) --cflags libusb-1.0 2>/dev/null || echo -I/usr/include/libusb-1.0)
lib_fsedgetpu_LDLIBS := $(shell $(PKG_CONFIG) --libs libusb-1.0 2>/dev/null || echo -lusb-1.0) -lnettle
lib_fsedgetpu_LIBS := fsnn
# libusb-1.0-0-dev: the driver; g++ + python3 build and read the emulator
# (../shared/coral-emulator) in tests/edgetpu.
DEPS_PACKAGES += libusb-1.0-0-dev nettle-dev
DEPS_TEST_PACKAGES += g++ python3

# fsedgetpu: list/probe the stick, download firmware, run a compiled model.
BINS += fsedgetpu
bin_fsedgetpu_SRCS := drivers/edgetpu/tool/fsedgetpu.c
bin_fsedgetpu_LIBS := fsedgetpu fsimage
tests_edgetpu_LIBS := fsedgetpu fsimage

# libFuzzer harness for the compiled-model reader (tests/edgetpu runs a
# short fixed-count smoke run; FUZZ_FLAGS comes from nn/fuzz/module.mk).
ETPU_FUZZ_SRCS := drivers/edgetpu/fuzz/fuzz_edgetpu.c drivers/edgetpu/etpu_fb.c \
                  drivers/edgetpu/etpu_model.c drivers/edgetpu/etpu_relayout.c
$(BUILD)/fuzz/fuzz_edgetpu: $(ETPU_FUZZ_SRCS) $(wildcard drivers/edgetpu/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(ETPU_FUZZ_SRCS)
