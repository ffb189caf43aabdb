/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MEAN reference kernel: average over the axes given by a constant int32
 * tensor (negative and repeated axes allowed), keep_dims or not.
 *
 * LiteRT 2.5.3 runs quantised MEAN in XNNPACK's reduce operator: sum the
 * raw int8/uint8 values in int32, then one float conversion
 *   y = nearbyint(sum * s + z), s = (in_s / out_s) * (1 / N),
 *   z = out_zp - (N * in_zp) * s     (all float32; N = reduced count)
 * saturated to the type. Float32 sums and multiplies by 1 / N.
 */
#include <math.h>
#include <string.h>

#include "../common/kernel_util.h"

typedef struct mean_data {
	fsnn_dtype type;
	int rank;
	int32_t in_dims[FSNN_MAX_RANK];
	int64_t out_stride[FSNN_MAX_RANK];   /* 0 on reduced axes */
	size_t out_elems;
	float scale, zp;                      /* quantised: y = sum * scale + zp */
	float inv_n;                          /* float32 */
	int32_t qmin, qmax;
} mean_data;

static fsnn_status mean_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 2, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	const nn_tensor *ax = in ? nn_ku_input_required(ctx, node, 1, "axes") : NULL;
	if (ax == NULL)
		return FSNN_E_FORMAT;
	nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, in, "input", FSNN_INT8, FSNN_UINT8, FSNN_FLOAT32, -1)) ||
	    (st = nn_check_type(ctx, node, ax, "axes", FSNN_INT32, -1)) ||
	    (st = nn_check_type(ctx, node, out, "output", in->type, -1)))
		return st;
	if (ax->data == NULL)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "axes '%s' is not a constant; expected constant data", ax->name);
	bool keep = nn_fb_u8(&node->options, 0, 0) != 0;

	bool reduced[FSNN_MAX_RANK] = { false };
	for (size_t i = 0; i < ax->elems; i++) {
		int32_t a;
		memcpy(&a, ax->data + 4 * i, sizeof a);
		if (a < -in->rank || a >= in->rank)
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
					    "axis %d in '%s' is out of range for input '%s' of rank %d",
					    a, ax->name, in->name, in->rank);
		reduced[a < 0 ? a + in->rank : a] = true;
	}
	mean_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return FSNN_E_NOMEM;
	d->type = in->type;
	d->rank = in->rank;
	memcpy(d->in_dims, in->dims, sizeof d->in_dims);
	int32_t odims[FSNN_MAX_RANK];
	int orank = 0;
	int64_t n = 1, stride = 1;
	for (int i = in->rank - 1; i >= 0; i--) {
		d->out_stride[i] = reduced[i] ? 0 : stride;
		if (reduced[i])
			n *= in->dims[i];
		else
			stride *= in->dims[i];
	}
	for (int i = 0; i < in->rank; i++)
		if (!reduced[i] || keep)
			odims[orank++] = reduced[i] ? 1 : in->dims[i];
	if ((st = nn_check_output_shape(ctx, node, 0, orank, odims)))
		return st;
	if (n < 1)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "input '%s' reduces over 0 elements; "
				    "expected at least one", in->name);
	d->out_elems = (size_t)stride;
	d->inv_n = 1.0f / (float)n;
	if (in->type != FSNN_FLOAT32) {
		if ((st = nn_ku_check_quant(ctx, node, in, "input", -1)) ||
		    (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
			return st;
		nn_dtype_range(in->type, &d->qmin, &d->qmax);
		d->scale = nn_q_scale(in, 0) / nn_q_scale(out, 0) * d->inv_n;
		d->zp = (float)nn_q_zp(out, 0) - (float)(n * nn_q_zp(in, 0)) * d->scale;
	}
	node->op_data = d;
	node->scratch_bytes = d->out_elems * sizeof(int32_t);   /* int32 or float sums */
	node->macs = in->elems;
	return FSNN_OK;
}

static fsnn_status mean_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	const mean_data *d = node->op_data;
	const nn_tensor *in = nn_tensor_of(ec, node->inputs[0]);
	const void *x = nn_in_data(ec, node, 0);
	void *y = nn_out_data(ec, node, 0);
	int32_t *isum = ec->scratch;
	float *fsum = ec->scratch;
	memset(ec->scratch, 0, d->out_elems * sizeof(int32_t));

	/* Walk the input in order with an odometer; o is the output index. */
	int32_t idx[FSNN_MAX_RANK] = { 0 };
	size_t o = 0;
	for (size_t i = 0; i < in->elems; i++) {
		if (d->type == FSNN_FLOAT32)
			fsum[o] += ((const float *)x)[i];
		else if (d->type == FSNN_UINT8)
			isum[o] += ((const uint8_t *)x)[i];
		else
			isum[o] += ((const int8_t *)x)[i];
		for (int k = d->rank - 1; k >= 0; k--) {
			o += (size_t)d->out_stride[k];
			if (++idx[k] < d->in_dims[k])
				break;
			o -= (size_t)d->out_stride[k] * (size_t)d->in_dims[k];
			idx[k] = 0;
		}
	}
	for (size_t j = 0; j < d->out_elems; j++) {
		if (d->type == FSNN_FLOAT32) {
			((float *)y)[j] = fsum[j] * d->inv_n;
			continue;
		}
		float v = nearbyintf((float)isum[j] * d->scale + d->zp);
		v = v < (float)d->qmin ? (float)d->qmin : (v > (float)d->qmax ? (float)d->qmax : v);
		if (d->type == FSNN_UINT8)
			((uint8_t *)y)[j] = (uint8_t)v;
		else
			((int8_t *)y)[j] = (int8_t)v;
	}
	return FSNN_OK;
}

const nn_kernel nn_kernel_mean = {
	.builtin = NN_OP_MEAN,
	.name = "MEAN",
	.prepare = mean_prepare,
	.eval = mean_eval,
};
