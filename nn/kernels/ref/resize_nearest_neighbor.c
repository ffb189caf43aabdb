/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RESIZE_NEAREST_NEIGHBOR (NHWC; size input [new_h, new_w]).
 *
 * Oracle behaviour (LiteRT 2.5.3): not delegated to XNNPACK, so TFLite's
 * builtin kernel picks the source pixel. For 8-bit data without
 * align_corners / half_pixel_centers that is the optimized fixed-point
 * form: in = min((out * ((in_size << 16) / out_size + 1)) >> 16, in_size-1);
 * otherwise the reference float form: scale = in/out (or (in-1)/(out-1)
 * with align_corners), (out + 0.5 if half_pixel_centers) * scale, rounded
 * half away from zero with align_corners, floored otherwise, clamped. The
 * source rows and columns are tabulated in prepare.
 */
#include <math.h>
#include <string.h>

#include "../common/kernel_util.h"

typedef struct resize_nn_data {
	int32_t n, in_h, in_w, out_h, out_w;
	size_t pixel_bytes;    /* channels * element size */
	int32_t *src_y, *src_x;
} resize_nn_data;

static int32_t nearest_ref(int32_t o, int32_t in_size, int32_t out_size, bool align, bool half)
{
	float scale = (align && out_size > 1) ? (float)(in_size - 1) / (float)(out_size - 1)
					      : (float)in_size / (float)out_size;
	float offset = half ? 0.5f : 0.0f;
	float v = ((float)o + offset) * scale;
	int32_t r = align ? (int32_t)nn_round_away_f(v) : (int32_t)floorf(v);
	r = r < in_size - 1 ? r : in_size - 1;
	return half && r < 0 ? 0 : r;
}

static int32_t nearest_fixed(int32_t o, int32_t in_size, int32_t out_size)
{
	int64_t scale = ((int64_t)in_size << 16) / out_size + 1;
	int64_t r = ((int64_t)o * scale) >> 16;
	return (int32_t)(r < in_size - 1 ? r : in_size - 1);
}

static fsnn_status resize_nn_prepare(nn_prepare_ctx *ctx, nn_node *node)
{
	const nn_tensor *in = NULL, *out = NULL;
	fsnn_status st = nn_ku_resize_prepare(ctx, node, true, &in, &out);
	if (st != FSNN_OK)
		return st;
	const int32_t hw[2] = { out->dims[1], out->dims[2] };   /* checked: the size input */
	/* ResizeNearestNeighborOptions: align_corners (0), half_pixel_centers (1). */
	bool align = nn_fb_u8(&node->options, 0, 0) != 0;
	bool half = nn_fb_u8(&node->options, 1, 0) != 0;
	resize_nn_data *d = nn_persistent_alloc(ctx, sizeof *d + sizeof(int32_t) * ((size_t)hw[0] + hw[1]));
	if (d == NULL)
		return ctx->err->code;
	d->n = in->dims[0];
	d->in_h = in->dims[1];
	d->in_w = in->dims[2];
	d->out_h = hw[0];
	d->out_w = hw[1];
	d->pixel_bytes = (size_t)in->dims[3] * fsnn_dtype_size(in->type);
	d->src_y = (int32_t *)(d + 1);
	d->src_x = d->src_y + hw[0];
	bool fixed = fsnn_dtype_size(in->type) == 1 && !align && !half;
	for (int32_t y = 0; y < hw[0]; y++)
		d->src_y[y] = fixed ? nearest_fixed(y, d->in_h, hw[0])
				    : nearest_ref(y, d->in_h, hw[0], align, half);
	for (int32_t x = 0; x < hw[1]; x++)
		d->src_x[x] = fixed ? nearest_fixed(x, d->in_w, hw[1])
				    : nearest_ref(x, d->in_w, hw[1], align, half);
	node->op_data = d;
	return FSNN_OK;
}

static fsnn_status resize_nn_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	const resize_nn_data *d = node->op_data;
	const uint8_t *in = nn_in_data(ctx, node, 0);
	uint8_t *out = nn_out_data(ctx, node, 0);
	size_t pb = d->pixel_bytes;
	for (int32_t b = 0; b < d->n; b++) {
		const uint8_t *img = in + (size_t)b * d->in_h * d->in_w * pb;
		for (int32_t y = 0; y < d->out_h; y++) {
			const uint8_t *row = img + (size_t)d->src_y[y] * d->in_w * pb;
			for (int32_t x = 0; x < d->out_w; x++) {
				memcpy(out, row + (size_t)d->src_x[x] * pb, pb);
				out += pb;
			}
		}
	}
	return FSNN_OK;
}

const nn_kernel nn_kernel_resize_nearest_neighbor = {
	.builtin = NN_OP_RESIZE_NEAREST_NEIGHBOR,
	.name = "RESIZE_NEAREST_NEIGHBOR",
	.prepare = resize_nn_prepare,
	.eval = resize_nn_eval,
};
