# nn/: the inference engine (libfsnn.a) and its command-line tool fsnn.
LIBS += fsnn
# Kernels: the portable ones (ref/, common/, generic/) everywhere, the SIMD variants
# of the target's architecture only, each file with its own ISA flags. The
# binary still runs on any CPU of the architecture: variants are chosen at
# load from the features detected at run time (nn/src/cpu.c).
NN_ARCH := $(shell $(CC) -dumpmachine 2>/dev/null | cut -d- -f1)
lib_fsnn_SRCS := $(wildcard nn/src/*.c) $(wildcard nn/kernels/ref/*.c) \
                 $(wildcard nn/kernels/common/*.c) $(wildcard nn/kernels/*.c) \
                 $(wildcard nn/kernels/generic/*.c)
ifeq ($(NN_ARCH),x86_64)
lib_fsnn_SRCS += $(wildcard nn/kernels/x86/*.c)
$(B)/obj/nn/kernels/x86/%_avx2.c.o: OBJ_CFLAGS := -mavx2
$(B)/obj/nn/kernels/x86/%_avxvnni.c.o: OBJ_CFLAGS := -mavx2 -mavxvnni
$(B)/obj/nn/kernels/x86/%_avx512vnni.c.o: OBJ_CFLAGS := -mavx2 -mavx512f -mavx512bw -mavx512vl -mavx512vnni
endif
ifeq ($(NN_ARCH),aarch64)
lib_fsnn_SRCS += $(wildcard nn/kernels/arm/*.c)
$(B)/obj/nn/kernels/arm/%_dotprod.c.o: OBJ_CFLAGS := -march=armv8.2-a+dotprod
endif
BINS += fsnn
bin_fsnn_SRCS := $(wildcard nn/cli/*.c)


# make bench: engine latency on the committed models.
BENCH_CMD := $(if $(BENCH_CMD),$(BENCH_CMD) && )nn/tools/bench.sh $(abspath $(B))/bin/fsnn
