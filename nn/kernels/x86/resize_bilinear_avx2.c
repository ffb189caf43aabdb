/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RESIZE_BILINEAR for x86-64 with AVX2, 8-bit: XNNPACK's 11-bit fixed-point
 * interpolation (the reference's lerp_q11) on 8 values per vector in
 * int32, output rows over the context's threads. The source indices and
 * weights are the ones the reference prepare computed. The horizontal step
 * (t and b of lerp_q11) of a source row is kept in per-thread scratch and
 * reused by the next output rows that read that source row (upsampling by
 * 2, each source row serves about four output rows), so most output rows
 * only do the vertical step. Compiled with -mavx2.
 *
 * Exactness: each lane computes exactly the reference's int32 expression;
 * every intermediate fits in int32 (|t| <= 255 * 2^11, |acc| <= 255 * 2^22),
 * so vpmulld and the shifts give the same values. With 8 or more channels
 * the last block of a pixel starts at c - 8 and overlaps the one before;
 * overlapping lanes are computed twice with the same result.
 */
#include <immintrin.h>
#include <string.h>

#include "x86_kernels.h"

/* Per thread: two source rows interpolated horizontally, as int32. */
static size_t hrow_elems(const nn_resize_bilinear_data *d)
{
	return (size_t)d->out_w * (size_t)d->c;
}

static fsnn_status rb_prepare_avx2(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	(void)ctx;
	const nn_resize_bilinear_data *d = node->op_data;
	*accepted = false;
	if (d == NULL || (d->type != FSNN_INT8 && d->type != FSNN_UINT8))
		return FSNN_OK;
	const size_t need = 2 * hrow_elems(d) * sizeof(int32_t) + 64;
	if (need > node->scratch_bytes)
		node->scratch_bytes = need;
	*accepted = true;
	return FSNN_OK;
}

typedef struct rb_job {
	const nn_eval_ctx *ec;
	const nn_resize_bilinear_data *d;
	const uint8_t *x;
	uint8_t *y;
	int32_t rows, rows_per_task;   /* rows = batch * out_h */
} rb_job;

static inline __m256i ld8(const uint8_t *p, bool u8)
{
	const __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)p);
	return u8 ? _mm256_cvtepu8_epi32(b) : _mm256_cvtepi8_epi32(b);
}

/* h[x * c + k] = (l << 11) + (r - l) * ax for source row src: the
 * reference's t (or b) of every output column. */
static void horizontal(const nn_resize_bilinear_data *d, const uint8_t *src, int32_t *h)
{
	const bool u8 = d->type == FSNN_UINT8;
	const size_t c = (size_t)d->c;
	for (int32_t x = 0; x < d->out_w; x++, h += c) {
		const nn_bilinear_tap *tx = &d->tx[x];
		const uint8_t *l = src + (size_t)tx->i0 * c, *r = src + (size_t)tx->i1 * c;
		if (c < 8) {
			for (size_t k = 0; k < c; k++) {
				const int32_t vl = u8 ? l[k] : (int8_t)l[k], vr = u8 ? r[k] : (int8_t)r[k];
				h[k] = (int32_t)((uint32_t)vl << 11) + (vr - vl) * tx->w11;
			}
			continue;
		}
		const __m256i ax = _mm256_set1_epi32(tx->w11);
		/* The last block starts at c - 8, overlapping: same values twice. */
		for (size_t k = 0;; k += 8) {
			if (k + 8 > c)
				k = c - 8;
			const __m256i vl = ld8(l + k, u8), vr = ld8(r + k, u8);
			const __m256i t = _mm256_add_epi32(_mm256_slli_epi32(vl, 11),
							   _mm256_mullo_epi32(_mm256_sub_epi32(vr, vl), ax));
			_mm256_storeu_si256((__m256i *)(void *)(h + k), t);
			if (k + 8 == c)
				break;
		}
	}
}

static inline __m128i vertical8(const int32_t *t, const int32_t *b, __m256i ay, bool u8)
{
	const __m256i vt = _mm256_loadu_si256((const __m256i *)(const void *)t);
	const __m256i vb = _mm256_loadu_si256((const __m256i *)(const void *)b);
	__m256i acc = _mm256_add_epi32(_mm256_slli_epi32(vt, 11),
				       _mm256_mullo_epi32(_mm256_sub_epi32(vb, vt), ay));
	acc = _mm256_srai_epi32(_mm256_add_epi32(acc, _mm256_set1_epi32(1 << 21)), 22);
	/* In range already: the packs never saturate. */
	const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(acc),
					    _mm256_extracti128_si256(acc, 1));
	return u8 ? _mm_packus_epi16(w16, w16) : _mm_packs_epi16(w16, w16);
}

static void rb_rows(void *arg, int task, int thread)
{
	const rb_job *j = arg;
	const nn_resize_bilinear_data *d = j->d;
	const bool u8 = d->type == FSNN_UINT8;
	const size_t c = (size_t)d->c, row = (size_t)d->in_w * c, L = hrow_elems(d);
	int32_t *h[2];
	h[0] = (int32_t *)nn_thread_scratch(j->ec, thread);
	h[1] = h[0] + L;
	int64_t tag[2] = { -1, -1 };   /* batch * in_h + source row held by h[i] */
	const int32_t r0 = task * j->rows_per_task;
	const int32_t r1 = r0 + j->rows_per_task < j->rows ? r0 + j->rows_per_task : j->rows;
	for (int32_t r = r0; r < r1; r++) {
		const int32_t b = r / d->out_h, y = r % d->out_h;
		const nn_bilinear_tap *ty = &d->ty[y];
		const int64_t want[2] = { (int64_t)b * d->in_h + ty->i0, (int64_t)b * d->in_h + ty->i1 };
		/* Consecutive output rows share source rows: keep what is there. */
		const int32_t *hv[2];
		for (int q = 0; q < 2; q++) {
			int slot = tag[0] == want[q] ? 0 : tag[1] == want[q] ? 1 : -1;
			if (slot < 0) {
				/* Fill the slot that does not hold the other source row. */
				slot = tag[0] == want[1 - q] ? 1 : 0;
				horizontal(d, j->x + (size_t)want[q] * row, h[slot]);
				tag[slot] = want[q];
			}
			hv[q] = h[slot];
		}
		uint8_t *o = j->y + (size_t)r * L;
		const __m256i ay = _mm256_set1_epi32(ty->w11);
		if (L < 8) {
			for (size_t k = 0; k < L; k++) {
				const int32_t t = hv[0][k], bo = hv[1][k];
				const int32_t acc = (int32_t)((uint32_t)t << 11) + (bo - t) * ty->w11;
				o[k] = (uint8_t)((acc + (1 << 21)) >> 22);
			}
			continue;
		}
		for (size_t k = 0;; k += 8) {
			if (k + 8 > L)
				k = L - 8;
			_mm_storel_epi64((__m128i *)(void *)(o + k), vertical8(hv[0] + k, hv[1] + k, ay, u8));
			if (k + 8 == L)
				break;
		}
	}
}

static fsnn_status rb_eval_avx2(const nn_eval_ctx *ec, const nn_node *node)
{
	const nn_resize_bilinear_data *d = node->op_data;
	rb_job j = { .ec = ec, .d = d, .x = nn_in_data(ec, node, 0), .y = nn_out_data(ec, node, 0) };
	j.rows = d->n * d->out_h;
	const int32_t tasks = ec->num_threads * 4;
	j.rows_per_task = (j.rows + tasks - 1) / tasks;
	nn_parallel_for(ec, (j.rows + j.rows_per_task - 1) / j.rows_per_task, rb_rows, &j);
	return FSNN_OK;
}

const nn_variant nn_variant_resize_bilinear_avx2 = {
	.builtin = NN_OP_RESIZE_BILINEAR, .name = "avx2", .requires = NN_CPU_AVX2,
	.prepare = rb_prepare_avx2, .eval = rb_eval_avx2,
};
