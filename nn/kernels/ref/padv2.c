/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PADV2: constant padding with the scalar constant_values input (its raw
 * value, as TFLite's builtin kernel uses it without requantising), or,
 * when that input is omitted, zero / the output zero point. See
 * pad_common.h.
 */
#include "pad_common.h"

static fsnn_status padv2_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 3, 1);
	pad_data *d = NULL;
	if (st != FSNN_OK || (st = pad_prepare_common(ctx, node, &d)) != FSNN_OK)
		return st;
	const nn_tensor *out = nn_output(ctx, node, 0);
	const nn_tensor *cv = nn_input(ctx, node, 2);
	if (cv == NULL) {
		if (out->type == FSNN_INT8 || out->type == FSNN_UINT8) {
			if ((st = nn_ku_check_quant(ctx, node, out, "output", -1)))
				return st;
			d->value[0] = (uint8_t)out->zero_point[0];
		}
		return FSNN_OK;
	}
	if ((st = nn_check_type(ctx, node, cv, "constant_values", out->type, -1)))
		return st;
	if (cv->elems != 1)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "constant_values '%s' has %zu elements; expected one", cv->name, cv->elems);
	if (cv->data == NULL)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "constant_values '%s' is computed at run time; expected a constant tensor",
				    cv->name);
	memcpy(d->value, cv->data, d->elem_size);
	return FSNN_OK;
}

const nn_kernel nn_kernel_padv2 = {
	.builtin = NN_OP_PADV2,
	.name = "PADV2",
	.prepare = padv2_prepare,
	.eval = pad_eval,
};
