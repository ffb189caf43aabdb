/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EXPAND_DIMS: inserts a 1 at a constant axis (negative axes count from
 * the end of the output shape). Like RESHAPE the output shares the input's
 * storage (aliases_input); eval copies only when the planner could not
 * alias. Raw bytes either way, as LiteRT (XNNPACK reshape or the builtin
 * copy) gives.
 */
#include "slice_common.h"

static fsnn_status expand_dims_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 2, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	const nn_tensor *axis_t = in ? nn_ku_input_required(ctx, node, 1, "axis") : NULL;
	if (axis_t == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_slice_same_q(ctx, node, in, out, "output")) ||
	    (st = nn_slice_const_index(ctx, node, axis_t, "axis", 1)))
		return st;
	if (in->rank >= FSNN_MAX_RANK)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "input '%s' has rank %d; the output would exceed rank %d",
				    in->name, in->rank, FSNN_MAX_RANK);
	int64_t axis = nn_slice_index(axis_t, 0);
	if (axis < -(int64_t)in->rank - 1 || axis > in->rank)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "axis %lld is outside [%d, %d] for input '%s' of rank %d",
				    (long long)axis, -in->rank - 1, in->rank, in->name, in->rank);
	if (axis < 0)
		axis += in->rank + 1;
	int32_t dims[FSNN_MAX_RANK];
	for (int d = 0, k = 0; d <= in->rank; d++)
		dims[d] = d == axis ? 1 : in->dims[k++];
	return nn_check_output_shape(ctx, node, 0, in->rank + 1, dims);
}

const nn_kernel nn_kernel_expand_dims = {
	.builtin = NN_OP_EXPAND_DIMS,
	.name = "EXPAND_DIMS",
	.prepare = expand_dims_prepare,
	.eval = nn_ku_alias_eval,
	.aliases_input = true,
};
