# nn/: the inference engine (libfsnn.a) and its command-line tool fsnn.
LIBS += fsnn
lib_fsnn_SRCS := $(wildcard nn/src/*.c) $(wildcard nn/kernels/*/*.c) $(wildcard nn/kernels/*.c)
# The engine links nothing beyond libc/libm/libpthread (checked by
# tests/build/libfsnn_symbols.test.sh), so it embeds anywhere.
lib_fsnn_LDLIBS :=
BINS += fsnn
bin_fsnn_SRCS := $(wildcard nn/cli/*.c)
bin_fsnn_LIBS := fsnn fsimage    # fsimage: PNG input/output of `fsnn run --png`
tests_nn_LIBS := fsnn fsimage


# make bench: engine latency on the committed models.
BENCH_CMD := $(if $(BENCH_CMD),$(BENCH_CMD) && )nn/tools/bench.sh $(abspath $(B))/bin/fsnn
