/* SPDX-License-Identifier: BSD-3-Clause */
/* RELU6: clamp to [0.0f, 6.0f]; arithmetic and oracle notes in relu_family.h. */
#include "relu_family.h"

static fsnn_status relu6_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	return relu_family_prepare(ctx, node, 0.0f, 6.0f);
}

const nn_kernel nn_kernel_relu6 = {
	.builtin = NN_OP_RELU6,
	.name = "RELU6",
	.prepare = relu6_prepare,
	.eval = relu_family_eval,
};
