/* The FOV pipeline after inference, shared by `fieldscope run` (a slot of
 * the three-thread loop) and `fieldscope segment` (one image file): the
 * analysis of a mask and the result files a person reads. */
#include "pipeline_priv.h"

#include "store/store.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int fw_fov_alloc(fw_fov *f, int w, int h, int alloc_seg, fs_err *err)
{
	size_t px = (size_t)w * (size_t)h;
	if (alloc_seg) {
		int rc = fs_image_alloc(&f->seg, w, h, 1, 8, err);
		if (rc)
			return rc;
	}
	f->mask = malloc(px);
	f->labels = malloc(px * sizeof *f->labels);
	f->cells = malloc(MAX_CELLS * sizeof *f->cells);
	if (!f->mask || !f->labels || !f->cells)
		return fs_err_set(err, -ENOMEM, "out of memory for %dx%d FOV buffers", w, h);
	return 0;
}

void fw_fov_free(fw_fov *f)
{
	fs_image_free(&f->seg);
	free(f->mask);
	free(f->labels);
	free(f->cells);
	f->mask = NULL;
	f->labels = NULL;
	f->cells = NULL;
}

fw_output_kind fw_output_kind_of(const char *s)
{
	return !strcmp(s, "probability") ? FW_OUTPUT_PROBABILITY : !strcmp(s, "logit") ? FW_OUTPUT_LOGIT
										    : FW_OUTPUT_AUTO;
}

int fw_fov_analyse(fw_fov *f, fw_proc *proc, const fw_config *cfg, fs_err *err)
{
	double t0 = fw_now_ms();
	fw_label_opts lo = {cfg->connectivity, cfg->min_cell_area_px, cfg->grow_px};
	int w = f->seg.width, h = f->seg.height;
	int n = fw_label(proc, f->mask, w, h, &lo, f->labels, err);
	if (n < 0)
		return n;
	f->ncells = n;
	fw_measure(f->labels, n, &f->seg, cfg->board.pixel_size_um, f->cells);
	f->confluence = fw_confluence(f->labels, w, h);
	f->focus = fw_focus_score(&f->seg);
	f->blurred = f->focus < cfg->focus_min;
	f->t_analysis = fw_now_ms() - t0;
	return 0;
}

static int add_hash(fw_fov_hashes *h, const char *path, const char *name, fs_err *err)
{
	if (!h || h->n == 8)
		return 0;
	snprintf(h->name[h->n], sizeof h->name[0], "%s", name);
	int rc = fw_sha256_file(path, h->sha256[h->n], err);
	h->n++;
	return rc;
}

int fw_fov_write_png(const char *dir, const char *name, const fs_image *img, int compression, fw_fov_hashes *h,
		  fs_err *err)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int rc = fw_write_png(path, img, compression, err);
	return rc ? rc : add_hash(h, path, name, err);
}

typedef struct csv_job {
	const fw_fov *f;
	double pixel_um;
} csv_job;

static int fill_cells(FILE *o, void *user)
{
	const csv_job *j = user;
	return fw_cells_csv(o, j->f->cells, j->f->ncells, j->pixel_um);
}

int fw_fov_write_results(const fw_fov *f, const char *dir, const fw_config *cfg, fs_image *label16, fs_image *overlay,
		      fw_fov_hashes *h, fs_err *err)
{
	int comp = cfg->png_compression;
	fw_labels_to_image(f->labels, label16);
	int rc = fw_fov_write_png(dir, "labels.png", label16, comp, h, err);
	if (rc)
		return rc;
	fw_overlay(&f->seg, f->labels, f->cells, f->ncells, overlay);
	if ((rc = fw_fov_write_png(dir, "overlay.png", overlay, comp, h, err)))
		return rc;
	csv_job cj = {f, cfg->board.pixel_size_um};
	char path[1200];
	snprintf(path, sizeof path, "%s/cells.csv", dir);
	if ((rc = fw_write_text(path, fill_cells, &cj, err)))
		return rc;
	return add_hash(h, path, "cells.csv", err);
}
