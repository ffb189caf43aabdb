/* SPDX-License-Identifier: BSD-3-Clause */
/* The target-independent half of the fast 8-bit convolutions; see
 * conv_gemm.h for the arithmetic. */
#include <string.h>

#include "conv_gemm.h"

typedef struct conv_gemm_data {
	const nn_gemm_ukernel *uk;
	int32_t K, kpad, nblocks;
	const void *wpack;          /* nblocks x [kpad/kr][nr][kr] */
	const int32_t *bias;        /* nblocks * nr: bias with the constant terms folded in */
	const float *scale;         /* nblocks * nr, fp32 requantisation */
	int32_t xz, wz;             /* zero points in the signed domain */
	bool u8;                    /* uint8 tensors (shifted by -128) */
	size_t xbuf_bytes, acc_bytes;
} conv_gemm_data;

static size_t elem_size(enum nn_gemm_xfmt f)
{
	return f == NN_GEMM_I16 ? 2 : 1;
}

static size_t align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

fsnn_status nn_conv_gemm_prepare(nn_prepare_ctx *ctx, nn_node *node, const nn_gemm_ukernel *uk,
				 bool *accepted)
{
	const nn_conv_data *d = node->op_data;
	const nn_tensor *in = nn_input(ctx, node, 0);
	const nn_tensor *w = nn_input(ctx, node, 1);
	*accepted = false;
	if (d == NULL || d->type == FSNN_FLOAT32 || d->groups != 1 || w->data == NULL)
		return FSNN_OK;
	const bool u8 = d->type == FSNN_UINT8;
	const int32_t cout = w->dims[0], K = w->dims[1] * w->dims[2] * w->dims[3];
	const int32_t kpad = (K + uk->kr - 1) / uk->kr * uk->kr;
	const int32_t nblocks = (cout + uk->nr - 1) / uk->nr;
	const size_t es = elem_size(uk->xfmt);
	const size_t nch = (size_t)nblocks * (size_t)uk->nr;

	conv_gemm_data *g = nn_persistent_alloc(ctx, sizeof *g);
	uint8_t *wpack = g ? nn_persistent_alloc(ctx, nch * (size_t)kpad * es) : NULL;
	int32_t *bias = wpack ? nn_persistent_alloc(ctx, nch * sizeof *bias) : NULL;
	float *scale = bias ? nn_persistent_alloc(ctx, nch * sizeof *scale) : NULL;
	if (scale == NULL)
		return FSNN_E_NOMEM;
	const int32_t off = uk->xfmt == NN_GEMM_U8 ? 128 : 0;
	const int32_t xz = u8 ? d->wt.in_zp - 128 : d->wt.in_zp;
	const int32_t wz = u8 ? d->wt.w_zp - 128 : 0;
	const uint8_t *wraw = w->data;
	for (int32_t oc = 0; oc < cout; oc++) {
		const int32_t blk = oc / uk->nr, j = oc % uk->nr;
		uint32_t wsum = 0;
		for (int32_t k = 0; k < K; k++) {
			int32_t ws = u8 ? (int32_t)wraw[(size_t)oc * K + k] - 128
				       : (int32_t)(int8_t)wraw[(size_t)oc * K + k];
			wsum += (uint32_t)ws;
			size_t at = (((size_t)blk * (size_t)(kpad / uk->kr) + (size_t)(k / uk->kr)) *
				     (size_t)uk->nr + (size_t)j) * (size_t)uk->kr + (size_t)(k % uk->kr);
			if (es == 2)
				((int16_t *)(void *)wpack)[at] = (int16_t)ws;
			else
				((int8_t *)wpack)[at] = (int8_t)ws;
		}
		bias[oc] = (int32_t)((uint32_t)d->wt.bias[oc] - (uint32_t)(off + xz) * wsum +
				     (uint32_t)K * (uint32_t)xz * (uint32_t)wz);
		scale[oc] = d->wt.rq.fixed_point ? 0.0f : d->wt.rq.scale[oc];
	}
	*g = (conv_gemm_data){
		.uk = uk, .K = K, .kpad = kpad, .nblocks = nblocks, .wpack = wpack, .bias = bias,
		.scale = scale, .xz = xz, .wz = wz, .u8 = u8,
		.xbuf_bytes = align64((size_t)uk->mr * (size_t)kpad * es),
		.acc_bytes = align64((size_t)uk->mr * (size_t)uk->nr * sizeof(int32_t)),
	};
	size_t need = g->xbuf_bytes + g->acc_bytes + align64(2 * (size_t)uk->mr * sizeof(int32_t));
	if (need > node->scratch_bytes)
		node->scratch_bytes = need;
	node->variant_data = g;
	*accepted = true;
	(void)in;
	return FSNN_OK;
}

typedef struct conv_gemm_job {
	const nn_eval_ctx *ec;
	const nn_conv_data *d;
	const conv_gemm_data *g;
	const uint8_t *x;
	uint8_t *y;
	int32_t ih, iw, cin, oh, ow, cout, kh, kw;
	size_t pixels, per_task;
	bool direct;            /* inputs of a block are contiguous (see run_task) */
	uint8_t direct_flip;
} conv_gemm_job;

/* dst[i] = src[i] ^ flip for n bytes, eight at a time (the gather is a
 * copy per tap; a byte loop cost more than the GEMM on 1x1 convs). */
static void copy_xor(uint8_t *dst, const uint8_t *src, size_t n, uint8_t flip)
{
	if (flip == 0) {
		memcpy(dst, src, n);
		return;
	}
	const uint64_t f = 0x0101010101010101ull * flip;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t v;
		memcpy(&v, src + i, 8);
		v ^= f;
		memcpy(dst + i, &v, 8);
	}
	for (; i < n; i++)
		dst[i] = src[i] ^ flip;
}

/* Receptive field of output pixel p in the microkernel's form; returns
 * sum x_s over K (only used with uint8 weights). */
static int32_t gather(const conv_gemm_job *j, int32_t b, int32_t oy, int32_t ox, void *dst)
{
	const conv_gemm_data *g = j->g;
	const nn_ku_window *win = &j->d->win;
	const int32_t iy0 = oy * win->stride_h - win->pad_top, ix0 = ox * win->stride_w - win->pad_left;
	const uint8_t flip = g->u8 ? 0x80 : 0x00;   /* raw byte -> x_s as int8 bits */
	const enum nn_gemm_xfmt f = g->uk->xfmt;
	const int32_t cin = j->cin;
	uint32_t rowsum = 0;
	int32_t k = 0;
	/* Byte formats, undilated rows wholly inside: each filter row is one
	 * run of kw * cin bytes (most pixels of a 3x3 conv). */
	const bool rows_inside = f != NN_GEMM_I16 && win->dil_w == 1 && ix0 >= 0 && ix0 + j->kw <= j->iw;
	for (int32_t ky = 0; ky < j->kh; ky++) {
		const int32_t iy = iy0 + ky * win->dil_h;
		if (rows_inside && iy >= 0 && iy < j->ih) {
			const uint8_t tf = (uint8_t)(flip ^ (f == NN_GEMM_U8 ? 0x80 : 0x00));
			const uint8_t *src = j->x + (((size_t)b * j->ih + iy) * j->iw + ix0) * cin;
			uint8_t *o = (uint8_t *)dst + k;
			const int32_t run = j->kw * cin;
			if (run < 16)
				for (int32_t c = 0; c < run; c++)
					o[c] = src[c] ^ tf;
			else
				copy_xor(o, src, (size_t)run, tf);
			if (g->wz != 0) {
				const uint8_t back = f == NN_GEMM_U8 ? 0x80 : 0x00;   /* stored byte -> x_s */
				for (int32_t c = 0; c < run; c++)
					rowsum += (uint32_t)(int32_t)(int8_t)(o[c] ^ back);
			}
			k += run;
			continue;
		}
		for (int32_t kx = 0; kx < j->kw; kx++, k += cin) {
			const int32_t ix = ix0 + kx * win->dil_w;
			const bool inside = iy >= 0 && iy < j->ih && ix >= 0 && ix < j->iw;
			const uint8_t *src = inside ? j->x + ((((size_t)b * j->ih + iy) * j->iw + ix) * cin) : NULL;
			if (f == NN_GEMM_I16) {
				int16_t *o = (int16_t *)dst + k;
				if (inside)
					for (int32_t c = 0; c < cin; c++)
						o[c] = (int16_t)(int8_t)(src[c] ^ flip);
				else
					for (int32_t c = 0; c < cin; c++)
						o[c] = (int16_t)g->xz;
				if (g->wz != 0)
					for (int32_t c = 0; c < cin; c++)
						rowsum += (uint32_t)(int32_t)o[c];
			} else {
				/* U8 wants x_s + 128 = raw ^ 0x80 for int8 and the raw
				 * byte for uint8; S8 wants x_s. */
				const uint8_t tf = (uint8_t)(flip ^ (f == NN_GEMM_U8 ? 0x80 : 0x00));
				uint8_t *o = (uint8_t *)dst + k;
				if (inside && cin < 16)
					for (int32_t c = 0; c < cin; c++)
						o[c] = src[c] ^ tf;
				else if (inside)
					copy_xor(o, src, (size_t)cin, tf);
				else
					memset(o, (uint8_t)((uint8_t)(int8_t)g->xz ^ (f == NN_GEMM_U8 ? 0x80 : 0)), (size_t)cin);
				if (g->wz != 0)
					for (int32_t c = 0; c < cin; c++)
						rowsum += (uint32_t)(int32_t)(int8_t)(o[c] ^ (f == NN_GEMM_U8 ? 0x80 : 0));
			}
		}
	}
	const size_t es = elem_size(f);
	memset((uint8_t *)dst + (size_t)g->K * es, 0, (size_t)(g->kpad - g->K) * es);
	return (int32_t)rowsum;
}

static void run_task(void *arg, int task, int thread)
{
	const conv_gemm_job *j = arg;
	const conv_gemm_data *g = j->g;
	const nn_gemm_ukernel *uk = g->uk;
	const nn_ku_requant *rq = &j->d->wt.rq;
	uint8_t *scratch = nn_thread_scratch(j->ec, thread);
	uint8_t *xbuf = scratch;
	int32_t *acc = (int32_t *)(void *)(scratch + g->xbuf_bytes);
	int32_t *rowsum = (int32_t *)(void *)(scratch + g->xbuf_bytes + g->acc_bytes);
	int32_t *corr = rowsum + uk->mr;
	const size_t es = elem_size(uk->xfmt), xstride = (size_t)g->kpad;
	const size_t wblock = (size_t)g->kpad * (size_t)uk->nr * es;
	size_t p0 = (size_t)task * j->per_task, p1 = p0 + j->per_task;
	if (p1 > j->pixels)
		p1 = j->pixels;
	/* Output coordinates of p0, advanced pixel by pixel (no divisions in
	 * the loop). */
	const size_t ohw = (size_t)j->oh * (size_t)j->ow;
	int32_t b = (int32_t)(p0 / ohw), oy = (int32_t)(p0 % ohw) / j->ow, ox = (int32_t)(p0 % ohw) % j->ow;
	/* Rows are kpad long; the direct path writes only their first cin
	 * bytes, so the tail stays zero from here. */
	if (j->direct)
		memset(xbuf, 0, g->xbuf_bytes);
	for (size_t p = p0; p < p1; p += (size_t)uk->mr) {
		const int m_valid = p1 - p < (size_t)uk->mr ? (int)(p1 - p) : uk->mr;
		if (j->direct && m_valid == uk->mr && g->kpad == j->cin) {
			/* 1x1, stride 1, no padding, K == kpad: the block's inputs
			 * are one contiguous run. */
			copy_xor(xbuf, j->x + p * (size_t)j->cin, (size_t)uk->mr * (size_t)j->cin, j->direct_flip);
		} else if (j->direct && m_valid == uk->mr && j->cin < 16) {
			/* Thin layers (the decoder's K of 1..13 at full resolution):
			 * a call per pixel would cost more than the bytes. */
			const uint8_t *src = j->x + p * (size_t)j->cin;
			for (int m = 0; m < uk->mr; m++, src += j->cin)
				for (int32_t c = 0; c < j->cin; c++)
					xbuf[(size_t)m * xstride + (size_t)c] = src[c] ^ j->direct_flip;
		} else if (j->direct && m_valid == uk->mr) {
			for (int m = 0; m < uk->mr; m++)
				copy_xor(xbuf + (size_t)m * xstride, j->x + (p + (size_t)m) * (size_t)j->cin,
					 (size_t)j->cin, j->direct_flip);
		} else {
			for (int m = 0; m < uk->mr; m++) {
				void *row = xbuf + (size_t)m * xstride * es;
				if (m < m_valid) {
					rowsum[m] = gather(j, b, oy, ox, row);
					if (++ox == j->ow) {
						ox = 0;
						if (++oy == j->oh) {
							oy = 0;
							b++;
						}
					}
				} else {
					memcpy(row, xbuf, xstride * es);
				}
			}
		}
		if (j->direct && m_valid == uk->mr) {
			/* Keep the coordinates in step for a later gathered block. */
			ox += uk->mr;
			while (ox >= j->ow) {
				ox -= j->ow;
				if (++oy == j->oh) {
					oy = 0;
					b++;
				}
			}
		}
		/* The per-pixel correction of uint8 weights, once per block of
		 * pixels rather than once per channel block. */
		for (int m = 0; g->wz != 0 && m < m_valid; m++)
			corr[m] = (int32_t)(0u - (uint32_t)g->wz * (uint32_t)rowsum[m]);
		for (int32_t blk = 0; blk < g->nblocks; blk++) {
			const int32_t c0 = blk * uk->nr;
			const int n = j->cout - c0 < uk->nr ? j->cout - c0 : uk->nr;
			const void *wb = (const uint8_t *)g->wpack + (size_t)blk * wblock;
			if (uk->gemm_requant != NULL && !rq->fixed_point) {
				const nn_gemm_out o = {
					.bias = g->bias + c0, .scale = g->scale + c0,
					.corr = g->wz != 0 ? corr : NULL,
					.zp = rq->out_zp, .lo = (float)(rq->qmin - rq->out_zp),
					.hi = (float)(rq->qmax - rq->out_zp), .u8 = g->u8,
					.m_valid = m_valid, .n = n, .out = j->y + p * (size_t)j->cout + (size_t)c0,
					.out_stride = (size_t)j->cout,
				};
				uk->gemm_requant(xbuf, xstride, g->kpad, wb, &o);
				continue;
			}
			uk->gemm(xbuf, xstride, g->kpad, wb, acc);
			for (int m = 0; m < m_valid; m++) {
				const int32_t cm = g->wz != 0 ? corr[m] : 0;
				uint8_t *out = j->y + (p + (size_t)m) * (size_t)j->cout + (size_t)c0;
				const int32_t *a = acc + (size_t)m * (size_t)uk->nr;
				if (!rq->fixed_point) {
					uk->requant(a, g->bias + c0, cm, g->scale + c0, rq->out_zp, rq->qmin,
						    rq->qmax, n, g->u8, out);
					continue;
				}
				for (int c = 0; c < n; c++) {
					int32_t v = (int32_t)((uint32_t)a[c] + (uint32_t)g->bias[c0 + c] + (uint32_t)cm);
					v = nn_ku_requant_apply(rq, c0 + c, v);
					out[c] = (uint8_t)v;   /* int8 and uint8 share the low byte */
				}
			}
		}
	}
}

fsnn_status nn_conv_gemm_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	const nn_conv_data *d = node->op_data;
	const conv_gemm_data *g = node->variant_data;
	const nn_tensor *in = nn_tensor_of(ec, node->inputs[0]);
	const nn_tensor *w = nn_tensor_of(ec, node->inputs[1]);
	const nn_tensor *out = nn_tensor_of(ec, node->outputs[0]);
	conv_gemm_job j = {
		.ec = ec, .d = d, .g = g, .x = nn_in_data(ec, node, 0), .y = nn_out_data(ec, node, 0),
		.ih = in->dims[1], .iw = in->dims[2], .cin = in->dims[3],
		.oh = out->dims[1], .ow = out->dims[2], .cout = out->dims[3],
		.kh = w->dims[1], .kw = w->dims[2],
	};
	j.pixels = (size_t)out->dims[0] * (size_t)j.oh * (size_t)j.ow;
	const nn_ku_window *win = &d->win;
	j.direct = g->uk->xfmt != NN_GEMM_I16 && g->wz == 0 && j.kh == 1 && j.kw == 1 &&
		   win->stride_h == 1 && win->stride_w == 1 && win->pad_top == 0 && win->pad_left == 0 &&
		   j.oh == j.ih && j.ow == j.iw;
	j.direct_flip = (uint8_t)((g->u8 ? 0x80 : 0x00) ^ (g->uk->xfmt == NN_GEMM_U8 ? 0x80 : 0x00));
	/* A few tasks per thread balance uneven progress; each is a whole
	 * number of microkernel rows. */
	const size_t mr = (size_t)g->uk->mr;
	size_t tasks = (size_t)ec->num_threads * 4;
	size_t per = (j.pixels + tasks - 1) / tasks;
	per = (per + mr - 1) / mr * mr;
	if (per < mr * 4)
		per = mr * 4;
	j.per_task = per;
	nn_parallel_for(ec, (int)((j.pixels + per - 1) / per), run_task, &j);
	return FSNN_OK;
}
