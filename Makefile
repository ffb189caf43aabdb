# fieldscope — top-level build. Non-recursive: each module adds to the
# variables below from its own module.mk so parallel work does not collide.
#
#   make            build release binaries into build/bin
#   make test       deps + release and ASan/UBSan builds + all tests
#   make run        deps + build + run the firmware on the simulated board
#   make bench      benchmarks (speed targets are checked here, never in tests)
#   make fuzz       long libFuzzer run of the model reader
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
CFLAGS_ALL  = $(CSTD) $(WARN) $(VFLAGS) $(INCLUDES) -MMD -MP $(MODULE_CFLAGS)
CXXFLAGS_ALL = -std=c++17 -Wall -Wextra -Werror $(VFLAGS) $(INCLUDES) -MMD -MP $(MODULE_CXXFLAGS)
LDLIBS_ALL  = $(MODULE_LDLIBS) -lpng -lm -lpthread

# Filled in by module.mk files.
LIBS          :=     # names of static libraries, e.g. fsnn
BINS          :=     # names of programs in $(B)/bin
MODULE_CFLAGS :=
MODULE_CXXFLAGS :=
MODULE_LDLIBS :=
# DEPS_PACKAGES: to build and run (make run); DEPS_TEST_PACKAGES: added by
# make test (compilers for the fuzz test, Python, QEMU, PyTorch, ...).
DEPS_PACKAGES := build-essential pkg-config libpng-dev
DEPS_TEST_PACKAGES := clang libclang-rt-14-dev python3 python3-numpy python3-flatbuffers

-include nn/module.mk
-include nn/fuzz/module.mk
-include drivers/module.mk
-include firmware/module.mk
-include board/module.mk
-include tools/module.mk
-include tools/cross/module.mk
-include tests/module.mk
-include tools/image/module.mk

# ---- generic rules --------------------------------------------------------
# lib_<name>_SRCS lists the sources of static library <name>.
define LIB_template
$(1)_OBJS := $$(patsubst %,$(B)/obj/%.o,$$(lib_$(1)_SRCS))
$(B)/lib/lib$(1).a: $$($(1)_OBJS)
	@mkdir -p $$(@D)
	$$(AR) rcs $$@ $$^
ALL_OBJS += $$($(1)_OBJS)
endef
$(foreach l,$(LIBS),$(eval $(call LIB_template,$(l))))

# Libraries are linked as one group, so their order does not matter.
LINK_LIBS = $(foreach l,$(LIBS),$(B)/lib/lib$(l).a)

# bin_<name>_SRCS lists the sources of program <name>.
define BIN_template
$(1)_BOBJS := $$(patsubst %,$(B)/obj/%.o,$$(bin_$(1)_SRCS))
$(B)/bin/$(1): $$($(1)_BOBJS) $$(LINK_LIBS)
	@mkdir -p $$(@D)
	$$(CXX) $$(VLDFLAGS) -o $$@ $$($(1)_BOBJS) -Wl,--start-group $$(LINK_LIBS) -Wl,--end-group $$(LDLIBS_ALL)
ALL_OBJS += $$($(1)_BOBJS)
endef
$(foreach p,$(BINS),$(eval $(call BIN_template,$(p))))

# Every tests/<module>/test_*.c is one test program linked with all libraries.
TEST_SRCS := $(wildcard tests/*/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRCS))
$(B)/tests/%: $(B)/obj/tests/%.c.o $(LINK_LIBS)
	@mkdir -p $(@D)
	$(CXX) $(VLDFLAGS) -o $@ $< -Wl,--start-group $(LINK_LIBS) -Wl,--end-group $(LDLIBS_ALL)
ALL_OBJS += $(patsubst %,$(B)/obj/%.o,$(TEST_SRCS))

$(B)/obj/%.c.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests -c -o $@ $<
$(B)/obj/%.cpp.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_ALL) -c -o $@ $<

-include $(ALL_OBJS:.o=.d)
# Objects are rebuilt when the compiler, flags or detected features change.
-include tools/buildsig.mk

# Keep objects of test programs (they are built through a pattern rule).
.SECONDARY:

# ---- user-facing targets --------------------------------------------------
.PHONY: all build build-asan test run bench fuzz deps deps-run clean
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

bench: all
	@$(BENCH_CMD)

fuzz:
	@$(FUZZ_CMD)

clean:
	rm -rf build
