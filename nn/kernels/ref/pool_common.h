/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared prepare of MAX_POOL_2D and AVERAGE_POOL_2D (private to those two
 * files): both read the same Pool2DOptions, produce the same output shape
 * and require the output to share the input's quantisation. They differ
 * only in how the activation range is rounded (XNNPACK for max, TFLite's
 * builtin kernel for quantised average), so the caller passes that in.
 */
#ifndef NN_POOL_COMMON_H
#define NN_POOL_COMMON_H

#include "../common/kernel_util.h"

typedef struct pool_data {
	fsnn_dtype type;
	int32_t stride_h, stride_w, fh, fw, pad_top, pad_left;
	int32_t qmin, qmax;
	float fmin, fmax;
} pool_data;

/* Validates the node and fills *out_d (persistent) and node->op_data; the
 * caller sets node->macs. */
static fsnn_status pool_prepare_common(nn_prepare_ctx *ctx, nn_node *node,
				       enum nn_rounding rounding, pool_data **out_d)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 1, 1, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	if (in == NULL)
		return FSNN_E_FORMAT;
	nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, in, "input", FSNN_INT8, FSNN_UINT8, FSNN_FLOAT32, -1)) ||
	    (st = nn_check_type(ctx, node, out, "output", in->type, -1)) ||
	    (st = nn_ku_check_rank(ctx, node, in, "input", 4)))
		return st;

	const nn_fb_table *o = &node->options;
	int padding = nn_fb_u8(o, 0, NN_PAD_SAME);
	pool_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return FSNN_E_NOMEM;
	d->type = in->type;
	d->stride_w = nn_fb_i32(o, 1, 0);
	d->stride_h = nn_fb_i32(o, 2, 0);
	d->fw = nn_fb_i32(o, 3, 0);
	d->fh = nn_fb_i32(o, 4, 0);
	int act = nn_fb_u8(o, 5, NN_ACT_NONE);

	int32_t oh, ow;
	if (!nn_compute_padding(padding, in->dims[1], d->fh, d->stride_h, 1, &oh, &d->pad_top) ||
	    !nn_compute_padding(padding, in->dims[2], d->fw, d->stride_w, 1, &ow, &d->pad_left))
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "input '%s' %dx%d with filter %dx%d, stride %dx%d, padding %d gives "
				    "no output; expected positive sizes and a filter that fits",
				    in->name, in->dims[1], in->dims[2], d->fh, d->fw, d->stride_h,
				    d->stride_w, padding);
	const int32_t odims[4] = { in->dims[0], oh, ow, in->dims[3] };
	if ((st = nn_check_output_shape(ctx, node, 0, 4, odims)))
		return st;
	if (in->type == FSNN_FLOAT32) {
		if (!nn_activation_range_f32(act, &d->fmin, &d->fmax))
			return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
					    "fused activation %s (%d) is not supported; expected NONE, "
					    "RELU, RELU_N1_TO_1 or RELU6", nn_activation_name(act), act);
	} else {
		if ((st = nn_ku_check_quant(ctx, node, in, "input", -1)) ||
		    (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
			return st;
		/* The loops work on raw values, which needs identical quantisation. */
		if (nn_q_scale(in, 0) != nn_q_scale(out, 0) || nn_q_zp(in, 0) != nn_q_zp(out, 0))
			return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
					    "output '%s' quantisation (%g, %d) differs from input '%s' (%g, %d); "
					    "expected the same scale and zero point", out->name,
					    (double)nn_q_scale(out, 0), nn_q_zp(out, 0), in->name,
					    (double)nn_q_scale(in, 0), nn_q_zp(in, 0));
		if ((st = nn_ku_activation_q(ctx, node, act, out, rounding, &d->qmin, &d->qmax)))
			return st;
	}
	node->op_data = d;
	*out_d = d;
	return FSNN_OK;
}

#endif /* NN_POOL_COMMON_H */
