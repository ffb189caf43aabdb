/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DEPTHWISE_CONV_2D for x86-64 with AVX2: 8-bit, depth multiplier 1, any
 * filter up to 5x5, any stride and dilation. Vectorised over 16 channels:
 * inputs are widened to int16 and two filter taps at a time are
 * interleaved and multiplied pairwise into int32 with vpmaddwd (exact:
 * |x| <= 255 and |w| <= 255, so no product pair reaches the one overflowing
 * case). Output rows are split over the context's threads. Compiled with
 * -mavx2.
 *
 * Exactness: the input zero point is folded out of the loop,
 *   sum_t (x_t - xz) w_t = sum_t x_t w_t - xz sum_t w_t,
 * with xz sum_t w_t (over all taps) taken out of the bias at load; taps in
 * the padding read x = xz, so they add exactly nothing, as in the
 * reference which skips them. All sums are int32 wrapping, so their order
 * does not matter. Requantisation is nn_requant_fp32 lane for lane (or
 * nn_ku_requant_apply per element on the fixed-point path).
 */
#include <immintrin.h>
#include <string.h>

#include "x86_kernels.h"

#define CB 16          /* channels per block */
#define MAX_TAPS 25
#define MAX_PAIRS ((MAX_TAPS + 1) / 2)

typedef struct dw_avx2_data {
	int32_t taps, pairs, nblocks;
	/* per block, per tap pair: 16 int16 in vpunpcklwd order (channels
	 * 0-3 | 8-11, taps t, t+1 interleaved) then 16 in vpunpckhwd order
	 * (channels 4-7 | 12-15); zero past the last tap and channel */
	const int16_t *w;
	/* per block: 16 entries in the same lo/hi order (0-3, 8-11, 4-7, 12-15) */
	const int32_t *bias;       /* bias - xz * sum of the channel's weights */
	const float *scale;
	int16_t xz;                /* input zero point (raw byte domain) */
	bool u8;
} dw_avx2_data;

/* Position of channel j of a block in the lo/hi order. */
static int lohi_slot(int j)
{
	const int lane = j / 8, q = j % 8;
	return q < 4 ? lane * 4 + q : 8 + lane * 4 + (q - 4);
}

static fsnn_status dw_prepare_avx2(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	const nn_dw_data *d = node->op_data;
	const nn_tensor *w = nn_input(ctx, node, 1);
	*accepted = false;
	if (d == NULL || d->type == FSNN_FLOAT32 || d->mult != 1 || w == NULL || w->data == NULL)
		return FSNN_OK;
	const int32_t kh = w->dims[1], kw = w->dims[2], C = w->dims[3];
	if (kh * kw > MAX_TAPS)
		return FSNN_OK;
	const bool u8 = d->type == FSNN_UINT8;
	const int32_t taps = kh * kw, pairs = (taps + 1) / 2, nblocks = (C + CB - 1) / CB;
	const size_t nch = (size_t)nblocks * CB;

	dw_avx2_data *g = nn_persistent_alloc(ctx, sizeof *g);
	int16_t *wp = g ? nn_persistent_alloc(ctx, (size_t)nblocks * (size_t)pairs * 32 * sizeof *wp) : NULL;
	int32_t *bias = wp ? nn_persistent_alloc(ctx, nch * sizeof *bias) : NULL;
	float *scale = bias ? nn_persistent_alloc(ctx, nch * sizeof *scale) : NULL;
	if (scale == NULL)
		return FSNN_E_NOMEM;
	const uint8_t *raw = w->data;
	for (int32_t c = 0; c < C; c++) {
		const int32_t blk = c / CB, j = c % CB, slot = lohi_slot(j);
		/* slot < 8: the lo vector, else hi; 2 int16 per channel per pair */
		const size_t half = slot < 8 ? 0 : 16, pos = (size_t)(slot % 8) * 2;
		uint32_t wsum = 0;
		for (int32_t t = 0; t < taps; t++) {
			const size_t at = (size_t)t * (size_t)C + (size_t)c;
			const int32_t ws = u8 ? (int32_t)raw[at] - d->wt.w_zp : (int32_t)(int8_t)raw[at];
			wsum += (uint32_t)ws;
			wp[((size_t)blk * (size_t)pairs + (size_t)(t / 2)) * 32 + half + pos + (size_t)(t % 2)] =
				(int16_t)ws;
		}
		const size_t o = (size_t)blk * CB + (size_t)slot;
		bias[o] = (int32_t)((uint32_t)d->wt.bias[c] - (uint32_t)d->wt.in_zp * wsum);
		scale[o] = d->wt.rq.fixed_point ? 0.0f : d->wt.rq.scale[c];
	}
	*g = (dw_avx2_data){ .taps = taps, .pairs = pairs, .nblocks = nblocks, .w = wp,
			     .bias = bias, .scale = scale, .xz = (int16_t)d->wt.in_zp, .u8 = u8 };
	node->variant_data = g;
	*accepted = true;
	return FSNN_OK;
}

typedef struct dw_job {
	const nn_dw_data *d;
	const dw_avx2_data *g;
	const uint8_t *x, *x_end;
	uint8_t *y;
	int32_t ih, iw, C, oh, ow, kh, kw;
	int32_t rows, rows_per_task;   /* rows = batch * oh */
} dw_job;

/* 16 input bytes widened to int16. Past the last channel the bytes belong
 * to the next pixel and meet zero weights, so only the tensor's end needs
 * a partial copy. */
static inline __m256i load16(const uint8_t *p, const uint8_t *end, bool u8)
{
	__m128i b;
	const ptrdiff_t n = end - p;
	if (n >= CB) {
		b = _mm_loadu_si128((const __m128i *)(const void *)p);
	} else {
		uint8_t tmp[CB] = { 0 };
		memcpy(tmp, p, (size_t)n);
		b = _mm_loadu_si128((const __m128i *)(const void *)tmp);
	}
	return u8 ? _mm256_cvtepu8_epi16(b) : _mm256_cvtepi8_epi16(b);
}

/* Requantises the block's accumulators (lo/hi order) and stores n bytes. */
static inline void store_block(const dw_job *j, int32_t c0, int n, __m256i alo, __m256i ahi,
			       uint8_t *out)
{
	const dw_avx2_data *g = j->g;
	const nn_ku_requant *rq = &j->d->wt.rq;
	const int32_t *bias = g->bias + c0;
	alo = _mm256_add_epi32(alo, _mm256_loadu_si256((const __m256i *)(const void *)bias));
	ahi = _mm256_add_epi32(ahi, _mm256_loadu_si256((const __m256i *)(const void *)(bias + 8)));
	if (rq->fixed_point) {
		int32_t a[CB];
		_mm256_storeu_si256((__m256i *)(void *)a, alo);
		_mm256_storeu_si256((__m256i *)(void *)(a + 8), ahi);
		for (int c = 0; c < n; c++)
			out[c] = (uint8_t)nn_ku_requant_apply(rq, c0 + c, a[lohi_slot(c)]);
		return;
	}
	const __m256 lo = _mm256_set1_ps((float)(rq->qmin - rq->out_zp));
	const __m256 hi = _mm256_set1_ps((float)(rq->qmax - rq->out_zp));
	const __m256 magic = _mm256_set1_ps(12582912.0f);
	const __m256i zp = _mm256_set1_epi32(rq->out_zp);
	__m256 vl = _mm256_mul_ps(_mm256_cvtepi32_ps(alo), _mm256_loadu_ps(g->scale + c0));
	__m256 vh = _mm256_mul_ps(_mm256_cvtepi32_ps(ahi), _mm256_loadu_ps(g->scale + c0 + 8));
	vl = _mm256_min_ps(_mm256_max_ps(vl, lo), hi);
	vh = _mm256_min_ps(_mm256_max_ps(vh, lo), hi);
	vl = _mm256_sub_ps(_mm256_add_ps(vl, magic), magic);
	vh = _mm256_sub_ps(_mm256_add_ps(vh, magic), magic);
	const __m256i rl = _mm256_add_epi32(_mm256_cvttps_epi32(vl), zp);
	const __m256i rh = _mm256_add_epi32(_mm256_cvttps_epi32(vh), zp);
	/* packs undoes the unpack's in-lane interleave: channels come out in
	 * order; values are in range, so nothing saturates. */
	const __m256i w16 = _mm256_packs_epi32(rl, rh);
	const __m128i l16 = _mm256_castsi256_si128(w16), h16 = _mm256_extracti128_si256(w16, 1);
	const __m128i b = g->u8 ? _mm_packus_epi16(l16, h16) : _mm_packs_epi16(l16, h16);
	if (n == CB) {
		_mm_storeu_si128((__m128i *)(void *)out, b);
	} else {
		uint8_t tmp[CB];
		_mm_storeu_si128((__m128i *)(void *)tmp, b);
		memcpy(out, tmp, (size_t)n);
	}
}

static void run_rows(void *arg, int task, int thread)
{
	(void)thread;
	const dw_job *j = arg;
	const dw_avx2_data *g = j->g;
	const nn_ku_window *win = &j->d->win;
	const int32_t r0 = task * j->rows_per_task;
	const int32_t r1 = r0 + j->rows_per_task < j->rows ? r0 + j->rows_per_task : j->rows;
	const __m256i vxz = _mm256_set1_epi16(g->xz);
	const __m256i zero = _mm256_setzero_si256();
	const uint8_t *tap[MAX_PAIRS * 2];
	for (int32_t r = r0; r < r1; r++) {
		const int32_t b = r / j->oh, oy = r % j->oh;
		const int32_t iy0 = oy * win->stride_h - win->pad_top;
		for (int32_t ox = 0; ox < j->ow; ox++) {
			const int32_t ix0 = ox * win->stride_w - win->pad_left;
			/* NULL = a tap in the padding (reads xz) */
			int t = 0;
			for (int32_t ky = 0; ky < j->kh; ky++) {
				const int32_t iy = iy0 + ky * win->dil_h;
				for (int32_t kx = 0; kx < j->kw; kx++, t++) {
					const int32_t ix = ix0 + kx * win->dil_w;
					tap[t] = iy >= 0 && iy < j->ih && ix >= 0 && ix < j->iw
						 ? j->x + (((size_t)b * j->ih + iy) * j->iw + ix) * j->C : NULL;
				}
			}
			uint8_t *out = j->y + (((size_t)b * j->oh + oy) * j->ow + ox) * j->C;
			const int16_t *wb = g->w;
			for (int32_t blk = 0; blk < g->nblocks; blk++, wb += (size_t)g->pairs * 32) {
				const int32_t c0 = blk * CB;
				const int n = j->C - c0 < CB ? j->C - c0 : CB;
				__m256i alo = zero, ahi = zero;
				for (int p = 0; p < g->pairs; p++) {
					const uint8_t *p0 = tap[2 * p];
					const uint8_t *p1 = 2 * p + 1 < g->taps ? tap[2 * p + 1] : NULL;
					const __m256i x0 = p0 ? load16(p0 + c0, j->x_end, g->u8) : vxz;
					/* past the last tap the weights are zero: any x will do */
					const __m256i x1 = p1 ? load16(p1 + c0, j->x_end, g->u8) : vxz;
					const __m256i *wv = (const __m256i *)(const void *)(wb + (size_t)p * 32);
					alo = _mm256_add_epi32(alo, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1),
										      _mm256_loadu_si256(wv)));
					ahi = _mm256_add_epi32(ahi, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1),
										      _mm256_loadu_si256(wv + 1)));
				}
				store_block(j, c0, n, alo, ahi, out + c0);
			}
		}
	}
}

static fsnn_status dw_eval_avx2(const nn_eval_ctx *ec, const nn_node *node)
{
	const nn_tensor *in = nn_tensor_of(ec, node->inputs[0]);
	const nn_tensor *w = nn_tensor_of(ec, node->inputs[1]);
	const nn_tensor *out = nn_tensor_of(ec, node->outputs[0]);
	dw_job j = {
		.d = node->op_data, .g = node->variant_data,
		.x = nn_in_data(ec, node, 0), .y = nn_out_data(ec, node, 0),
		.ih = in->dims[1], .iw = in->dims[2], .C = in->dims[3],
		.oh = out->dims[1], .ow = out->dims[2], .kh = w->dims[1], .kw = w->dims[2],
	};
	j.x_end = j.x + in->bytes;
	j.rows = out->dims[0] * j.oh;
	/* A few tasks per thread balance uneven progress. */
	const int32_t tasks = ec->num_threads * 4;
	j.rows_per_task = (j.rows + tasks - 1) / tasks;
	nn_parallel_for(ec, (j.rows + j.rows_per_task - 1) / j.rows_per_task, run_rows, &j);
	return FSNN_OK;
}

const nn_variant nn_variant_depthwise_conv_2d_avx2 = {
	.builtin = NN_OP_DEPTHWISE_CONV_2D, .name = "avx2", .requires = NN_CPU_AVX2,
	.prepare = dw_prepare_avx2, .eval = dw_eval_avx2,
};
