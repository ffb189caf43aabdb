/*
 * MAX_POOL_2D reference kernel (NHWC; SAME/VALID; fused activation).
 *
 * LiteRT 2.5.3 runs it in XNNPACK for float32 and per-tensor int8/uint8:
 * the maximum over the taps inside the input (padding never wins), then a
 * clamp to the activation range quantised as lrintf(bound / scale + zp).
 * Input and output share their quantisation (TFLite requires it).
 */
#include "kernel_util.h"

typedef struct pool_data {
	fsnn_dtype type;
	int32_t stride_h, stride_w, fh, fw, pad_top, pad_left;
	int32_t qmin, qmax;
	float fmin, fmax;
} pool_data;

static fsnn_status max_prepare(nn_prepare_ctx *ctx, nn_node *node)
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
		if (nn_q_scale(in, 0) != nn_q_scale(out, 0) || nn_q_zp(in, 0) != nn_q_zp(out, 0))
			return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
					    "output '%s' quantisation (%g, %d) differs from input '%s' (%g, %d); "
					    "expected the same scale and zero point", out->name,
					    (double)nn_q_scale(out, 0), nn_q_zp(out, 0), in->name,
					    (double)nn_q_scale(in, 0), nn_q_zp(in, 0));
		if ((st = nn_ku_activation_q(ctx, node, act, out, NN_ROUND_HALF_EVEN, &d->qmin, &d->qmax)))
			return st;
	}
	node->op_data = d;
	node->macs = 0;
	return FSNN_OK;
}

static fsnn_status max_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	const pool_data *d = node->op_data;
	const nn_tensor *in = nn_tensor_of(ec, node->inputs[0]);
	const nn_tensor *out = nn_tensor_of(ec, node->outputs[0]);
	const int32_t n = in->dims[0], ih = in->dims[1], iw = in->dims[2], c = in->dims[3];
	const int32_t oh = out->dims[1], ow = out->dims[2];
	const void *x = nn_in_data(ec, node, 0);
	void *y = nn_out_data(ec, node, 0);

	for (int32_t b = 0; b < n; b++)
	for (int32_t oy = 0; oy < oh; oy++)
	for (int32_t ox = 0; ox < ow; ox++) {
		const int32_t iy0 = oy * d->stride_h - d->pad_top;
		const int32_t ix0 = ox * d->stride_w - d->pad_left;
		const int32_t y0 = iy0 < 0 ? 0 : iy0, x0 = ix0 < 0 ? 0 : ix0;
		const int32_t y1 = iy0 + d->fh > ih ? ih : iy0 + d->fh;
		const int32_t x1 = ix0 + d->fw > iw ? iw : ix0 + d->fw;
		const size_t opix = (((size_t)b * oh + oy) * ow + ox) * c;
		for (int32_t ch = 0; ch < c; ch++) {
			if (d->type == FSNN_FLOAT32) {
				float m = -__builtin_inff();
				for (int32_t iy = y0; iy < y1; iy++)
					for (int32_t ix = x0; ix < x1; ix++) {
						float v = ((const float *)x)[(((size_t)b * ih + iy) * iw + ix) * c + ch];
						m = v > m ? v : m;
					}
				m = m < d->fmin ? d->fmin : (m > d->fmax ? d->fmax : m);
				((float *)y)[opix + ch] = m;
				continue;
			}
			int32_t m = INT32_MIN;
			for (int32_t iy = y0; iy < y1; iy++)
				for (int32_t ix = x0; ix < x1; ix++) {
					size_t i = (((size_t)b * ih + iy) * iw + ix) * c + ch;
					int32_t v = d->type == FSNN_UINT8 ? (int32_t)((const uint8_t *)x)[i]
									  : (int32_t)((const int8_t *)x)[i];
					m = v > m ? v : m;
				}
			m = nn_clamp_i32(m, d->qmin, d->qmax);
			if (d->type == FSNN_UINT8)
				((uint8_t *)y)[opix + ch] = (uint8_t)m;
			else
				((int8_t *)y)[opix + ch] = (int8_t)m;
		}
	}
	return FSNN_OK;
}

const nn_kernel nn_kernel_max_pool_2d = {
	.builtin = NN_OP_MAX_POOL_2D,
	.name = "MAX_POOL_2D",
	.prepare = max_prepare,
	.eval = max_eval,
};
