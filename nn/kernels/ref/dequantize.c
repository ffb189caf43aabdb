/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DEQUANTIZE: int8/uint8 -> float32, (q - zp) * scale.
 *
 * Oracle behaviour (LiteRT 2.5.3): XNNPACK's convert computes
 * (float)(q - zp) * scale in float32; one rounding, so a 256-entry float
 * table built in prepare gives the same bits.
 */
#include "../common/kernel_util.h"

typedef struct dequantize_data {
	float lut[256];   /* indexed by the raw input byte */
} dequantize_data;

static fsnn_status dequantize_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 1, 1, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	if (in == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, in, "input", FSNN_INT8, FSNN_UINT8, -1)) ||
	    (st = nn_check_type(ctx, node, out, "output", FSNN_FLOAT32, -1)) ||
	    (st = nn_check_output_shape(ctx, node, 0, in->rank, in->dims)) ||
	    (st = nn_ku_check_quant(ctx, node, in, "input", -1)))
		return st;
	dequantize_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return ctx->err->code;
	int32_t qmin, qmax;
	nn_dtype_range(in->type, &qmin, &qmax);
	for (int32_t q = qmin; q <= qmax; q++)
		d->lut[(uint8_t)q] = (float)(q - in->zero_point[0]) * in->scale[0];
	node->op_data = d;
	node->macs = in->elems;
	return FSNN_OK;
}

static fsnn_status dequantize_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const nn_tensor *in = nn_tensor_of(ctx, node->inputs[0]);
	const dequantize_data *d = node->op_data;
	const uint8_t *x = nn_in_data(ctx, node, 0);
	float *y = nn_out_data(ctx, node, 0);
	for (size_t i = 0; i < in->elems; i++)
		y[i] = d->lut[x[i]];
	return FSNN_OK;
}

const nn_kernel nn_kernel_dequantize = {
	.builtin = NN_OP_DEQUANTIZE,
	.name = "DEQUANTIZE",
	.prepare = dequantize_prepare,
	.eval = dequantize_eval,
};
