/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SPLIT_V: input cut along a constant axis into parts of the constant
 * size_splits (at most one entry -1: the rest). Inputs are (input,
 * size_splits, axis). Raw copy (see slice_common.h).
 */
#include "split_common.h"

static fsnn_status split_v_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 3, 3, node->num_outputs);
	if (st != FSNN_OK)
		return st;
	if (node->num_outputs < 1)
		return nn_prep_fail(ctx, node, FSNN_E_FORMAT, "has no outputs");
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	const nn_tensor *sz = in ? nn_ku_input_required(ctx, node, 1, "size_splits") : NULL;
	const nn_tensor *axis_t = sz ? nn_ku_input_required(ctx, node, 2, "axis") : NULL;
	if (axis_t == NULL)
		return ctx->err->code;
	int axis = 0;
	if ((st = nn_split_axis(ctx, node, axis_t, in, &axis)) ||
	    (st = nn_slice_const_index(ctx, node, sz, "size_splits", node->num_outputs)))
		return st;
	int64_t known = 0;
	int rest = -1;
	for (int i = 0; i < node->num_outputs; i++) {
		int64_t v = nn_slice_index(sz, (size_t)i);
		if (v == -1 && rest < 0)
			rest = i;
		else if (v < 0 || v > in->dims[axis] - known)
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
					    "size_splits '%s' entry %d is %lld; the sizes must add up to "
					    "dimension %d (%d) of input '%s'", sz->name, i, (long long)v,
					    axis, (int)in->dims[axis], in->name);
		else
			known += v;
	}
	if (rest < 0 && known != in->dims[axis])
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "size_splits '%s' adds up to %lld, dimension %d of input '%s' is %d",
				    sz->name, (long long)known, axis, in->name, (int)in->dims[axis]);
	nn_split_data *d = nn_split_alloc(ctx, node);
	if (d == NULL)
		return ctx->err->code;
	int64_t start = 0;
	for (int i = 0; i < node->num_outputs; i++) {
		int64_t size = i == rest ? in->dims[axis] - known : nn_slice_index(sz, (size_t)i);
		if ((st = nn_split_set(ctx, node, d, in, axis, i, start, size)))
			return st;
		start += size;
	}
	return FSNN_OK;
}

static fsnn_status split_v_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	return nn_split_run(ctx, node, 0);
}

const nn_kernel nn_kernel_split_v = {
	.builtin = NN_OP_SPLIT_V,
	.name = "SPLIT_V",
	.prepare = split_v_prepare,
	.eval = split_v_eval,
};
