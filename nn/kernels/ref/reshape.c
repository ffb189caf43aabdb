/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RESHAPE: the output shares the input's storage (aliases_input), so eval
 * only copies when the planner could not alias (e.g. graph input straight
 * to graph output). Prepare checks the new shape: from the constant shape
 * input, else ReshapeOptions.new_shape, else the file's output shape (a
 * shape computed at run time), with one -1 inferred.
 */
#include <string.h>

#include "../common/kernel_util.h"

static fsnn_status reshape_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 1, 2, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	if (in == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	const nn_tensor *shape_t = nn_input(ctx, node, 1);
	if ((st = nn_check_type(ctx, node, out, "output", in->type, -1)))
		return st;
	int64_t shape[FSNN_MAX_RANK];
	int rank;
	const char *from;
	int32_t opt[FSNN_MAX_RANK + 1];
	int nopt = nn_fb_vec_i32(&node->options, 0, opt, FSNN_MAX_RANK + 1);  /* new_shape */
	if (shape_t != NULL && shape_t->data != NULL) {
		if ((st = nn_check_type(ctx, node, shape_t, "shape", FSNN_INT32, FSNN_INT64, -1)))
			return st;
		if (shape_t->rank > 1 || shape_t->elems > FSNN_MAX_RANK)
			return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
					    "shape '%s' has %zu entries (rank %d); expected a vector of at most %d",
					    shape_t->name, shape_t->elems, shape_t->rank, FSNN_MAX_RANK);
		rank = (int)shape_t->elems;
		for (int i = 0; i < rank; i++) {
			if (shape_t->type == FSNN_INT32) {
				int32_t v;
				memcpy(&v, shape_t->data + 4 * (size_t)i, 4);
				shape[i] = v;
			} else {
				memcpy(&shape[i], shape_t->data + 8 * (size_t)i, 8);
			}
		}
		from = "shape input";
	} else if (shape_t == NULL && nopt > 0) {
		if (nopt > FSNN_MAX_RANK)
			return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
					    "new_shape option has %d entries; at most %d are supported",
					    nopt, FSNN_MAX_RANK);
		rank = nopt;
		for (int i = 0; i < rank; i++)
			shape[i] = opt[i];
		from = "new_shape option";
	} else {
		/* Shape computed at run time (or not given): trust the file's
		 * static output shape, checked for element count below. */
		rank = out->rank;
		for (int i = 0; i < rank; i++)
			shape[i] = out->dims[i];
		from = "output shape";
	}
	int infer = -1;
	int64_t known = 1;
	for (int i = 0; i < rank; i++) {
		if (shape[i] == -1 && infer < 0) {
			infer = i;
		} else if (shape[i] < 0 || shape[i] > INT32_MAX) {
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "%s entry %d is %lld; expected >= 0 or one -1",
					    from, i, (long long)shape[i]);
		} else {
			if (shape[i] != 0 && known > ((int64_t)1 << 40) / shape[i])
				return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "%s is too large", from);
			known *= shape[i];
		}
	}
	if (infer >= 0) {
		if (known == 0 || (int64_t)in->elems % known != 0)
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
					    "cannot infer the -1 in the %s: %zu input elements over %lld",
					    from, in->elems, (long long)known);
		shape[infer] = (int64_t)in->elems / known;
		known *= shape[infer];
	}
	if (known != (int64_t)in->elems)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "%s has %lld elements, input '%s' has %zu",
				    from, (long long)known, in->name, in->elems);
	int32_t dims[FSNN_MAX_RANK];
	for (int i = 0; i < rank; i++)
		dims[i] = (int32_t)shape[i];
	return nn_check_output_shape(ctx, node, 0, rank, dims);
}

const nn_kernel nn_kernel_reshape = {
	.builtin = NN_OP_RESHAPE,
	.name = "RESHAPE",
	.prepare = reshape_prepare,
	.eval = nn_ku_alias_eval,
	.aliases_input = true,
};
