/* SPDX-License-Identifier: BSD-3-Clause */
/* DEPTHWISE_CONV_2D for aarch64 NEON: 3x3 filters, stride 1 or 2 (the same
 * in both directions), no dilation, depth multiplier 1, int8 and uint8.
 * Other shapes are declined and run on the reference kernel.
 *
 * Per output pixel and 8 channels, the taps inside the input (the
 * reference skips padding taps, and so does this) each add
 * (x - in_zp) * (w - w_zp) into two int32x4 accumulators: both factors are
 * widened to int16 ([-255, 255] for uint8), so SMLAL's int16 x int16 ->
 * int32 products are exact, and its int32 sums wrap as the reference's
 * uint32 sums do. The filter is stored once at load as int16 with its zero
 * point already subtracted, [9][C rounded up to 8]. Channels past the last
 * multiple of 8 run the reference's scalar arithmetic. Output rows are
 * split over the context's threads; each task writes its own rows only. */
#include <string.h>

#include "arm_kernels.h"

typedef struct dw_neon_data {
	const int16_t *w;    /* [9][cpad]: w - w_zp */
	const int32_t *bias; /* [cpad], zeros past C */
	const float *scale;  /* [cpad] (fp32 requantisation), zeros past C */
	int32_t cpad;
} dw_neon_data;

static fsnn_status dw_neon_prepare(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	const nn_dw_data *d = node->op_data;
	const nn_tensor *in = nn_input(ctx, node, 0);
	const nn_tensor *w = nn_input(ctx, node, 1);
	*accepted = false;
	if (d == NULL || (d->type != FSNN_INT8 && d->type != FSNN_UINT8) || d->mult != 1 ||
	    w->data == NULL || w->dims[1] != 3 || w->dims[2] != 3 || d->win.dil_h != 1 ||
	    d->win.dil_w != 1 || d->win.stride_h != d->win.stride_w ||
	    (d->win.stride_h != 1 && d->win.stride_h != 2))
		return FSNN_OK;
	const bool u8 = d->type == FSNN_UINT8;
	/* The widening subtraction needs the zero point in the input's type. */
	if (u8 ? (d->wt.in_zp < 0 || d->wt.in_zp > 255) : (d->wt.in_zp < -128 || d->wt.in_zp > 127))
		return FSNN_OK;
	const int32_t c = in->dims[3], cpad = (c + 7) / 8 * 8;
	dw_neon_data *nd = nn_persistent_alloc(ctx, sizeof *nd);
	int16_t *wp = nd ? nn_persistent_alloc(ctx, (size_t)9 * (size_t)cpad * sizeof *wp) : NULL;
	int32_t *bias = wp ? nn_persistent_alloc(ctx, (size_t)cpad * sizeof *bias) : NULL;
	float *scale = bias ? nn_persistent_alloc(ctx, (size_t)cpad * sizeof *scale) : NULL;
	if (scale == NULL)
		return FSNN_E_NOMEM;
	for (int32_t t = 0; t < 9; t++)
		for (int32_t ch = 0; ch < c; ch++) {
			const uint8_t raw = w->data[(size_t)t * (size_t)c + (size_t)ch];
			wp[(size_t)t * (size_t)cpad + (size_t)ch] =
				(int16_t)(u8 ? (int32_t)raw - d->wt.w_zp : (int32_t)(int8_t)raw);
		}
	for (int32_t ch = 0; ch < c; ch++) {
		bias[ch] = d->wt.bias[ch];
		scale[ch] = d->wt.rq.fixed_point ? 0.0f : d->wt.rq.scale[ch];
	}
	*nd = (dw_neon_data){ .w = wp, .bias = bias, .scale = scale, .cpad = cpad };
	node->variant_data = nd;
	*accepted = true;
	return FSNN_OK;
}

typedef struct dw_job {
	const nn_dw_data *d;
	const dw_neon_data *nd;
	const uint8_t *x;
	uint8_t *y;
	int32_t ih, iw, c, oh, ow, stride;
	int32_t rows, rows_per_task;   /* rows = batch * oh */
} dw_job;

/* x - in_zp for 8 channels, as int16. */
static inline int16x8_t load_x8(const uint8_t *p, bool u8, uint8x8_t zp_u8, int8x8_t zp_s8)
{
	if (u8)   /* uint16 wrap-around gives the right int16 bits for [-255, 255] */
		return vreinterpretq_s16_u16(vsubl_u8(vld1_u8(p), zp_u8));
	return vsubl_s8(vld1_s8((const int8_t *)p), zp_s8);
}

/* Requantises and stores 8 accumulated channels ch .. ch+7 at out + ch. */
static inline void store8(const nn_ku_requant *rq, const dw_neon_data *nd, int32_t ch, int32x4_t a0,
			  int32x4_t a1, uint8_t *out, bool u8)
{
	if (!rq->fixed_point) {
		const float32x4_t lo = vdupq_n_f32((float)(rq->qmin - rq->out_zp));
		const float32x4_t hi = vdupq_n_f32((float)(rq->qmax - rq->out_zp));
		const int32x4_t ozp = vdupq_n_s32(rq->out_zp);
		vst1_u8(out + ch, nn_arm_narrow8(nn_arm_requant4(a0, vld1q_f32(nd->scale + ch), lo, hi, ozp),
						 nn_arm_requant4(a1, vld1q_f32(nd->scale + ch + 4), lo, hi, ozp),
						 u8));
		return;
	}
	int32_t acc[8];
	vst1q_s32(acc, a0);
	vst1q_s32(acc + 4, a1);
	for (int i = 0; i < 8; i++)   /* int8 and uint8 share the low byte */
		out[ch + i] = (uint8_t)nn_ku_requant_apply(rq, ch + i, acc[i]);
}

/* Channels ch0 .. c-1 of one output pixel whose taps inside the input are
 * ky0..ky1-1 x kx0..kx1-1 (base: index of tap (0, 0)'s input, which may
 * lie outside; only inside taps are read). Used for the border pixels and
 * for the last c % 8 channels of the others. */
static inline __attribute__((always_inline)) void dw_pixel(const dw_job *j, ptrdiff_t base,
							   int32_t ky0, int32_t ky1, int32_t kx0,
							   int32_t kx1, int32_t ch0, uint8_t *out, bool u8)
{
	const nn_dw_data *d = j->d;
	const dw_neon_data *nd = j->nd;
	const nn_ku_requant *rq = &d->wt.rq;
	const int32_t c = j->c, cpad = nd->cpad, c8 = c / 8 * 8;
	const ptrdiff_t row = (ptrdiff_t)j->iw * c;
	const uint8x8_t zp_u8 = vdup_n_u8((uint8_t)d->wt.in_zp);
	const int8x8_t zp_s8 = vdup_n_s8((int8_t)d->wt.in_zp);
	int32_t ch = ch0;
	for (; ch < c8; ch += 8) {
		int32x4_t a0 = vld1q_s32(nd->bias + ch), a1 = vld1q_s32(nd->bias + ch + 4);
		for (int32_t ky = ky0; ky < ky1; ky++)
			for (int32_t kx = kx0; kx < kx1; kx++) {
				const int16x8_t xv = load_x8(j->x + (base + ky * row + kx * c + ch), u8, zp_u8, zp_s8);
				const int16x8_t wv = vld1q_s16(nd->w + (size_t)(ky * 3 + kx) * (size_t)cpad + (size_t)ch);
				a0 = vmlal_s16(a0, vget_low_s16(xv), vget_low_s16(wv));
				a1 = vmlal_high_s16(a1, xv, wv);
			}
		store8(rq, nd, ch, a0, a1, out, u8);
	}
	/* The last c % 8 channels: the reference's arithmetic. */
	for (; ch < c; ch++) {
		uint32_t acc = (uint32_t)nd->bias[ch];
		for (int32_t ky = ky0; ky < ky1; ky++)
			for (int32_t kx = kx0; kx < kx1; kx++) {
				const uint8_t raw = j->x[base + ky * row + kx * c + ch];
				const int32_t xs = u8 ? (int32_t)raw : (int32_t)(int8_t)raw;
				acc += (uint32_t)((xs - d->wt.in_zp) *
						  (int32_t)nd->w[(size_t)(ky * 3 + kx) * (size_t)cpad + (size_t)ch]);
			}
		out[ch] = (uint8_t)nn_ku_requant_apply(rq, ch, (int32_t)acc);   /* int8 and uint8 share the low byte */
	}
}

/* Output pixels ox0 .. ox1-1 of a row whose nine taps are all inside the
 * input, channels 0 .. c8-1: per block of 8 channels the nine weight
 * vectors, bias and scales stay in registers across the row, and the
 * three input rows are walked with pointers, so the hot loop is 9 x (load,
 * widen, SMLAL, SMLAL2) plus the requantisation. x0: input of tap (0, 0)
 * of pixel ox0. */
static inline __attribute__((always_inline)) void dw_interior(const dw_job *j, const uint8_t *x0,
							      int32_t ox0, int32_t ox1, uint8_t *y0,
							      bool u8)
{
	const nn_dw_data *d = j->d;
	const dw_neon_data *nd = j->nd;
	const nn_ku_requant *rq = &d->wt.rq;
	const int32_t c = j->c, cpad = nd->cpad, c8 = c / 8 * 8;
	const size_t row = (size_t)j->iw * (size_t)c, step = (size_t)j->stride * (size_t)c;
	const size_t c1 = (size_t)c, c2 = 2 * (size_t)c;
	const uint8x8_t zp_u8 = vdup_n_u8((uint8_t)d->wt.in_zp);
	const int8x8_t zp_s8 = vdup_n_s8((int8_t)d->wt.in_zp);
	const float32x4_t lo = vdupq_n_f32((float)(rq->qmin - rq->out_zp));
	const float32x4_t hi = vdupq_n_f32((float)(rq->qmax - rq->out_zp));
	const int32x4_t ozp = vdupq_n_s32(rq->out_zp);
	for (int32_t ch = 0; ch < c8; ch += 8) {
		const int16_t *w = nd->w + ch;
		const int16x8_t w0 = vld1q_s16(w), w1 = vld1q_s16(w + cpad), w2 = vld1q_s16(w + 2 * cpad);
		const int16x8_t w3 = vld1q_s16(w + 3 * cpad), w4 = vld1q_s16(w + 4 * cpad);
		const int16x8_t w5 = vld1q_s16(w + 5 * cpad), w6 = vld1q_s16(w + 6 * cpad);
		const int16x8_t w7 = vld1q_s16(w + 7 * cpad), w8 = vld1q_s16(w + 8 * cpad);
		const int32x4_t b0 = vld1q_s32(nd->bias + ch), b1 = vld1q_s32(nd->bias + ch + 4);
		const float32x4_t s0 = vld1q_f32(nd->scale + ch), s1 = vld1q_f32(nd->scale + ch + 4);
		const uint8_t *p0 = x0 + ch, *p1 = p0 + row, *p2 = p1 + row;
		uint8_t *o = y0 + ch;
		for (int32_t ox = ox0; ox < ox1; ox++, p0 += step, p1 += step, p2 += step, o += c1) {
			int32x4_t a0 = b0, a1 = b1;
#define DW_TAP(p, off, wv)                                                        \
	do {                                                                      \
		const int16x8_t xv = load_x8((p) + (off), u8, zp_u8, zp_s8);      \
		a0 = vmlal_s16(a0, vget_low_s16(xv), vget_low_s16(wv));           \
		a1 = vmlal_high_s16(a1, xv, wv);                                  \
	} while (0)
			DW_TAP(p0, 0, w0); DW_TAP(p0, c1, w1); DW_TAP(p0, c2, w2);
			DW_TAP(p1, 0, w3); DW_TAP(p1, c1, w4); DW_TAP(p1, c2, w5);
			DW_TAP(p2, 0, w6); DW_TAP(p2, c1, w7); DW_TAP(p2, c2, w8);
#undef DW_TAP
			if (!rq->fixed_point)
				vst1_u8(o, nn_arm_narrow8(nn_arm_requant4(a0, s0, lo, hi, ozp),
							  nn_arm_requant4(a1, s1, lo, hi, ozp), u8));
			else
				store8(rq, nd, ch, a0, a1, o - ch, u8);
		}
	}
}

static inline __attribute__((always_inline)) void dw_rows_t(const dw_job *j, int task, bool u8)
{
	const nn_dw_data *d = j->d;
	const int32_t c = j->c, c8 = c / 8 * 8, s = j->stride;
	/* Output columns whose three taps are all inside: ix0 >= 0 and
	 * ix0 + 3 <= iw with ix0 = ox * s - pad_left. */
	int32_t oxa = (d->win.pad_left + s - 1) / s, oxb = (j->iw - 3 + d->win.pad_left) / s + 1;
	if (j->iw - 3 + d->win.pad_left < 0)
		oxb = 0;
	if (oxb > j->ow)
		oxb = j->ow;
	if (oxa > oxb)
		oxa = oxb;
	const int32_t r0 = task * j->rows_per_task;
	const int32_t r1 = r0 + j->rows_per_task < j->rows ? r0 + j->rows_per_task : j->rows;
	for (int32_t r = r0; r < r1; r++) {
		const int32_t b = r / j->oh, oy = r % j->oh;
		const int32_t iy0 = oy * s - d->win.pad_top;
		const int32_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + 3 > j->ih ? j->ih - iy0 : 3;
		const bool rows_inside = ky0 == 0 && ky1 == 3;
		uint8_t *yrow = j->y + ((size_t)b * j->oh + (size_t)oy) * j->ow * (size_t)c;
		if (rows_inside && oxa < oxb) {
			const size_t at = (((size_t)b * j->ih + (size_t)iy0) * j->iw +
					   (size_t)(oxa * s - d->win.pad_left)) * (size_t)c;
			dw_interior(j, j->x + at, oxa, oxb, yrow + (size_t)oxa * (size_t)c, u8);
		}
		for (int32_t ox = 0; ox < j->ow; ox++) {
			const bool interior = rows_inside && ox >= oxa && ox < oxb;
			if (interior && c8 == c)
				continue;
			const int32_t ix0 = ox * s - d->win.pad_left;
			const int32_t kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + 3 > j->iw ? j->iw - ix0 : 3;
			const ptrdiff_t base = (((ptrdiff_t)b * j->ih + iy0) * j->iw + ix0) * c;
			dw_pixel(j, base, ky0, ky1, kx0, kx1, interior ? c8 : 0, yrow + (size_t)ox * (size_t)c, u8);
		}
	}
}

static void dw_rows(void *arg, int task, int thread)
{
	(void)thread;
	const dw_job *j = arg;
	if (j->d->type == FSNN_UINT8)
		dw_rows_t(j, task, true);
	else
		dw_rows_t(j, task, false);
}

static fsnn_status dw_neon_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	const nn_tensor *in = nn_tensor_of(ec, node->inputs[0]);
	const nn_tensor *out = nn_tensor_of(ec, node->outputs[0]);
	dw_job j = {
		.d = node->op_data, .nd = node->variant_data,
		.x = nn_in_data(ec, node, 0), .y = nn_out_data(ec, node, 0),
		.ih = in->dims[1], .iw = in->dims[2], .c = in->dims[3],
		.oh = out->dims[1], .ow = out->dims[2],
	};
	j.stride = j.d->win.stride_h;
	j.rows = in->dims[0] * j.oh;
	/* A few tasks per thread balance uneven progress. */
	const int32_t tasks = ec->num_threads * 4;
	j.rows_per_task = (j.rows + tasks - 1) / tasks;
	if (j.rows_per_task < 1)
		j.rows_per_task = 1;
	nn_parallel_for(ec, (j.rows + j.rows_per_task - 1) / j.rows_per_task, dw_rows, &j);
	return FSNN_OK;
}

const nn_variant nn_variant_depthwise_conv_2d_neon = {
	.builtin = NN_OP_DEPTHWISE_CONV_2D, .name = "neon", .requires = NN_CPU_NEON,
	.prepare = dw_neon_prepare, .eval = dw_neon_eval,
};
