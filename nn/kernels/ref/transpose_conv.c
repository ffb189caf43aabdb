/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TRANSPOSE_CONV reference kernel. Inputs: 0 output_shape (constant int32
 * [4]), 1 weights [Cout, KH, KW, Cin], 2 input NHWC, 3 optional bias [Cout].
 * Options: padding, stride, fused activation.
 *
 * Each input pixel (iy, ix) adds x * w[ky][kx] into output pixel
 * (iy * stride + ky - pad_top, ix * stride + kx - pad_left); the padding is
 * TFLite's: the SAME/VALID padding of a conv from the output size back to
 * the input size. Quantised: exact int32 sums of (x - x_zp) * (w - w_zp) +
 * bias, then the same requantisation as CONV_2D (XNNPACK fp32, or TFLite
 * fixed point for uint8 tensors with quantized_dimension != 0).
 */
#include <string.h>

#include "../common/kernel_util.h"

typedef struct tconv_data {
	fsnn_dtype type;
	int32_t stride_h, stride_w, pad_top, pad_left;
	nn_ku_weighted wt;       /* zero points, bias, requantisation or clamp */
} tconv_data;

static fsnn_status tconv_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 3, 4, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *shp = nn_ku_input_required(ctx, node, 0, "output_shape");
	const nn_tensor *w = shp ? nn_ku_input_required(ctx, node, 1, "weights") : NULL;
	const nn_tensor *in = w ? nn_ku_input_required(ctx, node, 2, "input") : NULL;
	if (in == NULL)
		return FSNN_E_FORMAT;
	const nn_tensor *bias = nn_input(ctx, node, 3);
	nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, in, "input", FSNN_INT8, FSNN_UINT8, FSNN_FLOAT32, -1)) ||
	    (st = nn_check_type(ctx, node, w, "weights", in->type, -1)) ||
	    (st = nn_check_type(ctx, node, out, "output", in->type, -1)) ||
	    (st = nn_check_type(ctx, node, shp, "output_shape", FSNN_INT32, -1)) ||
	    (st = nn_ku_check_rank(ctx, node, in, "input", 4)) ||
	    (st = nn_ku_check_rank(ctx, node, w, "weights", 4)))
		return st;
	if (bias && (st = nn_check_type(ctx, node, bias, "bias",
					in->type == FSNN_FLOAT32 ? FSNN_FLOAT32 : FSNN_INT32, -1)))
		return st;
	if (shp->data == NULL || shp->elems != 4)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "output_shape '%s' must be a constant of 4 int32 values", shp->name);
	int32_t odims[4];
	memcpy(odims, shp->data, sizeof odims);
	const int32_t cout = w->dims[0], kh = w->dims[1], kw = w->dims[2];
	if (w->dims[3] != in->dims[3] || odims[3] != cout || odims[0] != in->dims[0])
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "weights '%s' [%d,%d,%d,%d], input '%s' with %d channels and output "
				    "shape [%d,%d,%d,%d] disagree; expected weights [Cout,KH,KW,Cin]",
				    w->name, cout, kh, kw, w->dims[3], in->name, in->dims[3],
				    odims[0], odims[1], odims[2], odims[3]);
	if (bias && (bias->rank != 1 || bias->dims[0] != cout || bias->data == NULL))
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "bias '%s' must be a constant of %d elements", bias->name, cout);
	if ((st = nn_check_output_shape(ctx, node, 0, 4, odims)))
		return st;

	const nn_fb_table *o = &node->options;
	int padding = nn_fb_u8(o, 0, NN_PAD_SAME);
	int32_t sw = nn_fb_i32(o, 1, 0), sh = nn_fb_i32(o, 2, 0);
	int act = nn_fb_u8(o, 3, NN_ACT_NONE);
	tconv_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return FSNN_E_NOMEM;
	int32_t ch, cw;
	if (!nn_compute_padding(padding, odims[1], kh, sh, 1, &ch, &d->pad_top) ||
	    !nn_compute_padding(padding, odims[2], kw, sw, 1, &cw, &d->pad_left) ||
	    ch != in->dims[1] || cw != in->dims[2])
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "output %dx%d with filter %dx%d, stride %dx%d, padding %d does not "
				    "match input '%s' %dx%d", odims[1], odims[2], kh, kw, sh, sw, padding,
				    in->name, in->dims[1], in->dims[2]);
	d->type = in->type;
	d->stride_h = sh;
	d->stride_w = sw;
	if ((st = nn_ku_weighted_prepare(ctx, node, in, w, "weights", 0, bias, out, act, cout,
					  false, &d->wt)))
		return st;
	node->op_data = d;
	/* int32 (or float) accumulators for the whole output. */
	node->scratch_bytes = (size_t)odims[0] * odims[1] * odims[2] * cout * sizeof(int32_t);
	node->macs = (uint64_t)in->elems * (uint64_t)cout * (uint64_t)kh * (uint64_t)kw;
	return FSNN_OK;
}

static fsnn_status tconv_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	const tconv_data *d = node->op_data;
	const nn_tensor *w = nn_tensor_of(ec, node->inputs[1]);
	const nn_tensor *in = nn_tensor_of(ec, node->inputs[2]);
	const nn_tensor *out = nn_tensor_of(ec, node->outputs[0]);
	const int32_t n = in->dims[0], ih = in->dims[1], iw = in->dims[2], cin = in->dims[3];
	const int32_t oh = out->dims[1], ow = out->dims[2], cout = out->dims[3];
	const int32_t kh = w->dims[1], kw = w->dims[2];
	const void *xv = nn_in_data(ec, node, 2), *wv = nn_in_data(ec, node, 1);
	void *yv = nn_out_data(ec, node, 0);
	const size_t total = (size_t)n * oh * ow * cout;
	int32_t *acc = ec->scratch;
	float *facc = ec->scratch;
	const bool f32 = d->type == FSNN_FLOAT32, u8 = d->type == FSNN_UINT8;

	for (size_t i = 0; i < total; i++) {
		if (f32)
			facc[i] = d->wt.bias_f[i % (size_t)cout];
		else
			acc[i] = d->wt.bias[i % (size_t)cout];
	}
	for (int32_t b = 0; b < n; b++)
	for (int32_t iy = 0; iy < ih; iy++)
	for (int32_t ix = 0; ix < iw; ix++) {
		const size_t xo = (((size_t)b * ih + iy) * iw + ix) * cin;
		for (int32_t ky = 0; ky < kh; ky++) {
			const int32_t oy = iy * d->stride_h + ky - d->pad_top;
			if (oy < 0 || oy >= oh)
				continue;
			for (int32_t kx = 0; kx < kw; kx++) {
				const int32_t ox = ix * d->stride_w + kx - d->pad_left;
				if (ox < 0 || ox >= ow)
					continue;
				const size_t yo = (((size_t)b * oh + oy) * ow + ox) * cout;
				for (int32_t oc = 0; oc < cout; oc++) {
					const size_t wo = (((size_t)oc * kh + ky) * kw + kx) * cin;
					if (f32) {
						float s = 0.0f;
						for (int32_t ci = 0; ci < cin; ci++)
							s += ((const float *)xv)[xo + ci] * ((const float *)wv)[wo + ci];
						facc[yo + oc] += s;
					} else if (u8) {
						uint32_t s = 0;
						for (int32_t ci = 0; ci < cin; ci++)
							s += (uint32_t)(((int32_t)((const uint8_t *)xv)[xo + ci] - d->wt.in_zp) *
									((int32_t)((const uint8_t *)wv)[wo + ci] - d->wt.w_zp));
						acc[yo + oc] = (int32_t)((uint32_t)acc[yo + oc] + s);
					} else {
						uint32_t s = 0;
						for (int32_t ci = 0; ci < cin; ci++)
							s += (uint32_t)(((int32_t)((const int8_t *)xv)[xo + ci] - d->wt.in_zp) *
									(int32_t)((const int8_t *)wv)[wo + ci]);
						/* int32 wrap-around (as XNNPACK's adds) instead of
						 * undefined overflow on hostile biases or weights. */
						acc[yo + oc] = (int32_t)((uint32_t)acc[yo + oc] + s);
					}
				}
			}
		}
	}
	for (size_t i = 0; i < total; i++) {
		const int c = (int)(i % (size_t)cout);
		if (f32) {
			float v = facc[i];
			((float *)yv)[i] = v < d->wt.fmin ? d->wt.fmin : (v > d->wt.fmax ? d->wt.fmax : v);
		} else if (u8) {
			((uint8_t *)yv)[i] = (uint8_t)nn_ku_requant_apply(&d->wt.rq, c, acc[i]);
		} else {
			((int8_t *)yv)[i] = (int8_t)nn_ku_requant_apply(&d->wt.rq, c, acc[i]);
		}
	}
	return FSNN_OK;
}

const nn_kernel nn_kernel_transpose_conv = {
	.builtin = NN_OP_TRANSPOSE_CONV,
	.name = "TRANSPOSE_CONV",
	.prepare = tconv_prepare,
	.eval = tconv_eval,
};
