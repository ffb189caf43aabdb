/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * image — grey/RGB 8- or 16-bit image buffers and PNG files (libpng).
 * Buffers are allocated once by the caller's choice (fs_image_alloc) and
 * can be refilled with fs_png_read_into, so nothing allocates per frame.
 */
#ifndef FS_IMAGE_H
#define FS_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
/* PNG row filters. libpng's default tries all five on every row and keeps
 * the best, which costs more than zlib at level 1 does; one fixed filter is
 * several times cheaper and, on microscope images, within a few per cent
 * of the size. */
typedef enum fs_png_filter {
	FS_PNG_FILTER_ADAPTIVE = 0,   /* libpng's per-row choice */
	FS_PNG_FILTER_NONE,
	FS_PNG_FILTER_SUB,
	FS_PNG_FILTER_UP,
	FS_PNG_FILTER_PAETH,
} fs_png_filter;

/* How to write a PNG and the metadata that travels with it. */
typedef struct fs_png_opts {
	int compression;          /* zlib level 0..9; -1 = libpng's default */
	fs_png_filter filter;
	double pixel_size_um;     /* > 0: a pHYs chunk (pixels per metre), so viewers show real sizes */
	const char *text_key;     /* with text: one iTXt chunk (UTF-8, e.g. a JSON description) */
	const char *text;
} fs_png_opts;

/* Encodes img as PNG into an open stream (a file, or open_memstream so the
 * caller can hash and write the bytes durably without reading them back). */
int fs_png_encode(FILE *out, const fs_image *img, const fs_png_opts *opts, const char *name, fs_err *err);
/* Writes img as PNG to path (plain write; callers wanting durability write
 * to a temporary name, fsync and rename). compression 0..9, -1 = default. */
int fs_png_write(const char *path, const fs_image *img, int compression, fs_err *err);
/* The same with every option. */
int fs_png_write_opts(const char *path, const fs_image *img, const fs_png_opts *opts, fs_err *err);

#endif
