/* SPDX-License-Identifier: BSD-3-Clause */
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

#include "../common/kernel_util.h"

static fsnn_status tanh_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	return nn_ku_lut8_fixed_prepare(ctx, node, tanhf, 1.0f / 128.0f, "1/128", 0, 128);
}

static fsnn_status tanh_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	return nn_ku_unary_eval(ctx, node, tanhf);
}

const nn_kernel nn_kernel_tanh = {
	.builtin = NN_OP_TANH,
	.name = "TANH",
	.prepare = tanh_prepare,
	.eval = tanh_eval,
};
