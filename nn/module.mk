# nn/: the inference engine (libfsnn.a) and its command-line tool fsnn.
LIBS += fsnn
lib_fsnn_SRCS := $(wildcard nn/src/*.c) $(wildcard nn/kernels/*/*.c) $(wildcard nn/kernels/*.c)
BINS += fsnn
bin_fsnn_SRCS := $(wildcard nn/cli/*.c)


# make bench: engine latency on the committed models.
BENCH_CMD := $(if $(BENCH_CMD),$(BENCH_CMD) && )nn/tools/bench.sh $(abspath $(B))/bin/fsnn
