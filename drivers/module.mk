# drivers/: hardware and I/O backends (libfsdrivers.a), the fsprobe
# bring-up tool and the VM test tier (make test-vm).
LIBS += fsdrivers
lib_fsdrivers_SRCS := $(filter-out drivers/probe/%,$(wildcard drivers/*/*.c))

# libgpiod 1.6 (Debian 12 / Raspberry Pi OS bookworm).
MODULE_CFLAGS  += $(shell $(PKG_CONFIG) --cflags libgpiod 2>/dev/null)
MODULE_LDLIBS  += $(shell $(PKG_CONFIG) --libs libgpiod 2>/dev/null || echo -lgpiod)

# libcamera through the C++ shim, when its pkg-config entry is there. The
# shim reads libcamera/version.h to pick the API spelling of that release.
FS_LIBCAMERA_VERSION := $(shell $(PKG_CONFIG) --modversion libcamera 2>/dev/null)
ifneq ($(FS_LIBCAMERA_VERSION),)
  lib_fsdrivers_SRCS += $(wildcard drivers/camera/libcamera/*.cpp)
  MODULE_CFLAGS   += -DFS_HAVE_LIBCAMERA
  MODULE_CXXFLAGS += $(shell $(PKG_CONFIG) --cflags libcamera) -Idrivers/camera/libcamera
  MODULE_LDLIBS   += $(shell $(PKG_CONFIG) --libs libcamera)
endif

DEPS_PACKAGES += libgpiod-dev gpiod libcamera-dev libcamera-ipa

# fsprobe: lists GPIO chips/lines and cameras/formats for board bring-up.
BINS += fsprobe
bin_fsprobe_SRCS := drivers/probe/fsprobe.c

-include tests/vm/module.mk

-include drivers/edgetpu/module.mk
