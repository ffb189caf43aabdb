# drivers/edgetpu: the Coral USB Accelerator over libusb-1.0. Its sources
# (drivers/edgetpu/*.c) are part of libfsdrivers through drivers/module.mk's
# wildcard; the tool lives one folder down so it is not.
MODULE_CFLAGS += $(shell $(PKG_CONFIG) --cflags libusb-1.0 2>/dev/null || echo -I/usr/include/libusb-1.0)
MODULE_LDLIBS += $(shell $(PKG_CONFIG) --libs libusb-1.0 2>/dev/null || echo -lusb-1.0) -lnettle
# libusb-1.0-0-dev: the driver; g++ + python3 build and read the emulator
# (../shared/coral-emulator) in tests/edgetpu.
DEPS_PACKAGES += libusb-1.0-0-dev nettle-dev g++ python3

# fsedgetpu: list/probe the stick, download firmware, run a compiled model.
BINS += fsedgetpu
bin_fsedgetpu_SRCS := drivers/edgetpu/tool/fsedgetpu.c

# libFuzzer harness for the compiled-model reader (tests/edgetpu runs a
# short fixed-count smoke run; FUZZ_FLAGS comes from nn/fuzz/module.mk).
ETPU_FUZZ_SRCS := drivers/edgetpu/fuzz/fuzz_edgetpu.c drivers/edgetpu/etpu_fb.c \
                  drivers/edgetpu/etpu_model.c drivers/edgetpu/etpu_relayout.c
$(BUILD)/fuzz/fuzz_edgetpu: $(ETPU_FUZZ_SRCS) $(wildcard drivers/edgetpu/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(ETPU_FUZZ_SRCS)
