# drivers/: hardware and I/O backends (libfsdrivers.a).
LIBS += fsdrivers
lib_fsdrivers_SRCS := $(wildcard drivers/*/*.c)
