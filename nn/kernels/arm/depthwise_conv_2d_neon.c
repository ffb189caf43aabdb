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

/* One output pixel, all channels. u8 and full (all nine taps inside the
 * input) are constants in each inlined copy, so the type test leaves the
 * tap loop and the interior pixels' taps are fully unrolled. */
static inline __attribute__((always_inline)) void dw_pixel(const dw_job *j, ptrdiff_t base,
							   int32_t ky0, int32_t ky1, int32_t kx0,
							   int32_t kx1, uint8_t *out, bool u8, bool full)
{
	const nn_dw_data *d = j->d;
	const dw_neon_data *nd = j->nd;
	const nn_ku_requant *rq = &d->wt.rq;
	const int32_t c = j->c, cpad = nd->cpad, c8 = c / 8 * 8;
	const ptrdiff_t row = (ptrdiff_t)j->iw * c;
	if (full) {
		ky0 = kx0 = 0;
		ky1 = kx1 = 3;
	}
	const uint8x8_t zp_u8 = vdup_n_u8((uint8_t)d->wt.in_zp);
	const int8x8_t zp_s8 = vdup_n_s8((int8_t)d->wt.in_zp);
	int32_t ch = 0;
	for (; ch < c8; ch += 8) {
		int32x4_t a0 = vld1q_s32(nd->bias + ch), a1 = vld1q_s32(nd->bias + ch + 4);
		for (int32_t ky = ky0; ky < ky1; ky++)
			for (int32_t kx = kx0; kx < kx1; kx++) {
				const int16x8_t xv = load_x8(j->x + (base + ky * row + kx * c + ch), u8, zp_u8, zp_s8);
				const int16x8_t wv = vld1q_s16(nd->w + (size_t)(ky * 3 + kx) * (size_t)cpad + (size_t)ch);
				a0 = vmlal_s16(a0, vget_low_s16(xv), vget_low_s16(wv));
				a1 = vmlal_high_s16(a1, xv, wv);
			}
		if (!rq->fixed_point) {
			const float32x4_t lo = vdupq_n_f32((float)(rq->qmin - rq->out_zp));
			const float32x4_t hi = vdupq_n_f32((float)(rq->qmax - rq->out_zp));
			const int32x4_t ozp = vdupq_n_s32(rq->out_zp);
			int32x4_t q0 = nn_arm_requant4(a0, vld1q_f32(nd->scale + ch), lo, hi, ozp);
			int32x4_t q1 = nn_arm_requant4(a1, vld1q_f32(nd->scale + ch + 4), lo, hi, ozp);
			vst1_u8(out + ch, nn_arm_narrow8(q0, q1, u8));
		} else {
			int32_t acc[8];
			vst1q_s32(acc, a0);
			vst1q_s32(acc + 4, a1);
			for (int i = 0; i < 8; i++)
				out[ch + i] = (uint8_t)nn_ku_requant_apply(rq, ch + i, acc[i]);
		}
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

static inline __attribute__((always_inline)) void dw_rows_t(const dw_job *j, int task, bool u8)
{
	const nn_dw_data *d = j->d;
	const int32_t c = j->c;
	const int32_t r0 = task * j->rows_per_task;
	const int32_t r1 = r0 + j->rows_per_task < j->rows ? r0 + j->rows_per_task : j->rows;
	for (int32_t r = r0; r < r1; r++) {
		const int32_t b = r / j->oh, oy = r % j->oh;
		const int32_t iy0 = oy * j->stride - d->win.pad_top;
		const int32_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + 3 > j->ih ? j->ih - iy0 : 3;
		for (int32_t ox = 0; ox < j->ow; ox++) {
			const int32_t ix0 = ox * j->stride - d->win.pad_left;
			const int32_t kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + 3 > j->iw ? j->iw - ix0 : 3;
			/* Index of tap (0, 0)'s input, which may lie outside:
			 * only the taps inside are read. */
			const ptrdiff_t base = (((ptrdiff_t)b * j->ih + iy0) * j->iw + ix0) * c;
			uint8_t *out = j->y + (((size_t)b * j->oh + (size_t)oy) * j->ow + (size_t)ox) * (size_t)c;
			if (ky0 == 0 && ky1 == 3 && kx0 == 0 && kx1 == 3)
				dw_pixel(j, base, 0, 3, 0, 3, out, u8, true);
			else
				dw_pixel(j, base, ky0, ky1, kx0, kx1, out, u8, false);
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
