# SPDX-License-Identifier: BSD-3-Clause
# fieldscope — top-level build. Non-recursive: each module adds to the
# variables below from its own module.mk so parallel work does not collide.
#
#   make            build release binaries into build/bin
#   make test       deps + release and ASan/UBSan builds + all tests
#   make run        deps + build + run the firmware on the simulated board
#   make bench      benchmarks (speed targets are checked here, never in tests)
#   make fuzz       long libFuzzer runs: model reader, config parser, PNG path
#   make soak       release check: kill -9, disk full, fuzzers, memory, watchdog
#   make deps       install missing Debian packages (root) or print the apt-get line
#   make deps-run   only those needed to build and run (no test tooling)
#   make install    DESTDIR=... PREFIX=/usr; make deb, make image: tools/image/module.mk

SHELL      := /bin/bash
CC         ?= cc
CXX        ?= c++
PYTHON     := /usr/bin/python3
PKG_CONFIG ?= pkg-config

WARN       := -Wall -Wextra -Werror
# No fused multiply-add contraction: float requantisation must round exactly
# as the reference runtime does on every CPU and compiler.
CSTD       := -std=c11 -ffp-contract=off -D_DEFAULT_SOURCE -D_GNU_SOURCE
CFLAGS_REL := -O2 -g
CFLAGS_SAN := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# Variant selection: VARIANT=rel -> build/, VARIANT=asan -> build/asan/
VARIANT ?= rel
BUILD   ?= build
ifeq ($(VARIANT),asan)
  B      := $(BUILD)/asan
  VFLAGS := $(CFLAGS_SAN)
  VLDFLAGS := -fsanitize=address,undefined
else
  B      := $(BUILD)
  VFLAGS := $(CFLAGS_REL)
  VLDFLAGS :=
endif

# Include dirs: every module's public header lives in its folder.
INCLUDES   := -Inn -Idrivers -Ifirmware -Iboard
# OBJ_CFLAGS / OBJ_CXXFLAGS are set per object (a library's flags, below);
# KERNEL_CFLAGS is a hook a module may set per object or pattern, e.g.
#   $(B)/obj/nn/kernels/x86/%.c.o: KERNEL_CFLAGS := -mavx2
CFLAGS_ALL  = $(CSTD) $(WARN) $(VFLAGS) $(INCLUDES) -MMD -MP $(OBJ_CFLAGS) $(KERNEL_CFLAGS)
CXXFLAGS_ALL = -std=c++17 -Wall -Wextra -Werror $(VFLAGS) $(INCLUDES) -MMD -MP $(OBJ_CXXFLAGS)
BASE_LDLIBS := -lm -lpthread

# Filled in by module.mk files. Per library <name>:
#   lib_<name>_SRCS      sources
#   lib_<name>_CFLAGS    compile flags for its own objects only (pkg-config --cflags ...)
#   lib_<name>_CXXFLAGS  same for its C++ objects
#   lib_<name>_LDLIBS    system libraries a program linking it needs
#   lib_<name>_LIBS      project libraries it calls into (link order follows)
#   lib_<name>_CXX       non-empty when it holds C++ objects (link with $(CXX))
# Per program <name>: bin_<name>_SRCS and bin_<name>_LIBS (what it links).
# Per test folder tests/<dir>: tests_<dir>_LIBS.
LIBS          :=     # names of static libraries, e.g. fsnn
BINS          :=     # names of programs in $(B)/bin
# DEPS_PACKAGES: to build and run (make run); DEPS_TEST_PACKAGES: added by
# make test (compilers for the fuzz test, Python, QEMU, PyTorch, ...).
DEPS_PACKAGES := build-essential pkg-config libpng-dev
DEPS_TEST_PACKAGES := clang libclang-rt-14-dev python3 python3-numpy python3-flatbuffers

include nn/module.mk
include nn/fuzz/module.mk
include firmware/fuzz/module.mk
include drivers/module.mk
include firmware/module.mk
include tools/module.mk
include tools/cross/module.mk
include tools/image/module.mk

# ---- generic rules --------------------------------------------------------
# Link order of a set of libraries: each before the libraries it calls
# into (lib_<name>_LIBS, followed transitively), every one once. Nothing
# outside that list is on the link line, so a call from nn/ into drivers/
# or firmware/ is a link error rather than a silent dependency.
lib_closure  = $(if $(strip $(1)),$(1) $(call lib_closure,$(foreach l,$(1),$(lib_$(l)_LIBS))))
lib_reverse  = $(if $(strip $(1)),$(call lib_reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
lib_uniq     = $(if $(strip $(1)),$(firstword $(1)) $(call lib_uniq,$(filter-out $(firstword $(1)),$(1))))
link_order   = $(strip $(call lib_reverse,$(call lib_uniq,$(call lib_reverse,$(call lib_closure,$(1))))))
link_archives = $(foreach l,$(call link_order,$(1)),$(B)/lib/lib$(l).a)
link_ldlibs  = $(foreach l,$(call link_order,$(1)),$(lib_$(l)_LDLIBS)) $(BASE_LDLIBS)
link_driver  = $(if $(strip $(foreach l,$(call link_order,$(1)),$(lib_$(l)_CXX))),$(CXX),$(CC))

define LIB_template
$(1)_OBJS := $$(patsubst %,$(B)/obj/%.o,$$(lib_$(1)_SRCS))
$$($(1)_OBJS): OBJ_CFLAGS := $$(lib_$(1)_CFLAGS)
$$($(1)_OBJS): OBJ_CXXFLAGS := $$(lib_$(1)_CXXFLAGS)
$(B)/lib/lib$(1).a: $$($(1)_OBJS)
	@mkdir -p $$(@D)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
ALL_OBJS += $$($(1)_OBJS)
endef
$(foreach l,$(LIBS),$(eval $(call LIB_template,$(l))))

define BIN_template
$(1)_BOBJS := $$(patsubst %,$(B)/obj/%.o,$$(bin_$(1)_SRCS))
$(B)/bin/$(1): $$($(1)_BOBJS) $$(call link_archives,$$(bin_$(1)_LIBS))
	@mkdir -p $$(@D)
	$$(call link_driver,$$(bin_$(1)_LIBS)) $$(VLDFLAGS) -o $$@ $$($(1)_BOBJS) \
		$$(call link_archives,$$(bin_$(1)_LIBS)) $$(call link_ldlibs,$$(bin_$(1)_LIBS))
ALL_OBJS += $$($(1)_BOBJS)
endef
$(foreach p,$(BINS),$(eval $(call BIN_template,$(p))))

# Every tests/<dir>/test_*.c is one test program linked with tests_<dir>_LIBS.
TEST_SRCS := $(wildcard tests/*/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRCS))
TEST_DIRS := $(sort $(patsubst tests/%/,%,$(dir $(TEST_SRCS))))
define TEST_template
$(B)/tests/$(1)/%: $(B)/obj/tests/$(1)/%.c.o $$(call link_archives,$$(tests_$(1)_LIBS))
	@mkdir -p $$(@D)
	$$(call link_driver,$$(tests_$(1)_LIBS)) $$(VLDFLAGS) -o $$@ $$< \
		$$(call link_archives,$$(tests_$(1)_LIBS)) $$(call link_ldlibs,$$(tests_$(1)_LIBS))
endef
$(foreach d,$(TEST_DIRS),$(eval $(call TEST_template,$(d))))
ALL_OBJS += $(patsubst %,$(B)/obj/%.o,$(TEST_SRCS))

$(B)/obj/%.c.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests -c -o $@ $<
$(B)/obj/%.cpp.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_ALL) -c -o $@ $<

-include $(ALL_OBJS:.o=.d)
# Objects are rebuilt when the compiler, flags or detected features change.
include tools/buildsig.mk

# Keep objects of test programs (they are built through a pattern rule).
.SECONDARY:

# ---- user-facing targets --------------------------------------------------
.PHONY: all build build-asan test run bench fuzz soak deps deps-run clean
.DEFAULT_GOAL := all

all: $(foreach p,$(BINS),$(B)/bin/$(p)) $(TEST_BINS) $(EXTRA_ALL)

build-asan:
	@$(MAKE) --no-print-directory VARIANT=asan all

deps:
	@tools/deps.sh $(sort $(DEPS_PACKAGES) $(DEPS_TEST_PACKAGES))

deps-run:
	@tools/deps.sh $(sort $(DEPS_PACKAGES))

# Tests run against the sanitizer build (ASan + UBSan); heavy end-to-end
# scripts also get the release build through FS_REL_BIN.
test: deps
	@$(MAKE) --no-print-directory VARIANT=rel all
	@$(MAKE) --no-print-directory VARIANT=asan all
	@tests/run.sh $(BUILD)/asan $(BUILD)

# The build runs in a new make, after deps: features such as libcamera are
# detected when a Makefile is read, so they must be installed by then.
run: deps-run
	@$(MAKE) --no-print-directory all
	@$(RUN_CMD)

# Each module's bench command runs in turn (output kept in build/bench/bench.log),
# then the summary commands, which may read that log (e.g. FOVs/min next to
# pure inference latency).
bench: all
	@mkdir -p $(B)/bench
	@set -o pipefail; { $(BENCH_CMD); } 2>&1 | tee $(B)/bench/bench.log
	@$(if $(BENCH_SUMMARY_CMD),$(BENCH_SUMMARY_CMD),true)

fuzz:
	@$(FUZZ_CMD)

# Release check (minutes): kill -9, disk full, fuzzers, a long run's memory,
# the watchdog; prints the trust figures. SOAK_KILLS, SOAK_FULLS, SOAK_RUN_S,
# SOAK_FUZZ_S size it (tests/firmware/soak.sh).
soak: all
	@FS_TOP=$(CURDIR) FS_REL_BIN=$(abspath $(B))/bin tests/firmware/soak.sh

clean:
	rm -rf build
