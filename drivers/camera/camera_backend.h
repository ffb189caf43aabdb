/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to drivers/camera: the function table each backend fills in. */
#ifndef FS_CAMERA_BACKEND_H
#define FS_CAMERA_BACKEND_H

#include "camera.h"

typedef struct fs_camera_ops {
	const char *name;
	/* Opens, allocates every buffer, starts streaming, fills *info. */
	int (*open)(const fs_camera_config *cfg, void **priv, fs_camera_info *info, fs_err *err);
	int (*capture)(void *priv, int timeout_ms, fs_image *img, fs_frame_meta *meta, fs_err *err);
	int (*set_step)(void *priv, const char *pattern, fs_err *err);   /* may be NULL */
	void (*close)(void *priv);
	int (*probe)(FILE *out, fs_err *err);                           /* may be NULL */
} fs_camera_ops;

extern const fs_camera_ops fs_camera_file_ops;
extern const fs_camera_ops fs_camera_v4l2_ops;
extern const fs_camera_ops fs_camera_libcamera_ops;

#endif
