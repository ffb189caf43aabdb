/* SPDX-License-Identifier: BSD-3-Clause */
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

/* Median area of the cells not cut by the edge, for clump flags when plain
 * components give no separation statistics. A bisection over the area
 * range (about 20 passes over the cells) needs no buffer, so analysis stays
 * allocation-free. */
static double interior_median(const fw_cell *cells, int n, int w, int h)
{
	uint32_t lo = 0, hi = 0;
	int m = 0;
	for (int i = 0; i < n; i++) {
		const fw_cell *c = &cells[i];
		if (!c->area_px || c->x0 <= 0 || c->y0 <= 0 || c->x1 >= w - 1 || c->y1 >= h - 1)
			continue;
		hi = c->area_px > hi ? c->area_px : hi;
		m++;
	}
	if (!m)
		return 0;
	/* Smallest area a with at least (m+1)/2 interior cells <= a. */
	int want = (m + 1) / 2;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int k = 0;
		for (int i = 0; i < n; i++) {
			const fw_cell *c = &cells[i];
			if (c->area_px && c->area_px <= mid && !(c->x0 <= 0 || c->y0 <= 0 || c->x1 >= w - 1 || c->y1 >= h - 1))
				k++;
		}
		if (k >= want)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int fw_fov_analyse(fw_fov *f, fw_proc *proc, const fw_config *cfg, fs_err *err)
{
	double t0 = fw_now_ms();
	int w = f->seg.width, h = f->seg.height;
	int n;
	f->specks = 0;
	if (cfg->separate) {
		/* The mask is 0/1, so threshold 1 gives the same foreground as
		 * 128 on a probability map. */
		fw_sep_opts so = {
			.threshold = 1, .connectivity = cfg->connectivity, .h_px = cfg->split_depth_px,
			.min_area_px = cfg->min_cell_area_px, .speck_frac = cfg->speck_fraction, .grow_px = cfg->grow_px,
		};
		fw_sep_stats st;
		n = fw_label_separate(proc, f->mask, w, h, &so, f->labels, &st, err);
		if (n < 0)
			return n;
		f->specks = st.specks;
		f->median_area_px = st.median_area_px;
	} else {
		fw_label_opts lo = {cfg->connectivity, cfg->min_cell_area_px, cfg->grow_px};
		n = fw_label(proc, f->mask, w, h, &lo, f->labels, err);
		if (n < 0)
			return n;
	}
	f->ncells = n;
	fw_measure(f->labels, n, &f->seg, cfg->board.pixel_size_um, f->cells);
	if (!cfg->separate)
		f->median_area_px = interior_median(f->cells, n, w, h);
	fw_cells_flag(f->cells, n, w, h, f->median_area_px, cfg->clump_factor, &f->counts);
	f->confluence = fw_confluence(f->labels, w, h);
	f->focus = fw_focus_score(&f->seg);
	f->blurred = f->focus < cfg->focus_min;
	f->t_analysis = fw_now_ms() - t0;
	return 0;
}
