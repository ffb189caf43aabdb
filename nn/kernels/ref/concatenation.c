/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CONCATENATION along any axis (negative axes count from the end).
 *
 * Oracle behaviour (LiteRT 2.5.3): inputs whose scale and zero point equal
 * the output's are copied. uint8 inputs that differ run TFLite's builtin
 * ConcatenationWithScaling: scale = in_s * (1/out_s) and bias = -in_zp *
 * scale in float32, round(q * scale + bias) half away from zero, + out_zp,
 * clamped. TFLite rejects int8 inputs that differ; we apply the same
 * formula to them (clamped to int8) rather than refuse the model.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../common/op_data.h"

typedef nn_concat_input concat_input;
typedef nn_concat_data concat_data;

static fsnn_status concat_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 1, 1 << 16, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *first = nn_ku_input_required(ctx, node, 0, "input 0");
	if (first == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, out, "output", FSNN_FLOAT32, FSNN_INT8, FSNN_UINT8,
				FSNN_INT32, FSNN_INT64, -1)))
		return st;
	int rank = first->rank;
	/* ConcatenationOptions: axis (field 0), fused_activation_function (1). */
	int32_t axis = nn_fb_i32(&node->options, 0, 0);
	int act = nn_fb_u8(&node->options, 1, 0);
	if (axis < 0)
		axis += rank;
	if (axis < 0 || axis >= rank)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "axis %d is outside input '%s' of rank %d",
				    (int)nn_fb_i32(&node->options, 0, 0), first->name, rank);
	bool quant = out->type == FSNN_INT8 || out->type == FSNN_UINT8;
	if (quant && (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
		return st;
	concat_data *d = nn_persistent_alloc(ctx, sizeof *d + (size_t)node->num_inputs * sizeof d->in[0]);
	if (d == NULL)
		return ctx->err->code;
	d->n = node->num_inputs;
	d->is_float = out->type == FSNN_FLOAT32;
	if (act != NN_ACT_NONE && !(d->is_float && nn_activation_range_f32(act, &d->lo, &d->hi)))
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "fused activation %s is not supported for %s output '%s'",
				    nn_activation_name(act), fsnn_dtype_name(out->type), out->name);
	if (act == NN_ACT_NONE)
		nn_activation_range_f32(NN_ACT_NONE, &d->lo, &d->hi);
	int32_t dims[FSNN_MAX_RANK];
	memcpy(dims, first->dims, sizeof dims);
	dims[axis] = 0;
	size_t inner = fsnn_dtype_size(out->type);
	for (int k = axis + 1; k < rank; k++)
		inner *= (size_t)first->dims[k];
	d->outer = (size_t)nn_dims_product(first->dims, 0, axis);
	for (int i = 0; i < d->n; i++) {
		char role[32];
		snprintf(role, sizeof role, "input %d", i);
		const nn_tensor *t = nn_ku_input_required(ctx, node, i, role);
		if (t == NULL)
			return ctx->err->code;
		if ((st = nn_check_type(ctx, node, t, role, out->type, -1)))
			return st;
		if (t->rank != rank)
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "%s '%s' has rank %d, input 0 '%s' has %d",
					    role, t->name, t->rank, first->name, rank);
		for (int k = 0; k < rank; k++)
			if (k != axis && t->dims[k] != first->dims[k])
				return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
						    "%s '%s' has %d in dimension %d, input 0 '%s' has %d",
						    role, t->name, (int)t->dims[k], k, first->name,
						    (int)first->dims[k]);
		if ((int64_t)dims[axis] + t->dims[axis] > INT32_MAX)
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "concatenated axis is too large");
		dims[axis] += t->dims[axis];
		d->in[i].copy_bytes = inner * (size_t)t->dims[axis];
		if (!quant)
			continue;
		if ((st = nn_ku_check_quant(ctx, node, t, role, -1)))
			return st;
		if (t->scale[0] != out->scale[0] || t->zero_point[0] != out->zero_point[0]) {
			d->in[i].requant = true;
			d->in[i].scale = t->scale[0] * (1.0f / out->scale[0]);
			d->in[i].bias = -(float)t->zero_point[0] * d->in[i].scale;
		}
	}
	if ((st = nn_check_output_shape(ctx, node, 0, rank, dims)))
		return st;
	if (quant) {
		d->out_zp = out->zero_point[0];
		nn_dtype_range(out->type, &d->qmin, &d->qmax);
	}
	node->op_data = d;
	return FSNN_OK;
}

static void requant_copy(const concat_data *d, const concat_input *ci, bool is_int8,
			 const uint8_t *src, uint8_t *dst)
{
	for (size_t j = 0; j < ci->copy_bytes; j++) {
		int32_t q = is_int8 ? (int8_t)src[j] : src[j];
		int32_t v = (int32_t)nn_round_away_f((float)q * ci->scale + ci->bias) + d->out_zp;
		dst[j] = (uint8_t)nn_clamp_i32(v, d->qmin, d->qmax);
	}
}

static fsnn_status concat_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const concat_data *d = node->op_data;
	uint8_t *out = nn_out_data(ctx, node, 0);
	bool is_int8 = d->qmin < 0;
	for (size_t k = 0; k < d->outer; k++) {
		for (int i = 0; i < d->n; i++) {
			const concat_input *ci = &d->in[i];
			const uint8_t *src = (const uint8_t *)nn_in_data(ctx, node, i) + k * ci->copy_bytes;
			if (ci->requant)
				requant_copy(d, ci, is_int8, src, out);
			else
				memcpy(out, src, ci->copy_bytes);
			out += ci->copy_bytes;
		}
	}
	if (d->is_float && (d->lo > -INFINITY || d->hi < INFINITY)) {
		float *y = nn_out_data(ctx, node, 0);
		size_t n = nn_tensor_of(ctx, node->outputs[0])->elems;
		for (size_t i = 0; i < n; i++)
			y[i] = y[i] < d->lo ? d->lo : (y[i] > d->hi ? d->hi : y[i]);
	}
	return FSNN_OK;
}

const nn_kernel nn_kernel_concatenation = {
	.builtin = NN_OP_CONCATENATION,
	.name = "CONCATENATION",
	.prepare = concat_prepare,
	.eval = concat_eval,
};
