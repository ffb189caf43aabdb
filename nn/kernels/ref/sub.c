/* SPDX-License-Identifier: BSD-3-Clause */
/* SUB: elementwise with broadcasting and fused activation; the arithmetic
 * (and why it is what LiteRT 2.5.3 computes) is in binary_ops.c. */
#include "binary_ops.h"

static fsnn_status sub_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	return nn_binary_prepare(ctx, node, NN_OP_SUB);
}

const nn_kernel nn_kernel_sub = {
	.builtin = NN_OP_SUB,
	.name = "SUB",
	.prepare = sub_prepare,
	.eval = nn_binary_eval,
};
