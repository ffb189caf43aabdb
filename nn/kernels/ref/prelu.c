/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PRELU: x >= 0 ? x : alpha * x, alpha broadcast against the input.
 *
 * Oracle behaviour (LiteRT 2.5.3): XNNPACK takes float32 PRELU only, so
 * 8-bit PRELU runs TFLite's builtin kernel: x = q - in_zp; x >= 0 ?
 * MultiplyByQuantizedMultiplier(x, m1) : MultiplyByQuantizedMultiplier(x *
 * (a - alpha_zp), m2); + out_zp, clamped. m1 = QuantizeMultiplier(in_s /
 * out_s) and m2 = QuantizeMultiplier(in_s * alpha_s / out_s), both
 * quotients in float32 as TFLite computes them.
 */
#include "../common/kernel_util.h"

typedef struct prelu_data {
	nn_bcast bc;
	fsnn_dtype type;
	int32_t in_zp, alpha_zp, out_zp, qmin, qmax;
	nn_qmul m_pos, m_neg;
} prelu_data;

static fsnn_status prelu_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 2, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	const nn_tensor *alpha = in ? nn_ku_input_required(ctx, node, 1, "alpha") : NULL;
	if (alpha == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, in, "input", FSNN_FLOAT32, FSNN_INT8, FSNN_UINT8, -1)) ||
	    (st = nn_check_type(ctx, node, alpha, "alpha", in->type, -1)) ||
	    (st = nn_check_type(ctx, node, out, "output", in->type, -1)) ||
	    (st = nn_check_output_shape(ctx, node, 0, in->rank, in->dims)))
		return st;
	prelu_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return ctx->err->code;
	int bc_rank;
	int32_t bc_dims[FSNN_MAX_RANK];
	if (!nn_broadcast_shape(in->rank, in->dims, alpha->rank, alpha->dims, &bc_rank, bc_dims) ||
	    bc_rank != in->rank || nn_dims_product(bc_dims, 0, bc_rank) != (int64_t)in->elems ||
	    !nn_bcast_init(&d->bc, in->rank, in->dims, alpha->rank, alpha->dims))
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "alpha '%s' (rank %d) does not broadcast to input '%s' (rank %d)",
				    alpha->name, alpha->rank, in->name, in->rank);
	d->type = in->type;
	node->op_data = d;
	node->macs = in->elems;
	if (in->type == FSNN_FLOAT32)
		return FSNN_OK;
	if ((st = nn_ku_check_quant(ctx, node, in, "input", -1)) ||
	    (st = nn_ku_check_quant(ctx, node, alpha, "alpha", -1)) ||
	    (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
		return st;
	d->in_zp = in->zero_point[0];
	d->alpha_zp = alpha->zero_point[0];
	d->out_zp = out->zero_point[0];
	nn_dtype_range(in->type, &d->qmin, &d->qmax);
	d->m_pos = nn_quantize_multiplier((double)(in->scale[0] / out->scale[0]));
	d->m_neg = nn_quantize_multiplier((double)(in->scale[0] * alpha->scale[0] / out->scale[0]));
	return FSNN_OK;
}

typedef struct prelu_run {
	const prelu_data *d;
	const void *x, *a;
	void *y;
} prelu_run;

static void prelu_f32(void *user, size_t o, size_t i, size_t k)
{
	prelu_run *r = user;
	float x = ((const float *)r->x)[i];
	((float *)r->y)[o] = x >= 0.0f ? x : x * ((const float *)r->a)[k];
}

static void prelu_q(void *user, size_t o, size_t i, size_t k)
{
	prelu_run *r = user;
	const prelu_data *d = r->d;
	bool s8 = d->type == FSNN_INT8;
	int32_t x = (s8 ? ((const int8_t *)r->x)[i] : ((const uint8_t *)r->x)[i]) - d->in_zp;
	int32_t v;
	if (x >= 0) {
		v = nn_mul_by_qmul(x, d->m_pos);
	} else {
		int32_t a = (s8 ? ((const int8_t *)r->a)[k] : ((const uint8_t *)r->a)[k]) - d->alpha_zp;
		v = nn_mul_by_qmul(x * a, d->m_neg);
	}
	((uint8_t *)r->y)[o] = (uint8_t)nn_clamp_i32(v + d->out_zp, d->qmin, d->qmax);
}

static fsnn_status prelu_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const prelu_data *d = node->op_data;
	prelu_run r = { d, nn_in_data(ctx, node, 0), nn_in_data(ctx, node, 1), nn_out_data(ctx, node, 0) };
	nn_bcast_for_each(&d->bc, d->type == FSNN_FLOAT32 ? prelu_f32 : prelu_q, &r);
	return FSNN_OK;
}

const nn_kernel nn_kernel_prelu = {
	.builtin = NN_OP_PRELU,
	.name = "PRELU",
	.prepare = prelu_prepare,
	.eval = prelu_eval,
};
