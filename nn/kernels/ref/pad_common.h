/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared body of PAD and PADV2 (private to those two files): constant
 * padding of up to 6 dims. Prepare reads the constant paddings ([rank, 2],
 * int32 or int64) and the pad value; eval fills then copies rows.
 */
#ifndef NN_PAD_COMMON_H
#define NN_PAD_COMMON_H

#include <string.h>

#include "../common/op_data.h"

typedef nn_pad_data pad_data;

/* Validates input/paddings/output and fills everything but d->value. */
static fsnn_status pad_prepare_common(nn_prepare_ctx *ctx, nn_node *node, pad_data **out_d)
{
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	const nn_tensor *p = in ? nn_ku_input_required(ctx, node, 1, "paddings") : NULL;
	if (p == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	fsnn_status st;
	if ((st = nn_check_type(ctx, node, in, "input", FSNN_FLOAT32, FSNN_INT8, FSNN_UINT8,
				FSNN_INT32, FSNN_INT64, -1)) ||
	    (st = nn_check_type(ctx, node, out, "output", in->type, -1)) ||
	    (st = nn_check_type(ctx, node, p, "paddings", FSNN_INT32, FSNN_INT64, -1)))
		return st;
	if (p->data == NULL)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "paddings '%s' is computed at run time; expected a constant tensor", p->name);
	if (p->rank != 2 || p->dims[0] != in->rank || p->dims[1] != 2)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "paddings '%s' has rank %d / %zu entries; expected [%d, 2] for input '%s'",
				    p->name, p->rank, p->elems, in->rank, in->name);
	pad_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return ctx->err->code;
	int lead = FSNN_MAX_RANK - in->rank;
	int32_t dims[FSNN_MAX_RANK];
	for (int i = 0; i < FSNN_MAX_RANK; i++)
		d->in_dims[i] = d->out_dims[i] = 1;
	for (int i = 0; i < in->rank; i++) {
		int64_t ba[2];
		for (int k = 0; k < 2; k++) {
			if (p->type == FSNN_INT32) {
				int32_t v;
				memcpy(&v, p->data + 4 * (size_t)(2 * i + k), 4);
				ba[k] = v;
			} else {
				memcpy(&ba[k], p->data + 8 * (size_t)(2 * i + k), 8);
			}
		}
		int64_t o = ba[0] + ba[1] + in->dims[i];
		if (ba[0] < 0 || ba[1] < 0 || o > INT32_MAX)
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
					    "paddings '%s' for dimension %d are [%lld, %lld]; expected >= 0",
					    p->name, i, (long long)ba[0], (long long)ba[1]);
		dims[i] = (int32_t)o;
		d->in_dims[lead + i] = in->dims[i];
		d->out_dims[lead + i] = o;
		d->before[lead + i] = ba[0];
	}
	if ((st = nn_check_output_shape(ctx, node, 0, in->rank, dims)))
		return st;
	d->elem_size = fsnn_dtype_size(in->type);
	node->op_data = d;
	*out_d = d;
	return FSNN_OK;
}

static fsnn_status pad_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const pad_data *d = node->op_data;
	const nn_tensor *out_t = nn_tensor_of(ctx, node->outputs[0]);
	const uint8_t *in = nn_in_data(ctx, node, 0);
	uint8_t *out = nn_out_data(ctx, node, 0);
	const size_t es = d->elem_size;
	/* Fill everything with the pad value, then copy the input rows in. */
	if (es == 1) {
		memset(out, d->value[0], out_t->elems);
	} else {
		for (size_t i = 0; i < out_t->elems; i++)
			memcpy(out + i * es, d->value, es);
	}
	const int64_t *n = d->in_dims, *o = d->out_dims, *b = d->before;
	size_t row = (size_t)n[5] * es;
	for (int64_t i0 = 0; i0 < n[0]; i0++)
	for (int64_t i1 = 0; i1 < n[1]; i1++)
	for (int64_t i2 = 0; i2 < n[2]; i2++)
	for (int64_t i3 = 0; i3 < n[3]; i3++)
	for (int64_t i4 = 0; i4 < n[4]; i4++) {
		int64_t oi = (i0 + b[0]);
		oi = oi * o[1] + (i1 + b[1]);
		oi = oi * o[2] + (i2 + b[2]);
		oi = oi * o[3] + (i3 + b[3]);
		oi = oi * o[4] + (i4 + b[4]);
		oi = oi * o[5] + b[5];
		memcpy(out + (size_t)oi * es, in, row);
		in += row;
	}
	return FSNN_OK;
}

#endif /* NN_PAD_COMMON_H */
