/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SOFTMAX over the last dimension, with beta.
 *
 * Oracle behaviour (LiteRT 2.5.3): XNNPACK takes float32 only, so 8-bit
 * SOFTMAX runs TFLite's builtin optimized kernel: a 256-entry float table
 * t[255 - v] = expf(-in_scale * beta * v); per row, sum t at (max - q) in
 * float32 order, inv = 1 / (sum * out_scale), out = round(t * inv) + zp
 * (int8: std::round, half away from zero; uint8: (int)(x + 0.5f) as on
 * non-aarch64 builds), clamped. Output scale must be 1/256 with zero point
 * -128 (int8) or 0 (uint8), as TFLite requires.
 */
#include <math.h>

#include "../common/kernel_util.h"

typedef struct softmax_data {
	float beta;
	float out_scale;
	int32_t out_zp;
	size_t rows, row_len;
	float table[256];   /* table[255 - d] = exp(-in_scale * beta * d) */
} softmax_data;

static fsnn_status softmax_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	const nn_tensor *in, *out;
	fsnn_status st = nn_ku_unary_prepare(ctx, node, &in, &out);
	if (st != FSNN_OK)
		return st;
	if (in->rank < 1)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "input '%s' is a scalar; expected rank >= 1", in->name);
	softmax_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return ctx->err->code;
	d->beta = nn_fb_f32(&node->options, 0, 0.0f);   /* SoftmaxOptions.beta */
	d->row_len = (size_t)in->dims[in->rank - 1];
	d->rows = d->row_len ? in->elems / d->row_len : 0;
	node->op_data = d;
	node->macs = in->elems * 2;
	if (in->type == FSNN_FLOAT32)
		return FSNN_OK;
	if ((st = nn_ku_check_quant(ctx, node, in, "input", -1)) ||
	    (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
		return st;
	int32_t want_zp = out->type == FSNN_INT8 ? -128 : 0;
	if (fabsf(out->scale[0] - 1.0f / 256.0f) > 0.001f / 256.0f || out->zero_point[0] != want_zp)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "output '%s' has scale %g and zero point %d; expected 1/256 and %d",
				    out->name, (double)out->scale[0], (int)out->zero_point[0], (int)want_zp);
	d->out_scale = out->scale[0];
	d->out_zp = out->zero_point[0];
	float scale = -in->scale[0] * d->beta;
	for (int32_t v = 0; v <= 255; v++)
		d->table[255 - v] = expf(scale * (float)v);
	return FSNN_OK;
}

static void softmax_f32(const softmax_data *d, const float *x, float *y)
{
	for (size_t r = 0; r < d->rows; r++, x += d->row_len, y += d->row_len) {
		float max = x[0];
		for (size_t j = 1; j < d->row_len; j++)
			max = x[j] > max ? x[j] : max;
		float sum = 0.0f;
		for (size_t j = 0; j < d->row_len; j++) {
			y[j] = expf((x[j] - max) * d->beta);
			sum += y[j];
		}
		for (size_t j = 0; j < d->row_len; j++)
			y[j] /= sum;
	}
}

static fsnn_status softmax_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const softmax_data *d = node->op_data;
	const nn_tensor *in = nn_tensor_of(ctx, node->inputs[0]);
	if (in->type == FSNN_FLOAT32) {
		softmax_f32(d, nn_in_data(ctx, node, 0), nn_out_data(ctx, node, 0));
		return FSNN_OK;
	}
	const bool s8 = in->type == FSNN_INT8;
	const uint8_t *x = nn_in_data(ctx, node, 0);
	uint8_t *y = nn_out_data(ctx, node, 0);
	const int32_t qmin = s8 ? -128 : 0, qmax = s8 ? 127 : 255;
	for (size_t r = 0; r < d->rows; r++, x += d->row_len, y += d->row_len) {
		int32_t max = qmin;
		for (size_t j = 0; j < d->row_len; j++) {
			int32_t q = s8 ? (int8_t)x[j] : x[j];
			max = q > max ? q : max;
		}
		/* table[255 - (max - q)] = exp(-in_scale * beta * (max - q)) */
		const float *t = &d->table[255 - max];
		float sum = 0.0f;
		for (size_t j = 0; j < d->row_len; j++)
			sum += t[s8 ? (int8_t)x[j] : x[j]];
		const float inv = 1.0f / (sum * d->out_scale);
		for (size_t j = 0; j < d->row_len; j++) {
			float p = t[s8 ? (int8_t)x[j] : x[j]] * inv;
			int32_t q = s8 ? (int32_t)nn_round_away_f(p) : (int32_t)(p + 0.5f);
			y[j] = (uint8_t)nn_clamp_i32(q + d->out_zp, qmin, qmax);
		}
	}
	return FSNN_OK;
}

const nn_kernel nn_kernel_softmax = {
	.builtin = NN_OP_SOFTMAX,
	.name = "SOFTMAX",
	.prepare = softmax_prepare,
	.eval = softmax_eval,
};
