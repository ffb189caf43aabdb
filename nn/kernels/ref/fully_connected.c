/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FULLY_CONNECTED reference kernel: input [..., K] read as rows of K,
 * weights [N, K], optional bias [N]; output [rows, N], or the input's shape
 * with the last dimension N when keep_num_dims is set.
 *
 * LiteRT 2.5.3 runs quantised FC in XNNPACK (bias or not): exact int32 sum
 * of (x - x_zp) * (w - w_zp) plus bias, then acc * float(in_s * w_s[n] /
 * out_s), round half to even, + out_zp, clamp to lrintf(bound / out_s +
 * out_zp). int8 weights may be per-channel (dimension 0). uint8 tensors
 * with quantized_dimension != 0 make the delegate decline; TFLite's
 * fixed-point kernel runs then (see kernel_util.h).
 */
#include <string.h>

#include "../common/op_data.h"

typedef nn_fc_data fc_data;

static fsnn_status fc_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 3, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	const nn_tensor *w = in ? nn_ku_input_required(ctx, node, 1, "weights") : NULL;
	if (w == NULL)
		return FSNN_E_FORMAT;
	const nn_tensor *bias = nn_input(ctx, node, 2);
	nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, in, "input", FSNN_INT8, FSNN_UINT8, FSNN_FLOAT32, -1)) ||
	    (st = nn_check_type(ctx, node, w, "weights", in->type, -1)) ||
	    (st = nn_check_type(ctx, node, out, "output", in->type, -1)) ||
	    (st = nn_ku_check_rank(ctx, node, w, "weights", 2)))
		return st;
	if (bias && (st = nn_check_type(ctx, node, bias, "bias",
					in->type == FSNN_FLOAT32 ? FSNN_FLOAT32 : FSNN_INT32, -1)))
		return st;
	const nn_fb_table *o = &node->options;
	int act = nn_fb_u8(o, 0, NN_ACT_NONE);
	int wfmt = nn_fb_u8(o, 1, 0);
	bool keep = nn_fb_u8(o, 2, 0) != 0;
	if (wfmt != 0)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "weights_format %d is not supported; expected DEFAULT (0)", wfmt);

	const int32_t n = w->dims[0], k = w->dims[1];
	const int64_t total = nn_dims_product(in->dims, 0, in->rank);
	if (in->rank < 1 || k < 1 || total % k != 0)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "input '%s' has %lld elements, not a multiple of the %d columns of "
				    "weights '%s'", in->name, (long long)total, k, w->name);
	if (keep && in->dims[in->rank - 1] != k)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "keep_num_dims: input '%s' last dimension %d differs from weights '%s' "
				    "columns %d", in->name, in->dims[in->rank - 1], w->name, k);
	if ((st = nn_ku_check_bias(ctx, node, bias, n)))
		return st;

	int32_t odims[FSNN_MAX_RANK];
	int orank;
	if (keep) {
		orank = in->rank;
		memcpy(odims, in->dims, sizeof odims);
		odims[orank - 1] = n;
	} else {
		orank = 2;
		odims[0] = (int32_t)(total / k);
		odims[1] = n;
	}
	if ((st = nn_check_output_shape(ctx, node, 0, orank, odims)))
		return st;

	fc_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return FSNN_E_NOMEM;
	d->type = in->type;
	d->rows = (int32_t)(total / k);
	d->k = k;
	d->n = n;
	if ((st = nn_ku_weighted_prepare(ctx, node, in, w, "weights", 0, bias, out, act, n,
					  false, &d->wt)))
		return st;
	node->op_data = d;
	node->macs = (uint64_t)d->rows * (uint64_t)n * (uint64_t)k;
	return FSNN_OK;
}

static fsnn_status fc_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	const fc_data *d = node->op_data;
	const void *xv = nn_in_data(ec, node, 0), *wv = nn_in_data(ec, node, 1);
	void *yv = nn_out_data(ec, node, 0);
	for (int32_t r = 0; r < d->rows; r++)
		for (int32_t j = 0; j < d->n; j++) {
			const size_t xo = (size_t)r * d->k, wo = (size_t)j * d->k;
			const size_t yo = (size_t)r * d->n + j;
			if (d->type == FSNN_FLOAT32) {
				const float *x = (const float *)xv + xo, *w = (const float *)wv + wo;
				float acc = d->wt.bias_f[j];
				for (int32_t i = 0; i < d->k; i++)
					acc += x[i] * w[i];
				acc = acc < d->wt.fmin ? d->wt.fmin : (acc > d->wt.fmax ? d->wt.fmax : acc);
				((float *)yv)[yo] = acc;
			} else if (d->type == FSNN_UINT8) {
				const uint8_t *x = (const uint8_t *)xv + xo, *w = (const uint8_t *)wv + wo;
				/* uint32: int32 wrap-around (as XNNPACK's adds) instead
				 * of undefined overflow on hostile biases or weights. */
				uint32_t acc = (uint32_t)d->wt.bias[j];
				for (int32_t i = 0; i < d->k; i++)
					acc += (uint32_t)(((int32_t)x[i] - d->wt.in_zp) * ((int32_t)w[i] - d->wt.w_zp));
				((uint8_t *)yv)[yo] = (uint8_t)nn_ku_requant_apply(&d->wt.rq, j, (int32_t)acc);
			} else {
				const int8_t *x = (const int8_t *)xv + xo, *w = (const int8_t *)wv + wo;
				uint32_t acc = (uint32_t)d->wt.bias[j];
				for (int32_t i = 0; i < d->k; i++)
					acc += (uint32_t)(((int32_t)x[i] - d->wt.in_zp) * (int32_t)w[i]);
				((int8_t *)yv)[yo] = (int8_t)nn_ku_requant_apply(&d->wt.rq, j, (int32_t)acc);
			}
		}
	return FSNN_OK;
}

const nn_kernel nn_kernel_fully_connected = {
	.builtin = NN_OP_FULLY_CONNECTED,
	.name = "FULLY_CONNECTED",
	.prepare = fc_prepare,
	.eval = fc_eval,
};
