# drivers/: hardware and I/O backends (libfsdrivers.a), the fsprobe
# bring-up tool and the VM test tier (make test-vm).
LIBS += fsdrivers
lib_fsdrivers_SRCS := $(filter-out drivers/probe/%,$(wildcard drivers/*/*.c))

# libgpiod 1.6 (Debian 12 / Raspberry Pi OS bookworm).
MODULE_CFLAGS  += $(shell $(PKG_CONFIG) --cflags libgpiod 2>/dev/null)
MODULE_LDLIBS  += $(shell $(PKG_CONFIG) --libs libgpiod 2>/dev/null || echo -lgpiod)

DEPS_PACKAGES += libgpiod-dev gpiod
