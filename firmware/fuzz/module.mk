# SPDX-License-Identifier: BSD-3-Clause
# firmware/fuzz: libFuzzer harnesses for the config parser and the PNG path,
# built like nn/fuzz (clang, every object instrumented). The config parser
# is linked with the drivers it fills (LED and camera configs) without
# libgpiod/libcamera: their backends compile to "not built in" stubs.
FWFUZZ_CFG_SRCS := firmware/fuzz/fuzz_config.c $(wildcard firmware/config/*.c) firmware/util/util.c \
                   firmware/store/store.c $(wildcard firmware/json/*.c) $(wildcard drivers/leds/*.c) $(wildcard drivers/camera/*.c) \
                   $(wildcard drivers/err/*.c drivers/image/*.c)
FWFUZZ_PNG_SRCS := firmware/fuzz/fuzz_png.c $(wildcard drivers/err/*.c drivers/image/*.c)

$(FUZZ_DIR)/fuzz_config: $(FWFUZZ_CFG_SRCS) $(wildcard firmware/config/*.h drivers/leds/*.h drivers/camera/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FWFUZZ_CFG_SRCS) -lpng -lnettle -lm -lpthread

$(FUZZ_DIR)/fuzz_png: $(FWFUZZ_PNG_SRCS) $(wildcard drivers/image/*.h drivers/err/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FWFUZZ_PNG_SRCS) -lpng -lm

# make fuzz runs these after the model reader, each FUZZ_TIME seconds.
FUZZ_CMD += && $(MAKE) --no-print-directory $(FUZZ_DIR)/fuzz_config $(FUZZ_DIR)/fuzz_png && \
	firmware/fuzz/run.sh config $(FUZZ_DIR)/fuzz_config $(FUZZ_DIR)/config $(FUZZ_TIME) && \
	firmware/fuzz/run.sh png $(FUZZ_DIR)/fuzz_png $(FUZZ_DIR)/png $(FUZZ_TIME)
