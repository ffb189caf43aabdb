/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Output re-layout: the TPU writes each output as per-tile blocks (its
 * OutputLayout tables say where element (y, x, 0) of every tile landed);
 * the host turns that into dense YXZ. The strides and special cases follow
 * libedgetpu's OutputLayerInformation::Relayout so outputs match it byte
 * for byte (including its fixed source stride of 4 bytes for outputs of 1
 * or 3 bytes per pixel). Every source range is checked against the staging
 * buffer because the tables come from the model file.
 */
#include <string.h>

#include "etpu_priv.h"

enum { Y_TILE, X_TILE, TILE_OFF, X_LOCAL, Y_LOCAL, ROW_SIZE }; /* OutputLayout field ids */

static int64_t buf_index(const etpu_exe *e, const etpu_layer *l, int y, int x)
{
	const etpu_fb *fb = &e->fb;
	const etpu_vec *v = l->lay;
	if ((uint32_t)y >= v[Y_TILE].len || (uint32_t)x >= v[X_TILE].len ||
	    (uint32_t)x >= v[X_LOCAL].len || (uint32_t)y >= v[Y_LOCAL].len ||
	    (uint32_t)x >= v[ROW_SIZE].len)
		return -1;
	int64_t tile = (int64_t)etpu_fb_vec_i32(fb, v[Y_TILE], (uint32_t)y) +
		       etpu_fb_vec_i32(fb, v[X_TILE], (uint32_t)x);
	if (tile < 0 || tile >= v[TILE_OFF].len)
		return -1;
	return (int64_t)etpu_fb_vec_i32(fb, v[TILE_OFF], (uint32_t)tile) +
	       (int64_t)etpu_fb_vec_i32(fb, v[Y_LOCAL], (uint32_t)y) *
		       etpu_fb_vec_i32(fb, v[ROW_SIZE], (uint32_t)x) +
	       etpu_fb_vec_i32(fb, v[X_LOCAL], (uint32_t)x);
}

static bool in_buf(const etpu_layer *l, int64_t off, int64_t n)
{
	return off >= 0 && n >= 0 && (uint64_t)off + (uint64_t)n <= l->buf_bytes;
}

static fsnn_status relayout(const etpu_exe *e, const etpu_layer *l, uint8_t *dst,
			    fsnn_error *err)
{
	const int Y = l->info.y, X = l->info.x, el = l->elem;
	const int64_t zb = (int64_t)l->info.z * el;
	int64_t i00 = buf_index(e, l, 0, 0);
	int64_t i1 = X > 1 ? buf_index(e, l, 0, 1) : buf_index(e, l, 1, 0);
	if (i00 < 0 || i1 < 0)
		goto bad;
	int64_t zb_padded = (i1 - i00) * el;
	/* Runs of x that live in the same tile are contiguous. */
	int runs = 1;
	for (int x = 1; x < X; x++)
		if (etpu_fb_vec_i32(&e->fb, l->lay[X_TILE], (uint32_t)x) !=
		    etpu_fb_vec_i32(&e->fb, l->lay[X_TILE], (uint32_t)x - 1))
			runs++;
	int32_t ytile0 = etpu_fb_vec_i32(&e->fb, l->lay[Y_TILE], 0);
	int32_t ytileN = etpu_fb_vec_i32(&e->fb, l->lay[Y_TILE], (uint32_t)Y - 1);
	if (zb == zb_padded && runs == 1 && ytile0 == ytileN) {
		memcpy(dst, l->buf, (size_t)(Y * X) * (size_t)zb);
		return FSNN_OK;
	}
	int64_t stride = zb == zb_padded ? zb : (zb == 1 || zb == 3) ? 4 : zb_padded;
	for (int y = 0; y < Y; y++) {
		int x = 0;
		while (x < X) {
			int x1 = x + 1;
			while (x1 < X && etpu_fb_vec_i32(&e->fb, l->lay[X_TILE], (uint32_t)x1) ==
					       etpu_fb_vec_i32(&e->fb, l->lay[X_TILE], (uint32_t)x))
				x1++;
			int64_t src = buf_index(e, l, y, x);
			if (src < 0)
				goto bad;
			src *= el;
			int64_t n = x1 - x;
			if (!in_buf(l, src, (n - 1) * stride + zb))
				goto bad;
			if (stride == zb) {
				memcpy(dst, l->buf + src, (size_t)(n * zb));
				dst += n * zb;
			} else {
				for (int64_t k = 0; k < n; k++, dst += zb)
					memcpy(dst, l->buf + src + k * stride, (size_t)zb);
			}
			x = x1;
		}
	}
	return FSNN_OK;
bad:
	return etpu_err(err, FSNN_E_FORMAT,
			"output '%s': its output layout points outside the %zu bytes received",
			l->info.name, l->buf_bytes);
}

fsnn_status etpu_unstage_output(const etpu_exe *e, const etpu_layer *l, void *dst, size_t n,
				fsnn_error *err)
{
	if (n < l->info.bytes)
		return etpu_err(err, FSNN_E_ARG, "output '%s': %zu bytes of room, %zu needed",
				l->info.name, n, l->info.bytes);
	if (l->shape_info_plain || (l->info.y == 1 && l->info.x == 1)) {
		memcpy(dst, l->buf, l->info.bytes);
	} else {
		fsnn_status st = relayout(e, l, dst, err);
		if (st)
			return st;
	}
	if (l->info.data_type == 8 || l->info.data_type == 9) {
		uint8_t *d = dst;
		for (size_t i = (size_t)l->elem - 1; i < l->info.bytes; i += (size_t)l->elem)
			d[i] ^= 0x80;
	}
	return FSNN_OK;
}
