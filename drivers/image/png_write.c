/* SPDX-License-Identifier: BSD-3-Clause */
/* PNG writing through libpng's classic API (16-bit samples keep their raw
 * values), with a fixed row filter and metadata chunks when asked. */
#include "image.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <string.h>
#include <zlib.h>

typedef struct wr_err {
	char msg[200];
} wr_err;

static void on_error(png_structp png, png_const_charp msg)
{
	wr_err *e = png_get_error_ptr(png);
	snprintf(e->msg, sizeof e->msg, "%s", msg);
	png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static int filter_mask(fs_png_filter f)
{
	switch (f) {
	case FS_PNG_FILTER_NONE: return PNG_FILTER_NONE;
	case FS_PNG_FILTER_SUB: return PNG_FILTER_SUB;
	case FS_PNG_FILTER_UP: return PNG_FILTER_UP;
	case FS_PNG_FILTER_PAETH: return PNG_FILTER_PAETH;
	default: return -1;
	}
}

int fs_png_encode(FILE *fp, const fs_image *img, const fs_png_opts *opts, const char *name, fs_err *err)
{
	if (!img || !img->data || img->width <= 0 || img->height <= 0 ||
	    (img->channels != 1 && img->channels != 3) || (img->depth != 8 && img->depth != 16))
		return fs_err_set(err, -EINVAL, "%s: invalid image to write", name);
	wr_err eb = {{0}};
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &eb, on_error, on_warning);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info) {
		if (png)
			png_destroy_write_struct(&png, NULL);
		return fs_err_set(err, -ENOMEM, "%s: out of memory for the PNG writer", name);
	}
	errno = 0;
	if (setjmp(png_jmpbuf(png))) {
		/* libpng's "Write Error" hides why: the failed fwrite left errno
		 * (ENOSPC on a full card), and that is what the user must see. */
		int e = ferror(fp) && errno ? errno : 0;
		png_destroy_write_struct(&png, &info);
		if (e)
			return fs_err_set(err, -e, "%s: PNG write failed: %s", name, strerror(e));
		return fs_err_set(err, -EIO, "%s: PNG write failed: %s", name, eb.msg);
	}
	png_init_io(png, fp);
	if (opts->compression >= 0 && opts->compression <= 9)
		png_set_compression_level(png, opts->compression);
	int fm = filter_mask(opts->filter);
	if (fm >= 0) {
		png_set_filter(png, PNG_FILTER_TYPE_BASE, fm);
		/* Filtered rows are near-noise to zlib's match finder at low
		 * levels; filtered strategy is what PNG's own tools pick. */
		if (fm != PNG_FILTER_NONE)
			png_set_compression_strategy(png, Z_FILTERED);
	}
	png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, img->depth,
		     img->channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (opts->pixel_size_um > 0) {
		double ppm = 1e6 / opts->pixel_size_um;
		png_uint_32 v = ppm >= 4294967295.0 ? 4294967295u : (png_uint_32)lround(ppm);
		png_set_pHYs(png, info, v, v, PNG_RESOLUTION_METER);
	}
	png_text t;
	if (opts->text_key && opts->text) {
		memset(&t, 0, sizeof t);
		t.compression = PNG_ITXT_COMPRESSION_NONE;
		t.key = (png_charp)opts->text_key;
		t.text = (png_charp)opts->text;
		t.text_length = 0;
		t.itxt_length = strlen(opts->text);
		t.lang = (png_charp) "";
		t.lang_key = (png_charp) "";
		png_set_text(png, info, &t, 1);
	}
	png_write_info(png, info);
	if (img->depth == 16) {
		const uint16_t probe = 1;
		if (*(const uint8_t *)&probe == 1)
			png_set_swap(png);
	}
	for (int y = 0; y < img->height; y++)
		png_write_row(png, img->data + (size_t)y * img->stride);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	if (fflush(fp) != 0 || ferror(fp)) {
		int e = errno ? errno : EIO;
		return fs_err_set(err, -e, "%s: write failed: %s", name, strerror(e));
	}
	return 0;
}

int fs_png_write_opts(const char *path, const fs_image *img, const fs_png_opts *opts, fs_err *err)
{
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return fs_err_set(err, -errno, "%s: cannot create: %s", path, strerror(errno));
	int rc = fs_png_encode(fp, img, opts, path, err);
	if (fclose(fp) != 0 && !rc)
		rc = fs_err_set(err, -errno, "%s: close failed: %s", path, strerror(errno));
	return rc;
}

int fs_png_write(const char *path, const fs_image *img, int compression, fs_err *err)
{
	fs_png_opts o = {.compression = compression, .filter = FS_PNG_FILTER_ADAPTIVE};
	return fs_png_write_opts(path, img, &o, err);
}
