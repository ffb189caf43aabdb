# nn/: the inference engine (libfsnn.a) and its command-line tool fsnn.
LIBS += fsnn
lib_fsnn_SRCS := $(wildcard nn/src/*.c) $(wildcard nn/kernels/*/*.c) $(wildcard nn/kernels/*.c)
BINS += fsnn
bin_fsnn_SRCS := $(wildcard nn/cli/*.c)


# make bench: fsnn (fast and reference kernels), ONNX Runtime and LiteRT.js
# side by side (nn/tools/bench.py; BENCH_RUNS, BENCH_THREADS, BENCH_MODELS,
# BENCH_ENGINES narrow it) -> build/bench/results.json; after every module's
# bench, a summary puts the firmware's FOVs/min next to pure inference.
BENCH_CMD := $(if $(BENCH_CMD),$(BENCH_CMD) && )nn/tools/bench.sh $(abspath $(B))/bin/fsnn
BENCH_SUMMARY_CMD := $(if $(BENCH_SUMMARY_CMD),$(BENCH_SUMMARY_CMD) && )nn/tools/bench.py \
	--summary $(abspath $(B))/bench --firmware-log $(abspath $(B))/bench/bench.log
