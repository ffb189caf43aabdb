/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AVERAGE_POOL_2D reference kernel (NHWC; SAME/VALID; fused activation).
 *
 * In LiteRT 2.5.3 XNNPACK takes only float average pooling, so quantised
 * pools run TFLite's builtin kernel: sum the taps inside the input
 * (padding is not counted), divide by their count rounding half away from
 * zero ((acc +- n/2) / n with C division), clamp to the activation range
 * (zp + round(bound / scale)). Scales are not used: TFLite requires the
 * output to share the input's quantisation. Float divides the sum by the
 * tap count.
 */
#include "pool_common.h"

static fsnn_status avg_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	pool_data *d = NULL;
	fsnn_status st = pool_prepare_common(ctx, node, NN_ROUND_HALF_AWAY, &d);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *out = nn_output(ctx, node, 0);
	node->macs = (uint64_t)out->dims[0] * (uint64_t)out->dims[1] * (uint64_t)out->dims[2] *
		     (uint64_t)out->dims[3] * (uint64_t)d->fh * (uint64_t)d->fw;
	return FSNN_OK;
}

static fsnn_status avg_eval(const nn_eval_ctx *ec, const nn_node *node)
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
		const int32_t count = (y1 - y0) * (x1 - x0);
		const size_t opix = (((size_t)b * oh + oy) * ow + ox) * c;
		for (int32_t ch = 0; ch < c; ch++) {
			if (d->type == FSNN_FLOAT32) {
				float sum = 0.0f;
				for (int32_t iy = y0; iy < y1; iy++)
					for (int32_t ix = x0; ix < x1; ix++)
						sum += ((const float *)x)[(((size_t)b * ih + iy) * iw + ix) * c + ch];
				float v = count > 0 ? sum / (float)count : 0.0f;
				v = v < d->fmin ? d->fmin : (v > d->fmax ? d->fmax : v);
				((float *)y)[opix + ch] = v;
				continue;
			}
			int32_t acc = 0;
			for (int32_t iy = y0; iy < y1; iy++)
				for (int32_t ix = x0; ix < x1; ix++) {
					size_t i = (((size_t)b * ih + iy) * iw + ix) * c + ch;
					acc += d->type == FSNN_UINT8 ? (int32_t)((const uint8_t *)x)[i]
								     : (int32_t)((const int8_t *)x)[i];
				}
			if (count > 0)
				acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
			acc = nn_clamp_i32(acc, d->qmin, d->qmax);
			if (d->type == FSNN_UINT8)
				((uint8_t *)y)[opix + ch] = (uint8_t)acc;
			else
				((int8_t *)y)[opix + ch] = (int8_t)acc;
		}
	}
	return FSNN_OK;
}

const nn_kernel nn_kernel_average_pool_2d = {
	.builtin = NN_OP_AVERAGE_POOL_2D,
	.name = "AVERAGE_POOL_2D",
	.prepare = avg_prepare,
	.eval = avg_eval,
};
