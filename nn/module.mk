# nn/: the inference engine (libfsnn.a) and its command-line tool fsnn.
LIBS += fsnn
lib_fsnn_SRCS := $(wildcard nn/src/*.c) $(wildcard nn/kernels/*/*.c) $(wildcard nn/kernels/*.c)
BINS += fsnn
bin_fsnn_SRCS := $(wildcard nn/cli/*.c)

# The kernel table refers to kernels weakly (so a missing one reads as
# "unsupported op"), and a weak reference does not pull an object out of a
# static library. -u makes the linker pull each kernel that is defined
# (only those: -u on an absent one would turn the weak reference strong).
NN_KERNELS_DEFINED := $(sort $(shell grep -ho 'const nn_kernel nn_kernel_[a-z0-9_]*' \
	$(wildcard nn/kernels/*/*.c) /dev/null | sed 's/.* //'))
MODULE_LDLIBS += $(foreach k,$(NN_KERNELS_DEFINED),-Wl,-u,$(k))
