/* SPDX-License-Identifier: BSD-3-Clause */
/* UNPACK: the packed input cut into num tensors along an axis, which each
 * output loses (see pack_common.h). */
#include "pack_common.h"

static fsnn_status unpack_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 1, 1, node->num_outputs);
	if (st != FSNN_OK)
		return st;
	if (node->num_outputs < 1)
		return nn_prep_fail(ctx, node, FSNN_E_FORMAT, "has no outputs");
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	if (in == NULL)
		return ctx->err->code;
	const nn_tensor *first = nn_output(ctx, node, 0);
	for (int i = 0; i < node->num_outputs; i++) {
		char role[32];
		snprintf(role, sizeof role, "output %d", i);
		const nn_tensor *t = nn_output(ctx, node, i);
		if ((st = nn_slice_same_q(ctx, node, in, t, role)))
			return st;
		if (!nn_ku_same_shape(t, first))
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "%s '%s' differs in shape from "
					    "output 0 '%s'", role, t->name, first->name);
	}
	return nn_pack_prepare(ctx, node, first, in, node->num_outputs, false);
}

static fsnn_status unpack_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const nn_pack_data *d = node->op_data;
	const uint8_t *in = nn_in_data(ctx, node, 0);
	for (size_t o = 0; o < d->outer; o++)
		for (int i = 0; i < d->n; i++) {
			uint8_t *out = nn_out_data(ctx, node, i);
			memcpy(out + o * d->inner_bytes, in, d->inner_bytes);
			in += d->inner_bytes;
		}
	return FSNN_OK;
}

const nn_kernel nn_kernel_unpack = {
	.builtin = NN_OP_UNPACK,
	.name = "UNPACK",
	.prepare = unpack_prepare,
	.eval = unpack_eval,
};
