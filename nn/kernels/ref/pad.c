/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PAD: constant padding with zero (float) or the output zero point
 * (int8/uint8), as both XNNPACK and TFLite do. See pad_common.h.
 */
#include "pad_common.h"

static fsnn_status pad_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 2, 1);
	pad_data *d = NULL;
	if (st != FSNN_OK || (st = pad_prepare_common(ctx, node, &d)) != FSNN_OK)
		return st;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if (out->type == FSNN_INT8 || out->type == FSNN_UINT8) {
		if ((st = nn_ku_check_quant(ctx, node, out, "output", -1)))
			return st;
		d->value[0] = (uint8_t)out->zero_point[0];
	}
	return FSNN_OK;   /* other types pad with all-zero bytes */
}

const nn_kernel nn_kernel_pad = {
	.builtin = NN_OP_PAD,
	.name = "PAD",
	.prepare = pad_prepare,
	.eval = pad_eval,
};
