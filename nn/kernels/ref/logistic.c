/* SPDX-License-Identifier: BSD-3-Clause */
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

#include "../common/kernel_util.h"

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
	return nn_ku_lut8_fixed_prepare(ctx, node, sigmoid_ref, 1.0f / 256.0f, "1/256", -128, 0);
}

static fsnn_status logistic_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	return nn_ku_unary_eval(ctx, node, sigmoid_ref);
}

const nn_kernel nn_kernel_logistic = {
	.builtin = NN_OP_LOGISTIC,
	.name = "LOGISTIC",
	.prepare = logistic_prepare,
	.eval = logistic_eval,
};
