/*
 * LOGISTIC (sigmoid).
 *
 * Oracle behaviour (LiteRT 2.5.3): int8/uint8 LOGISTIC runs in XNNPACK,
 * which builds a 256-entry table with its reference kernel: dequantise in
 * float32, sigmoid as exp(x)/(1+exp(x)) in double (0 below -100, 1 above
 * 100) rounded to float, then x * (1/out_scale) + zp in float32, rounded
 * half to even and clamped. Checked bit-exact on all 256 inputs. TFLite's
 * builtin kernel (used when XNNPACK is absent) requires the output scale
 * 1/256 with zero point -128 (int8) or 0 (uint8); we require the same.
 */
#include <math.h>
#include <string.h>

#include "kernel_util.h"

typedef struct logistic_data {
	uint8_t lut[256];   /* indexed by the raw input byte */
} logistic_data;

static float sigmoid_ref(float x)
{
	if (x > 100.0f)
		return 1.0f;
	if (x < -100.0f)
		return 0.0f;
	double e = exp((double)x);
	return (float)(e / (1.0 + e));
}

/* XNNPACK's float -> quantised store: nearbyint, then saturate. */
static int32_t quantize_nearest(float v, float inv_scale, int32_t zp, int32_t qmin, int32_t qmax)
{
	float q = nearbyintf(v * inv_scale + (float)zp);
	q = q < (float)qmin ? (float)qmin : (q > (float)qmax ? (float)qmax : q);
	return (int32_t)q;
}

static fsnn_status logistic_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 1, 1, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	if (in == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, in, "input", FSNN_FLOAT32, FSNN_INT8, FSNN_UINT8, -1)) ||
	    (st = nn_check_type(ctx, node, out, "output", in->type, -1)) ||
	    (st = nn_check_output_shape(ctx, node, 0, in->rank, in->dims)))
		return st;
	node->macs = in->elems;
	if (in->type == FSNN_FLOAT32)
		return FSNN_OK;
	if ((st = nn_ku_check_quant(ctx, node, in, "input", -1)) ||
	    (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
		return st;
	int32_t want_zp = in->type == FSNN_INT8 ? -128 : 0;
	if (out->scale[0] != 1.0f / 256.0f || out->zero_point[0] != want_zp)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "output '%s' has scale %g and zero point %d; expected 1/256 and %d",
				    out->name, (double)out->scale[0], (int)out->zero_point[0], (int)want_zp);
	logistic_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return ctx->err->code;
	int32_t qmin, qmax;
	nn_dtype_range(in->type, &qmin, &qmax);
	float in_s = in->scale[0], inv_out = 1.0f / out->scale[0];
	float in_zp = (float)in->zero_point[0];
	for (int32_t q = qmin; q <= qmax; q++) {
		float x = ((float)q - in_zp) * in_s;
		int32_t y = quantize_nearest(sigmoid_ref(x), inv_out, out->zero_point[0], qmin, qmax);
		d->lut[(uint8_t)q] = (uint8_t)y;
	}
	node->op_data = d;
	return FSNN_OK;
}

static fsnn_status logistic_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const nn_tensor *in = nn_tensor_of(ctx, node->inputs[0]);
	size_t n = in->elems;
	if (in->type == FSNN_FLOAT32) {
		const float *x = nn_in_data(ctx, node, 0);
		float *y = nn_out_data(ctx, node, 0);
		for (size_t i = 0; i < n; i++)
			y[i] = sigmoid_ref(x[i]);
		return FSNN_OK;
	}
	const logistic_data *d = node->op_data;
	const uint8_t *x = nn_in_data(ctx, node, 0);
	uint8_t *y = nn_out_data(ctx, node, 0);
	for (size_t i = 0; i < n; i++)
		y[i] = d->lut[x[i]];
	return FSNN_OK;
}

const nn_kernel nn_kernel_logistic = {
	.builtin = NN_OP_LOGISTIC,
	.name = "LOGISTIC",
	.prepare = logistic_prepare,
	.eval = logistic_eval,
};
