/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DEPTHWISE_CONV_2D reference kernel: NHWC input, [1, KH, KW, C*M] filter
 * (M = depth multiplier; output channel c reads input channel c / M),
 * optional bias, stride, dilation, SAME/VALID, fused activations.
 *
 * Arithmetic follows LiteRT 2.5.3 (measured against it): with a bias XNNPACK
 * runs it (exact int32 sum, then float32 scale in_s * w_s[c] / out_s, round
 * half to even, XNNPACK's activation clamp). Without a bias, or with uint8
 * tensors whose quantized_dimension is not 0, the delegate declines and
 * TFLite's builtin kernel runs: QuantizeMultiplier of the double scale +
 * MultiplyByQuantizedMultiplier, clamp rounded half away from zero.
 * Per-channel int8 weights are quantised along dimension 3.
 */
#include <string.h>

#include "../common/op_data.h"

typedef nn_dw_data dw_data;

static fsnn_status dw_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	const nn_tensor *in = NULL, *w = NULL, *bias = NULL, *out = NULL;
	fsnn_status st = nn_ku_conv_tensors(ctx, node, &in, &w, &bias, &out);
	if (st != FSNN_OK)
		return st;

	const nn_fb_table *o = &node->options;
	int padding = nn_fb_u8(o, 0, NN_PAD_SAME);
	int32_t sw = nn_fb_i32(o, 1, 0), sh = nn_fb_i32(o, 2, 0);
	int32_t mult_opt = nn_fb_i32(o, 3, 0);
	int act = nn_fb_u8(o, 4, NN_ACT_NONE);
	int32_t dw = nn_fb_i32(o, 5, 1), dh = nn_fb_i32(o, 6, 1);

	const int32_t kh = w->dims[1], kw = w->dims[2], cout = w->dims[3], cin = in->dims[3];
	if (w->dims[0] != 1 || cin < 1 || cout % cin != 0)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "filter '%s' is [%d,%d,%d,%d] for input '%s' with %d channels; "
				    "expected [1,KH,KW,C*M] with C = %d", w->name, w->dims[0], kh, kw,
				    cout, in->name, cin, cin);
	const int32_t mult = cout / cin;
	/* Old converters left depth_multiplier at 0; the filter shape rules. */
	if (mult_opt != 0 && mult_opt != mult)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "depth_multiplier option is %d but filter '%s' has %d = %d x %d channels",
				    mult_opt, w->name, cout, cin, mult);
	if ((st = nn_ku_check_bias(ctx, node, bias, cout)))
		return st;

	dw_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return FSNN_E_NOMEM;
	d->win = (nn_ku_window){ .stride_h = sh, .stride_w = sw, .dil_h = dh, .dil_w = dw };
	int32_t oh, ow;
	if ((st = nn_ku_conv_output(ctx, node, in, padding, kh, kw, cout, &d->win, &oh, &ow)))
		return st;

	d->type = in->type;
	d->mult = mult;
	if ((st = nn_ku_weighted_prepare(ctx, node, in, w, "filter", 3, bias, out, act, cout,
					  true, &d->wt)))
		return st;
	node->op_data = d;
	node->macs = (uint64_t)in->dims[0] * (uint64_t)oh * (uint64_t)ow * (uint64_t)cout *
		     (uint64_t)kh * (uint64_t)kw;
	return FSNN_OK;
}

typedef struct dw_geom {
	int32_t n, ih, iw, cin, oh, ow, cout, kh, kw;
} dw_geom;

/* Loops: output pixel, filter tap, then channels innermost, so both the
 * input and the filter are read contiguously. acc holds one output pixel,
 * as uint32: int32 wrap-around (as XNNPACK's adds) instead of undefined
 * overflow on hostile biases or weights. */
static void dw_q8(const dw_data *d, const dw_geom *g, const void *xv, const void *wv, void *yv,
		  uint32_t *acc)
{
	const bool u8 = d->type == FSNN_UINT8;
	for (int32_t b = 0; b < g->n; b++)
	for (int32_t oy = 0; oy < g->oh; oy++)
	for (int32_t ox = 0; ox < g->ow; ox++) {
		const int32_t iy0 = oy * d->win.stride_h - d->win.pad_top;
		const int32_t ix0 = ox * d->win.stride_w - d->win.pad_left;
		memcpy(acc, d->wt.bias, (size_t)g->cout * sizeof *acc);
		for (int32_t ky = 0; ky < g->kh; ky++) {
			const int32_t iy = iy0 + ky * d->win.dil_h;
			if (iy < 0 || iy >= g->ih)
				continue;
			for (int32_t kx = 0; kx < g->kw; kx++) {
				const int32_t ix = ix0 + kx * d->win.dil_w;
				if (ix < 0 || ix >= g->iw)
					continue;
				const size_t xo = (((size_t)b * g->ih + iy) * g->iw + ix) * g->cin;
				const size_t wo = ((size_t)ky * g->kw + kx) * g->cout;
				for (int32_t oc = 0; oc < g->cout; oc++) {
					const int32_t ic = oc / d->mult;
					if (u8)
						acc[oc] += (uint32_t)(((int32_t)((const uint8_t *)xv)[xo + ic] - d->wt.in_zp) *
								      ((int32_t)((const uint8_t *)wv)[wo + oc] - d->wt.w_zp));
					else
						acc[oc] += (uint32_t)(((int32_t)((const int8_t *)xv)[xo + ic] - d->wt.in_zp) *
								      (int32_t)((const int8_t *)wv)[wo + oc]);
				}
			}
		}
		const size_t opix = (((size_t)b * g->oh + oy) * g->ow + ox) * g->cout;
		for (int32_t oc = 0; oc < g->cout; oc++) {
			int32_t v = nn_ku_requant_apply(&d->wt.rq, oc, (int32_t)acc[oc]);
			if (u8)
				((uint8_t *)yv)[opix + oc] = (uint8_t)v;
			else
				((int8_t *)yv)[opix + oc] = (int8_t)v;
		}
	}
}

static void dw_f32(const dw_data *d, const dw_geom *g, const float *x, const float *w, float *y)
{
	for (int32_t b = 0; b < g->n; b++)
	for (int32_t oy = 0; oy < g->oh; oy++)
	for (int32_t ox = 0; ox < g->ow; ox++) {
		const int32_t iy0 = oy * d->win.stride_h - d->win.pad_top;
		const int32_t ix0 = ox * d->win.stride_w - d->win.pad_left;
		float *acc = y + (((size_t)b * g->oh + oy) * g->ow + ox) * g->cout;
		memcpy(acc, d->wt.bias_f, (size_t)g->cout * sizeof *acc);
		for (int32_t ky = 0; ky < g->kh; ky++) {
			const int32_t iy = iy0 + ky * d->win.dil_h;
			if (iy < 0 || iy >= g->ih)
				continue;
			for (int32_t kx = 0; kx < g->kw; kx++) {
				const int32_t ix = ix0 + kx * d->win.dil_w;
				if (ix < 0 || ix >= g->iw)
					continue;
				const float *xp = x + (((size_t)b * g->ih + iy) * g->iw + ix) * g->cin;
				const float *wp = w + ((size_t)ky * g->kw + kx) * g->cout;
				for (int32_t oc = 0; oc < g->cout; oc++)
					acc[oc] += xp[oc / d->mult] * wp[oc];
			}
		}
		for (int32_t oc = 0; oc < g->cout; oc++) {
			float v = acc[oc];
			acc[oc] = v < d->wt.fmin ? d->wt.fmin : (v > d->wt.fmax ? d->wt.fmax : v);
		}
	}
}

static fsnn_status dw_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	const dw_data *d = node->op_data;
	const nn_tensor *in = nn_tensor_of(ec, node->inputs[0]);
	const nn_tensor *w = nn_tensor_of(ec, node->inputs[1]);
	const nn_tensor *out = nn_tensor_of(ec, node->outputs[0]);
	const dw_geom g = {
		.n = in->dims[0], .ih = in->dims[1], .iw = in->dims[2], .cin = in->dims[3],
		.oh = out->dims[1], .ow = out->dims[2], .cout = out->dims[3],
		.kh = w->dims[1], .kw = w->dims[2],
	};
	if (d->type == FSNN_FLOAT32)
		dw_f32(d, &g, nn_in_data(ec, node, 0), nn_in_data(ec, node, 1), nn_out_data(ec, node, 0));
	else
		dw_q8(d, &g, nn_in_data(ec, node, 0), nn_in_data(ec, node, 1), nn_out_data(ec, node, 0),
		      ec->scratch);
	return FSNN_OK;
}

/* The int32 accumulators of one output pixel live in scratch. */
static fsnn_status dw_prepare_all(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = dw_prepare(ctx, node);
	if (st == FSNN_OK) {
		const nn_tensor *w = nn_input(ctx, node, 1);
		node->scratch_bytes = (size_t)w->dims[3] * sizeof(int32_t);
	}
	return st;
}

const nn_kernel nn_kernel_depthwise_conv_2d = {
	.builtin = NN_OP_DEPTHWISE_CONV_2D,
	.name = "DEPTHWISE_CONV_2D",
	.prepare = dw_prepare_all,
	.eval = dw_eval,
};
