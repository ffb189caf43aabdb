/* SPDX-License-Identifier: BSD-3-Clause */
/* MINIMUM: elementwise smaller value, broadcasting (see minmax_common.h). */
#include "minmax_common.h"

static fsnn_status minimum_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	return minmax_prepare(ctx, node, false);
}

const nn_kernel nn_kernel_minimum = {
	.builtin = NN_OP_MINIMUM,
	.name = "MINIMUM",
	.prepare = minimum_prepare,
	.eval = minmax_eval,
};
