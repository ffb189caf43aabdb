/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SPLIT: input cut into num_splits equal parts along a constant axis
 * (negative axes count from the end). Inputs are (axis, input), in that
 * order. Raw copy (see slice_common.h).
 */
#include "split_common.h"

static fsnn_status split_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 2, node->num_outputs);
	if (st != FSNN_OK)
		return st;
	if (node->num_outputs < 1)
		return nn_prep_fail(ctx, node, FSNN_E_FORMAT, "has no outputs");
	const nn_tensor *axis_t = nn_ku_input_required(ctx, node, 0, "axis");
	const nn_tensor *in = axis_t ? nn_ku_input_required(ctx, node, 1, "input") : NULL;
	if (in == NULL)
		return ctx->err->code;
	int axis = 0;
	if ((st = nn_split_axis(ctx, node, axis_t, in, &axis)))
		return st;
	/* SplitOptions: num_splits (field 0). */
	int32_t n = nn_fb_i32(&node->options, 0, node->num_outputs);
	if (n != node->num_outputs || in->dims[axis] % n != 0)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "num_splits %d: expected %d equal parts of dimension %d (%d) of input '%s'",
				    (int)n, node->num_outputs, axis, (int)in->dims[axis], in->name);
	nn_split_data *d = nn_split_alloc(ctx, node);
	if (d == NULL)
		return ctx->err->code;
	int64_t size = in->dims[axis] / n;
	for (int i = 0; i < n; i++)
		if ((st = nn_split_set(ctx, node, d, in, axis, i, i * size, size)))
			return st;
	return FSNN_OK;
}

static fsnn_status split_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	return nn_split_run(ctx, node, 1);
}

const nn_kernel nn_kernel_split = {
	.builtin = NN_OP_SPLIT,
	.name = "SPLIT",
	.prepare = split_prepare,
	.eval = split_eval,
};
