/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LEAKY_RELU: x >= 0 ? x : alpha * x.
 *
 * Oracle behaviour (LiteRT 2.5.3): the XNNPACK delegate takes int8/uint8
 * LEAKY_RELU when alpha is normal and the scales fit (in_s/out_s in
 * [1/256, 128], |in_s/out_s * alpha| in [1/256, 128]); XNNPACK then uses
 * 8-bit fixed-point multipliers lrintf(256 * scale) and
 * (bias + (q - in_zp) * mul) >> 8 with bias = out_zp * 256 + 128.
 * Otherwise TFLite's builtin kernel runs: two QuantizeMultiplier
 * multipliers (identity and alpha). Both are reproduced for every input
 * byte in prepare; eval is a table lookup.
 */
#include <math.h>

#include "../common/kernel_util.h"

typedef struct leaky_relu_data {
	float alpha;
	uint8_t lut[256];   /* 8-bit: indexed by the raw input byte */
} leaky_relu_data;

/* Whether the XNNPACK delegate would take this node (xnnpack_delegate.cc). */
static bool xnnpack_takes(float alpha, float pos, float neg)
{
	if (!isnormal(alpha))
		return false;
	if (pos < 1.0f / 256.0f || pos > 128.0f)
		return false;
	return !(neg < -127.99609375f || neg > 128.0f || fabsf(neg) < 1.0f / 256.0f);
}

static fsnn_status leaky_relu_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	const nn_tensor *in, *out;
	fsnn_status st = nn_ku_unary_prepare(ctx, node, &in, &out);
	if (st != FSNN_OK)
		return st;
	leaky_relu_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return ctx->err->code;
	/* LeakyReluOptions.alpha is field 0, default 0. */
	d->alpha = nn_fb_f32(&node->options, 0, 0.0f);
	node->op_data = d;
	node->macs = in->elems;
	if (in->type == FSNN_FLOAT32)
		return FSNN_OK;
	if ((st = nn_ku_check_quant(ctx, node, in, "input", -1)) ||
	    (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
		return st;
	int32_t qmin, qmax;
	nn_dtype_range(in->type, &qmin, &qmax);
	int32_t in_zp = in->zero_point[0], out_zp = out->zero_point[0];
	float pos = in->scale[0] / out->scale[0];
	float neg = pos * d->alpha;
	if (xnnpack_takes(d->alpha, pos, neg)) {
		int32_t pos_mul = (int32_t)lrintf(256.0f * pos);
		int32_t neg_mul = (int32_t)lrintf(256.0f * neg);
		int32_t bias = out_zp * 256 + 0x80;
		for (int32_t q = qmin; q <= qmax; q++) {
			int32_t x = q - in_zp;
			int32_t v = (bias + x * (x < 0 ? neg_mul : pos_mul)) >> 8;
			d->lut[(uint8_t)q] = (uint8_t)nn_clamp_i32(v, qmin, qmax);
		}
		return FSNN_OK;
	}
	/* TFLite LeakyReluPrepare: both quotients in float32. */
	nn_qmul id = nn_quantize_multiplier((double)(in->scale[0] / out->scale[0]));
	nn_qmul al = nn_quantize_multiplier((double)(in->scale[0] * d->alpha / out->scale[0]));
	for (int32_t q = qmin; q <= qmax; q++) {
		int32_t x = q - in_zp;
		/* 64-bit sum: extreme scale ratios make the product near INT32_MAX. */
		int64_t v = (int64_t)out_zp + nn_mul_by_qmul(x, x >= 0 ? id : al);
		d->lut[(uint8_t)q] = (uint8_t)(v < qmin ? qmin : (v > qmax ? qmax : v));
	}
	return FSNN_OK;
}

static fsnn_status leaky_relu_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const nn_tensor *in = nn_tensor_of(ctx, node->inputs[0]);
	const leaky_relu_data *d = node->op_data;
	size_t n = in->elems;
	if (in->type == FSNN_FLOAT32) {
		const float *x = nn_in_data(ctx, node, 0);
		float *y = nn_out_data(ctx, node, 0);
		for (size_t i = 0; i < n; i++)
			y[i] = x[i] < 0.0f ? x[i] * d->alpha : x[i];
		return FSNN_OK;
	}
	nn_ku_lut8_apply(ctx, node, d->lut);
	return FSNN_OK;
}

const nn_kernel nn_kernel_leaky_relu = {
	.builtin = NN_OP_LEAKY_RELU,
	.name = "LEAKY_RELU",
	.prepare = leaky_relu_prepare,
	.eval = leaky_relu_eval,
};
