/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SQUEEZE: drops size-1 dims (those in SqueezeOptions.squeeze_dims, or all
 * of them). The output shares the input's storage (aliases_input); eval
 * only copies when the planner could not alias.
 */
#include "../common/kernel_util.h"

static fsnn_status squeeze_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 1, 1, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	if (in == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, out, "output", in->type, -1)))
		return st;
	int32_t sq[FSNN_MAX_RANK + 1];
	int n = nn_fb_vec_i32(&node->options, 0, sq, FSNN_MAX_RANK + 1);   /* squeeze_dims */
	if (n < 0 || n > FSNN_MAX_RANK)
		return nn_prep_fail(ctx, node, FSNN_E_FORMAT,
				    "squeeze_dims option is malformed or has more than %d entries", FSNN_MAX_RANK);
	bool drop[FSNN_MAX_RANK] = { false };
	for (int i = 0; i < n; i++) {
		int d = sq[i] < 0 ? sq[i] + in->rank : sq[i];
		if (d < 0 || d >= in->rank || in->dims[d] != 1)
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
					    "squeeze_dims entry %d (%d) is not a size-1 dimension of input '%s' (rank %d)",
					    i, (int)sq[i], in->name, in->rank);
		drop[d] = true;
	}
	int32_t dims[FSNN_MAX_RANK];
	int rank = 0;
	for (int d = 0; d < in->rank; d++)
		if (!(n == 0 ? in->dims[d] == 1 : drop[d]))
			dims[rank++] = in->dims[d];
	return nn_check_output_shape(ctx, node, 0, rank, dims);
}

const nn_kernel nn_kernel_squeeze = {
	.builtin = NN_OP_SQUEEZE,
	.name = "SQUEEZE",
	.prepare = squeeze_prepare,
	.eval = nn_ku_alias_eval,
	.aliases_input = true,
};
