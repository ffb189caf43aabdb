/* SPDX-License-Identifier: BSD-3-Clause */
/* The table of CPU kernels, one per builtin op the engine supports. An op
 * missing from this table reads as "unsupported op" at load time. */
#include <stddef.h>

#include "../src/nn_internal.h"

#define NN_KERNELS(X) \
	X(add) X(sub) X(mul) X(conv_2d) X(depthwise_conv_2d) X(transpose_conv) \
	X(fully_connected) X(max_pool_2d) X(average_pool_2d) X(mean) \
	X(concatenation) X(pad) X(padv2) X(reshape) X(squeeze) X(transpose) \
	X(tile) X(resize_bilinear) X(resize_nearest_neighbor) X(depth_to_space) \
	X(space_to_depth) X(quantize) X(dequantize) X(logistic) X(tanh) \
	X(softmax) X(arg_max) X(relu) X(relu6) X(relu_n1_to_1) X(leaky_relu) \
	X(prelu) X(hard_swish) X(strided_slice) X(slice) X(split) X(split_v) \
	X(maximum) X(minimum) X(expand_dims) X(pack) X(unpack)

#define NN_DECLARE(k) extern const nn_kernel nn_kernel_##k;
NN_KERNELS(NN_DECLARE)

#define NN_ENTRY(k) &nn_kernel_##k,
static const nn_kernel *const nn_all_kernels[] = { NN_KERNELS(NN_ENTRY) };

const nn_kernel *nn_kernel_find(int builtin)
{
	for (size_t i = 0; i < sizeof nn_all_kernels / sizeof nn_all_kernels[0]; i++) {
		const nn_kernel *k = nn_all_kernels[i];
		if (k->builtin == builtin)
			return k;
	}
	return NULL;
}
