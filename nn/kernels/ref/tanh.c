/*
 * TANH.
 *
 * Oracle behaviour (LiteRT 2.5.3): int8/uint8 TANH runs in XNNPACK, which
 * builds a 256-entry table with its reference kernel: dequantise in
 * float32, tanhf, then x * (1/out_scale) + zp in float32 rounded half to
 * even and clamped. Checked bit-exact on all 256 inputs. TFLite's builtin
 * kernel requires the output scale 1/128 with zero point 0 (int8) or 128
 * (uint8); we require the same.
 */
#include <math.h>

#include "kernel_util.h"

static fsnn_status tanh_prepare(nn_prepare_ctx *ctx, nn_node *node)
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
	int32_t want_zp = in->type == FSNN_INT8 ? 0 : 128;
	if (out->scale[0] != 1.0f / 128.0f || out->zero_point[0] != want_zp)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "output '%s' has scale %g and zero point %d; expected 1/128 and %d",
				    out->name, (double)out->scale[0], (int)out->zero_point[0], (int)want_zp);
	return nn_ku_lut8_from_float(ctx, node, in, out, tanhf);
}

static fsnn_status tanh_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const nn_tensor *in = nn_tensor_of(ctx, node->inputs[0]);
	if (in->type != FSNN_FLOAT32) {
		nn_ku_lut8_eval(ctx, node);
		return FSNN_OK;
	}
	const float *x = nn_in_data(ctx, node, 0);
	float *y = nn_out_data(ctx, node, 0);
	for (size_t i = 0; i < in->elems; i++)
		y[i] = tanhf(x[i]);
	return FSNN_OK;
}

const nn_kernel nn_kernel_tanh = {
	.builtin = NN_OP_TANH,
	.name = "TANH",
	.prepare = tanh_prepare,
	.eval = tanh_eval,
};
