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

#include "kernel_util.h"

static float sigmoid_ref(float x)
{
	if (x > 100.0f)
		return 1.0f;
	if (x < -100.0f)
		return 0.0f;
	double e = exp((double)x);
	return (float)(e / (1.0 + e));
}

static fsnn_status logistic_prepare(nn_prepare_ctx *ctx, nn_node *node)
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
	int32_t want_zp = in->type == FSNN_INT8 ? -128 : 0;
	if (out->scale[0] != 1.0f / 256.0f || out->zero_point[0] != want_zp)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "output '%s' has scale %g and zero point %d; expected 1/256 and %d",
				    out->name, (double)out->scale[0], (int)out->zero_point[0], (int)want_zp);
	return nn_ku_lut8_from_float(ctx, node, in, out, sigmoid_ref);
}

static fsnn_status logistic_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const nn_tensor *in = nn_tensor_of(ctx, node->inputs[0]);
	if (in->type != FSNN_FLOAT32) {
		nn_ku_lut8_eval(ctx, node);
		return FSNN_OK;
	}
	const float *x = nn_in_data(ctx, node, 0);
	float *y = nn_out_data(ctx, node, 0);
	for (size_t i = 0; i < in->elems; i++)
		y[i] = sigmoid_ref(x[i]);
	return FSNN_OK;
}

const nn_kernel nn_kernel_logistic = {
	.builtin = NN_OP_LOGISTIC,
	.name = "LOGISTIC",
	.prepare = logistic_prepare,
	.eval = logistic_eval,
};
