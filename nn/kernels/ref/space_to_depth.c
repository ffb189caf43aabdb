/*
 * SPACE_TO_DEPTH (NHWC): out[n, h, w, (i*b + j)*C + c] = in[n, h*b + i,
 * w*b + j, c]. A byte permutation, so any runtime gives the same bits;
 * computed as a 6-D transpose.
 */
#include "strided_copy.h"

static fsnn_status space_to_depth_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 1, 1, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	if (in == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, in, "input", FSNN_FLOAT32, FSNN_INT8, FSNN_UINT8,
				FSNN_INT32, FSNN_INT64, -1)) ||
	    (st = nn_check_type(ctx, node, out, "output", in->type, -1)) ||
	    (st = nn_ku_check_rank(ctx, node, in, "input", 4)))
		return st;
	/* SpaceToDepthOptions.block_size is field 0. */
	int32_t b = nn_fb_i32(&node->options, 0, 0);
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
	nn_strided_copy *sc = nn_persistent_alloc(ctx, sizeof *sc);
	if (sc == NULL)
		return ctx->err->code;
	nn_sc_init(sc, 6, dims, stride, fsnn_dtype_size(in->type));
	node->op_data = sc;
	return FSNN_OK;
}

static fsnn_status space_to_depth_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	nn_sc_run(node->op_data, nn_in_data(ctx, node, 0), nn_out_data(ctx, node, 0));
	return FSNN_OK;
}

const nn_kernel nn_kernel_space_to_depth = {
	.builtin = NN_OP_SPACE_TO_DEPTH,
	.name = "SPACE_TO_DEPTH",
	.prepare = space_to_depth_prepare,
	.eval = space_to_depth_eval,
};
