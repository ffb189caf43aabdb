# SPDX-License-Identifier: BSD-3-Clause
# tools/buildsig.mk — rebuild objects when what they were compiled with
# changes. Features are detected when the Makefile is read (pkg-config for
# libcamera, libgpiod, ...): when `make deps` installs libcamera-dev after a
# first build, the next make sees -DFS_HAVE_LIBCAMERA and the shim, and
# without this the objects built without it would be kept. The signature
# (compilers, flags, link libraries, library sources) is written to
# $(B)/build-flags.txt only when it differs, and every object depends on it.
FS_BUILD_SIG := $(B)/build-flags.txt
# $(B) itself is left out, so a copy of a build folder stays up to date.
fs_build_sig = $(subst $(B)/,@B@/,$(fs_build_sig_raw))
fs_build_sig_raw := CC=$(CC) CXX=$(CXX) AR=$(AR) | CFLAGS=$(CFLAGS_ALL) | CXXFLAGS=$(CXXFLAGS_ALL) \
  | LIBFLAGS=$(foreach l,$(LIBS),$(l): $(lib_$(l)_CFLAGS) $(lib_$(l)_CXXFLAGS) $(lib_$(l)_LDLIBS)) \
  | SRCS=$(sort $(foreach l,$(LIBS),$(lib_$(l)_SRCS)))
fs_build_sig := $(fs_build_sig)
ifneq ($(fs_build_sig),$(file <$(FS_BUILD_SIG)))
  $(shell mkdir -p $(B))
  $(file >$(FS_BUILD_SIG),$(fs_build_sig))
endif
$(ALL_OBJS): $(FS_BUILD_SIG)
# After `make clean` in the same invocation.
$(FS_BUILD_SIG):
	@mkdir -p $(@D)
	$(file >$@,$(fs_build_sig))
