/* SPDX-License-Identifier: BSD-3-Clause */
/* Scores against a reference mask (fw_score_cells): exact answers on
 * drawn cells, and agreement with a brute-force all-pairs matching on
 * random label images. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "proc/proc.h"

enum { W = 96, H = 80 };

/* Squares of side 10 on a 14 px grid (a 4 px background gap): nx x ny
 * reference cells in mask, the same cells as labels 1..n in lab. */
static int draw_grid(uint8_t *mask, uint32_t *lab, int nx, int ny)
{
	memset(mask, 0, (size_t)W * H);
	memset(lab, 0, (size_t)W * H * sizeof *lab);
	int n = 0;
	for (int j = 0; j < ny; j++)
		for (int i = 0; i < nx; i++) {
			n++;
			for (int y = 2 + 14 * j; y < 12 + 14 * j; y++)
				for (int x = 2 + 14 * i; x < 12 + 14 * i; x++) {
					mask[y * W + x] = 255;
					lab[y * W + x] = (uint32_t)n;
				}
		}
	return n;
}

static void test_exact(check_state *cs)
{
	check_begin(cs, "score_exact_cases");
	uint8_t *mask = malloc((size_t)W * H);
	uint32_t *lab = malloc((size_t)W * H * sizeof *lab);
	fw_proc *p = NULL;
	fs_err e;
	fs_err_clear(&e);
	CHECK(cs, fw_proc_new(W, H, &p, &e) == 0, "fw_proc_new: %s", e.msg);
	int n = draw_grid(mask, lab, 6, 5);
	fw_cell_score s;
	CHECK(cs, fw_score_cells(p, lab, mask, W, H, &s, &e) == 0, "%s", e.msg);
	CHECK(cs, s.cells_pred == n && s.cells_ref == n && s.matched == n && s.count_error == 0 && s.f1 == 1 &&
		  s.jaccard == 1 && s.matched_iou == 1,
	      "identical: pred %d ref %d matched %d f1 %g jaccard %g", s.cells_pred, s.cells_ref, s.matched, s.f1,
	      s.jaccard);

	/* Two neighbours merged into one label (bridge included): 29 cells,
	 * the merged one matches nothing (IoU 100 / 280 < 0.5). */
	for (int y = 2; y < 12; y++)
		for (int x = 12; x < 30; x++)
			lab[y * W + x] = 1;
	CHECK(cs, fw_score_cells(p, lab, mask, W, H, &s, &e) == 0, "%s", e.msg);
	CHECK(cs, s.cells_pred == n - 1 && s.matched == n - 2 && fabs(s.count_error - (-1.0 / n)) < 1e-12,
	      "merged: pred %d matched %d count error %g", s.cells_pred, s.matched, s.count_error);
	CHECK(cs, fabs(s.precision - (double)(n - 2) / (n - 1)) < 1e-12 &&
		  fabs(s.recall - (double)(n - 2) / n) < 1e-12,
	      "merged: precision %g recall %g", s.precision, s.recall);

	/* Every cell shrunk to 7x7 (IoU 0.49: no match) and an extra speck. */
	draw_grid(mask, lab, 6, 5);
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			if (lab[y * W + x] && ((x - 2) % 14 >= 7 || (y - 2) % 14 >= 7))
				lab[y * W + x] = 0;
	lab[(H - 1) * W + W - 1] = 31;
	CHECK(cs, fw_score_cells(p, lab, mask, W, H, &s, &e) == 0, "%s", e.msg);
	CHECK(cs, s.cells_pred == n + 1 && s.matched == 0 && s.f1 == 0 &&
		  fabs(s.jaccard - (double)(n * 49) / (n * 100 + 1)) < 1e-12,
	      "shrunk: pred %d matched %d f1 %g jaccard %g", s.cells_pred, s.matched, s.f1, s.jaccard);

	/* 8x8 of 10x10 (IoU 0.64): all match. */
	draw_grid(mask, lab, 6, 5);
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			if (lab[y * W + x] && ((x - 2) % 14 >= 8 || (y - 2) % 14 >= 8))
				lab[y * W + x] = 0;
	CHECK(cs, fw_score_cells(p, lab, mask, W, H, &s, &e) == 0, "%s", e.msg);
	CHECK(cs, s.matched == n && fabs(s.matched_iou - 0.64) < 1e-12, "8x8: matched %d iou %g", s.matched,
	      s.matched_iou);

	/* An empty prediction on an empty mask is perfect; on cells, F1 0. */
	memset(lab, 0, (size_t)W * H * sizeof *lab);
	CHECK(cs, fw_score_cells(p, lab, mask, W, H, &s, &e) == 0 && s.cells_pred == 0 && s.recall == 0 &&
		  s.f1 == 0 && s.count_error == -1,
	      "empty prediction: recall %g f1 %g", s.recall, s.f1);
	memset(mask, 0, (size_t)W * H);
	CHECK(cs, fw_score_cells(p, lab, mask, W, H, &s, &e) == 0 && s.f1 == 1 && s.jaccard == 1,
	      "empty both: f1 %g jaccard %g", s.f1, s.jaccard);
	fw_proc_free(p);
	free(mask);
	free(lab);
	check_end(cs);
}

/* All-pairs matching, the definition itself. */
static void brute(const uint32_t *lab, const uint32_t *ref, int npred, int nref, int *matched, double *iou_sum)
{
	uint32_t *inter = calloc((size_t)(npred + 1) * (nref + 1), sizeof *inter);
	uint32_t *ap = calloc((size_t)npred + 1, sizeof *ap), *ar = calloc((size_t)nref + 1, sizeof *ar);
	for (int i = 0; i < W * H; i++) {
		ap[lab[i]]++;
		ar[ref[i]]++;
		inter[lab[i] * (size_t)(nref + 1) + ref[i]]++;
	}
	*matched = 0;
	*iou_sum = 0;
	for (int a = 1; a <= npred; a++)
		for (int b = 1; b <= nref; b++) {
			double in = inter[a * (size_t)(nref + 1) + b];
			double iou = in / (ap[a] + ar[b] - in);
			if (in > 0 && iou > 0.5) {
				(*matched)++;
				*iou_sum += iou;
			}
		}
	free(inter);
	free(ap);
	free(ar);
}

static void test_random(check_state *cs)
{
	check_begin(cs, "score_matches_brute_force_random");
	uint8_t *mask = malloc((size_t)W * H);
	uint32_t *lab = malloc((size_t)W * H * sizeof *lab);
	uint32_t *ref = malloc((size_t)W * H * sizeof *ref);
	fw_proc *p = NULL;
	fs_err e;
	fs_err_clear(&e);
	CHECK(cs, fw_proc_new(W, H, &p, &e) == 0, "fw_proc_new: %s", e.msg);
	unsigned seed = 12345;
	for (int round = 0; round < 40 && p; round++) {
		/* Reference: the grid; prediction: each cell shifted by a random
		 * offset of up to 5 px (IoU from 1 down to 0), some merged, some
		 * missing, labels in scrambled order. */
		int n = draw_grid(mask, ref, 6, 5);
		memset(lab, 0, (size_t)W * H * sizeof *lab);
		int npred = 0;
		for (int c = 1; c <= n; c++) {
			seed = seed * 1103515245u + 12345u;
			int dx = (int)(seed >> 16) % 11 - 5;
			seed = seed * 1103515245u + 12345u;
			int dy = (int)(seed >> 16) % 11 - 5;
			seed = seed * 1103515245u + 12345u;
			unsigned r = (seed >> 16) % 8;
			if (r == 0)
				continue;   /* missed */
			uint32_t id = r == 1 && npred ? (uint32_t)npred : (uint32_t)++npred;
			for (int i = 0; i < W * H; i++)
				if (ref[i] == (uint32_t)c) {
					int x = i % W + dx, y = i / W + dy;
					if (x >= 0 && x < W && y >= 0 && y < H)
						lab[y * W + x] = id;
				}
		}
		int present = 0;
		{
			char seen[W * H / 4] = {0};
			for (int i = 0; i < W * H; i++)
				if (lab[i] && !seen[lab[i]]) {
					seen[lab[i]] = 1;
					present++;
				}
		}
		fw_cell_score s;
		int rc = fw_score_cells(p, lab, mask, W, H, &s, &e);
		/* fw_label numbers the reference in raster order: the grid's own
		 * numbering, so ref serves as the brute force's reference. */
		int bm;
		double bsum;
		brute(lab, ref, npred, n, &bm, &bsum);
		CHECK(cs, rc == 0 && s.matched == bm && s.cells_pred == present && s.cells_ref == n &&
			  fabs(s.matched_iou * s.matched - bsum) < 1e-9,
		      "round %d: matched %d (brute force %d), cells %d (%d), iou sum %g (%g)", round, s.matched, bm,
		      s.cells_pred, present, s.matched_iou * s.matched, bsum);
	}
	fw_proc_free(p);
	free(mask);
	free(lab);
	free(ref);
	check_end(cs);
}

static void test_errors(check_state *cs)
{
	check_begin(cs, "score_reference_too_many_cells_is_an_error");
	/* 1-px reference cells on a checkerboard of a 600x600 mask: more
	 * instances than a 16-bit label image holds. */
	int w = 600, h = 600;
	uint8_t *mask = calloc((size_t)w * h, 1);
	uint32_t *lab = calloc((size_t)w * h, sizeof *lab);
	for (int y = 0; y < h; y += 2)
		for (int x = 0; x < w; x += 2)
			mask[y * w + x] = 255;
	fw_proc *p = NULL;
	fs_err e;
	fs_err_clear(&e);
	fw_cell_score s;
	int rc = fw_proc_new(w, h, &p, &e) ? -1 : fw_score_cells(p, lab, mask, w, h, &s, &e);
	CHECK(cs, rc < 0 && strstr(e.msg, "reference mask"), "want an error naming the reference mask, got %d '%s'",
	      rc, e.msg);
	fw_proc_free(p);
	free(mask);
	free(lab);
	check_end(cs);
}

int main(void)
{
	check_state cs = {0};
	test_exact(&cs);
	test_random(&cs);
	test_errors(&cs);
	return check_exit(&cs);
}
