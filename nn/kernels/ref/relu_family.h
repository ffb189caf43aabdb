/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared body of RELU, RELU6 and RELU_N1_TO_1 (private to those three
 * files; each defines its own kernel).
 *
 * Oracle behaviour (LiteRT 2.5.3): the XNNPACK delegate takes these ops
 * for float32 only, so int8/uint8 run TFLite's builtin ReluX: requantise
 * (q - in_zp) with QuantizeMultiplier(float(in_s / out_s)) and the
 * double-rounding MultiplyByQuantizedMultiplier, add out_zp, clamp to
 * [max(qmin, out_zp + roundf(lo / out_s)), min(qmax, out_zp + roundf(hi /
 * out_s))] (roundf: half away from zero). Precomputed as a 256-entry table.
 */
#ifndef NN_RELU_FAMILY_H
#define NN_RELU_FAMILY_H

#include <math.h>

#include "../common/kernel_util.h"

typedef struct relu_data {
	float lo, hi;        /* float32 clamp */
	uint8_t lut[256];    /* 8-bit: indexed by the raw input byte */
} relu_data;

static fsnn_status relu_family_prepare(nn_prepare_ctx *ctx, nn_node *node, float lo, float hi)
{
	const nn_tensor *in, *out;
	fsnn_status st = nn_ku_unary_prepare(ctx, node, &in, &out);
	if (st != FSNN_OK)
		return st;
	relu_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return ctx->err->code;
	d->lo = lo;
	d->hi = hi;
	node->op_data = d;
	node->macs = in->elems;
	if (in->type == FSNN_FLOAT32)
		return FSNN_OK;
	if ((st = nn_ku_check_quant(ctx, node, in, "input", -1)) ||
	    (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
		return st;
	int32_t qmin, qmax;
	nn_dtype_range(in->type, &qmin, &qmax);
	float out_s = out->scale[0];
	int32_t in_zp = in->zero_point[0], out_zp = out->zero_point[0];
	/* Clamp in float before converting: a tiny scale from a hostile file
	 * would otherwise overflow the int conversion (undefined behaviour). */
	float fmin = (float)out_zp + roundf(lo / out_s);
	float fmax = isinf(hi) ? (float)qmax : (float)out_zp + roundf(hi / out_s);
	int32_t act_min = fmin < (float)qmin ? qmin : (fmin > (float)qmax ? qmax : (int32_t)fmin);
	int32_t act_max = fmax > (float)qmax ? qmax : (fmax < (float)qmin ? qmin : (int32_t)fmax);
	/* The multiplier is computed from a float32 quotient, as TFLite does. */
	nn_qmul m = nn_quantize_multiplier((double)(in->scale[0] / out_s));
	for (int32_t q = qmin; q <= qmax; q++) {
		/* 64-bit sum: extreme scale ratios make the product near INT32_MAX. */
		int64_t v = (int64_t)out_zp + nn_mul_by_qmul(q - in_zp, m);
		v = v < act_min ? act_min : v;
		v = v > act_max ? act_max : v;
		d->lut[(uint8_t)q] = (uint8_t)v;
	}
	return FSNN_OK;
}

static fsnn_status relu_family_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const nn_tensor *in = nn_tensor_of(ctx, node->inputs[0]);
	const relu_data *d = node->op_data;
	size_t n = in->elems;
	if (in->type == FSNN_FLOAT32) {
		const float *x = nn_in_data(ctx, node, 0);
		float *y = nn_out_data(ctx, node, 0);
		for (size_t i = 0; i < n; i++) {
			float v = x[i] < d->lo ? d->lo : x[i];
			y[i] = v > d->hi ? d->hi : v;
		}
		return FSNN_OK;
	}
	nn_ku_lut8_apply(ctx, node, d->lut);
	return FSNN_OK;
}

#endif /* NN_RELU_FAMILY_H */
