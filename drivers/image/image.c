/* SPDX-License-Identifier: BSD-3-Clause */
/* PNG files through libpng's classic API: the simplified png_image API
 * would gamma-convert 16-bit data, and microscope frames must keep their
 * raw sensor values. */
#include "image.h"

#include <errno.h>
#include <limits.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Largest side we accept: a bad header must not make us allocate gigabytes. */
#define FS_IMAGE_MAX_SIDE 32768

int fs_image_alloc(fs_image *img, int width, int height, int channels, int depth, fs_err *err)
{
	memset(img, 0, sizeof *img);
	if (width <= 0 || height <= 0 || width > FS_IMAGE_MAX_SIDE || height > FS_IMAGE_MAX_SIDE)
		return fs_err_set(err, -EINVAL, "image size %dx%d outside 1..%d", width, height,
				  FS_IMAGE_MAX_SIDE);
	if (channels != 1 && channels != 3)
		return fs_err_set(err, -EINVAL, "image channels %d: expected 1 or 3", channels);
	if (depth != 8 && depth != 16)
		return fs_err_set(err, -EINVAL, "image depth %d bits: expected 8 or 16", depth);
	size_t stride = (size_t)width * (size_t)channels * (size_t)(depth / 8);
	img->data = calloc((size_t)height, stride);
	if (!img->data)
		return fs_err_set(err, -ENOMEM, "out of memory for a %dx%d image", width, height);
	img->width = width;
	img->height = height;
	img->channels = channels;
	img->depth = depth;
	img->stride = stride;
	return 0;
}

void fs_image_free(fs_image *img)
{
	if (img) {
		free(img->data);
		memset(img, 0, sizeof *img);
	}
}

/* libpng reports errors through callbacks; keep the text for our message. */
typedef struct png_errbuf {
	char msg[256];
} png_errbuf;

static void on_png_error(png_structp png, png_const_charp msg)
{
	png_errbuf *eb = png_get_error_ptr(png);
	if (eb)
		snprintf(eb->msg, sizeof eb->msg, "%s", msg);
	png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg; /* warnings (e.g. bad iCCP profiles) do not affect pixels */
}

typedef struct png_reader {
	FILE *fp;
	png_structp png;
	png_infop info;
	png_errbuf eb;
	int width, height, channels, depth; /* after transforms */
} png_reader;

static void reader_close(png_reader *r)
{
	if (r->png)
		png_destroy_read_struct(&r->png, r->info ? &r->info : NULL, NULL);
	if (r->fp)
		fclose(r->fp);
	r->png = NULL;
	r->info = NULL;
	r->fp = NULL;
}

/* Opens path, reads the header and sets transforms so that rows come out
 * as grey or RGB, 8 or 16 bits, host byte order. want_* of 0 keep the file's. */
static int reader_open(png_reader *r, const char *path, int want_channels, int want_depth, fs_err *err)
{
	memset(r, 0, sizeof *r);
	r->fp = fopen(path, "rb");
	if (!r->fp)
		return fs_err_set(err, -errno, "%s: cannot open: %s", path, strerror(errno));
	/* A folder named x.png opens but reads as nothing: say what it is
	 * rather than "bad signature". */
	struct stat st;
	if (fstat(fileno(r->fp), &st) == 0 && !S_ISREG(st.st_mode)) {
		reader_close(r);
		return fs_err_set(err, -EINVAL, "%s: is a %s, not a file: expected a PNG file", path,
				  S_ISDIR(st.st_mode) ? "directory" : "FIFO or device");
	}
	unsigned char sig[8];
	if (fread(sig, 1, sizeof sig, r->fp) != sizeof sig || png_sig_cmp(sig, 0, sizeof sig)) {
		reader_close(r);
		return fs_err_set(err, -EINVAL, "%s: not a PNG file (bad signature)", path);
	}
	r->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r->eb, on_png_error, on_png_warning);
	if (r->png)
		r->info = png_create_info_struct(r->png);
	if (!r->png || !r->info) {
		reader_close(r);
		return fs_err_set(err, -ENOMEM, "%s: out of memory for the PNG reader", path);
	}
	if (setjmp(png_jmpbuf(r->png))) {
		int rc = fs_err_set(err, -EINVAL, "%s: bad PNG: %s", path, r->eb.msg);
		reader_close(r);
		return rc;
	}
	png_init_io(r->png, r->fp);
	png_set_sig_bytes(r->png, sizeof sig);
	png_set_user_limits(r->png, FS_IMAGE_MAX_SIDE, FS_IMAGE_MAX_SIDE);
	png_read_info(r->png, r->info);

	int color = png_get_color_type(r->png, r->info);
	int bits = png_get_bit_depth(r->png, r->info);
	if (color == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(r->png);
	if (color == PNG_COLOR_TYPE_GRAY && bits < 8)
		png_set_expand_gray_1_2_4_to_8(r->png);
	if (png_get_valid(r->png, r->info, PNG_INFO_tRNS))
		png_set_tRNS_to_alpha(r->png);
	png_set_strip_alpha(r->png);
	int is_rgb = (color & PNG_COLOR_MASK_COLOR) != 0;
	int out_channels = is_rgb ? 3 : 1;
	if (want_channels == 1 && is_rgb) {
		/* Rec.601 luma, in fixed point (weights per 100000). */
		png_set_rgb_to_gray_fixed(r->png, 1, 29900, 58700);
		out_channels = 1;
	} else if (want_channels == 3 && !is_rgb) {
		png_set_gray_to_rgb(r->png);
		out_channels = 3;
	}
	int out_depth = bits == 16 ? 16 : 8;
	if (want_depth == 8 && out_depth == 16) {
		png_set_scale_16(r->png);
		out_depth = 8;
	} else if (want_depth == 16 && out_depth == 8) {
		png_set_expand_16(r->png);
		out_depth = 16;
	}
	if (out_depth == 16) {
		const uint16_t probe = 1;
		if (*(const uint8_t *)&probe == 1)
			png_set_swap(r->png); /* PNG is big-endian; we keep host order */
	}
	png_set_interlace_handling(r->png);
	png_read_update_info(r->png, r->info);
	r->width = (int)png_get_image_width(r->png, r->info);
	r->height = (int)png_get_image_height(r->png, r->info);
	r->channels = out_channels;
	r->depth = out_depth;
	size_t rowbytes = png_get_rowbytes(r->png, r->info);
	if (rowbytes != (size_t)r->width * (size_t)out_channels * (size_t)(out_depth / 8)) {
		int rc = fs_err_set(err, -EINVAL, "%s: unexpected PNG row layout (%zu bytes per row)", path,
				    rowbytes);
		reader_close(r);
		return rc;
	}
	return 0;
}

/* Reads all rows into img (whose layout matches the reader's). */
static int reader_read_rows(png_reader *r, const char *path, fs_image *img, fs_err *err)
{
	png_bytep *rows = malloc(sizeof(png_bytep) * (size_t)img->height);
	if (!rows) {
		reader_close(r);
		return fs_err_set(err, -ENOMEM, "%s: out of memory for row pointers", path);
	}
	for (int y = 0; y < img->height; y++)
		rows[y] = img->data + (size_t)y * img->stride;
	if (setjmp(png_jmpbuf(r->png))) {
		free(rows);
		int rc = fs_err_set(err, -EINVAL, "%s: bad or truncated PNG data: %s", path, r->eb.msg);
		reader_close(r);
		return rc;
	}
	png_read_image(r->png, rows);
	png_read_end(r->png, NULL);
	free(rows);
	reader_close(r);
	return 0;
}

int fs_png_info(const char *path, int *width, int *height, int *channels, int *depth, fs_err *err)
{
	png_reader r;
	int rc = reader_open(&r, path, 0, 0, err);
	if (rc)
		return rc;
	if (width)
		*width = r.width;
	if (height)
		*height = r.height;
	if (channels)
		*channels = r.channels;
	if (depth)
		*depth = r.depth;
	reader_close(&r);
	return 0;
}

int fs_png_read(const char *path, int want_channels, int want_depth, fs_image *out, fs_err *err)
{
	memset(out, 0, sizeof *out);
	if ((want_channels != 0 && want_channels != 1 && want_channels != 3) ||
	    (want_depth != 0 && want_depth != 8 && want_depth != 16))
		return fs_err_set(err, -EINVAL, "%s: asked for %d channels, %d bits: expected 0/1/3 and 0/8/16",
				  path, want_channels, want_depth);
	png_reader r;
	int rc = reader_open(&r, path, want_channels, want_depth, err);
	if (rc)
		return rc;
	rc = fs_image_alloc(out, r.width, r.height, r.channels, r.depth, err);
	if (rc) {
		reader_close(&r);
		return fs_err_prefix(err, "%s: ", path);
	}
	rc = reader_read_rows(&r, path, out, err);
	if (rc)
		fs_image_free(out);
	return rc;
}

int fs_png_read_into(const char *path, fs_image *img, fs_err *err)
{
	if (!img || !img->data)
		return fs_err_set(err, -EINVAL, "%s: no destination image buffer", path);
	png_reader r;
	int rc = reader_open(&r, path, img->channels, img->depth, err);
	if (rc)
		return rc;
	if (r.width != img->width || r.height != img->height) {
		rc = fs_err_set(err, -EINVAL, "%s: image is %dx%d, expected %dx%d", path, r.width, r.height,
				img->width, img->height);
		reader_close(&r);
		return rc;
	}
	return reader_read_rows(&r, path, img, err);
}
