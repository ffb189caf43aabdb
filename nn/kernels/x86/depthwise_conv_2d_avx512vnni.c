/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DEPTHWISE_CONV_2D for x86-64 with AVX-512 (F/BW/VL/VNNI): the AVX2
 * kernel's method (depthwise_conv_2d_avx2.c) on 32 channels per vector,
 * for 32 or more channels. Widening and interleaving the inputs is what
 * bounds the AVX2 kernel (shuffle port); 512-bit vectors halve those
 * instructions per channel, and vpdpwssd fuses the multiply-add.
 *
 * Exactness as in the AVX2 kernel: the input zero point is folded into the
 * bias, padding taps read x = xz, int32 wrapping sums, nn_requant_fp32
 * lane for lane. The last channel block starts at C - 32 and overlaps the
 * one before it (those channels are computed twice, identically), so no
 * load or store is partial. Compiled with -mavx512f -mavx512bw -mavx512vl
 * -mavx512vnni.
 */
#include <immintrin.h>

#include "x86_kernels.h"

#define CB 32          /* channels per block */
#define MAX_TAPS 25

typedef struct dw_avx512_data {
	int32_t taps, pairs, nblocks;
	/* per block, per tap pair: 32 int16 in vpunpcklwd order (per 128-bit
	 * lane k: channels 8k..8k+3, taps t, t+1 interleaved), then 32 in
	 * vpunpckhwd order (channels 8k+4..8k+7); zero past the last tap */
	const int16_t *w;
	const int32_t *bias;       /* per block, lo/hi order: bias - xz * sum of weights */
	const float *scale;        /* per block, lo/hi order */
	int16_t xz;
	bool u8;
} dw_avx512_data;

/* First channel of block b (the last one overlaps). */
static inline int32_t block_start(int32_t b, int32_t C)
{
	return b * CB + CB <= C ? b * CB : C - CB;
}

/* Slot of block channel j in the lo (0..15) / hi (16..31) order. */
static int lohi_slot(int j)
{
	const int lane = j / 8, q = j % 8;
	return q < 4 ? lane * 4 + q : 16 + lane * 4 + (q - 4);
}

static fsnn_status dw_prepare_avx512(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	const nn_dw_data *d = node->op_data;
	const nn_tensor *w = nn_input(ctx, node, 1);
	*accepted = false;
	if (d == NULL || d->type == FSNN_FLOAT32 || d->mult != 1 || w == NULL || w->data == NULL)
		return FSNN_OK;
	const int32_t kh = w->dims[1], kw = w->dims[2], C = w->dims[3];
	if (kh * kw > MAX_TAPS || C < CB)
		return FSNN_OK;
	const bool u8 = d->type == FSNN_UINT8;
	const int32_t taps = kh * kw, pairs = (taps + 1) / 2, nblocks = (C + CB - 1) / CB;
	const size_t nch = (size_t)nblocks * CB;

	dw_avx512_data *g = nn_persistent_alloc(ctx, sizeof *g);
	int16_t *wp = g ? nn_persistent_alloc(ctx, nch * (size_t)pairs * 2 * sizeof *wp) : NULL;
	int32_t *bias = wp ? nn_persistent_alloc(ctx, nch * sizeof *bias) : NULL;
	float *scale = bias ? nn_persistent_alloc(ctx, nch * sizeof *scale) : NULL;
	if (scale == NULL)
		return FSNN_E_NOMEM;
	const uint8_t *raw = w->data;
	for (int32_t blk = 0; blk < nblocks; blk++) {
		const int32_t c0 = block_start(blk, C);
		for (int32_t j = 0; j < CB; j++) {
			const int32_t c = c0 + j, slot = lohi_slot(j);
			const size_t half = slot < 16 ? 0 : 32, pos = (size_t)(slot % 16) * 2;
			uint32_t wsum = 0;
			for (int32_t t = 0; t < taps; t++) {
				const size_t at = (size_t)t * (size_t)C + (size_t)c;
				const int32_t ws = u8 ? (int32_t)raw[at] - d->wt.w_zp : (int32_t)(int8_t)raw[at];
				wsum += (uint32_t)ws;
				wp[((size_t)blk * (size_t)pairs + (size_t)(t / 2)) * 64 + half + pos +
				   (size_t)(t % 2)] = (int16_t)ws;
			}
			const size_t o = (size_t)blk * CB + (size_t)slot;
			bias[o] = (int32_t)((uint32_t)d->wt.bias[c] - (uint32_t)d->wt.in_zp * wsum);
			scale[o] = d->wt.rq.fixed_point ? 0.0f : d->wt.rq.scale[c];
		}
	}
	*g = (dw_avx512_data){ .taps = taps, .pairs = pairs, .nblocks = nblocks, .w = wp,
			       .bias = bias, .scale = scale, .xz = (int16_t)d->wt.in_zp, .u8 = u8 };
	node->variant_data = g;
	*accepted = true;
	return FSNN_OK;
}

typedef struct dw_job {
	const nn_dw_data *d;
	const dw_avx512_data *g;
	const uint8_t *x;
	uint8_t *y;
	int32_t ih, iw, C, oh, ow, kh, kw;
	int32_t rows, rows_per_task;
} dw_job;

static inline __m512i load32(const uint8_t *p, bool u8)
{
	const __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)p);
	return u8 ? _mm512_cvtepu8_epi16(b) : _mm512_cvtepi8_epi16(b);
}

static inline void store_block(const dw_job *j, int32_t blk, int32_t c0, __m512i alo,
			       __m512i ahi, uint8_t *out)
{
	const dw_avx512_data *g = j->g;
	const nn_ku_requant *rq = &j->d->wt.rq;
	const int32_t *bias = g->bias + (size_t)blk * CB;
	alo = _mm512_add_epi32(alo, _mm512_loadu_si512((const void *)bias));
	ahi = _mm512_add_epi32(ahi, _mm512_loadu_si512((const void *)(bias + 16)));
	if (rq->fixed_point) {
		int32_t a[CB];
		_mm512_storeu_si512((void *)a, alo);
		_mm512_storeu_si512((void *)(a + 16), ahi);
		for (int c = 0; c < CB; c++)
			out[c] = (uint8_t)nn_ku_requant_apply(rq, c0 + c, a[lohi_slot(c)]);
		return;
	}
	const float *scale = g->scale + (size_t)blk * CB;
	const __m512 lo = _mm512_set1_ps((float)(rq->qmin - rq->out_zp));
	const __m512 hi = _mm512_set1_ps((float)(rq->qmax - rq->out_zp));
	const __m512 magic = _mm512_set1_ps(12582912.0f);
	const __m512i zp = _mm512_set1_epi32(rq->out_zp);
	__m512 vl = _mm512_mul_ps(_mm512_cvtepi32_ps(alo), _mm512_loadu_ps(scale));
	__m512 vh = _mm512_mul_ps(_mm512_cvtepi32_ps(ahi), _mm512_loadu_ps(scale + 16));
	vl = _mm512_min_ps(_mm512_max_ps(vl, lo), hi);
	vh = _mm512_min_ps(_mm512_max_ps(vh, lo), hi);
	vl = _mm512_sub_ps(_mm512_add_ps(vl, magic), magic);
	vh = _mm512_sub_ps(_mm512_add_ps(vh, magic), magic);
	const __m512i rl = _mm512_add_epi32(_mm512_cvttps_epi32(vl), zp);
	const __m512i rh = _mm512_add_epi32(_mm512_cvttps_epi32(vh), zp);
	/* packs undoes the unpacks' in-lane interleave; values are in range. */
	const __m512i w16 = _mm512_packs_epi32(rl, rh);
	const __m256i b = g->u8 ? _mm512_cvtusepi16_epi8(w16) : _mm512_cvtsepi16_epi8(w16);
	_mm256_storeu_si256((__m256i *)(void *)out, b);
}

static void run_rows(void *arg, int task, int thread)
{
	(void)thread;
	const dw_job *j = arg;
	const dw_avx512_data *g = j->g;
	const nn_ku_window *win = &j->d->win;
	const int32_t r0 = task * j->rows_per_task;
	const int32_t r1 = r0 + j->rows_per_task < j->rows ? r0 + j->rows_per_task : j->rows;
	const __m512i vxz = _mm512_set1_epi16(g->xz);
	const uint8_t *tap[MAX_TAPS + 1];
	for (int32_t r = r0; r < r1; r++) {
		const int32_t b = r / j->oh, oy = r % j->oh;
		const int32_t iy0 = oy * win->stride_h - win->pad_top;
		for (int32_t ox = 0; ox < j->ow; ox++) {
			const int32_t ix0 = ox * win->stride_w - win->pad_left;
			int t = 0;
			for (int32_t ky = 0; ky < j->kh; ky++) {
				const int32_t iy = iy0 + ky * win->dil_h;
				for (int32_t kx = 0; kx < j->kw; kx++, t++) {
					const int32_t ix = ix0 + kx * win->dil_w;
					tap[t] = iy >= 0 && iy < j->ih && ix >= 0 && ix < j->iw
						 ? j->x + (((size_t)b * j->ih + iy) * j->iw + ix) * j->C : NULL;
				}
			}
			tap[t] = NULL;   /* the odd tap's partner: zero weights */
			uint8_t *out = j->y + (((size_t)b * j->oh + oy) * j->ow + ox) * j->C;
			const int16_t *wb = g->w;
			for (int32_t blk = 0; blk < g->nblocks; blk++, wb += (size_t)g->pairs * 64) {
				const int32_t c0 = block_start(blk, j->C);
				__m512i alo = _mm512_setzero_si512(), ahi = _mm512_setzero_si512();
				for (int p = 0; p < g->pairs; p++) {
					const uint8_t *p0 = tap[2 * p], *p1 = tap[2 * p + 1];
					const __m512i x0 = p0 ? load32(p0 + c0, g->u8) : vxz;
					const __m512i x1 = p1 ? load32(p1 + c0, g->u8) : vxz;
					const int16_t *wv = wb + (size_t)p * 64;
					alo = _mm512_dpwssd_epi32(alo, _mm512_unpacklo_epi16(x0, x1),
								  _mm512_loadu_si512((const void *)wv));
					ahi = _mm512_dpwssd_epi32(ahi, _mm512_unpackhi_epi16(x0, x1),
								  _mm512_loadu_si512((const void *)(wv + 32)));
				}
				store_block(j, blk, c0, alo, ahi, out + c0);
			}
		}
	}
}

static fsnn_status dw_eval_avx512(const nn_eval_ctx *ec, const nn_node *node)
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
	j.rows = out->dims[0] * j.oh;
	const int32_t tasks = ec->num_threads * 4;
	j.rows_per_task = (j.rows + tasks - 1) / tasks;
	nn_parallel_for(ec, (j.rows + j.rows_per_task - 1) / j.rows_per_task, run_rows, &j);
	return FSNN_OK;
}

const nn_variant nn_variant_depthwise_conv_2d_avx512vnni = {
	.builtin = NN_OP_DEPTHWISE_CONV_2D, .name = "avx512vnni", .requires = NN_CPU_AVX512VNNI,
	.prepare = dw_prepare_avx512, .eval = dw_eval_avx512,
};
