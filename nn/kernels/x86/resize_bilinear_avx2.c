/*
 * RESIZE_BILINEAR for x86-64 with AVX2, 8-bit: XNNPACK's 11-bit fixed-point
 * interpolation (the reference's lerp_q11) on 8 channels per vector in
 * int32, output rows over the context's threads. The source indices and
 * weights are the ones the reference prepare computed. Compiled with
 * -mavx2.
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

static fsnn_status rb_prepare_avx2(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	(void)ctx;
	const nn_resize_bilinear_data *d = node->op_data;
	*accepted = d != NULL && (d->type == FSNN_INT8 || d->type == FSNN_UINT8);
	return FSNN_OK;
}

typedef struct rb_job {
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

/* 8 channels of one output pixel from its four source pixels. */
static inline __m128i lerp8(const uint8_t *tl, const uint8_t *tr, const uint8_t *bl,
			    const uint8_t *br, __m256i ax, __m256i ay, bool u8)
{
	const __m256i vtl = ld8(tl, u8), vtr = ld8(tr, u8), vbl = ld8(bl, u8), vbr = ld8(br, u8);
	const __m256i t = _mm256_add_epi32(_mm256_slli_epi32(vtl, 11),
					   _mm256_mullo_epi32(_mm256_sub_epi32(vtr, vtl), ax));
	const __m256i b = _mm256_add_epi32(_mm256_slli_epi32(vbl, 11),
					   _mm256_mullo_epi32(_mm256_sub_epi32(vbr, vbl), ax));
	__m256i acc = _mm256_add_epi32(_mm256_slli_epi32(t, 11),
				       _mm256_mullo_epi32(_mm256_sub_epi32(b, t), ay));
	acc = _mm256_srai_epi32(_mm256_add_epi32(acc, _mm256_set1_epi32(1 << 21)), 22);
	/* In range already: the packs never saturate. */
	const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(acc),
					    _mm256_extracti128_si256(acc, 1));
	return u8 ? _mm_packus_epi16(w16, w16) : _mm_packs_epi16(w16, w16);
}

static void rb_rows(void *arg, int task, int thread)
{
	(void)thread;
	const rb_job *j = arg;
	const nn_resize_bilinear_data *d = j->d;
	const bool u8 = d->type == FSNN_UINT8;
	const size_t c = (size_t)d->c, row = (size_t)d->in_w * c;
	const int32_t r0 = task * j->rows_per_task;
	const int32_t r1 = r0 + j->rows_per_task < j->rows ? r0 + j->rows_per_task : j->rows;
	for (int32_t r = r0; r < r1; r++) {
		const int32_t b = r / d->out_h, y = r % d->out_h;
		const nn_bilinear_tap *ty = &d->ty[y];
		const uint8_t *img = j->x + (size_t)b * (size_t)d->in_h * row;
		const uint8_t *top = img + (size_t)ty->i0 * row, *bot = img + (size_t)ty->i1 * row;
		uint8_t *o = j->y + (size_t)r * (size_t)d->out_w * c;
		const __m256i ay = _mm256_set1_epi32(ty->w11);
		for (int32_t x = 0; x < d->out_w; x++, o += c) {
			const nn_bilinear_tap *tx = &d->tx[x];
			const size_t l = (size_t)tx->i0 * c, rt = (size_t)tx->i1 * c;
			const __m256i ax = _mm256_set1_epi32(tx->w11);
			if (c < 8) {
				/* Too narrow for a vector: through small copies. */
				uint8_t q[4][8] = { { 0 } }, res[16];
				memcpy(q[0], top + l, c);
				memcpy(q[1], top + rt, c);
				memcpy(q[2], bot + l, c);
				memcpy(q[3], bot + rt, c);
				_mm_storeu_si128((__m128i *)(void *)res, lerp8(q[0], q[1], q[2], q[3], ax, ay, u8));
				memcpy(o, res, c);
				continue;
			}
			for (size_t k = 0;; k += 8) {
				if (k + 8 > c)
					k = c - 8;
				_mm_storel_epi64((__m128i *)(void *)(o + k),
						 lerp8(top + l + k, top + rt + k, bot + l + k, bot + rt + k, ax, ay, u8));
				if (k + 8 == c)
					break;
			}
		}
	}
}

static fsnn_status rb_eval_avx2(const nn_eval_ctx *ec, const nn_node *node)
{
	const nn_resize_bilinear_data *d = node->op_data;
	rb_job j = { .d = d, .x = nn_in_data(ec, node, 0), .y = nn_out_data(ec, node, 0) };
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
