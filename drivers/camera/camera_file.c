/* SPDX-License-Identifier: BSD-3-Clause */
/* "file" backend: replays PNGs. The folder holds either PNG files (one
 * combined image per capture) or one sub-folder of PNGs per illumination
 * step; fs_camera_set_step picks the sub-folder and each step keeps its
 * own position, so frame k of every step belongs together. */
#include "camera_backend.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_STEPS 16

typedef struct step {
	char name[256];      /* "" in single-folder mode */
	char **files;        /* full paths, sorted */
	int n_files, next;
} step;

typedef struct replay {
	step steps[MAX_STEPS];
	int n_steps, cur;
	bool once;
	uint32_t sequence;
} replay;

static int is_png(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 4 && strcasecmp(d->d_name + n - 4, ".png") == 0;
}

static int is_subdir(const char *dir, const char *name)
{
	char p[4096];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return name[0] != '.' && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Lists the sorted PNGs of dir into s; 0 or negative with a message. */
static int list_pngs(const char *dir, step *s, fs_err *err)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, is_png, alphasort);
	if (n < 0)
		return fs_err_set(err, -errno, "cannot read folder %s: %s", dir, strerror(errno));
	s->files = calloc((size_t)(n ? n : 1), sizeof *s->files);
	int rc = s->files ? 0 : fs_err_set(err, -ENOMEM, "out of memory listing %s", dir);
	for (int i = 0; i < n; i++) {
		if (rc == 0) {
			size_t len = strlen(dir) + strlen(ents[i]->d_name) + 2;
			s->files[i] = malloc(len);
			if (s->files[i]) {
				snprintf(s->files[i], len, "%s/%s", dir, ents[i]->d_name);
				s->n_files++;
			} else {
				rc = fs_err_set(err, -ENOMEM, "out of memory listing %s", dir);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

static void file_close(void *priv)
{
	replay *r = priv;
	for (int s = 0; s < r->n_steps; s++) {
		for (int i = 0; i < r->steps[s].n_files; i++)
			free(r->steps[s].files[i]);
		free(r->steps[s].files);
	}
	free(r);
}

static int file_open(const fs_camera_config *cfg, void **priv, fs_camera_info *info, fs_err *err)
{
	if (!cfg->device[0])
		return fs_err_set(err, -EINVAL, "the file backend needs a folder of PNGs as its device");
	replay *r = calloc(1, sizeof *r);
	if (!r)
		return fs_err_set(err, -ENOMEM, "out of memory");
	r->once = cfg->replay_once;
	int rc = list_pngs(cfg->device, &r->steps[0], err);
	r->n_steps = 1;
	if (rc == 0 && r->steps[0].n_files == 0) {
		/* No PNGs at the top: one sub-folder per illumination step. */
		free(r->steps[0].files);
		r->n_steps = 0;
		struct dirent **ents;
		int n = scandir(cfg->device, &ents, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			if (rc == 0 && is_subdir(cfg->device, ents[i]->d_name)) {
				if (r->n_steps == MAX_STEPS) {
					rc = fs_err_set(err, -ENOSPC, "more than %d step folders", MAX_STEPS);
				} else {
					step *s = &r->steps[r->n_steps++];
					char sub[4096];
					snprintf(s->name, sizeof s->name, "%s", ents[i]->d_name);
					snprintf(sub, sizeof sub, "%s/%s", cfg->device, ents[i]->d_name);
					rc = list_pngs(sub, s, err);
					if (rc == 0 && s->n_files == 0)
						rc = fs_err_set(err, -ENOENT, "step folder %s has no .png files", sub);
				}
			}
			free(ents[i]);
		}
		if (n > 0)
			free(ents);
		if (rc == 0 && r->n_steps == 0)
			rc = fs_err_set(err, -ENOENT,
					"no .png files and no step sub-folders in %s (expected PNGs, or one folder of PNGs per illumination pattern)",
					cfg->device);
	}
	if (rc < 0) {
		file_close(r);
		return rc;
	}
	int w, h, ch, depth;
	rc = fs_png_info(r->steps[0].files[0], &w, &h, &ch, &depth, err);
	if (rc == 0 && ((cfg->width && cfg->width != w) || (cfg->height && cfg->height != h)))
		rc = fs_err_set(err, -EINVAL, "size %dx%d asked, but the replayed images are %dx%d (%s)",
				cfg->width, cfg->height, w, h, r->steps[0].files[0]);
	if (rc < 0) {
		file_close(r);
		return rc;
	}
	info->width = w;
	info->height = h;
	snprintf(info->format, sizeof info->format, "PNG");
	snprintf(info->driver, sizeof info->driver, "file replay (%d step%s)", r->n_steps,
		 r->n_steps == 1 ? "" : "s");
	info->exposure_us = cfg->exposure_us;
	info->gain = cfg->gain;
	*priv = r;
	return 0;
}

static int file_set_step(void *priv, const char *pattern, fs_err *err)
{
	replay *r = priv;
	if (r->n_steps == 1 && !r->steps[0].name[0])
		return 0;   /* combined images: the step does not matter */
	for (int s = 0; s < r->n_steps; s++) {
		if (strcmp(r->steps[s].name, pattern) == 0) {
			r->cur = s;
			return 0;
		}
	}
	char names[256] = "";
	size_t n = 0;
	for (int s = 0; s < r->n_steps && n < sizeof names; s++)
		n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", s ? ", " : "", r->steps[s].name);
	return fs_err_set(err, -ENOENT, "camera (file): no step folder '%s' (have: %s)", pattern, names);
}

static int file_capture(void *priv, int timeout_ms, fs_image *img, fs_frame_meta *meta, fs_err *err)
{
	(void)timeout_ms;
	replay *r = priv;
	step *s = &r->steps[r->cur];
	if (s->next >= s->n_files) {
		if (r->once)
			return fs_err_set(err, FS_CAMERA_END, "replay finished after %d frames%s%s",
					  s->n_files, s->name[0] ? " of step " : "", s->name);
		s->next = 0;
	}
	const char *path = s->files[s->next];
	/* A FIFO or device node in the replay folder would block the open
	 * below with no timeout (the watchdog kept pinging): only regular
	 * files are frames. O_NONBLOCK so the check itself cannot block. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return fs_err_set(err, -errno, "%s: cannot open: %s", path, strerror(errno));
	int is_reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	if (!is_reg)
		return fs_err_set(err, -EINVAL, "%s: not a regular file (a FIFO or device?): expected a PNG file", path);
	int rc = fs_png_read_into(path, img, err);
	if (rc < 0)
		return rc;
	meta->sequence = r->sequence++;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	meta->time_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	snprintf(meta->source, sizeof meta->source, "%s", path);
	s->next++;
	return 0;
}

const fs_camera_ops fs_camera_file_ops = {
	.name = "file",
	.open = file_open,
	.capture = file_capture,
	.set_step = file_set_step,
	.close = file_close,
	.probe = NULL,
};
