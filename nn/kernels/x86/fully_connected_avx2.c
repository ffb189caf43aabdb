/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FULLY_CONNECTED for x86-64 with AVX2, 8-bit with constant weights: each
 * input row is widened once to int16 in per-thread scratch, and every
 * output is a dot product over 16 inputs per vpmaddwd (exact: |x| <= 255,
 * |w| <= 255) against weights widened and padded at load; output channels
 * are split over the context's threads. Compiled with -mavx2.
 *
 * Exactness: sum (x - xz) w = sum x w - xz sum w, with xz sum w taken out
 * of the bias at load; int32 wrapping sums, so their order does not
 * matter; requantisation through nn_ku_requant_apply per output, as the
 * reference does.
 */
#include <immintrin.h>
#include <string.h>

#include "x86_kernels.h"

#define KV 16          /* inputs per vector */
#define CHUNK 64       /* output channels per task */

typedef struct fc_avx2_data {
	int32_t kpad;
	const int16_t *w;      /* [n][kpad]: w - w_zp, zero past k */
	const int32_t *bias;   /* bias - xz * sum of the channel's weights */
	bool u8;
} fc_avx2_data;

static fsnn_status fc_prepare_avx2(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	const nn_fc_data *d = node->op_data;
	const nn_tensor *w = nn_input(ctx, node, 1);
	*accepted = false;
	if (d == NULL || d->type == FSNN_FLOAT32 || w == NULL || w->data == NULL || d->k < 1)
		return FSNN_OK;
	const bool u8 = d->type == FSNN_UINT8;
	const int32_t kpad = (d->k + KV - 1) / KV * KV;
	fc_avx2_data *g = nn_persistent_alloc(ctx, sizeof *g);
	int16_t *wp = g ? nn_persistent_alloc(ctx, (size_t)d->n * (size_t)kpad * sizeof *wp) : NULL;
	int32_t *bias = wp ? nn_persistent_alloc(ctx, (size_t)d->n * sizeof *bias) : NULL;
	if (bias == NULL)
		return FSNN_E_NOMEM;
	const uint8_t *raw = w->data;
	for (int32_t j = 0; j < d->n; j++) {
		uint32_t wsum = 0;
		for (int32_t i = 0; i < d->k; i++) {
			const size_t at = (size_t)j * (size_t)d->k + (size_t)i;
			const int32_t ws = u8 ? (int32_t)raw[at] - d->wt.w_zp : (int32_t)(int8_t)raw[at];
			wsum += (uint32_t)ws;
			wp[(size_t)j * (size_t)kpad + (size_t)i] = (int16_t)ws;
		}
		bias[j] = (int32_t)((uint32_t)d->wt.bias[j] - (uint32_t)d->wt.in_zp * wsum);
	}
	*g = (fc_avx2_data){ .kpad = kpad, .w = wp, .bias = bias, .u8 = u8 };
	const size_t need = (size_t)kpad * sizeof(int16_t) + 64;
	if (need > node->scratch_bytes)
		node->scratch_bytes = need;
	node->variant_data = g;
	*accepted = true;
	return FSNN_OK;
}

typedef struct fc_job {
	const nn_eval_ctx *ec;
	const nn_fc_data *d;
	const fc_avx2_data *g;
	const uint8_t *x;
	uint8_t *y;
	int32_t chunks;        /* tasks per row */
} fc_job;

static void fc_task(void *arg, int task, int thread)
{
	const fc_job *j = arg;
	const nn_fc_data *d = j->d;
	const fc_avx2_data *g = j->g;
	const int32_t r = task / j->chunks, j0 = (task % j->chunks) * CHUNK;
	const int32_t j1 = j0 + CHUNK < d->n ? j0 + CHUNK : d->n;
	/* The row widened to int16 (raw values; zero past k). */
	int16_t *xs = nn_thread_scratch(j->ec, thread);
	const uint8_t *xr = j->x + (size_t)r * (size_t)d->k;
	for (int32_t i = 0; i < d->k; i++)
		xs[i] = g->u8 ? (int16_t)xr[i] : (int16_t)(int8_t)xr[i];
	memset(xs + d->k, 0, (size_t)(g->kpad - d->k) * sizeof *xs);
	for (int32_t c = j0; c < j1; c++) {
		const int16_t *w = g->w + (size_t)c * (size_t)g->kpad;
		__m256i acc = _mm256_setzero_si256();
		for (int32_t i = 0; i < g->kpad; i += KV) {
			const __m256i vx = _mm256_loadu_si256((const __m256i *)(const void *)(xs + i));
			const __m256i vw = _mm256_loadu_si256((const __m256i *)(const void *)(w + i));
			acc = _mm256_add_epi32(acc, _mm256_madd_epi16(vx, vw));
		}
		__m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
		s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
		s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
		const int32_t sum = (int32_t)((uint32_t)_mm_cvtsi128_si32(s) + (uint32_t)g->bias[c]);
		j->y[(size_t)r * (size_t)d->n + (size_t)c] = (uint8_t)nn_ku_requant_apply(&d->wt.rq, c, sum);
	}
}

static fsnn_status fc_eval_avx2(const nn_eval_ctx *ec, const nn_node *node)
{
	const nn_fc_data *d = node->op_data;
	fc_job j = { .ec = ec, .d = d, .g = node->variant_data, .x = nn_in_data(ec, node, 0),
		     .y = nn_out_data(ec, node, 0), .chunks = (d->n + CHUNK - 1) / CHUNK };
	if (d->rows > 0 && d->n > 0)
		nn_parallel_for(ec, d->rows * j.chunks, fc_task, &j);
	return FSNN_OK;
}

const nn_variant nn_variant_fully_connected_avx2 = {
	.builtin = NN_OP_FULLY_CONNECTED, .name = "avx2", .requires = NN_CPU_AVX2,
	.prepare = fc_prepare_avx2, .eval = fc_eval_avx2,
};
