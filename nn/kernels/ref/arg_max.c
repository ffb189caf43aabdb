/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARG_MAX along the axis given by a constant scalar input; output int32 or
 * int64 (ArgMaxOptions.output_type). Ties give the first index, as
 * TFLite's builtin kernel (the oracle's path) compares with strict >.
 * 8-bit inputs compare raw values (same order as the real values).
 */
#include <string.h>

#include "../common/op_data.h"

typedef nn_arg_max_data arg_max_data;

static fsnn_status arg_max_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 2, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	const nn_tensor *ax = in ? nn_ku_input_required(ctx, node, 1, "axis") : NULL;
	if (ax == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, in, "input", FSNN_FLOAT32, FSNN_INT8, FSNN_UINT8, FSNN_INT32, -1)) ||
	    (st = nn_check_type(ctx, node, ax, "axis", FSNN_INT32, FSNN_INT64, -1)))
		return st;
	/* ArgMaxOptions.output_type is field 0 (TensorType, default INT64 as
	 * TFLite reads a missing options table). */
	int out_type = nn_fb_u8(&node->options, 0, FSNN_INT64);
	if (out_type != FSNN_INT32 && out_type != FSNN_INT64)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED, "output_type %d; expected INT32 or INT64", out_type);
	if ((st = nn_check_type(ctx, node, out, "output", out_type, -1)))
		return st;
	if (ax->data == NULL || ax->elems != 1)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "axis '%s' must be a constant tensor with one value", ax->name);
	int64_t axis;
	if (ax->type == FSNN_INT32) {
		int32_t v;
		memcpy(&v, ax->data, 4);
		axis = v;
	} else {
		memcpy(&axis, ax->data, 8);
	}
	if (axis < 0)
		axis += in->rank;
	if (axis < 0 || axis >= in->rank)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "axis %lld is outside input '%s' of rank %d",
				    (long long)axis, in->name, in->rank);
	int32_t dims[FSNN_MAX_RANK];
	int rank = 0;
	for (int d = 0; d < in->rank; d++)
		if (d != axis)
			dims[rank++] = in->dims[d];
	if ((st = nn_check_output_shape(ctx, node, 0, rank, dims)))
		return st;
	arg_max_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return ctx->err->code;
	d->outer = (size_t)nn_dims_product(in->dims, 0, (int)axis);
	d->axis_len = (size_t)in->dims[axis];
	d->inner = (size_t)nn_dims_product(in->dims, (int)axis + 1, in->rank);
	d->in_type = in->type;
	d->out_type = (fsnn_dtype)out_type;
	if (d->axis_len == 0 && in->elems > 0)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "axis %lld of input '%s' is empty",
				    (long long)axis, in->name);
	node->op_data = d;
	node->macs = in->elems;
	return FSNN_OK;
}

static double value_at(const void *p, fsnn_dtype t, size_t i)
{
	switch (t) {
	case FSNN_FLOAT32: return ((const float *)p)[i];
	case FSNN_INT8: return ((const int8_t *)p)[i];
	case FSNN_UINT8: return ((const uint8_t *)p)[i];
	default: return ((const int32_t *)p)[i];
	}
}

static fsnn_status arg_max_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const arg_max_data *d = node->op_data;
	const void *in = nn_in_data(ctx, node, 0);
	void *out = nn_out_data(ctx, node, 0);
	for (size_t o = 0; o < d->outer; o++) {
		for (size_t i = 0; i < d->inner; i++) {
			size_t base = o * d->axis_len * d->inner + i;
			double best = value_at(in, d->in_type, base);
			size_t best_k = 0;
			for (size_t k = 1; k < d->axis_len; k++) {
				double v = value_at(in, d->in_type, base + k * d->inner);
				if (v > best) {
					best = v;
					best_k = k;
				}
			}
			size_t oi = o * d->inner + i;
			if (d->out_type == FSNN_INT32)
				((int32_t *)out)[oi] = (int32_t)best_k;
			else
				((int64_t *)out)[oi] = (int64_t)best_k;
		}
	}
	return FSNN_OK;
}

const nn_kernel nn_kernel_arg_max = {
	.builtin = NN_OP_ARG_MAX,
	.name = "ARG_MAX",
	.prepare = arg_max_prepare,
	.eval = arg_max_eval,
};
