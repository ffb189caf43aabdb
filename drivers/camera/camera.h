/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * camera — one interface over three backends that deliver grey frames:
 *   "v4l2"      V4L2 mmap streaming (GREY, Y10, Y12, Y16, YUYV, 8-bit Bayer)
 *   "libcamera" libcamera through a C++ shim (AE/AGC/AWB locked)
 *   "file"      replays PNG folders (simulated board, tests)
 * All buffers are allocated at open; capture copies/convert one frame into
 * a caller-visible grey image without allocating.
 */
#ifndef FS_CAMERA_H
#define FS_CAMERA_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err/fs_err.h"
#include "image/image.h"

/* The camera disappeared (unplugged, driver gone): close it and reopen. */
#define FS_CAMERA_GONE      (-ENODEV)
/* No frame within the timeout (the camera is still there). */
#define FS_CAMERA_TIMEOUT   (-ETIMEDOUT)
/* File replay reached its end (only when cfg.replay_once). */
#define FS_CAMERA_END       (-ENODATA)

typedef struct fs_camera_config {
	char backend[16];     /* "file", "v4l2", "libcamera" */
	char device[256];     /* file: folder; v4l2: /dev/videoN; libcamera:
	                         camera id, or "" for the first camera */
	int width, height;    /* 0 = device default / first file's size */
	char format[8];       /* fourcc ("GREY","Y16 ","YUYV","BA81"...), or ""
	                         to pick the best grey-capable format */
	int depth;            /* delivered grey depth: 8 or 16 (0 = 8) */
	int exposure_us;      /* > 0: manual exposure, auto exposure off */
	double gain;          /* > 0: manual analogue gain, auto gain off */
	int n_buffers;        /* driver buffers, 0 = 4 */
	bool replay_once;     /* file: FS_CAMERA_END at the end instead of looping */
} fs_camera_config;

void fs_camera_config_init(fs_camera_config *cfg, const char *backend, const char *device);

typedef struct fs_camera fs_camera;

/* Opens, configures and starts streaming. Unsupported formats or sizes
 * fail with -EINVAL and a message listing what the device offers. */
int fs_camera_open(const fs_camera_config *cfg, fs_camera **out, fs_err *err);
/* Stops streaming and frees everything. NULL is allowed. */
void fs_camera_close(fs_camera *cam);

typedef struct fs_camera_info {
	int width, height, depth;   /* of delivered frames */
	char format[8];             /* device pixel format (fourcc) */
	char driver[64];            /* driver / camera model */
	char device[256];
	int exposure_us;            /* applied, or 0 if unknown */
	double gain;                /* applied, or 0 if unknown */
} fs_camera_info;

void fs_camera_get_info(const fs_camera *cam, fs_camera_info *info);

/* Allocates an image of the delivered size and depth (once, at start). */
int fs_camera_alloc_frame(const fs_camera *cam, fs_image *img, fs_err *err);

typedef struct fs_frame_meta {
	uint32_t sequence;    /* driver sequence number (file: frame index) */
	uint64_t time_ns;     /* driver timestamp, CLOCK_MONOTONIC */
	char source[256];     /* file: the PNG path; others: device */
} fs_frame_meta;

/* Captures the next frame into img (grey, the delivered size and depth).
 * timeout_ms < 0 waits forever. Errors: FS_CAMERA_TIMEOUT, FS_CAMERA_GONE,
 * FS_CAMERA_END, or others with a message. meta may be NULL. */
int fs_camera_capture(fs_camera *cam, int timeout_ms, fs_image *img, fs_frame_meta *meta,
		      fs_err *err);

/* Tells the camera which illumination pattern is lit. Real cameras ignore
 * it; the file backend reads the next frame from the sub-folder of that
 * name when the replay folder has one folder per illumination step. */
int fs_camera_set_step(fs_camera *cam, const char *pattern, fs_err *err);

/* Prints the cameras a backend ("v4l2", "libcamera"; NULL = both) sees,
 * with their formats and sizes. Returns the number found or negative. */
int fs_camera_probe(const char *backend, FILE *out, fs_err *err);

#endif
