/* SPDX-License-Identifier: BSD-3-Clause */
/* MUL: elementwise with broadcasting and fused activation; the arithmetic
 * (and why it is what LiteRT 2.5.3 computes) is in binary_ops.c. */
#include "binary_ops.h"

static fsnn_status mul_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	return nn_binary_prepare(ctx, node, NN_OP_MUL);
}

const nn_kernel nn_kernel_mul = {
	.builtin = NN_OP_MUL,
	.name = "MUL",
	.prepare = mul_prepare,
	.eval = nn_binary_eval,
};
