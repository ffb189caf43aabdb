/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TRANSPOSE: out.dims[i] = in.dims[perm[i]], up to 6 dims. A pure byte
 * permutation for every type, so any runtime gives the same bits.
 */
#include <string.h>

#include "strided_copy.h"

static fsnn_status transpose_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 2, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	const nn_tensor *perm_t = in ? nn_ku_input_required(ctx, node, 1, "perm") : NULL;
	if (perm_t == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, out, "output", in->type, -1)) ||
	    (st = nn_check_type(ctx, node, perm_t, "perm", FSNN_INT32, FSNN_INT64, -1)))
		return st;
	if (fsnn_dtype_size(in->type) == 0)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED, "input '%s' has type %s; expected a fixed-size type",
				    in->name, fsnn_dtype_name(in->type));
	if (perm_t->data == NULL)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "perm '%s' is computed at run time; expected a constant tensor", perm_t->name);
	int rank = in->rank;
	if ((size_t)rank != perm_t->elems)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "perm '%s' has %zu entries, input '%s' has rank %d",
				    perm_t->name, perm_t->elems, in->name, rank);
	int64_t perm[FSNN_MAX_RANK];
	bool seen[FSNN_MAX_RANK] = { false };
	for (int i = 0; i < rank; i++) {
		if (perm_t->type == FSNN_INT32) {
			int32_t v;
			memcpy(&v, perm_t->data + 4 * (size_t)i, 4);
			perm[i] = v;
		} else {
			memcpy(&perm[i], perm_t->data + 8 * (size_t)i, 8);
		}
		if (perm[i] < 0)   /* TFLite accepts negative axes */
			perm[i] += rank;
		if (perm[i] < 0 || perm[i] >= rank || seen[perm[i]])
			return nn_prep_fail(ctx, node, FSNN_E_FORMAT,
					    "perm '%s' is not a permutation of 0..%d (entry %d)",
					    perm_t->name, rank - 1, i);
		seen[perm[i]] = true;
	}
	int64_t in_stride[FSNN_MAX_RANK], dims[FSNN_MAX_RANK], walk[FSNN_MAX_RANK];
	int32_t out_dims[FSNN_MAX_RANK];
	int64_t s = 1;
	for (int d = rank - 1; d >= 0; d--) {
		in_stride[d] = s;
		s *= in->dims[d];
	}
	for (int i = 0; i < rank; i++) {
		out_dims[i] = in->dims[perm[i]];
		dims[i] = out_dims[i];
		walk[i] = in_stride[perm[i]];
	}
	if ((st = nn_check_output_shape(ctx, node, 0, rank, out_dims)))
		return st;
	return nn_sc_prepare(ctx, node, rank, dims, walk, fsnn_dtype_size(in->type));
}

const nn_kernel nn_kernel_transpose = {
	.builtin = NN_OP_TRANSPOSE,
	.name = "TRANSPOSE",
	.prepare = transpose_prepare,
	.eval = nn_sc_eval,
};
