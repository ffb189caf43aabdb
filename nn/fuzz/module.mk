# nn/fuzz: libFuzzer harness for the .tflite reader (make fuzz).
# Built with Debian's clang straight from the engine's sources, since the
# fuzzer instruments every object it links.
FUZZ_CC    ?= clang
FUZZ_DIR   := $(BUILD)/fuzz
# The x86 SIMD kernels need their own -m flags (as in nn/module.mk), so they
# are compiled one by one; the rest goes through one clang command.
FUZZ_SIMD  := $(filter nn/kernels/x86/%,$(lib_fsnn_SRCS))
FUZZ_SRCS  := nn/fuzz/fuzz_reader.c $(filter-out $(FUZZ_SIMD),$(lib_fsnn_SRCS))
FUZZ_SIMD_OBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_SIMD))
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_FLAGS := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -g -O1 $(INCLUDES) -fsanitize=fuzzer $(FUZZ_SAN)
FUZZ_TIME  ?= 600

$(FUZZ_DIR)/obj/nn/kernels/x86/%_avx2.o: FUZZ_KFLAGS := -mavx2
$(FUZZ_DIR)/obj/nn/kernels/x86/%_avxvnni.o: FUZZ_KFLAGS := -mavx2 -mavxvnni
$(FUZZ_DIR)/obj/nn/kernels/x86/%_avx512vnni.o: FUZZ_KFLAGS := -mavx2 -mavx512f -mavx512bw -mavx512vl -mavx512vnni
$(FUZZ_DIR)/obj/nn/kernels/x86/%.o: nn/kernels/x86/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -g -O1 $(INCLUDES) -fsanitize=fuzzer-no-link $(FUZZ_SAN) \
		$(FUZZ_KFLAGS) -c -o $@ $<

$(FUZZ_DIR)/fuzz_reader: $(FUZZ_SRCS) $(FUZZ_SIMD_OBJS) $(wildcard nn/*.h nn/src/*.h nn/kernels/*.h nn/kernels/*/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FUZZ_SRCS) $(FUZZ_SIMD_OBJS) -lm

# A long run seeded with the committed models; crashes land in
# $(FUZZ_DIR)/artifacts, the grown corpus in $(FUZZ_DIR)/corpus.
FUZZ_CMD = $(MAKE) --no-print-directory $(FUZZ_DIR)/fuzz_reader && \
	nn/fuzz/run.sh $(FUZZ_DIR)/fuzz_reader $(FUZZ_DIR) $(FUZZ_TIME)
