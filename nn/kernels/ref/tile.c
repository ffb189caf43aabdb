/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TILE: out.dims[d] = in.dims[d] * multiples[d]. A byte copy (TFLite's
 * builtin kernel in the oracle), so any runtime gives the same bits.
 */
#include <string.h>

#include "../common/kernel_util.h"

typedef struct tile_data {
	int64_t in_dims[FSNN_MAX_RANK], mult[FSNN_MAX_RANK];  /* leading 1s */
	size_t elem_size;
} tile_data;

static fsnn_status tile_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 2, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	const nn_tensor *m = in ? nn_ku_input_required(ctx, node, 1, "multiples") : NULL;
	if (m == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, out, "output", in->type, -1)) ||
	    (st = nn_check_type(ctx, node, m, "multiples", FSNN_INT32, FSNN_INT64, -1)))
		return st;
	if (fsnn_dtype_size(in->type) == 0)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED, "input '%s' has type %s; expected a fixed-size type",
				    in->name, fsnn_dtype_name(in->type));
	if (m->data == NULL)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "multiples '%s' is computed at run time; expected a constant tensor", m->name);
	if (m->elems != (size_t)in->rank)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "multiples '%s' has %zu entries, input '%s' has rank %d",
				    m->name, m->elems, in->name, in->rank);
	tile_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return ctx->err->code;
	int32_t out_dims[FSNN_MAX_RANK];
	int pad = FSNN_MAX_RANK - in->rank;
	for (int i = 0; i < FSNN_MAX_RANK; i++) {
		d->in_dims[i] = 1;
		d->mult[i] = 1;
	}
	for (int i = 0; i < in->rank; i++) {
		int64_t v;
		if (m->type == FSNN_INT32) {
			int32_t v32;
			memcpy(&v32, m->data + 4 * (size_t)i, 4);
			v = v32;
		} else {
			memcpy(&v, m->data + 8 * (size_t)i, 8);
		}
		if (v < 0 || v * in->dims[i] > INT32_MAX)
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "multiples '%s' entry %d is %lld; expected >= 0",
					    m->name, i, (long long)v);
		out_dims[i] = (int32_t)(v * in->dims[i]);
		d->in_dims[pad + i] = in->dims[i];
		d->mult[pad + i] = v;
	}
	if ((st = nn_check_output_shape(ctx, node, 0, in->rank, out_dims)))
		return st;
	d->elem_size = fsnn_dtype_size(in->type);
	node->op_data = d;
	return FSNN_OK;
}

/* Writes the tiling of the input block at dim d (starting at in) to out;
 * returns the bytes written. Each input row is copied once per multiple. */
static size_t tile_dim(const tile_data *t, int d, const uint8_t *in, uint8_t *out)
{
	size_t written = 0;
	if (d == FSNN_MAX_RANK - 1) {
		size_t row = (size_t)t->in_dims[d] * t->elem_size;
		for (int64_t k = 0; k < t->mult[d]; k++) {
			memcpy(out + written, in, row);
			written += row;
		}
		return written;
	}
	size_t in_block = t->elem_size;
	for (int e = d + 1; e < FSNN_MAX_RANK; e++)
		in_block *= (size_t)t->in_dims[e];
	/* Tile the sub-blocks once, then repeat that whole run. */
	for (int64_t i = 0; i < t->in_dims[d]; i++)
		written += tile_dim(t, d + 1, in + (size_t)i * in_block, out + written);
	size_t once = written;
	for (int64_t k = 1; k < t->mult[d]; k++) {
		memcpy(out + written, out, once);
		written += once;
	}
	return t->mult[d] == 0 ? 0 : written;
}

static fsnn_status tile_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const tile_data *t = node->op_data;
	if (nn_tensor_of(ctx, node->outputs[0])->elems == 0)
		return FSNN_OK;
	tile_dim(t, 0, nn_in_data(ctx, node, 0), nn_out_data(ctx, node, 0));
	return FSNN_OK;
}

const nn_kernel nn_kernel_tile = {
	.builtin = NN_OP_TILE,
	.name = "TILE",
	.prepare = tile_prepare,
	.eval = tile_eval,
};
