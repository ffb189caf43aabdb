/* SPDX-License-Identifier: BSD-3-Clause */
/* RELU_N1_TO_1: clamp to [-1.0f, 1.0f]; arithmetic and oracle notes in relu_family.h. */
#include "relu_family.h"

static fsnn_status relu_n1_to_1_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	return relu_family_prepare(ctx, node, -1.0f, 1.0f);
}

const nn_kernel nn_kernel_relu_n1_to_1 = {
	.builtin = NN_OP_RELU_N1_TO_1,
	.name = "RELU_N1_TO_1",
	.prepare = relu_n1_to_1_prepare,
	.eval = relu_family_eval,
};
