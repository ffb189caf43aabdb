/* SPDX-License-Identifier: BSD-3-Clause */
#include "camera.h"
#include "camera_backend.h"

#include <stdlib.h>
#include <string.h>

struct fs_camera {
	const fs_camera_ops *ops;
	void *priv;
	fs_camera_info info;
};

static const fs_camera_ops *const backends[] = {
	&fs_camera_file_ops, &fs_camera_v4l2_ops, &fs_camera_libcamera_ops,
};

void fs_camera_config_init(fs_camera_config *cfg, const char *backend, const char *device)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->backend, sizeof cfg->backend, "%s", backend ? backend : "file");
	snprintf(cfg->device, sizeof cfg->device, "%s", device ? device : "");
	cfg->depth = 8;
}

static const fs_camera_ops *find(const char *name)
{
	for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

int fs_camera_open(const fs_camera_config *cfg, fs_camera **out, fs_err *err)
{
	*out = NULL;
	const fs_camera_ops *ops = find(cfg->backend);
	if (!ops) {
		/* The names come from the table, so a new backend is listed. */
		char names[128];
		size_t n = 0, nb = sizeof backends / sizeof backends[0];
		names[0] = '\0';
		for (size_t i = 0; i < nb && n < sizeof names; i++)
			n += (size_t)snprintf(names + n, sizeof names - n, "%s\"%s\"",
					      i == 0 ? "" : i + 1 == nb ? " or " : ", ", backends[i]->name);
		return fs_err_set(err, -EINVAL, "camera: unknown backend '%s' (expected %s)", cfg->backend, names);
	}
	fs_camera_config c = *cfg;
	if (!c.depth)
		c.depth = 8;
	if (c.depth != 8 && c.depth != 16)
		return fs_err_set(err, -EINVAL, "camera %s: depth %d, expected 8 or 16", c.device, c.depth);
	if (!c.n_buffers)
		c.n_buffers = 4;
	fs_camera *cam = calloc(1, sizeof *cam);
	if (!cam)
		return fs_err_set(err, -ENOMEM, "camera: out of memory");
	cam->ops = ops;
	snprintf(cam->info.device, sizeof cam->info.device, "%s", c.device);
	cam->info.depth = c.depth;
	int rc = ops->open(&c, &cam->priv, &cam->info, err);
	if (rc < 0) {
		free(cam);
		return fs_err_prefix(err, "camera (%s) %s: ", ops->name, c.device[0] ? c.device : "(first)");
	}
	*out = cam;
	return 0;
}

void fs_camera_close(fs_camera *cam)
{
	if (!cam)
		return;
	cam->ops->close(cam->priv);
	free(cam);
}

void fs_camera_get_info(const fs_camera *cam, fs_camera_info *info)
{
	*info = cam->info;
}

int fs_camera_alloc_frame(const fs_camera *cam, fs_image *img, fs_err *err)
{
	return fs_image_alloc(img, cam->info.width, cam->info.height, 1, cam->info.depth, err);
}

int fs_camera_capture(fs_camera *cam, int timeout_ms, fs_image *img, fs_frame_meta *meta,
		      fs_err *err)
{
	if (!img || !img->data || img->channels != 1 || img->depth != cam->info.depth ||
	    img->width != cam->info.width || img->height != cam->info.height)
		return fs_err_set(err, -EINVAL,
				  "camera %s: capture buffer is %dx%d %d-channel %d-bit, expected %dx%d grey %d-bit",
				  cam->info.device, img ? img->width : 0, img ? img->height : 0,
				  img ? img->channels : 0, img ? img->depth : 0, cam->info.width,
				  cam->info.height, cam->info.depth);
	fs_frame_meta scratch;
	if (!meta)
		meta = &scratch;
	memset(meta, 0, sizeof *meta);
	int rc = cam->ops->capture(cam->priv, timeout_ms, img, meta, err);
	if (rc < 0)
		return fs_err_prefix(err, "camera (%s) %s: ", cam->ops->name, cam->info.device);
	return 0;
}

int fs_camera_set_step(fs_camera *cam, const char *pattern, fs_err *err)
{
	return cam->ops->set_step ? cam->ops->set_step(cam->priv, pattern, err) : 0;
}

int fs_camera_probe(const char *backend, FILE *out, fs_err *err)
{
	int total = 0;
	for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
		const fs_camera_ops *o = backends[i];
		if (!o->probe || (backend && strcmp(backend, o->name) != 0))
			continue;
		int n = o->probe(out, err);
		if (n < 0)
			fprintf(out, "%s: %s\n", o->name, err ? err->msg : "error");
		else
			total += n;
	}
	return total;
}
