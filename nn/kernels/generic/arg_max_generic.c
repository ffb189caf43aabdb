/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARG_MAX of 8-bit tensors along the last axis (a segmentation model's
 * class scores per pixel) in portable C: integer compares on the raw
 * bytes instead of the reference's doubles (the same order: raw 8-bit
 * values order as the real values, and both keep the first index of a tie
 * by comparing with strict >), pixels split over the context's threads.
 * Other axes and types stay on the reference.
 */
#include <string.h>

#include "../common/op_data.h"

#define CHUNK 4096   /* output elements per task */

static fsnn_status arg_max_prepare_generic(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	(void)ctx;
	const nn_arg_max_data *d = node->op_data;
	*accepted = d != NULL && d->inner == 1 && d->axis_len >= 1 &&
		    (d->in_type == FSNN_INT8 || d->in_type == FSNN_UINT8);
	return FSNN_OK;
}

typedef struct arg_max_job {
	const nn_arg_max_data *d;
	const uint8_t *x;
	void *y;
} arg_max_job;

/* Index of the first largest of n values; flip maps a raw byte to an
 * unsigned key of the same order (0x80 for int8, 0 for uint8). Two passes
 * without data-dependent branches: the largest key (four independent
 * running maxima), then the first byte equal to it (memchr, vectorised in
 * the C library). The first occurrence is the reference's tie rule. */
static size_t first_max(const uint8_t *p, size_t n, uint8_t flip)
{
	uint8_t m0 = 0, m1 = 0, m2 = 0, m3 = 0;
	size_t k = 0;
	for (; k + 4 <= n; k += 4) {
		const uint8_t v0 = p[k] ^ flip, v1 = p[k + 1] ^ flip;
		const uint8_t v2 = p[k + 2] ^ flip, v3 = p[k + 3] ^ flip;
		m0 = v0 > m0 ? v0 : m0;
		m1 = v1 > m1 ? v1 : m1;
		m2 = v2 > m2 ? v2 : m2;
		m3 = v3 > m3 ? v3 : m3;
	}
	for (; k < n; k++) {
		const uint8_t v = p[k] ^ flip;
		m0 = v > m0 ? v : m0;
	}
	m0 = m1 > m0 ? m1 : m0;
	m2 = m3 > m2 ? m3 : m2;
	m0 = m2 > m0 ? m2 : m0;
	const uint8_t *at = memchr(p, m0 ^ flip, n);
	return at != NULL ? (size_t)(at - p) : 0;   /* always found */
}

static void arg_max_task(void *arg, int task, int thread)
{
	(void)thread;
	const arg_max_job *j = arg;
	const nn_arg_max_data *d = j->d;
	const uint8_t flip = d->in_type == FSNN_INT8 ? 0x80 : 0x00;
	const size_t o0 = (size_t)task * CHUNK, o1 = o0 + CHUNK < d->outer ? o0 + CHUNK : d->outer;
	for (size_t o = o0; o < o1; o++) {
		const size_t k = first_max(j->x + o * d->axis_len, d->axis_len, flip);
		if (d->out_type == FSNN_INT32)
			((int32_t *)j->y)[o] = (int32_t)k;
		else
			((int64_t *)j->y)[o] = (int64_t)k;
	}
}

static fsnn_status arg_max_eval_generic(const nn_eval_ctx *ec, const nn_node *node)
{
	const nn_arg_max_data *d = node->op_data;
	arg_max_job j = { .d = d, .x = nn_in_data(ec, node, 0), .y = nn_out_data(ec, node, 0) };
	if (d->outer > 0)
		nn_parallel_for(ec, (int)((d->outer + CHUNK - 1) / CHUNK), arg_max_task, &j);
	return FSNN_OK;
}

const nn_variant nn_variant_arg_max_generic = {
	.builtin = NN_OP_ARG_MAX, .name = "generic", .requires = NN_CPU_GENERIC,
	.prepare = arg_max_prepare_generic, .eval = arg_max_eval_generic,
};
