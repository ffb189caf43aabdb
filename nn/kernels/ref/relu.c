/* SPDX-License-Identifier: BSD-3-Clause */
/* RELU: clamp to [0.0f, INFINITY]; arithmetic and oracle notes in relu_family.h. */
#include "relu_family.h"

static fsnn_status relu_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	return relu_family_prepare(ctx, node, 0.0f, INFINITY);
}

const nn_kernel nn_kernel_relu = {
	.builtin = NN_OP_RELU,
	.name = "RELU",
	.prepare = relu_prepare,
	.eval = relu_family_eval,
};
