/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HARD_SWISH: x * relu6(x + 3) / 6.
 *
 * Oracle behaviour (LiteRT 2.5.3): XNNPACK does not take int8/uint8
 * HARD_SWISH (a float LUT would differ by 1 on ~3% of inputs), so it runs
 * TFLite's builtin kernel: 16-bit fixed point with an int16 "reluish"
 * multiplier and SaturatingDoublingHighMul (reference_ops::HardSwish).
 * That arithmetic is reproduced once per possible input byte in prepare;
 * eval is a table lookup.
 */
#include "../common/kernel_util.h"

typedef struct hswish_params {
	int32_t in_zp, out_zp;
	int16_t reluish_mul, out_mul;
	int reluish_exp, out_exp;
} hswish_params;

/* gemmlowp SaturatingRoundingDoublingHighMul on int16. */
static int16_t srdhm16(int16_t a, int16_t b)
{
	if (a == INT16_MIN && b == INT16_MIN)
		return INT16_MAX;
	int32_t ab = (int32_t)a * b;
	int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
	return (int16_t)((ab + nudge) / (1 << 15));
}

/* Same without rounding (truncates toward zero), as ARM SQDMULH. */
static int16_t sdhm16(int16_t a, int16_t b)
{
	if (a == INT16_MIN && b == INT16_MIN)
		return INT16_MAX;
	return (int16_t)(((int32_t)a * b) / (1 << 15));
}

/* gemmlowp RoundingDivideByPOT: half away from zero. */
static int16_t rdbpot16(int16_t x, int exponent)
{
	int32_t mask = (1 << exponent) - 1;
	int32_t rem = x & mask;
	int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
	return (int16_t)((x >> exponent) + (rem > threshold ? 1 : 0));
}

static int16_t sat_shl16(int16_t v, int amount)
{
	int64_t r = (int64_t)v * ((int64_t)1 << amount);
	return (int16_t)(r > INT16_MAX ? INT16_MAX : (r < INT16_MIN ? INT16_MIN : r));
}

/* TFLite DownScaleInt32ToInt16Multiplier. */
static int16_t downscale_mul(int32_t m)
{
	if (m >= INT32_MAX - (1 << 15))
		return INT16_MAX;
	return (int16_t)((m + (1 << 15)) >> 16);
}

static int32_t hswish_q(const hswish_params *p, int32_t q, int32_t qmin, int32_t qmax)
{
	int16_t x = (int16_t)(q - p->in_zp);
	int16_t x_hires = (int16_t)(x * (1 << 7));
	int16_t x_out = srdhm16(x_hires, p->out_mul);
	int16_t r = x_hires;
	if (p->reluish_exp > 0)
		r = sat_shl16(r, p->reluish_exp - 1);
	r = srdhm16(r, p->reluish_mul);
	if (p->reluish_exp > 0)
		r = sat_shl16(r, 1);
	if (p->reluish_exp < 0)
		r = rdbpot16(r, -p->reluish_exp);
	r = (int16_t)((r + (1 << 15)) >> 1);   /* [-1, 1] -> [0, 1] */
	int16_t pre = sdhm16(r, x_out);
	int32_t y = rdbpot16(pre, -p->out_exp) + p->out_zp;
	return y < qmin ? qmin : (y > qmax ? qmax : y);
}

static fsnn_status hard_swish_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	const nn_tensor *in, *out;
	fsnn_status st = nn_ku_unary_prepare(ctx, node, &in, &out);
	if (st != FSNN_OK)
		return st;
	node->macs = in->elems;
	if (in->type == FSNN_FLOAT32)
		return FSNN_OK;
	if ((st = nn_ku_check_quant(ctx, node, in, "input", -1)) ||
	    (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
		return st;
	/* Scales as TFLite's HardSwishPrepare computes them, in float32. */
	float hires_in_scale = (1.0f / 128.0f) * in->scale[0];
	float out_mul_f = hires_in_scale / out->scale[0];
	float reluish_mul_f = hires_in_scale / (3.0f / 32768.0f);
	nn_qmul om = nn_quantize_multiplier((double)out_mul_f);
	nn_qmul rm = nn_quantize_multiplier((double)reluish_mul_f);
	if (om.shift > 0)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "input '%s' scale %g over output '%s' scale %g is too large "
				    "(needs input_scale / 128 <= output_scale)",
				    in->name, (double)in->scale[0], out->name, (double)out->scale[0]);
	hswish_params p = {
		.in_zp = in->zero_point[0], .out_zp = out->zero_point[0],
		.reluish_mul = downscale_mul(rm.multiplier), .out_mul = downscale_mul(om.multiplier),
		.reluish_exp = rm.shift, .out_exp = om.shift,
	};
	uint8_t *lut = nn_ku_lut8_alloc(ctx, node);
	if (lut == NULL)
		return ctx->err->code;
	int32_t qmin, qmax;
	nn_dtype_range(in->type, &qmin, &qmax);
	for (int32_t q = qmin; q <= qmax; q++)
		lut[(uint8_t)q] = (uint8_t)hswish_q(&p, q, qmin, qmax);
	return FSNN_OK;
}

static fsnn_status hard_swish_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const nn_tensor *in = nn_tensor_of(ctx, node->inputs[0]);
	size_t n = in->elems;
	if (in->type == FSNN_FLOAT32) {
		const float *x = nn_in_data(ctx, node, 0);
		float *y = nn_out_data(ctx, node, 0);
		/* XNNPACK's form: clamp(x/6 + 1/2, 0, 1) * x, separate roundings. */
		for (size_t i = 0; i < n; i++) {
			float r = x[i] * 0x1.555556p-3f + 0.5f;
			r = r < 0.0f ? 0.0f : (r > 1.0f ? 1.0f : r);
			y[i] = r * x[i];
		}
		return FSNN_OK;
	}
	nn_ku_lut8_eval(ctx, node);
	return FSNN_OK;
}

const nn_kernel nn_kernel_hard_swish = {
	.builtin = NN_OP_HARD_SWISH,
	.name = "HARD_SWISH",
	.prepare = hard_swish_prepare,
	.eval = hard_swish_eval,
};
