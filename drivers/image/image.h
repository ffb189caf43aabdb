/*
 * image — grey/RGB 8- or 16-bit image buffers and PNG files (libpng).
 * Buffers are allocated once by the caller's choice (fs_image_alloc) and
 * can be refilled with fs_png_read_into, so nothing allocates per frame.
 */
#ifndef FS_IMAGE_H
#define FS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err/fs_err.h"

typedef struct fs_image {
	int width, height;
	int channels;     /* 1 (grey) or 3 (RGB) */
	int depth;        /* bits per sample: 8 or 16 (16-bit samples in host order) */
	size_t stride;    /* bytes per row */
	uint8_t *data;    /* owned when allocated by fs_image_alloc/fs_png_read */
} fs_image;

int fs_image_alloc(fs_image *img, int width, int height, int channels, int depth, fs_err *err);
void fs_image_free(fs_image *img);

/* Reads header only. */
int fs_png_info(const char *path, int *width, int *height, int *channels, int *depth, fs_err *err);
/* Reads a PNG, converting palette/alpha/grey+alpha away; keeps 8 or 16 bits
 * unless want_depth (8 or 16, 0 = as stored) asks otherwise; want_channels
 * 1 or 3 converts (RGB->grey by Rec.601 luma), 0 keeps. Allocates out. */
int fs_png_read(const char *path, int want_channels, int want_depth, fs_image *out, fs_err *err);
/* Same into an already allocated image whose size, channels and depth must
 * match the file after conversion (an error says what differs). */
int fs_png_read_into(const char *path, fs_image *img, fs_err *err);
/* Writes img as PNG to path (plain write; callers wanting durability write
 * to a temporary name, fsync and rename). compression 0..9, -1 = default. */
int fs_png_write(const char *path, const fs_image *img, int compression, fs_err *err);

#endif
