# SPDX-License-Identifier: BSD-3-Clause
# nn/fuzz: libFuzzer harness for the .tflite reader (make fuzz).
# Built with Debian's clang straight from the engine's sources, since the
# fuzzer instruments every object it links.
FUZZ_CC    ?= clang
FUZZ_DIR   := $(BUILD)/fuzz
FUZZ_SRCS  := nn/fuzz/fuzz_reader.c $(lib_fsnn_SRCS)
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_FLAGS  = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -g -O1 $(INCLUDES) -fsanitize=fuzzer $(FUZZ_SAN)
FUZZ_TIME  ?= 600

# One object per source, so each SIMD kernel file gets its own ISA flags
# (as nn/module.mk's KERNEL_CFLAGS) and clang instruments them all.
fuzz_isa = $(if $(findstring _avx512vnni.c,$1),-mavx2 -mavx512f -mavx512bw -mavx512vl -mavx512vnni,$\
           $(if $(findstring _avxvnni.c,$1),-mavx2 -mavxvnni,$(if $(findstring _avx2.c,$1),-mavx2,$\
           $(if $(findstring _dotprod.c,$1),-march=armv8.2-a+dotprod))))
FUZZ_OBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_SRCS))
FUZZ_HDRS := $(wildcard nn/*.h nn/src/*.h nn/kernels/*.h nn/kernels/*/*.h)
$(FUZZ_DIR)/obj/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(call fuzz_isa,$<) -c -o $@ $<
$(FUZZ_DIR)/fuzz_reader: $(FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FUZZ_OBJS) -lm

# A long run seeded with the committed models; crashes land in
# $(FUZZ_DIR)/artifacts, the grown corpus in $(FUZZ_DIR)/corpus.
FUZZ_CMD = $(MAKE) --no-print-directory $(FUZZ_DIR)/fuzz_reader && \
	nn/fuzz/run.sh $(FUZZ_DIR)/fuzz_reader $(FUZZ_DIR) $(FUZZ_TIME)
