/* SPDX-License-Identifier: BSD-3-Clause */
/* PACK: values_count tensors of one shape stacked along a new axis
 * (see pack_common.h). */
#include "pack_common.h"

static fsnn_status pack_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 1, 1 << 16, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *first = nn_ku_input_required(ctx, node, 0, "input 0");
	if (first == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_slice_same_q(ctx, node, first, out, "output")))
		return st;
	for (int i = 1; i < node->num_inputs; i++) {
		char role[32];
		snprintf(role, sizeof role, "input %d", i);
		const nn_tensor *t = nn_ku_input_required(ctx, node, i, role);
		if (t == NULL)
			return ctx->err->code;
		if ((st = nn_slice_same_q(ctx, node, first, t, role)))
			return st;
		if (!nn_ku_same_shape(t, first))
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "%s '%s' differs in shape from "
					    "input 0 '%s'", role, t->name, first->name);
	}
	return nn_pack_prepare(ctx, node, first, out, node->num_inputs, true);
}

static fsnn_status pack_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const nn_pack_data *d = node->op_data;
	uint8_t *out = nn_out_data(ctx, node, 0);
	for (size_t o = 0; o < d->outer; o++)
		for (int i = 0; i < d->n; i++) {
			const uint8_t *in = nn_in_data(ctx, node, i);
			memcpy(out, in + o * d->inner_bytes, d->inner_bytes);
			out += d->inner_bytes;
		}
	return FSNN_OK;
}

const nn_kernel nn_kernel_pack = {
	.builtin = NN_OP_PACK,
	.name = "PACK",
	.prepare = pack_prepare,
	.eval = pack_eval,
};
