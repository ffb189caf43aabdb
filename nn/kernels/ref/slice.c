/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SLICE: a box of the input from constant begin with constant size (-1:
 * to the end of that dimension). Raw copy (see slice_common.h).
 */
#include "slice_common.h"

static fsnn_status slice_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 3, 3, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	const nn_tensor *b = in ? nn_ku_input_required(ctx, node, 1, "begin") : NULL;
	const nn_tensor *sz = b ? nn_ku_input_required(ctx, node, 2, "size") : NULL;
	if (sz == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_slice_same_q(ctx, node, in, out, "output")) ||
	    (st = nn_slice_const_index(ctx, node, b, "begin", in->rank)) ||
	    (st = nn_slice_const_index(ctx, node, sz, "size", in->rank)))
		return st;
	int64_t in_stride[FSNN_MAX_RANK], walk[FSNN_MAX_RANK];
	int32_t dims[FSNN_MAX_RANK];
	int64_t offset = 0;
	nn_slice_strides(in, in_stride);
	for (int a = 0; a < in->rank; a++) {
		int64_t n = in->dims[a], begin = nn_slice_index(b, (size_t)a);
		int64_t size = nn_slice_index(sz, (size_t)a);
		if (begin >= 0 && begin <= n && size == -1)
			size = n - begin;
		if (begin < 0 || begin > n || size < 0 || size > n - begin)
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
					    "begin %lld, size %lld in dimension %d: outside input '%s' (%d)",
					    (long long)begin, (long long)nn_slice_index(sz, (size_t)a), a,
					    in->name, (int)n);
		dims[a] = (int32_t)size;
		walk[a] = size;
		offset += begin * in_stride[a];
	}
	if ((st = nn_check_output_shape(ctx, node, 0, in->rank, dims)))
		return st;
	nn_slice_walk *w = nn_persistent_alloc(ctx, sizeof *w);
	if (w == NULL)
		return ctx->err->code;
	nn_slice_walk_init(w, in->rank, walk, in_stride, out->elems ? offset : 0,
			   fsnn_dtype_size(in->type));
	node->op_data = w;
	return FSNN_OK;
}

static fsnn_status slice_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	nn_slice_run(node->op_data, nn_in_data(ctx, node, 0), nn_out_data(ctx, node, 0));
	return FSNN_OK;
}

const nn_kernel nn_kernel_slice = {
	.builtin = NN_OP_SLICE,
	.name = "SLICE",
	.prepare = slice_prepare,
	.eval = slice_eval,
};
