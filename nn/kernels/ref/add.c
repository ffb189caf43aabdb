/* SPDX-License-Identifier: BSD-3-Clause */
/* ADD: elementwise with broadcasting and fused activation; the arithmetic
 * (and why it is what LiteRT 2.5.3 computes) is in binary_ops.c. */
#include "binary_ops.h"

static fsnn_status add_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	return nn_binary_prepare(ctx, node, NN_OP_ADD);
}

const nn_kernel nn_kernel_add = {
	.builtin = NN_OP_ADD,
	.name = "ADD",
	.prepare = add_prepare,
	.eval = nn_binary_eval,
};
