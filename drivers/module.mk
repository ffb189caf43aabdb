# SPDX-License-Identifier: BSD-3-Clause
# drivers/: hardware and I/O backends, the fsprobe bring-up tool and the VM
# test tier (make test-vm). Two libraries, so that a program that only
# reads PNGs (fsnn) does not link libgpiod or libcamera:
#   libfsimage.a    err/ and image/ (libpng)
#   libfsdrivers.a  leds/ and camera/ (libgpiod, libcamera when present)
LIBS += fsimage fsdrivers
lib_fsimage_SRCS := $(wildcard drivers/err/*.c drivers/image/*.c)
lib_fsimage_LDLIBS := -lpng
lib_fsdrivers_SRCS := $(wildcard drivers/leds/*.c drivers/camera/*.c)
lib_fsdrivers_LIBS := fsimage

# libgpiod 1.6 (Debian 12 / Raspberry Pi OS bookworm), when its pkg-config
# entry is there; without it the gpiod backend is present but says so.
FS_LIBGPIOD_VERSION := $(shell $(PKG_CONFIG) --modversion libgpiod 2>/dev/null)
ifneq ($(FS_LIBGPIOD_VERSION),)
  lib_fsdrivers_CFLAGS += -DFS_HAVE_LIBGPIOD $(shell $(PKG_CONFIG) --cflags libgpiod)
  lib_fsdrivers_LDLIBS += $(shell $(PKG_CONFIG) --libs libgpiod)
endif

# libcamera through the C++ shim, when its pkg-config entry is there. The
# shim reads libcamera/version.h to pick the API spelling of that release.
FS_LIBCAMERA_VERSION := $(shell $(PKG_CONFIG) --modversion libcamera 2>/dev/null)
ifneq ($(FS_LIBCAMERA_VERSION),)
  lib_fsdrivers_SRCS += $(wildcard drivers/camera/libcamera/*.cpp)
  lib_fsdrivers_CFLAGS += -DFS_HAVE_LIBCAMERA
  lib_fsdrivers_CXXFLAGS += $(shell $(PKG_CONFIG) --cflags libcamera) -Idrivers/camera/libcamera
  lib_fsdrivers_LDLIBS += $(shell $(PKG_CONFIG) --libs libcamera)
  lib_fsdrivers_CXX := yes
endif

DEPS_PACKAGES += libgpiod-dev gpiod libcamera-dev libcamera-ipa

# fsprobe: lists GPIO chips/lines and cameras/formats for board bring-up.
BINS += fsprobe
bin_fsprobe_SRCS := $(wildcard drivers/probe/*.c)
bin_fsprobe_LIBS := fsdrivers

tests_image_LIBS := fsimage
tests_drivers_LIBS := fsdrivers

include tests/vm/module.mk

# fsprobe --version names the commit (FW_GIT_COMMIT and its stamp come from
# firmware/module.mk; '=' so it is read after every module.mk).
$(B)/obj/drivers/probe/fsprobe.c.o: $(B)/gen/git_commit
$(B)/obj/drivers/probe/fsprobe.c.o: KERNEL_CFLAGS = -DFSPROBE_GIT='"$(FW_GIT_COMMIT)"'

include drivers/edgetpu/module.mk
