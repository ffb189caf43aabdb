/*
 * PAD and PADV2 in portable C: each output row (the innermost dimension)
 * is written once — pad value, input row, pad value — instead of filling
 * the whole output and then copying the input over it, and rows are split
 * over the context's threads. Same bytes as the reference.
 */
#include <string.h>

#include "../common/op_data.h"

static fsnn_status pad_prepare_generic(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	(void)ctx;
	const nn_pad_data *d = node->op_data;
	*accepted = d != NULL && d->elem_size >= 1 && d->elem_size <= sizeof d->value;
	return FSNN_OK;
}

typedef struct pad_job {
	const nn_pad_data *d;
	const uint8_t *in;
	uint8_t *out;
	size_t rows, per_task;   /* output rows: product of out_dims[0..4] */
} pad_job;

static void fill(uint8_t *dst, const uint8_t *value, size_t es, size_t n)
{
	if (es == 1) {
		memset(dst, value[0], n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(dst + i * es, value, es);
}

static void pad_task(void *arg, int task, int thread)
{
	(void)thread;
	const pad_job *j = arg;
	const nn_pad_data *d = j->d;
	const int64_t *n = d->in_dims, *o = d->out_dims, *b = d->before;
	const size_t es = d->elem_size, orow = (size_t)o[5] * es, irow = (size_t)n[5] * es;
	const size_t before = (size_t)b[5] * es, after = orow - before - irow;
	const size_t r0 = (size_t)task * j->per_task;
	const size_t r1 = r0 + j->per_task < j->rows ? r0 + j->per_task : j->rows;
	for (size_t r = r0; r < r1; r++) {
		uint8_t *dst = j->out + r * orow;
		/* Output index (dims 0..4) of row r, and the input row it reads. */
		size_t rem = r, in_row = 0, mul = 1;
		bool inside = true;
		for (int k = 4; k >= 0; k--) {
			const int64_t ok = (int64_t)(rem % (size_t)o[k]);
			rem /= (size_t)o[k];
			const int64_t ik = ok - b[k];
			if (ik < 0 || ik >= n[k])
				inside = false;
			in_row += (size_t)ik * mul;
			mul *= (size_t)n[k];
		}
		if (!inside) {
			fill(dst, d->value, es, (size_t)o[5]);
			continue;
		}
		fill(dst, d->value, es, before / es);
		memcpy(dst + before, j->in + in_row * irow, irow);
		fill(dst + before + irow, d->value, es, after / es);
	}
}

static fsnn_status pad_eval_generic(const nn_eval_ctx *ec, const nn_node *node)
{
	const nn_pad_data *d = node->op_data;
	pad_job j = { .d = d, .in = nn_in_data(ec, node, 0), .out = nn_out_data(ec, node, 0), .rows = 1 };
	for (int k = 0; k < 5; k++)
		j.rows *= (size_t)d->out_dims[k];
	const size_t orow = (size_t)d->out_dims[5] * d->elem_size;
	/* Tasks of at least 64 KiB, a few per thread. */
	size_t tasks = (size_t)ec->num_threads * 4, per = (j.rows + tasks - 1) / tasks;
	const size_t min_rows = orow ? (65536 + orow - 1) / orow : j.rows;
	if (per < min_rows)
		per = min_rows;
	if (per < 1)
		per = 1;
	j.per_task = per;
	if (j.rows > 0)
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
