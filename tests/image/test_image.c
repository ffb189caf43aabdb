/* SPDX-License-Identifier: BSD-3-Clause */
/* PNG round trips at 8 and 16 bits, conversions, and bad files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "image/image.h"

static void tmp_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "/tmp/fs_test_image_%d_%s", (int)getpid(), name);
}

int main(void)
{
	check_state s = {0};
	char path[256];
	fs_err err = {0};

	check_begin(&s, "image_png_roundtrip_grey16");
	{
		fs_image a, b;
		CHECK(&s, fs_image_alloc(&a, 37, 21, 1, 16, &err) == 0, "%s", err.msg);
		uint16_t *p = (uint16_t *)a.data;
		for (int i = 0; i < 37 * 21; i++)
			p[i] = (uint16_t)(i * 977u);
		tmp_path(path, sizeof path, "g16.png");
		CHECK(&s, fs_png_write(path, &a, 1, &err) == 0, "%s", err.msg);
		CHECK(&s, fs_png_read(path, 0, 0, &b, &err) == 0, "%s", err.msg);
		CHECK(&s, b.width == 37 && b.height == 21 && b.depth == 16 && b.channels == 1, "layout");
		CHECK(&s, b.data && memcmp(a.data, b.data, a.stride * 21) == 0, "pixels differ");
		fs_image_free(&b);
		/* 16 -> 8 bit scaling keeps the high byte (rounded) */
		CHECK(&s, fs_png_read(path, 1, 8, &b, &err) == 0, "%s", err.msg);
		CHECK(&s, b.depth == 8 && b.data[1] == (uint8_t)((977u * 255 + 32767) / 65535), "scaled %d", b.data[1]);
		fs_image_free(&b);
		fs_image_free(&a);
		unlink(path);
	}
	check_end(&s);

	check_begin(&s, "image_png_rgb_to_grey_and_read_into");
	{
		fs_image a, g;
		CHECK(&s, fs_image_alloc(&a, 8, 4, 3, 8, &err) == 0, "%s", err.msg);
		memset(a.data, 200, a.stride * 4);
		tmp_path(path, sizeof path, "rgb.png");
		CHECK(&s, fs_png_write(path, &a, -1, &err) == 0, "%s", err.msg);
		CHECK(&s, fs_image_alloc(&g, 8, 4, 1, 8, &err) == 0, "%s", err.msg);
		CHECK(&s, fs_png_read_into(path, &g, &err) == 0, "%s", err.msg);
		CHECK(&s, g.data[5] == 200, "grey of equal RGB is %d", g.data[5]);
		fs_image wrong;
		CHECK(&s, fs_image_alloc(&wrong, 9, 4, 1, 8, &err) == 0, "%s", err.msg);
		CHECK(&s, fs_png_read_into(path, &wrong, &err) < 0 && strstr(err.msg, "expected 9x4"),
		      "size mismatch not reported: %s", err.msg);
		fs_image_free(&wrong);
		fs_image_free(&g);
		fs_image_free(&a);
		unlink(path);
	}
	check_end(&s);

	check_begin(&s, "image_png_bad_files");
	{
		fs_image b;
		CHECK(&s, fs_png_read("/nonexistent/x.png", 0, 0, &b, &err) < 0 && strstr(err.msg, "/nonexistent/x.png"),
		      "missing file: %s", err.msg);
		tmp_path(path, sizeof path, "bad.png");
		FILE *f = fopen(path, "wb");
		fputs("not a png at all", f);
		fclose(f);
		CHECK(&s, fs_png_read(path, 0, 0, &b, &err) < 0 && strstr(err.msg, "not a PNG"), "junk: %s", err.msg);
		/* a valid PNG cut short must fail cleanly, never crash */
		fs_image a;
		fs_image_alloc(&a, 64, 64, 1, 8, &err);
		for (int i = 0; i < 64 * 64; i++)
			a.data[i] = (uint8_t)(i * 31);
		fs_png_write(path, &a, 0, &err);
		fs_image_free(&a);
		f = fopen(path, "r+b");
		fseek(f, 0, SEEK_END);
		long n = ftell(f);
		fclose(f);
		CHECK(&s, truncate(path, n / 2) == 0, "truncate");
		CHECK(&s, fs_png_read(path, 0, 0, &b, &err) < 0 && strstr(err.msg, path), "truncated: %s", err.msg);
		unlink(path);
	}
	check_end(&s);
	return check_exit(&s);
}
