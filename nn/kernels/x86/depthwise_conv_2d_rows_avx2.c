/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DEPTHWISE_CONV_2D for x86-64 with AVX2, stride 1, no dilation, fewer than
 * 32 channels (the decoder layers of U-Net-like models: 5 to 19 channels
 * at full resolution), 8-bit, depth multiplier 1. The per-pixel kernels
 * spend a 16- or 32-channel vector on each pixel and waste most lanes
 * here. With stride 1 an output row, flattened to (x, c), is a 1-D
 * convolution of the flattened input rows: output element f reads input
 * element f + kx * C of row ky. So 16 consecutive output elements (across
 * pixels) are computed at once, lane i being channel (f + i) % C, with
 * weights packed at load for each of the C phases f % C. Each thread first
 * copies the kh input rows an output row needs into scratch, padded with
 * the input zero point, so the loop has no bounds tests. Compiled with
 * -mavx2.
 *
 * Exactness as in depthwise_conv_2d_avx2.c: the input zero point is folded
 * into the bias (padding reads x = xz and adds nothing), int32 wrapping
 * sums via vpmaddwd on tap pairs, nn_requant_fp32 lane for lane (or
 * nn_ku_requant_apply per element on the fixed-point path).
 */
#include <immintrin.h>
#include <string.h>

#include "x86_kernels.h"

#define V 16           /* output elements per vector */
#define MAX_C 31
#define MAX_TAPS 25
#define SLACK 64       /* readable bytes past a padded row */

typedef struct dw_rows_data {
	int32_t taps, pairs, C;
	/* per phase p (channel of lane 0), per tap pair: 16 int16 in vpunpcklwd
	 * order then 16 in vpunpckhwd order (see depthwise_conv_2d_avx2.c) */
	const int16_t *w;
	const int32_t *bias;   /* per phase: 16 in lo/hi order, xz folded in */
	const float *scale;    /* per phase: 16 in lo/hi order */
	size_t row_bytes;      /* one padded row in scratch, SLACK included */
	uint8_t xz;            /* input zero point as the raw byte */
	bool u8;
} dw_rows_data;

static int lohi_slot(int j)
{
	const int lane = j / 8, q = j % 8;
	return q < 4 ? lane * 4 + q : 8 + lane * 4 + (q - 4);
}

static size_t align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

static fsnn_status dw_rows_prepare(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	const nn_dw_data *d = node->op_data;
	const nn_tensor *w = nn_input(ctx, node, 1);
	const nn_tensor *out = nn_output(ctx, node, 0);
	*accepted = false;
	if (d == NULL || d->type == FSNN_FLOAT32 || d->mult != 1 || w == NULL || w->data == NULL ||
	    d->win.stride_h != 1 || d->win.stride_w != 1 || d->win.dil_h != 1 || d->win.dil_w != 1)
		return FSNN_OK;
	const int32_t kh = w->dims[1], kw = w->dims[2], C = w->dims[3];
	if (kh * kw > MAX_TAPS || C > MAX_C)
		return FSNN_OK;
	const bool u8 = d->type == FSNN_UINT8;
	const int32_t taps = kh * kw, pairs = (taps + 1) / 2;
	dw_rows_data *g = nn_persistent_alloc(ctx, sizeof *g);
	int16_t *wp = g ? nn_persistent_alloc(ctx, (size_t)C * (size_t)pairs * 32 * sizeof *wp) : NULL;
	int32_t *bias = wp ? nn_persistent_alloc(ctx, (size_t)C * V * sizeof *bias) : NULL;
	float *scale = bias ? nn_persistent_alloc(ctx, (size_t)C * V * sizeof *scale) : NULL;
	if (scale == NULL)
		return FSNN_E_NOMEM;
	const uint8_t *raw = w->data;
	for (int32_t p = 0; p < C; p++) {
		for (int32_t i = 0; i < V; i++) {
			const int32_t c = (p + i) % C, slot = lohi_slot(i);
			const size_t half = slot < 8 ? 0 : 16, pos = (size_t)(slot % 8) * 2;
			uint32_t wsum = 0;
			for (int32_t t = 0; t < taps; t++) {
				const size_t at = (size_t)t * (size_t)C + (size_t)c;
				const int32_t ws = u8 ? (int32_t)raw[at] - d->wt.w_zp : (int32_t)(int8_t)raw[at];
				wsum += (uint32_t)ws;
				wp[((size_t)p * (size_t)pairs + (size_t)(t / 2)) * 32 + half + pos + (size_t)(t % 2)] =
					(int16_t)ws;
			}
			const size_t o = (size_t)p * V + (size_t)slot;
			bias[o] = (int32_t)((uint32_t)d->wt.bias[c] - (uint32_t)d->wt.in_zp * wsum);
			scale[o] = d->wt.rq.fixed_point ? 0.0f : d->wt.rq.scale[c];
		}
	}
	const nn_tensor *in = nn_input(ctx, node, 0);
	const size_t need_px = (size_t)(out->dims[2] + kw - 1);
	const size_t have_px = (size_t)d->win.pad_left + (size_t)in->dims[2];
	*g = (dw_rows_data){
		.taps = taps, .pairs = pairs, .C = C, .w = wp, .bias = bias, .scale = scale,
		.row_bytes = align64((need_px > have_px ? need_px : have_px) * (size_t)C + SLACK),
		.xz = (uint8_t)d->wt.in_zp, .u8 = u8,
	};
	const size_t need = g->row_bytes * (size_t)kh;
	if (need > node->scratch_bytes)
		node->scratch_bytes = need;
	node->variant_data = g;
	*accepted = true;
	return FSNN_OK;
}

typedef struct dw_job {
	const nn_eval_ctx *ec;
	const nn_dw_data *d;
	const dw_rows_data *g;
	const uint8_t *x;
	uint8_t *y;
	int32_t ih, iw, oh, ow, kh, kw;
	int32_t rows, rows_per_task;
} dw_job;

static inline __m256i load16(const uint8_t *p, bool u8)
{
	const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)p);
	return u8 ? _mm256_cvtepu8_epi16(b) : _mm256_cvtepi8_epi16(b);
}

/* 16 output elements from flat position f of the padded rows; n <= 16 are
 * stored. */
static inline void chunk(const dw_job *j, uint8_t *const *rows, int32_t f, int n, uint8_t *out)
{
	const dw_rows_data *g = j->g;
	const nn_ku_requant *rq = &j->d->wt.rq;
	const int32_t C = g->C, phase = f % C;
	const int16_t *wb = g->w + (size_t)phase * (size_t)g->pairs * 32;
	__m256i alo = _mm256_setzero_si256(), ahi = _mm256_setzero_si256();
	for (int p = 0; p < g->pairs; p++) {
		const int t0 = 2 * p, t1 = 2 * p + 1;
		const __m256i x0 = load16(rows[t0 / j->kw] + f + (t0 % j->kw) * C, g->u8);
		/* past the last tap the weights are zero: any x will do */
		const __m256i x1 = t1 < g->taps ? load16(rows[t1 / j->kw] + f + (t1 % j->kw) * C, g->u8) : x0;
		const __m256i *wv = (const __m256i *)(const void *)(wb + (size_t)p * 32);
		alo = _mm256_add_epi32(alo, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1),
							      _mm256_loadu_si256(wv)));
		ahi = _mm256_add_epi32(ahi, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1),
							      _mm256_loadu_si256(wv + 1)));
	}
	const int32_t *bias = g->bias + (size_t)phase * V;
	alo = _mm256_add_epi32(alo, _mm256_loadu_si256((const __m256i *)(const void *)bias));
	ahi = _mm256_add_epi32(ahi, _mm256_loadu_si256((const __m256i *)(const void *)(bias + 8)));
	uint8_t res[V];
	if (rq->fixed_point) {
		int32_t a[V];
		_mm256_storeu_si256((__m256i *)(void *)a, alo);
		_mm256_storeu_si256((__m256i *)(void *)(a + 8), ahi);
		for (int i = 0; i < n; i++)
			out[i] = (uint8_t)nn_ku_requant_apply(rq, (phase + i) % C, a[lohi_slot(i)]);
		return;
	}
	const float *scale = g->scale + (size_t)phase * V;
	const __m256 lo = _mm256_set1_ps((float)(rq->qmin - rq->out_zp));
	const __m256 hi = _mm256_set1_ps((float)(rq->qmax - rq->out_zp));
	const __m256 magic = _mm256_set1_ps(12582912.0f);
	const __m256i zp = _mm256_set1_epi32(rq->out_zp);
	__m256 vl = _mm256_mul_ps(_mm256_cvtepi32_ps(alo), _mm256_loadu_ps(scale));
	__m256 vh = _mm256_mul_ps(_mm256_cvtepi32_ps(ahi), _mm256_loadu_ps(scale + 8));
	vl = _mm256_min_ps(_mm256_max_ps(vl, lo), hi);
	vh = _mm256_min_ps(_mm256_max_ps(vh, lo), hi);
	vl = _mm256_sub_ps(_mm256_add_ps(vl, magic), magic);
	vh = _mm256_sub_ps(_mm256_add_ps(vh, magic), magic);
	const __m256i rl = _mm256_add_epi32(_mm256_cvttps_epi32(vl), zp);
	const __m256i rh = _mm256_add_epi32(_mm256_cvttps_epi32(vh), zp);
	const __m256i w16 = _mm256_packs_epi32(rl, rh);
	const __m128i l16 = _mm256_castsi256_si128(w16), h16 = _mm256_extracti128_si256(w16, 1);
	const __m128i b = g->u8 ? _mm_packus_epi16(l16, h16) : _mm_packs_epi16(l16, h16);
	if (n == V) {
		_mm_storeu_si128((__m128i *)(void *)out, b);
		return;
	}
	_mm_storeu_si128((__m128i *)(void *)res, b);
	memcpy(out, res, (size_t)n);
}

static void run_rows(void *arg, int task, int thread)
{
	const dw_job *j = arg;
	const dw_rows_data *g = j->g;
	const nn_ku_window *win = &j->d->win;
	const int32_t C = g->C, L = j->ow * C;
	const size_t pl = (size_t)win->pad_left * (size_t)C, in_row = (size_t)j->iw * (size_t)C;
	uint8_t *rows[MAX_TAPS];
	uint8_t *scratch = nn_thread_scratch(j->ec, thread);
	for (int32_t ky = 0; ky < j->kh; ky++)
		rows[ky] = scratch + (size_t)ky * g->row_bytes;
	const int32_t r0 = task * j->rows_per_task;
	const int32_t r1 = r0 + j->rows_per_task < j->rows ? r0 + j->rows_per_task : j->rows;
	for (int32_t r = r0; r < r1; r++) {
		const int32_t b = r / j->oh, oy = r % j->oh;
		/* The padded input rows of this output row. */
		for (int32_t ky = 0; ky < j->kh; ky++) {
			const int32_t iy = oy - win->pad_top + ky;
			uint8_t *dst = rows[ky];
			if (iy < 0 || iy >= j->ih) {
				memset(dst, g->xz, g->row_bytes);
				continue;
			}
			memset(dst, g->xz, pl);
			memcpy(dst + pl, j->x + ((size_t)b * (size_t)j->ih + (size_t)iy) * in_row, in_row);
			memset(dst + pl + in_row, g->xz, g->row_bytes - pl - in_row);
		}
		uint8_t *out = j->y + (size_t)r * (size_t)L;
		if (L < V) {
			chunk(j, rows, 0, L, out);
			continue;
		}
		/* The last chunk starts at L - 16, overlapping: any phase has weights. */
		for (int32_t f = 0;; f += V) {
			if (f + V > L)
				f = L - V;
			chunk(j, rows, f, V, out + f);
			if (f + V == L)
				break;
		}
	}
}

static fsnn_status dw_rows_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	const nn_tensor *in = nn_tensor_of(ec, node->inputs[0]);
	const nn_tensor *w = nn_tensor_of(ec, node->inputs[1]);
	const nn_tensor *out = nn_tensor_of(ec, node->outputs[0]);
	dw_job j = {
		.ec = ec, .d = node->op_data, .g = node->variant_data,
		.x = nn_in_data(ec, node, 0), .y = nn_out_data(ec, node, 0),
		.ih = in->dims[1], .iw = in->dims[2], .oh = out->dims[1], .ow = out->dims[2],
		.kh = w->dims[1], .kw = w->dims[2],
	};
	j.rows = out->dims[0] * j.oh;
	const int32_t tasks = ec->num_threads * 4;
	j.rows_per_task = (j.rows + tasks - 1) / tasks;
	nn_parallel_for(ec, (j.rows + j.rows_per_task - 1) / j.rows_per_task, run_rows, &j);
	return FSNN_OK;
}

const nn_variant nn_variant_depthwise_conv_2d_rows_avx2 = {
	.builtin = NN_OP_DEPTHWISE_CONV_2D, .name = "avx2-rows", .requires = NN_CPU_AVX2,
	.prepare = dw_rows_prepare, .eval = dw_rows_eval,
};
