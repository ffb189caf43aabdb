# nn/fuzz: libFuzzer harness for the .tflite reader (make fuzz).
# Built with Debian's clang straight from the engine's sources, since the
# fuzzer instruments every object it links.
FUZZ_CC    ?= clang
FUZZ_DIR   := $(BUILD)/fuzz
FUZZ_SRCS  := nn/fuzz/fuzz_reader.c $(lib_fsnn_SRCS)
FUZZ_FLAGS := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -g -O1 $(INCLUDES) \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_TIME  ?= 600

$(FUZZ_DIR)/fuzz_reader: $(FUZZ_SRCS) $(wildcard nn/*.h nn/src/*.h nn/kernels/*.h nn/kernels/*/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FUZZ_SRCS) -lm

# A long run seeded with the committed models; crashes land in
# $(FUZZ_DIR)/artifacts, the grown corpus in $(FUZZ_DIR)/corpus.
FUZZ_CMD = $(MAKE) --no-print-directory $(FUZZ_DIR)/fuzz_reader && \
	nn/fuzz/run.sh $(FUZZ_DIR)/fuzz_reader $(FUZZ_DIR) $(FUZZ_TIME)
