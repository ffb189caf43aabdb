/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * C interface of the libcamera C++ shim (drivers/camera/libcamera/). Only
 * camera_libcamera.c includes it. Errors come back as -errno with a
 * message in msg.
 */
#ifndef FS_LC_SHIM_H
#define FS_LC_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fs_lc fs_lc;

typedef struct fs_lc_params {
	const char *camera_id;   /* "" = first camera */
	int width, height;       /* 0 = default */
	const char *format;      /* libcamera name ("R8", "YUYV", "RGB888"...) or "" */
	int exposure_us;         /* > 0: AE off, this exposure */
	double gain;             /* > 0: AGC off, this analogue gain */
	int n_buffers;
} fs_lc_params;

typedef struct fs_lc_result {
	int width, height;
	char format[16];
	char model[64];
} fs_lc_result;

int fs_lc_open(const fs_lc_params *p, fs_lc **out, fs_lc_result *res, char *msg, size_t msg_size);
/* Converts the next frame to grey into dst (depth 8 or 16, stride bytes). */
int fs_lc_capture(fs_lc *lc, int timeout_ms, uint8_t *dst, size_t stride, int depth,
		  uint32_t *sequence, uint64_t *time_ns, char *msg, size_t msg_size);
void fs_lc_close(fs_lc *lc);
int fs_lc_probe(FILE *out, char *msg, size_t msg_size);
/* "0.0.3" etc: the libcamera the shim was built against. */
const char *fs_lc_version(void);

#ifdef __cplusplus
}
#endif

#endif
