/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SPACE_TO_DEPTH (NHWC): out[n, h, w, (i*b + j)*C + c] = in[n, h*b + i,
 * w*b + j, c]. A byte permutation, so any runtime gives the same bits;
 * computed as a 6-D transpose.
 */
#include "strided_copy.h"

static fsnn_status space_to_depth_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	const nn_tensor *in = NULL;
	int32_t b = 0;
	fsnn_status st = nn_sc_block_prepare(ctx, node, &in, &b);
	if (st != FSNN_OK)
		return st;
	int32_t n = in->dims[0], h = in->dims[1], w = in->dims[2], c = in->dims[3];
	if (b < 1 || b > h || b > w || h % b != 0 || w % b != 0)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "block_size %d does not divide the %dx%d plane of input '%s'",
				    (int)b, (int)h, (int)w, in->name);
	int32_t ho = h / b, wo = w / b;
	int32_t out_dims[4] = { n, ho, wo, c * b * b };
	if ((st = nn_check_output_shape(ctx, node, 0, 4, out_dims)))
		return st;
	/* Output walk (n, ho, wo, i, j, c) over the input viewed as (n, ho, i, wo, j, c). */
	int64_t dims[6] = { n, ho, wo, b, b, c };
	int64_t stride[6] = { (int64_t)h * w * c, (int64_t)b * w * c, (int64_t)b * c,
			      (int64_t)w * c, c, 1 };
	return nn_sc_prepare(ctx, node, 6, dims, stride, fsnn_dtype_size(in->type));
}

const nn_kernel nn_kernel_space_to_depth = {
	.builtin = NN_OP_SPACE_TO_DEPTH,
	.name = "SPACE_TO_DEPTH",
	.prepare = space_to_depth_prepare,
	.eval = nn_sc_eval,
};
