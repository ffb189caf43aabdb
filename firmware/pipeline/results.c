/* SPDX-License-Identifier: BSD-3-Clause */
/* A FOV's result files: every image encoded once into memory (with its
 * pixel size and a JSON description), hashed from that memory and written
 * durably, several images in parallel; then cells.csv. Shared by the loop's
 * writer and `fieldscope segment`.
 *
 * Why in memory: hashing the encoded bytes instead of reading the file back
 * saves a read of every file, and the durable write (tmp, fsync, rename)
 * stays store's one implementation. Why parallel: a FOV's PNGs are
 * independent, and zlib is single-threaded, so on a 4-core Pi the writer
 * would otherwise use one core while the others wait. */
#include "pipeline_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/util.h"

int fw_fov_views_alloc(fw_fov_views *v, int w, int h, fs_err *err)
{
	memset(v, 0, sizeof *v);
	int rc = fs_image_alloc(&v->label16, w, h, 1, 16, err);
	if (!rc)
		rc = fs_image_alloc(&v->overlay, w, h, 3, 8, err);
	if (!rc)
		rc = fs_image_alloc(&v->colour, w, h, 3, 8, err);
	if (rc)
		fw_fov_views_free(v);
	return rc;
}

void fw_fov_views_free(fw_fov_views *v)
{
	fs_image_free(&v->label16);
	fs_image_free(&v->overlay);
	fs_image_free(&v->colour);
}

static fs_png_filter filter_of(const char *s)
{
	return !strcmp(s, "none") ? FS_PNG_FILTER_NONE : !strcmp(s, "sub") ? FS_PNG_FILTER_SUB
		: !strcmp(s, "paeth") ? FS_PNG_FILTER_PAETH : !strcmp(s, "adaptive") ? FS_PNG_FILTER_ADAPTIVE
		: FS_PNG_FILTER_UP;
}

/* The iTXt description: enough to know, from the file alone, where and how
 * it was taken and what produced it. */
static char *describe(const fw_fov_image *im, const fw_config *cfg, const fw_fov_meta *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);
	if (!o)
		return NULL;
	fprintf(o, "{\"software\": \"fieldscope %s\", \"git_commit\": ", FW_VERSION);
	fw_json_str(o, fw_git_commit());
	fputs(", \"device\": ", o);
	fw_json_str(o, m->device);
	fprintf(o, ", \"run\": %d, \"fov\": %d, \"time\": ", m->run, m->fov);
	fw_json_str(o, m->time);
	fputs(", \"content\": ", o);
	fw_json_str(o, im->content);
	fprintf(o, ", \"pixel_size_um\": %.6g", cfg->board.pixel_size_um);
	if (im->step) {
		fputs(", \"illumination\": ", o);
		fw_json_str(o, im->step);
	}
	if (im->frame)
		fprintf(o, ", \"frame_sequence\": %u", im->frame->sequence);
	if (!strcmp(im->content, "raw"))
		fprintf(o, ", \"exposure_us\": %d, \"gain\": %.6g", cfg->board.camera.exposure_us,
			cfg->board.camera.gain);
	if (m->model_sha256 && (!strncmp(im->content, "labels", 6) || !strcmp(im->content, "overlay"))) {
		fputs(", \"model_sha256\": ", o);
		fw_json_str(o, m->model_sha256);
	}
	fputs("}", o);
	if (fclose(o) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

typedef struct img_job {
	const fw_fov_image *im;
	const char *dir;
	const fw_config *cfg;
	const fw_fov_meta *meta;
	char sha256[65];
	int rc;
	fs_err err;
} img_job;

static void run_job(img_job *j)
{
	const fw_config *cfg = j->cfg;
	char *text = describe(j->im, cfg, j->meta);
	fs_png_opts o = {
		.compression = cfg->png_compression,
		.filter = filter_of(cfg->png_filter),
		.pixel_size_um = cfg->board.pixel_size_um,
		.text_key = text ? "fieldscope" : NULL,
		.text = text,
	};
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", j->dir, j->im->name);
	char *buf = NULL;
	size_t len = 0;
	if (j->im->ome_tiff) {
		j->rc = fw_ome_tiff_encode(j->im, cfg, j->meta, &buf, &len, &j->err);
	} else {
		FILE *m = open_memstream(&buf, &len);
		if (!m) {
			j->rc = fs_err_set(&j->err, -ENOMEM, "%s: out of memory", path);
			free(text);
			return;
		}
		j->rc = fs_png_encode(m, j->im->img, &o, path, &j->err);
		if (fclose(m) != 0 && !j->rc)
			j->rc = fs_err_set(&j->err, -ENOMEM, "%s: out of memory", path);
	}
	free(text);
	if (!j->rc) {
		fw_sha256_hex(buf, len, j->sha256);
		j->rc = fw_write_file(path, buf, len, &j->err);
	}
	free(buf);
}

typedef struct job_pool {
	img_job *jobs;
	int n;
	atomic_int next;
} job_pool;

static void *worker(void *arg)
{
	job_pool *p = arg;
	int i;
	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		run_job(&p->jobs[i]);
	return NULL;
}

static int write_threads(const fw_config *cfg)
{
	if (cfg->write_threads > 0)
		return cfg->write_threads;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}

int fw_fov_write_images(const char *dir, const fw_fov_image *imgs, int n, const fw_config *cfg,
			const fw_fov_meta *meta, fw_fov_hashes *h, fs_err *err)
{
	if (n <= 0)
		return 0;
	img_job jobs[FW_FOV_MAX_FILES];
	if (n > FW_FOV_MAX_FILES)
		return fs_err_set(err, -EINVAL, "%s: %d images in one FOV, at most %d", dir, n, FW_FOV_MAX_FILES);
	for (int i = 0; i < n; i++)
		jobs[i] = (img_job){.im = &imgs[i], .dir = dir, .cfg = cfg, .meta = meta};
	job_pool pool = {.jobs = jobs, .n = n};
	atomic_init(&pool.next, 0);
	int nt = write_threads(cfg);
	nt = nt > n ? n : nt;
	pthread_t th[FW_FOV_MAX_FILES];
	int started = 0;
	for (; started < nt - 1; started++)
		if (pthread_create(&th[started], NULL, worker, &pool) != 0)
			break;   /* fewer helpers: this thread does the rest */
	worker(&pool);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (jobs[i].rc && !rc) {
			rc = jobs[i].rc;
			*err = jobs[i].err;
		}
		if (!jobs[i].rc && h && h->n < FW_FOV_MAX_FILES) {
			snprintf(h->name[h->n], sizeof h->name[0], "%s", imgs[i].name);
			memcpy(h->sha256[h->n], jobs[i].sha256, 65);
			h->n++;
		}
	}
	return rc;
}

typedef struct csv_job {
	const fw_fov *f;
	double pixel_um;
} csv_job;

static int fill_cells(FILE *o, void *user)
{
	const csv_job *j = user;
	return fw_cells_csv(o, j->f->fov, j->f->cells, j->f->ncells, j->pixel_um);
}

int fw_fov_write_results(const fw_fov *f, const char *dir, const fw_config *cfg, const fw_fov_meta *meta,
			 const fw_fov_image *extra, int nextra, fw_fov_views *v, fw_fov_hashes *h, fs_err *err)
{
	if (nextra < 0 || nextra > FW_FOV_MAX_FILES - 3)
		return fs_err_set(err, -EINVAL, "%s: too many images for one FOV", dir);
	/* The views are cheap next to their encoding (one pass each), so
	 * they are made here and only the encoding runs in parallel. */
	fw_labels_to_image(f->labels, &v->label16);
	fw_labels_color(f->labels, &v->colour);
	fw_overlay(&f->seg, f->labels, f->cells, f->ncells, &v->overlay);
	fw_fov_image all[FW_FOV_MAX_FILES];
	int n = 0;
	for (int i = 0; i < nextra; i++)
		all[n++] = extra[i];
	all[n++] = (fw_fov_image){.name = "labels.png", .content = "labels", .img = &v->label16};
	all[n++] = (fw_fov_image){.name = "labels_color.png", .content = "labels_color", .img = &v->colour};
	all[n++] = (fw_fov_image){.name = "overlay.png", .content = "overlay", .img = &v->overlay};
	int rc = fw_fov_write_images(dir, all, n, cfg, meta, h, err);
	if (rc)
		return rc;
	csv_job cj = {f, cfg->board.pixel_size_um};
	char path[1200];
	snprintf(path, sizeof path, "%s/cells.csv", dir);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return fs_err_set(err, -ENOMEM, "%s: out of memory", path);
	rc = fill_cells(m, &cj);
	if (fclose(m) != 0 || rc) {
		free(buf);
		return fs_err_set(err, rc ? rc : -ENOMEM, "%s: cannot format contents", path);
	}
	rc = fw_write_file(path, buf, len, err);
	if (!rc && h && h->n < FW_FOV_MAX_FILES) {
		snprintf(h->name[h->n], sizeof h->name[0], "cells.csv");
		fw_sha256_hex(buf, len, h->sha256[h->n]);
		h->n++;
	}
	free(buf);
	return rc;
}
