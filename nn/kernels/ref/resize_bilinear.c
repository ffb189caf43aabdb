/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RESIZE_BILINEAR (NHWC; size input [new_h, new_w]).
 *
 * Oracle behaviour (LiteRT 2.5.3): runs in XNNPACK (resize-bilinear-nhwc).
 * Source coordinates in float32: scale = in/out (or (in-1)/(out-1) with
 * align_corners); align_corners or legacy mode (neither flag): y = min(o *
 * scale, in-1); half_pixel_centers: y = clamp(o * scale + (0.5*scale -
 * 0.5), 0, in-1). 8-bit data uses 11-bit weights a = lrintf(frac * 2048):
 * t = (tl << 11) + (tr - tl) * ax, b likewise, acc = (t << 11) + (b - t) *
 * ay, out = (acc + 2^21) >> 22. float32 interpolates with the float
 * fractions. align_corners wins when both flags are set.
 */
#include <math.h>
#include "../common/op_data.h"

typedef nn_bilinear_tap bilinear_tap;
typedef nn_resize_bilinear_data resize_bilinear_data;

static void make_taps(bilinear_tap *t, int32_t in_size, int32_t out_size, bool align, bool half)
{
	int32_t adj = (align && out_size != 1) ? 1 : 0;
	float scale = (float)(in_size - adj) / (float)(out_size - adj);
	float max = (float)(in_size - 1);
	float offset = 0.5f * scale - 0.5f;
	for (int32_t o = 0; o < out_size; o++) {
		float v;
		if (align || !half) {
			v = (float)o * scale;
			v = v < max ? v : max;
		} else {
			v = (float)o * scale + offset;
			v = v > 0.0f ? v : 0.0f;
			v = v < max ? v : max;
		}
		int32_t i0 = (int32_t)v;
		t[o].i0 = i0;
		t[o].i1 = i0 + 1 < in_size - 1 ? i0 + 1 : in_size - 1;
		t[o].frac = v - (float)i0;
		t[o].w11 = (int32_t)lrintf(t[o].frac * 2048.0f);
	}
}

static fsnn_status resize_bilinear_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	const nn_tensor *in = NULL, *out = NULL;
	fsnn_status st = nn_ku_resize_prepare(ctx, node, false, &in, &out);
	if (st != FSNN_OK)
		return st;
	const int32_t hw[2] = { out->dims[1], out->dims[2] };   /* checked: the size input */
	if (in->type != FSNN_FLOAT32) {
		if ((st = nn_ku_check_quant(ctx, node, in, "input", -1)) ||
		    (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
			return st;
		/* Like XNNPACK and TFLite, interpolate raw values: a scale or
		 * zero point that differs between input and output is ignored. */
	}
	/* ResizeBilinearOptions: align_corners (field 2), half_pixel_centers (3). */
	bool align = nn_fb_u8(&node->options, 2, 0) != 0;
	bool half = nn_fb_u8(&node->options, 3, 0) != 0;
	resize_bilinear_data *d =
		nn_persistent_alloc(ctx, sizeof *d + sizeof(bilinear_tap) * ((size_t)hw[0] + hw[1]));
	if (d == NULL)
		return ctx->err->code;
	d->n = in->dims[0];
	d->in_h = in->dims[1];
	d->in_w = in->dims[2];
	d->c = in->dims[3];
	d->out_h = hw[0];
	d->out_w = hw[1];
	d->type = in->type;
	d->ty = (bilinear_tap *)(d + 1);
	d->tx = d->ty + hw[0];
	make_taps(d->ty, d->in_h, hw[0], align, half);
	make_taps(d->tx, d->in_w, hw[1], align, half);
	node->op_data = d;
	node->macs = (uint64_t)d->n * hw[0] * hw[1] * d->c * 3;
	return FSNN_OK;
}

/* XNNPACK's ibilinear arithmetic on one channel value. */
static int32_t lerp_q11(int32_t tl, int32_t tr, int32_t bl, int32_t br, int32_t ax, int32_t ay)
{
	int32_t t = (int32_t)((uint32_t)tl << 11) + (tr - tl) * ax;
	int32_t b = (int32_t)((uint32_t)bl << 11) + (br - bl) * ax;
	int32_t acc = (int32_t)((uint32_t)t << 11) + (b - t) * ay;
	return (acc + (1 << 21)) >> 22;
}

static fsnn_status resize_bilinear_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const resize_bilinear_data *d = node->op_data;
	const size_t c = (size_t)d->c, row = (size_t)d->in_w * c;
	for (int32_t b = 0; b < d->n; b++) {
		size_t img = (size_t)b * d->in_h * row;
		size_t o = (size_t)b * d->out_h * d->out_w * c;
		for (int32_t y = 0; y < d->out_h; y++) {
			const bilinear_tap *ty = &d->ty[y];
			for (int32_t x = 0; x < d->out_w; x++, o += c) {
				const bilinear_tap *tx = &d->tx[x];
				size_t tl = img + ty->i0 * row + tx->i0 * c, tr = img + ty->i0 * row + tx->i1 * c;
				size_t bl = img + ty->i1 * row + tx->i0 * c, br = img + ty->i1 * row + tx->i1 * c;
				if (d->type == FSNN_FLOAT32) {
					const float *in = nn_in_data(ctx, node, 0);
					float *out = (float *)nn_out_data(ctx, node, 0) + o;
					for (size_t k = 0; k < c; k++) {
						float t = in[tl + k] + (in[tr + k] - in[tl + k]) * tx->frac;
						float bo = in[bl + k] + (in[br + k] - in[bl + k]) * tx->frac;
						out[k] = t + (bo - t) * ty->frac;
					}
				} else if (d->type == FSNN_INT8) {
					const int8_t *in = nn_in_data(ctx, node, 0);
					int8_t *out = (int8_t *)nn_out_data(ctx, node, 0) + o;
					for (size_t k = 0; k < c; k++)
						out[k] = (int8_t)lerp_q11(in[tl + k], in[tr + k], in[bl + k],
									  in[br + k], tx->w11, ty->w11);
				} else {
					const uint8_t *in = nn_in_data(ctx, node, 0);
					uint8_t *out = (uint8_t *)nn_out_data(ctx, node, 0) + o;
					for (size_t k = 0; k < c; k++)
						out[k] = (uint8_t)lerp_q11(in[tl + k], in[tr + k], in[bl + k],
									   in[br + k], tx->w11, ty->w11);
				}
			}
		}
	}
	return FSNN_OK;
}

const nn_kernel nn_kernel_resize_bilinear = {
	.builtin = NN_OP_RESIZE_BILINEAR,
	.name = "RESIZE_BILINEAR",
	.prepare = resize_bilinear_prepare,
	.eval = resize_bilinear_eval,
};
