/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUANTIZE: float32 -> int8/uint8, or requantise int8/uint8 -> int8/uint8.
 *
 * Oracle behaviour (LiteRT 2.5.3):
 *  - float32 -> 8-bit runs in XNNPACK: x * (1/out_scale) in float32,
 *    clamped to [qmin - zp, qmax - zp], rounded half to even, + zp.
 *  - same-type 8-bit requantisation with in_s/out_s in [1/256, 128] runs in
 *    XNNPACK: mul = lrintf(256 * in_s/out_s) and
 *    (out_zp*256 - mul*in_zp + 128 + q*mul) >> 8, clamped.
 *  - anything else (int8 <-> uint8, or scales out of that range) runs
 *    TFLite's builtin Requantize: QuantizeMultiplier(double(in_s) /
 *    double(out_s)), double-rounding MultiplyByQuantizedMultiplier.
 * The 8-bit -> 8-bit cases are tabulated in prepare.
 */
#include <math.h>

#include "../common/op_data.h"

typedef nn_quantize_data quantize_data;

static fsnn_status quantize_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 1, 1, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	if (in == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, in, "input", FSNN_FLOAT32, FSNN_INT8, FSNN_UINT8, -1)) ||
	    (st = nn_check_type(ctx, node, out, "output", FSNN_INT8, FSNN_UINT8, -1)) ||
	    (st = nn_check_output_shape(ctx, node, 0, in->rank, in->dims)) ||
	    (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
		return st;
	quantize_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return ctx->err->code;
	node->op_data = d;
	node->macs = in->elems;
	int32_t qmin, qmax;
	nn_dtype_range(out->type, &qmin, &qmax);
	int32_t out_zp = out->zero_point[0];
	if (in->type == FSNN_FLOAT32) {
		d->inv_scale = 1.0f / out->scale[0];
		d->lo = (float)(qmin - out_zp);
		d->hi = (float)(qmax - out_zp);
		d->zero_point = out_zp;
		return FSNN_OK;
	}
	if ((st = nn_ku_check_quant(ctx, node, in, "input", -1)))
		return st;
	int32_t in_zp = in->zero_point[0];
	int32_t imin, imax;
	nn_dtype_range(in->type, &imin, &imax);
	float ratio = in->scale[0] / out->scale[0];
	if (in->type == out->type && ratio >= 1.0f / 256.0f && ratio <= 128.0f) {
		int32_t mul = (int32_t)lrintf(256.0f * ratio);
		int32_t bias = out_zp * 256 - mul * in_zp + 0x80;
		for (int32_t q = imin; q <= imax; q++)
			d->lut[(uint8_t)q] = (uint8_t)nn_clamp_i32((bias + q * mul) >> 8, qmin, qmax);
		return FSNN_OK;
	}
	nn_qmul m = nn_quantize_multiplier((double)in->scale[0] / (double)out->scale[0]);
	for (int32_t q = imin; q <= imax; q++) {
		/* 64-bit sum: a saturated product plus the zero point may pass int32. */
		int64_t v = (int64_t)nn_mul_by_qmul(q - in_zp, m) + out_zp;
		d->lut[(uint8_t)q] = (uint8_t)(v < qmin ? qmin : (v > qmax ? qmax : v));
	}
	return FSNN_OK;
}

static fsnn_status quantize_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const nn_tensor *in = nn_tensor_of(ctx, node->inputs[0]);
	const quantize_data *d = node->op_data;
	uint8_t *y = nn_out_data(ctx, node, 0);
	if (in->type == FSNN_FLOAT32) {
		const float *x = nn_in_data(ctx, node, 0);
		for (size_t i = 0; i < in->elems; i++) {
			float v = x[i] * d->inv_scale;
			v = v != v ? 0.0f : v;   /* NaN -> zero point */
			v = v < d->lo ? d->lo : (v > d->hi ? d->hi : v);
			/* Magic-number rounding: half to even. */
			v = (v + 12582912.0f) - 12582912.0f;
			int32_t q = (int32_t)v + d->zero_point;
			y[i] = (uint8_t)q;   /* int8 stored as its two's complement byte */
		}
		return FSNN_OK;
	}
	nn_ku_lut8_apply(ctx, node, d->lut);
	return FSNN_OK;
}

const nn_kernel nn_kernel_quantize = {
	.builtin = NN_OP_QUANTIZE,
	.name = "QUANTIZE",
	.prepare = quantize_prepare,
	.eval = quantize_eval,
};
