/* SPDX-License-Identifier: BSD-3-Clause */
/* DPC, focus score, connected components, cell measures, overlay. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "proc/proc.h"

static void grey(fs_image *im, int w, int h, int depth)
{
	fs_err e;
	fs_image_alloc(im, w, h, 1, depth, &e);
}

static void test_dpc(check_state *cs)
{
	check_begin(cs, "dpc_octopi_formula");
	fs_image l, r, o;
	grey(&l, 4, 1, 8);
	grey(&r, 4, 1, 8);
	grey(&o, 4, 1, 8);
	uint8_t lv[4] = {100, 0, 0, 255}, rv[4] = {100, 100, 0, 0};
	memcpy(l.data, lv, 4);
	memcpy(r.data, rv, 4);
	fs_err e;
	CHECK(cs, fw_dpc(&l, &r, &o, &e) == 0, "dpc failed: %s", e.msg);
	/* equal -> 0.5*255 = 127; L=0 -> 0.5-1 clipped to 0; 0/0 -> 0; R=0 -> 1.5 clipped to 255 */
	CHECK(cs, o.data[0] == 127 && o.data[1] == 0 && o.data[2] == 0 && o.data[3] == 255,
	      "got %d %d %d %d", o.data[0], o.data[1], o.data[2], o.data[3]);
	fs_image_free(&l);
	fs_image_free(&r);
	/* 16-bit frames: (3000-1000)/(4000) = 0.5 -> 1.0 -> 255 */
	grey(&l, 4, 1, 16);
	grey(&r, 4, 1, 16);
	for (int i = 0; i < 4; i++) {
		((uint16_t *)l.data)[i] = 3000;
		((uint16_t *)r.data)[i] = 5000;
	}
	/* 0.5 + (3000-5000)/8000 = 0.25 -> 63.75 truncated */
	CHECK(cs, fw_dpc(&l, &r, &o, &e) == 0 && o.data[0] == 63, "16-bit dpc: %d (want 63)", o.data[0]);
	fs_image small;
	grey(&small, 3, 1, 16);
	int rc = fw_dpc(&l, &small, &o, &e);
	CHECK(cs, rc < 0 && strstr(e.msg, "differ"), "size mismatch must fail with a message, got %d '%s'", rc, e.msg);
	fs_image_free(&small);
	fs_image_free(&l);
	fs_image_free(&r);
	fs_image_free(&o);
	check_end(cs);
}

static void test_focus(check_state *cs)
{
	check_begin(cs, "focus_score_drops_with_blur");
	fs_image sharp, blur;
	grey(&sharp, 64, 64, 8);
	grey(&blur, 64, 64, 8);
	for (int y = 0; y < 64; y++)
		for (int x = 0; x < 64; x++)
			sharp.data[y * sharp.stride + x] = ((x / 4 + y / 4) & 1) ? 200 : 50;
	/* 5x5 box blur */
	for (int y = 0; y < 64; y++)
		for (int x = 0; x < 64; x++) {
			int s = 0, n = 0;
			for (int dy = -2; dy <= 2; dy++)
				for (int dx = -2; dx <= 2; dx++) {
					int yy = y + dy, xx = x + dx;
					if (yy >= 0 && yy < 64 && xx >= 0 && xx < 64) {
						s += sharp.data[yy * sharp.stride + xx];
						n++;
					}
				}
			blur.data[y * blur.stride + x] = (uint8_t)(s / n);
		}
	double fs = fw_focus_score(&sharp), fb = fw_focus_score(&blur);
	CHECK(cs, fs > 10 * fb && fb > 0, "sharp %.1f blurred %.1f", fs, fb);
	fs_image_free(&sharp);
	fs_image_free(&blur);
	check_end(cs);
}

static void test_label(check_state *cs)
{
	enum { W = 40, H = 30 };
	uint8_t mask[W * H];
	uint32_t lab[W * H];
	memset(mask, 0, sizeof mask);
	/* A: 10x10 square at (2,2); B: disc r=6 at (25,15); C: 2 px speck;
	 * D and E touch only diagonally. */
	for (int y = 2; y < 12; y++)
		for (int x = 2; x < 12; x++)
			mask[y * W + x] = 1;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			if ((x - 25) * (x - 25) + (y - 15) * (y - 15) <= 36)
				mask[y * W + x] = 1;
	mask[20 * W + 3] = mask[20 * W + 4] = 1;
	for (int y = 24; y < 27; y++)
		for (int x = 2; x < 5; x++)
			mask[y * W + x] = 1;
	for (int y = 27; y < 30; y++)
		for (int x = 5; x < 8; x++)
			mask[y * W + x] = 1;
	fw_proc *p;
	fs_err e;
	check_begin(cs, "label_4_and_8_connectivity_min_area");
	CHECK(cs, fw_proc_new(W, H, &p, &e) == 0, "%s", e.msg);
	fw_label_opts o4 = {4, 5, 0}, o8 = {8, 5, 0}, o4all = {4, 0, 0};
	int n4 = fw_label(p, mask, W, H, &o4, lab, &e);
	CHECK(cs, n4 == 4, "4-connected, min 5 px: want 4 cells (speck dropped), got %d", n4);
	CHECK(cs, lab[20 * W + 3] == 0, "speck must be background");
	CHECK(cs, lab[2 * W + 2] == 1, "first cell in raster order gets id 1");
	int n8 = fw_label(p, mask, W, H, &o8, lab, &e);
	CHECK(cs, n8 == 3, "8-connected: diagonal pair merges, want 3, got %d", n8);
	int nall = fw_label(p, mask, W, H, &o4all, lab, &e);
	CHECK(cs, nall == 5, "no minimum: want 5, got %d", nall);
	check_end(cs);

	check_begin(cs, "cell_measures");
	n4 = fw_label(p, mask, W, H, &o4, lab, &e);
	fs_image g;
	grey(&g, W, H, 8);
	for (int i = 0; i < W * H; i++)
		g.data[i] = mask[i] ? 200 : 10;
	fw_cell cells[8];
	fw_measure(lab, n4, &g, 0.5, cells);
	const fw_cell *a = &cells[0], *b = &cells[1];
	CHECK(cs, a->area_px == 100 && a->x0 == 2 && a->y0 == 2 && a->x1 == 11 && a->y1 == 11, "square box/area wrong");
	CHECK(cs, fabs(a->cx - 6.5) < 1e-9 && fabs(a->cy - 6.5) < 1e-9, "square centroid %.2f,%.2f", a->cx, a->cy);
	CHECK(cs, fabs(a->perimeter_px - 40 * M_PI / 4) < 1e-9, "square perimeter %.3f", a->perimeter_px);
	CHECK(cs, fabs(a->mean_intensity - 200) < 1e-9, "mean intensity %.1f", a->mean_intensity);
	CHECK(cs, b->circularity > 0.85 && b->circularity < 1.15, "disc circularity %.3f should be near 1",
	      b->circularity);
	CHECK(cs, fabs(b->cx - 25) < 1e-9 && fabs(b->cy - 15) < 1e-9, "disc centroid");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fw_cells_csv(f, 7, cells, n4, 0.5);
	fclose(f);
	CHECK(cs, strstr(buf, "\n7,1,100,25.0000,6.500,6.500,2,2,10,10,") != NULL, "csv row: %s", buf);
	free(buf);
	check_end(cs);

	check_begin(cs, "grow_never_merges_cells");
	uint8_t m2[10 * 3];
	memset(m2, 0, sizeof m2);
	/* two cells separated by a 1-px background column */
	for (int y = 0; y < 3; y++) {
		m2[y * 10 + 3] = m2[y * 10 + 4] = 1;
		m2[y * 10 + 6] = m2[y * 10 + 7] = 1;
	}
	uint32_t l2[30];
	fw_label_opts og = {4, 0, 2};
	int n = fw_label(p, m2, 10, 3, &og, l2, &e);
	CHECK(cs, n == 2, "want 2 cells got %d", n);
	CHECK(cs, l2[5] == 0 && l2[2] == 1 && l2[1] == 1 && l2[8] == 2 && l2[9] == 2,
	      "grown labels wrong: %u %u %u %u %u", l2[1], l2[2], l2[5], l2[8], l2[9]);
	check_end(cs);

	check_begin(cs, "overlay_marks_outlines_and_ids");
	fs_image rgb;
	fs_image_alloc(&rgb, W, H, 3, 8, &e);
	fw_overlay(&g, lab, cells, n4, &rgb);
	const uint8_t *edge = rgb.data + 2 * rgb.stride + 2 * 3;
	CHECK(cs, edge[0] == 0 && edge[1] == 255, "outline pixel not coloured");
	const uint8_t *bg = rgb.data + 0 * rgb.stride + 39 * 3;
	CHECK(cs, bg[0] == 10 && bg[1] == 10 && bg[2] == 10, "background not grey");
	fs_image lab16;
	fs_image_alloc(&lab16, W, H, 1, 16, &e);
	fw_labels_to_image(lab, &lab16);
	CHECK(cs, ((uint16_t *)lab16.data)[2 * W + 2] == 1, "16-bit label image");
	double conf = fw_confluence(lab, W, H);
	CHECK(cs, conf > 0.1 && conf < 0.3, "confluence %.3f", conf);
	fs_image_free(&rgb);
	fs_image_free(&lab16);
	fs_image_free(&g);
	check_end(cs);

	check_begin(cs, "label_too_many_cells_is_an_error");
	{
		int w = 600, h = 600;
		uint8_t *m = calloc((size_t)w * h, 1);
		uint32_t *l = malloc((size_t)w * h * sizeof *l);
		fw_proc *big;
		fw_proc_new(w, h, &big, &e);
		for (int y = 0; y < h; y += 2)
			for (int x = 0; x < w; x += 2)
				m[y * w + x] = 1;   /* 90000 isolated pixels */
		int rc = fw_label(big, m, w, h, &o4all, l, &e);
		CHECK(cs, rc < 0 && strstr(e.msg, "65535"), "want an error naming 65535, got %d '%s'", rc, e.msg);
		fw_proc_free(big);
		free(m);
		free(l);
	}
	check_end(cs);
	fw_proc_free(p);
}

int main(void)
{
	check_state cs = {0};
	test_dpc(&cs);
	test_focus(&cs);
	test_label(&cs);
	return check_exit(&cs);
}
