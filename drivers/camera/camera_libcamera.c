/* SPDX-License-Identifier: BSD-3-Clause */
/* "libcamera" backend: a thin C wrapper over libcamera/lc_shim.cpp. When
 * the project is built without libcamera (no pkg-config entry) the backend
 * is present but every call says so. */
#include "camera_backend.h"

#include <stdlib.h>
#include <string.h>

#ifdef FS_HAVE_LIBCAMERA
#include "libcamera/lc_shim.h"

static int lc_open(const fs_camera_config *cfg, void **priv, fs_camera_info *info, fs_err *err)
{
	fs_lc_params p = {
		.camera_id = cfg->device, .width = cfg->width, .height = cfg->height,
		.format = cfg->format, .exposure_us = cfg->exposure_us, .gain = cfg->gain,
		.n_buffers = cfg->n_buffers,
	};
	fs_lc_result res;
	memset(&res, 0, sizeof res);
	char msg[FS_ERR_MSG_MAX];
	fs_lc *lc;
	int rc = fs_lc_open(&p, &lc, &res, msg, sizeof msg);
	if (rc < 0)
		return fs_err_set(err, rc, "%s", msg);
	info->width = res.width;
	info->height = res.height;
	snprintf(info->format, sizeof info->format, "%.7s", res.format);
	snprintf(info->driver, sizeof info->driver, "libcamera %s: %.40s", fs_lc_version(), res.model);
	snprintf(info->device, sizeof info->device, "%s", res.model);
	info->exposure_us = cfg->exposure_us;
	info->gain = cfg->gain;
	*priv = lc;
	return 0;
}

static int lc_capture(void *priv, int timeout_ms, fs_image *img, fs_frame_meta *meta, fs_err *err)
{
	char msg[FS_ERR_MSG_MAX];
	int rc = fs_lc_capture(priv, timeout_ms, img->data, img->stride, img->depth, &meta->sequence,
			       &meta->time_ns, msg, sizeof msg);
	if (rc < 0)
		return fs_err_set(err, rc, "%s", msg);
	snprintf(meta->source, sizeof meta->source, "libcamera");
	return 0;
}

static void lc_close(void *priv)
{
	fs_lc_close(priv);
}

static int lc_probe(FILE *out, fs_err *err)
{
	char msg[FS_ERR_MSG_MAX];
	int rc = fs_lc_probe(out, msg, sizeof msg);
	return rc < 0 ? fs_err_set(err, rc, "%s", msg) : rc;
}

#else

static int lc_open(const fs_camera_config *cfg, void **priv, fs_camera_info *info, fs_err *err)
{
	(void)cfg; (void)priv; (void)info;
	return fs_err_set(err, -ENOTSUP, "this build has no libcamera support (libcamera-dev was missing at build time)");
}

static int lc_capture(void *priv, int timeout_ms, fs_image *img, fs_frame_meta *meta, fs_err *err)
{
	(void)priv; (void)timeout_ms; (void)img; (void)meta;
	return fs_err_set(err, -ENOTSUP, "no libcamera support");
}

static void lc_close(void *priv)
{
	(void)priv;
}

static int lc_probe(FILE *out, fs_err *err)
{
	(void)err;
	fprintf(out, "libcamera: not built in\n");
	return 0;
}
#endif

const fs_camera_ops fs_camera_libcamera_ops = {
	.name = "libcamera",
	.open = lc_open,
	.capture = lc_capture,
	.set_step = NULL,
	.close = lc_close,
	.probe = lc_probe,
};
