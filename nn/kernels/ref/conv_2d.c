/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CONV_2D reference kernel: NHWC input, OHWI filter (grouped when the input
 * has a multiple of the filter's channels), optional bias, stride,
 * dilation, SAME/VALID padding, fused RELU/RELU6/RELU_N1_TO_1.
 *
 * Arithmetic matches LiteRT 2.5.3 (our oracle): with a bias, XNNPACK runs
 * the op: int32 accumulator of (x - x_zp) * (w - w_zp) over the taps inside
 * the input (padding contributes nothing), plus bias, then
 * acc * float(in_s * w_s[c] / out_s), round half to even, + out_zp, clamp
 * to the activation range lrintf(bound / out_s + out_zp). Without a bias
 * XNNPACK declines the node and TFLite's builtin kernel runs it, which
 * requantises in fixed point (QuantizeMultiplier / MultiplyByQuantized-
 * Multiplier), so that is what we do then. Float32 sums bias first, then
 * taps in (ky, kx, ci) order, like XNNPACK's scalar igemm.
 */
#include "../common/op_data.h"

typedef nn_conv_data conv_data;

static fsnn_status conv_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	const nn_tensor *in = NULL, *w = NULL, *bias = NULL, *out = NULL;
	fsnn_status st = nn_ku_conv_tensors(ctx, node, &in, &w, &bias, &out);
	if (st != FSNN_OK)
		return st;

	const int32_t cout = w->dims[0], kh = w->dims[1], kw = w->dims[2], wcin = w->dims[3];
	const int32_t cin = in->dims[3];
	if (wcin < 1 || cin < 1 || cin % wcin != 0)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "filter '%s' has %d input channels, input '%s' has %d; expected "
				    "a divisor of the input's channels", w->name, wcin, in->name, cin);
	const int32_t groups = cin / wcin;
	if (cout < 1 || cout % groups != 0)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "filter '%s' has %d output channels; expected a multiple of the %d groups",
				    w->name, cout, groups);
	if ((st = nn_ku_check_bias(ctx, node, bias, cout)))
		return st;

	const nn_fb_table *o = &node->options;
	int padding = nn_fb_u8(o, 0, NN_PAD_SAME);
	int32_t sw = nn_fb_i32(o, 1, 0), sh = nn_fb_i32(o, 2, 0);
	int act = nn_fb_u8(o, 3, NN_ACT_NONE);
	int32_t dw = nn_fb_i32(o, 4, 1), dh = nn_fb_i32(o, 5, 1);

	conv_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return FSNN_E_NOMEM;
	d->win = (nn_ku_window){ .stride_h = sh, .stride_w = sw, .dil_h = dh, .dil_w = dw };
	int32_t oh, ow;
	if ((st = nn_ku_conv_output(ctx, node, in, padding, kh, kw, cout, &d->win, &oh, &ow)))
		return st;

	d->type = in->type;
	d->groups = groups;
	if ((st = nn_ku_weighted_prepare(ctx, node, in, w, "filter", 0, bias, out, act, cout,
					  true, &d->wt)))
		return st;
	node->op_data = d;
	node->scratch_bytes = 0;
	node->macs = (uint64_t)in->dims[0] * (uint64_t)oh * (uint64_t)ow * (uint64_t)cout *
		     (uint64_t)kh * (uint64_t)kw * (uint64_t)wcin;
	return FSNN_OK;
}

/* Geometry shared by the typed loops. */
typedef struct conv_geom {
	int32_t n, ih, iw, cin, oh, ow, cout, kh, kw, wcin, cout_per_group;
} conv_geom;

static void conv_q8(const conv_data *d, const conv_geom *g, const void *xv, const void *wv,
		    void *yv)
{
	const bool u8 = d->type == FSNN_UINT8;
	for (int32_t b = 0; b < g->n; b++)
	for (int32_t oy = 0; oy < g->oh; oy++)
	for (int32_t ox = 0; ox < g->ow; ox++) {
		const int32_t iy0 = oy * d->win.stride_h - d->win.pad_top;
		const int32_t ix0 = ox * d->win.stride_w - d->win.pad_left;
		const size_t opix = (((size_t)b * g->oh + oy) * g->ow + ox) * g->cout;
		for (int32_t oc = 0; oc < g->cout; oc++) {
			const int32_t c0 = (oc / g->cout_per_group) * g->wcin;
			/* uint32: int32 wrap-around (as XNNPACK's adds) instead of
			 * undefined overflow on hostile biases or weights. */
			uint32_t acc = (uint32_t)d->wt.bias[oc];
			for (int32_t ky = 0; ky < g->kh; ky++) {
				const int32_t iy = iy0 + ky * d->win.dil_h;
				if (iy < 0 || iy >= g->ih)
					continue;
				for (int32_t kx = 0; kx < g->kw; kx++) {
					const int32_t ix = ix0 + kx * d->win.dil_w;
					if (ix < 0 || ix >= g->iw)
						continue;
					const size_t xo = (((size_t)b * g->ih + iy) * g->iw + ix) * g->cin + c0;
					const size_t wo = (((size_t)oc * g->kh + ky) * g->kw + kx) * g->wcin;
					if (u8) {
						const uint8_t *x = (const uint8_t *)xv + xo;
						const uint8_t *w = (const uint8_t *)wv + wo;
						for (int32_t ci = 0; ci < g->wcin; ci++)
							acc += (uint32_t)(((int32_t)x[ci] - d->wt.in_zp) *
									  ((int32_t)w[ci] - d->wt.w_zp));
					} else {
						const int8_t *x = (const int8_t *)xv + xo;
						const int8_t *w = (const int8_t *)wv + wo;
						for (int32_t ci = 0; ci < g->wcin; ci++)
							acc += (uint32_t)(((int32_t)x[ci] - d->wt.in_zp) * (int32_t)w[ci]);
					}
				}
			}
			int32_t v = nn_ku_requant_apply(&d->wt.rq, oc, (int32_t)acc);
			if (u8)
				((uint8_t *)yv)[opix + oc] = (uint8_t)v;
			else
				((int8_t *)yv)[opix + oc] = (int8_t)v;
		}
	}
}

static void conv_f32(const conv_data *d, const conv_geom *g, const float *xv, const float *wv,
		     float *y)
{
	for (int32_t b = 0; b < g->n; b++)
	for (int32_t oy = 0; oy < g->oh; oy++)
	for (int32_t ox = 0; ox < g->ow; ox++) {
		const int32_t iy0 = oy * d->win.stride_h - d->win.pad_top;
		const int32_t ix0 = ox * d->win.stride_w - d->win.pad_left;
		const size_t opix = (((size_t)b * g->oh + oy) * g->ow + ox) * g->cout;
		for (int32_t oc = 0; oc < g->cout; oc++) {
			const int32_t c0 = (oc / g->cout_per_group) * g->wcin;
			float acc = d->wt.bias_f[oc];
			for (int32_t ky = 0; ky < g->kh; ky++) {
				const int32_t iy = iy0 + ky * d->win.dil_h;
				if (iy < 0 || iy >= g->ih)
					continue;
				for (int32_t kx = 0; kx < g->kw; kx++) {
					const int32_t ix = ix0 + kx * d->win.dil_w;
					if (ix < 0 || ix >= g->iw)
						continue;
					const float *x = xv + (((size_t)b * g->ih + iy) * g->iw + ix) * g->cin + c0;
					const float *w = wv + (((size_t)oc * g->kh + ky) * g->kw + kx) * g->wcin;
					for (int32_t ci = 0; ci < g->wcin; ci++)
						acc += x[ci] * w[ci];
				}
			}
			acc = acc < d->wt.fmin ? d->wt.fmin : acc;
			acc = acc > d->wt.fmax ? d->wt.fmax : acc;
			y[opix + oc] = acc;
		}
	}
}

static fsnn_status conv_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	const conv_data *d = node->op_data;
	const nn_tensor *in = nn_tensor_of(ec, node->inputs[0]);
	const nn_tensor *w = nn_tensor_of(ec, node->inputs[1]);
	const nn_tensor *out = nn_tensor_of(ec, node->outputs[0]);
	const conv_geom g = {
		.n = in->dims[0], .ih = in->dims[1], .iw = in->dims[2], .cin = in->dims[3],
		.oh = out->dims[1], .ow = out->dims[2], .cout = out->dims[3],
		.kh = w->dims[1], .kw = w->dims[2], .wcin = w->dims[3],
		.cout_per_group = out->dims[3] / d->groups,
	};
	if (d->type == FSNN_FLOAT32)
		conv_f32(d, &g, nn_in_data(ec, node, 0), nn_in_data(ec, node, 1),
			 nn_out_data(ec, node, 0));
	else
		conv_q8(d, &g, nn_in_data(ec, node, 0), nn_in_data(ec, node, 1),
			nn_out_data(ec, node, 0));
	return FSNN_OK;
}

const nn_kernel nn_kernel_conv_2d = {
	.builtin = NN_OP_CONV_2D,
	.name = "CONV_2D",
	.prepare = conv_prepare,
	.eval = conv_eval,
};
