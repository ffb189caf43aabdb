# SPDX-License-Identifier: BSD-3-Clause
# tools/fsmodel: model tooling (Python; nothing to compile). Its tests in
# tests/tools/ need these Debian packages.
DEPS_TEST_PACKAGES += python3-torch python3-numpy python3-scipy python3-pil python3-onnx \
                 python3-flatbuffers

# fscells: the firmware's cell labelling (firmware/proc) on a probability
# map, so `fsmodel eval` scores what the device does; also times it.
BINS += fscells
bin_fscells_SRCS := tools/fsmodel/fscells.c
bin_fscells_LIBS := fsfw
BENCH_CMD := $(if $(BENCH_CMD),$(BENCH_CMD) && )tools/fsmodel/bench_cells.sh $(abspath $(B))/bin/fscells
