/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PAD and PADV2 in portable C: each output row is written once — pad
 * value, input row, pad value — instead of filling the whole output and
 * then copying the input over it, and rows are split over the context's
 * threads. Trailing dimensions without padding are merged into the row
 * (an image padded in height and width is rows of W * C elements, not of
 * C), so narrow tensors do not pay per-element calls. Same bytes as the
 * reference.
 */
#include <string.h>

#include "../common/op_data.h"

typedef struct pad_geom {
	/* the reference's geometry with unpadded trailing dims folded into
	 * dimension 5, whose elements are now unit elements wide */
	int64_t in[FSNN_MAX_RANK], out[FSNN_MAX_RANK], before[FSNN_MAX_RANK];
	size_t unit;        /* elements of the original type per element here */
} pad_geom;

static fsnn_status pad_prepare_generic(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	const nn_pad_data *d = node->op_data;
	*accepted = false;
	if (d == NULL || d->elem_size < 1 || d->elem_size > sizeof d->value)
		return FSNN_OK;
	pad_geom *g = nn_persistent_alloc(ctx, sizeof *g);
	if (g == NULL)
		return FSNN_E_NOMEM;
	memcpy(g->in, d->in_dims, sizeof g->in);
	memcpy(g->out, d->out_dims, sizeof g->out);
	memcpy(g->before, d->before, sizeof g->before);
	g->unit = 1;
	/* While the innermost dim is unpadded and something is left to merge
	 * it with, fold it into the unit and shift the outer dims in. */
	while (g->in[5] == g->out[5]) {
		bool rest_is_one = true;
		for (int k = 0; k < 5; k++)
			rest_is_one = rest_is_one && g->out[k] == 1;
		if (rest_is_one)
			break;
		g->unit *= (size_t)g->in[5];
		g->in[5] = g->in[4];
		g->out[5] = g->out[4];
		g->before[5] = g->before[4];
		for (int k = 4; k > 0; k--) {
			g->in[k] = g->in[k - 1];
			g->out[k] = g->out[k - 1];
			g->before[k] = g->before[k - 1];
		}
		g->in[0] = g->out[0] = 1;
		g->before[0] = 0;
	}
	node->variant_data = g;
	*accepted = true;
	return FSNN_OK;
}

typedef struct pad_job {
	const nn_pad_data *d;
	const pad_geom *g;
	const uint8_t *in;
	uint8_t *out;
	size_t rows, per_task;   /* output rows: product of out[0..4] */
} pad_job;

static void fill(uint8_t *dst, const uint8_t *value, size_t es, size_t bytes)
{
	if (es == 1) {
		memset(dst, value[0], bytes);
		return;
	}
	for (size_t i = 0; i < bytes; i += es)
		memcpy(dst + i, value, es);
}

static void pad_task(void *arg, int task, int thread)
{
	(void)thread;
	const pad_job *j = arg;
	const pad_geom *g = j->g;
	const int64_t *n = g->in, *o = g->out, *b = g->before;
	const size_t es = j->d->elem_size, ue = es * g->unit;
	const size_t orow = (size_t)o[5] * ue, irow = (size_t)n[5] * ue;
	const size_t before = (size_t)b[5] * ue, after = orow - before - irow;
	const size_t r0 = (size_t)task * j->per_task;
	const size_t r1 = r0 + j->per_task < j->rows ? r0 + j->per_task : j->rows;
	/* Output index (dims 0..4) of row r0, then counted up row by row. */
	int64_t idx[5];
	size_t rem = r0;
	for (int k = 4; k >= 0; k--) {
		idx[k] = (int64_t)(rem % (size_t)o[k]);
		rem /= (size_t)o[k];
	}
	for (size_t r = r0; r < r1; r++) {
		uint8_t *dst = j->out + r * orow;
		size_t in_row = 0;
		bool inside = true;
		for (int k = 0; k < 5 && inside; k++) {
			const int64_t ik = idx[k] - b[k];
			inside = ik >= 0 && ik < n[k];
			in_row = in_row * (size_t)n[k] + (size_t)ik;
		}
		if (!inside) {
			fill(dst, j->d->value, es, orow);
		} else {
			fill(dst, j->d->value, es, before);
			memcpy(dst + before, j->in + in_row * irow, irow);
			fill(dst + before + irow, j->d->value, es, after);
		}
		for (int k = 4; k >= 0 && ++idx[k] == o[k]; k--)
			idx[k] = 0;
	}
}

static fsnn_status pad_eval_generic(const nn_eval_ctx *ec, const nn_node *node)
{
	const nn_pad_data *d = node->op_data;
	const pad_geom *g = node->variant_data;
	pad_job j = { .d = d, .g = g, .in = nn_in_data(ec, node, 0), .out = nn_out_data(ec, node, 0),
		      .rows = 1 };
	for (int k = 0; k < 5; k++)
		j.rows *= (size_t)g->out[k];
	const size_t orow = (size_t)g->out[5] * d->elem_size * g->unit;
	if (j.rows == 0 || orow == 0)
		return FSNN_OK;
	/* Tasks of at least 64 KiB, a few per thread. */
	size_t tasks = (size_t)ec->num_threads * 4, per = (j.rows + tasks - 1) / tasks;
	const size_t min_rows = (65536 + orow - 1) / orow;
	if (per < min_rows)
		per = min_rows;
	j.per_task = per;
	nn_parallel_for(ec, (int)((j.rows + per - 1) / per), pad_task, &j);
	return FSNN_OK;
}

const nn_variant nn_variant_pad_generic = {
	.builtin = NN_OP_PAD, .name = "generic", .requires = NN_CPU_GENERIC,
	.prepare = pad_prepare_generic, .eval = pad_eval_generic,
};

const nn_variant nn_variant_padv2_generic = {
	.builtin = NN_OP_PADV2, .name = "generic", .requires = NN_CPU_GENERIC,
	.prepare = pad_prepare_generic, .eval = pad_eval_generic,
};
