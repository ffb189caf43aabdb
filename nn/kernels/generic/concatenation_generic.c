/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CONCATENATION in portable C: the reference's per-outer-index copies split
 * over the context's threads, and 8-bit inputs whose quantisation differs
 * from the output's requantised through a 256-entry table built at load
 * with the reference's formula (requantising a byte depends on nothing
 * else), instead of float arithmetic per element. Float outputs with a
 * fused activation stay on the reference.
 */
#include <math.h>
#include <string.h>

#include "../common/op_data.h"

/* Inputs per op this variant takes (their pointers live on the stack). */
#define MAX_INPUTS 64

typedef struct concat_fast {
	const uint8_t *lut;   /* 256 bytes per input; used where in[i].requant */
} concat_fast;

static fsnn_status concat_prepare_generic(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	const nn_concat_data *d = node->op_data;
	*accepted = false;
	if (d == NULL || d->outer == 0 || d->n > MAX_INPUTS || (d->is_float && (d->lo > -INFINITY || d->hi < INFINITY)))
		return FSNN_OK;
	concat_fast *f = nn_persistent_alloc(ctx, sizeof *f);
	uint8_t *lut = f ? nn_persistent_alloc(ctx, (size_t)d->n * 256) : NULL;
	if (lut == NULL)
		return FSNN_E_NOMEM;
	const bool is_int8 = d->qmin < 0;
	for (int i = 0; i < d->n; i++) {
		const nn_concat_input *ci = &d->in[i];
		if (!ci->requant)
			continue;
		/* The reference's requant_copy, once per byte value. */
		for (int raw = 0; raw < 256; raw++) {
			const int32_t q = is_int8 ? (int32_t)(int8_t)raw : raw;
			const float r = nn_round_away_f((float)q * ci->scale + ci->bias);
			/* A hostile file's scales can make this NaN or huge: leave such
			 * a node to the reference kernel rather than convert it. */
			if (!(r > -1e9f && r < 1e9f))
				return FSNN_OK;
			const int32_t v = (int32_t)r + d->out_zp;
			lut[(size_t)i * 256 + (size_t)raw] = (uint8_t)nn_clamp_i32(v, d->qmin, d->qmax);
		}
	}
	f->lut = lut;
	node->variant_data = f;
	*accepted = true;
	return FSNN_OK;
}

typedef struct concat_job {
	const nn_concat_data *d;
	const concat_fast *f;
	const uint8_t *const *src;   /* per input */
	uint8_t *out;
	size_t out_row, per_task;    /* output bytes per outer index; outer indices per task */
} concat_job;

static void concat_task(void *arg, int task, int thread)
{
	(void)thread;
	const concat_job *j = arg;
	const nn_concat_data *d = j->d;
	const size_t k0 = (size_t)task * j->per_task;
	const size_t k1 = k0 + j->per_task < d->outer ? k0 + j->per_task : d->outer;
	for (size_t k = k0; k < k1; k++) {
		uint8_t *out = j->out + k * j->out_row;
		for (int i = 0; i < d->n; i++) {
			const nn_concat_input *ci = &d->in[i];
			const uint8_t *src = j->src[i] + k * ci->copy_bytes;
			if (ci->requant) {
				const uint8_t *lut = j->f->lut + (size_t)i * 256;
				for (size_t b = 0; b < ci->copy_bytes; b++)
					out[b] = lut[src[b]];
			} else {
				memcpy(out, src, ci->copy_bytes);
			}
			out += ci->copy_bytes;
		}
	}
}


static fsnn_status concat_eval_generic(const nn_eval_ctx *ec, const nn_node *node)
{
	const nn_concat_data *d = node->op_data;
	const uint8_t *src[MAX_INPUTS];
	concat_job j = { .d = d, .f = node->variant_data, .src = src, .out = nn_out_data(ec, node, 0) };
	for (int i = 0; i < d->n; i++) {
		src[i] = nn_in_data(ec, node, i);
		j.out_row += d->in[i].copy_bytes;
	}
	/* Tasks of at least 64 KiB, a few per thread. */
	size_t tasks = (size_t)ec->num_threads * 4, per = (d->outer + tasks - 1) / tasks;
	const size_t min_rows = j.out_row ? (65536 + j.out_row - 1) / j.out_row : d->outer;
	if (per < min_rows)
		per = min_rows;
	j.per_task = per;
	nn_parallel_for(ec, (int)((d->outer + per - 1) / per), concat_task, &j);
	return FSNN_OK;
}

const nn_variant nn_variant_concatenation_generic = {
	.builtin = NN_OP_CONCATENATION, .name = "generic", .requires = NN_CPU_GENERIC,
	.prepare = concat_prepare_generic, .eval = concat_eval_generic,
};
