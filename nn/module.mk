# SPDX-License-Identifier: BSD-3-Clause
# nn/: the inference engine (libfsnn.a) and its command-line tool fsnn.
LIBS += fsnn
# Kernels: the portable ones (ref/, common/, generic/) everywhere, the SIMD variants
# of the target's architecture only, each file with its own ISA flags. The
# binary still runs on any CPU of the architecture: variants are chosen at
# load from the features detected at run time (nn/src/cpu.c).
NN_ARCH := $(shell $(CC) -dumpmachine 2>/dev/null | cut -d- -f1)
lib_fsnn_SRCS := $(wildcard nn/src/*.c) $(wildcard nn/kernels/ref/*.c) \
                 $(wildcard nn/kernels/common/*.c) $(wildcard nn/kernels/generic/*.c) \
                 $(wildcard nn/kernels/*.c)
ifeq ($(NN_ARCH),x86_64)
lib_fsnn_SRCS += $(wildcard nn/kernels/x86/*.c)
$(B)/obj/nn/kernels/x86/%_avx2.c.o: KERNEL_CFLAGS := -mavx2
$(B)/obj/nn/kernels/x86/%_avxvnni.c.o: KERNEL_CFLAGS := -mavx2 -mavxvnni
$(B)/obj/nn/kernels/x86/%_avx512vnni.c.o: KERNEL_CFLAGS := -mavx2 -mavx512f -mavx512bw -mavx512vl -mavx512vnni
endif
ifeq ($(NN_ARCH),aarch64)
lib_fsnn_SRCS += $(wildcard nn/kernels/arm/*.c)
$(B)/obj/nn/kernels/arm/%_dotprod.c.o: KERNEL_CFLAGS := -march=armv8.2-a+dotprod
endif
# The engine links nothing beyond libc/libm/libpthread (checked by
# tests/build/libfsnn_symbols.test.sh), so it embeds anywhere.
lib_fsnn_LDLIBS :=
BINS += fsnn
bin_fsnn_SRCS := $(wildcard nn/cli/*.c)
bin_fsnn_LIBS := fsedgetpu fsnn fsimage    # fsedgetpu: fsnn run --edgetpu; fsimage: PNG I/O of run --png
tests_nn_LIBS := fsnn fsimage


# make bench: fsnn (fast and reference kernels), ONNX Runtime and LiteRT.js
# side by side (nn/tools/bench.py; BENCH_RUNS, BENCH_THREADS, BENCH_MODELS,
# BENCH_ENGINES narrow it) -> build/bench/results.json; after every module's
# bench, a summary puts the firmware's FOVs/min next to pure inference.
BENCH_CMD := $(if $(BENCH_CMD),$(BENCH_CMD) && )nn/tools/bench.sh $(abspath $(B))/bin/fsnn
BENCH_SUMMARY_CMD := $(if $(BENCH_SUMMARY_CMD),$(BENCH_SUMMARY_CMD) && )nn/tools/bench.py \
	--summary $(abspath $(B))/bench --firmware-log $(abspath $(B))/bench/bench.log
