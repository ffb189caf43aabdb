/* SPDX-License-Identifier: BSD-3-Clause */
/* MAXIMUM: elementwise larger value, broadcasting (see minmax_common.h). */
#include "minmax_common.h"

static fsnn_status maximum_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	return minmax_prepare(ctx, node, true);
}

const nn_kernel nn_kernel_maximum = {
	.builtin = NN_OP_MAXIMUM,
	.name = "MAXIMUM",
	.prepare = maximum_prepare,
	.eval = minmax_eval,
};
