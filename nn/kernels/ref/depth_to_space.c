/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DEPTH_TO_SPACE (NHWC, TensorFlow's DCR order): out[n, h*b + i, w*b + j, c]
 * = in[n, h, w, (i*b + j)*C_out + c]. A byte permutation, so any runtime
 * gives the same bits; computed as a 6-D transpose.
 */
#include "strided_copy.h"

static fsnn_status depth_to_space_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	const nn_tensor *in = NULL;
	int32_t b = 0;
	fsnn_status st = nn_sc_block_prepare(ctx, node, &in, &b);
	if (st != FSNN_OK)
		return st;
	int32_t n = in->dims[0], h = in->dims[1], w = in->dims[2], c = in->dims[3];
	if (b < 1 || (int64_t)b * b > c || c % ((int64_t)b * b) != 0)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "block_size %d does not divide the %d channels of input '%s' into b*b groups",
				    (int)b, (int)c, in->name);
	int32_t co = c / (b * b);
	int32_t out_dims[4] = { n, h * b, w * b, co };
	if ((st = nn_check_output_shape(ctx, node, 0, 4, out_dims)))
		return st;
	/* Output walk (n, h, i, w, j, c) over the input viewed as (n, h, w, i, j, c). */
	int64_t dims[6] = { n, h, b, w, b, co };
	int64_t stride[6] = { (int64_t)h * w * c, (int64_t)w * c, (int64_t)b * co, c, co, 1 };
	return nn_sc_prepare(ctx, node, 6, dims, stride, fsnn_dtype_size(in->type));
}

const nn_kernel nn_kernel_depth_to_space = {
	.builtin = NN_OP_DEPTH_TO_SPACE,
	.name = "DEPTH_TO_SPACE",
	.prepare = depth_to_space_prepare,
	.eval = nn_sc_eval,
};
