/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MAX_POOL_2D reference kernel (NHWC; SAME/VALID; fused activation).
 *
 * LiteRT 2.5.3 runs it in XNNPACK for float32 and per-tensor int8/uint8:
 * the maximum over the taps inside the input (padding never wins), then a
 * clamp to the activation range quantised as lrintf(bound / scale + zp).
 * Input and output share their quantisation (TFLite requires it).
 */
#include "pool_common.h"

static fsnn_status max_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	pool_data *d = NULL;
	fsnn_status st = pool_prepare_common(ctx, node, NN_ROUND_HALF_EVEN, &d);
	if (st != FSNN_OK)
		return st;
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
