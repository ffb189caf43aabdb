/* SPDX-License-Identifier: BSD-3-Clause */
/* Instance separation (fw_separate): touching discs, specks, border cells,
 * clumps, workspace and option errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "proc/proc.h"

typedef struct scene {
	int w, h;
	uint8_t *map;
	int n;                 /* discs drawn */
	double cx[512], cy[512], r[512];
} scene;

static void scene_init(scene *s, int w, int h)
{
	s->w = w;
	s->h = h;
	s->n = 0;
	s->map = calloc((size_t)w * (size_t)h, 1);
}

/* A disc of probability-like value v (the map is p x 256). */
static void disc(scene *s, double cx, double cy, double r, uint8_t v)
{
	for (int y = 0; y < s->h; y++)
		for (int x = 0; x < s->w; x++)
			if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
				s->map[(size_t)y * (size_t)s->w + (size_t)x] = v;
	if (v >= 128 && s->n < 512) {
		s->cx[s->n] = cx;
		s->cy[s->n] = cy;
		s->r[s->n] = r;
		s->n++;
	}
}

typedef struct result {
	int n;
	uint32_t *lab;
	fw_cell *cells;
	fw_sep_stats st;
	fw_cell_counts cc;
	fs_err e;
} result;

static void run(const scene *s, const fw_sep_opts *o, result *r)
{
	size_t ws = fw_sep_workspace_size(s->w, s->h);
	void *buf = malloc(ws);
	r->lab = malloc((size_t)s->w * (size_t)s->h * sizeof *r->lab);
	r->cells = calloc(4096, sizeof *r->cells);
	r->n = fw_separate(buf, ws, s->map, s->w, s->h, o, r->lab, &r->st, &r->e);
	fs_image g = {.width = s->w, .height = s->h, .channels = 1, .depth = 8, .stride = (size_t)s->w,
		      .data = s->map};
	if (r->n > 0) {
		fw_measure(r->lab, r->n, &g, 1.0, r->cells);
		fw_cells_flag(r->cells, r->n, s->w, s->h, r->st.median_area_px, 2.0, &r->cc);
	}
	free(buf);
}

static void result_free(result *r)
{
	free(r->lab);
	free(r->cells);
}

/* Every drawn disc's centre lies in a distinct cell. */
static int centres_distinct(const scene *s, const result *r)
{
	for (int i = 0; i < s->n; i++) {
		uint32_t a = r->lab[(size_t)lround(s->cy[i]) * (size_t)s->w + (size_t)lround(s->cx[i])];
		if (!a)
			return 0;
		for (int j = 0; j < i; j++)
			if (r->lab[(size_t)lround(s->cy[j]) * (size_t)s->w + (size_t)lround(s->cx[j])] == a)
				return 0;
	}
	return 1;
}

static void test_touching_discs(check_state *cs)
{
	check_begin(cs, "separate_touching_discs_exact_count");
	scene s;
	scene_init(&s, 420, 300);
	/* Pairs of r = 10 discs whose centres are 14..19 px apart (overlap from
	 * 0.6 radius to a thin neck), rows of three, and a 2x2 block. (At 13 px
	 * the neck is only ~1.3 px below the peaks: below h = 1.5, one cell.) */
	int k = 0;
	for (int y = 25; y <= 125; y += 50)
		for (int x = 25; x <= 385; x += 60, k++) {
			double d = 14 + (k % 6);
			disc(&s, x, y, 10, 200);
			disc(&s, x + d, y, 10, 200);
		}
	for (int x = 30; x <= 330; x += 100) {
		disc(&s, x, 200, 10, 220);
		disc(&s, x + 17, 200 + 3, 10, 220);
		disc(&s, x + 34, 200 - 2, 10, 220);
	}
	disc(&s, 370, 240, 10, 255);
	disc(&s, 387, 240, 10, 255);
	disc(&s, 370, 257, 10, 255);
	disc(&s, 387, 257, 10, 255);
	fw_sep_opts o;
	fw_sep_defaults(&o);
	result r;
	run(&s, &o, &r);
	CHECK(cs, r.n == s.n, "want %d cells, got %d (%s)", s.n, r.n, r.n < 0 ? r.e.msg : "");
	CHECK(cs, centres_distinct(&s, &r), "each disc's centre must be in its own cell");
	CHECK(cs, r.cc.border == 0 && r.cc.clumps == 0, "border %d clumps %d (want 0, 0)", r.cc.border,
	      r.cc.clumps);
	/* Watershed lines are background: a line pixel between the first pair. */
	{
		const uint32_t *row = r.lab + 25 * 420;
		CHECK(cs, (!row[32] || !row[33]) && row[30] && row[35] && row[30] != row[35],
		      "the 14 px pair at y=25: want a background line at x=32 or 33 between two cells, "
		      "got %u %u | %u %u | %u", row[30], row[31], row[32], row[33], row[35]);
	}
	/* The same scene as a 0/1 mask with threshold 1 gives the same labels. */
	scene m = s;
	m.map = malloc((size_t)s.w * (size_t)s.h);
	for (size_t i = 0; i < (size_t)s.w * (size_t)s.h; i++)
		m.map[i] = s.map[i] >= 128;
	fw_sep_opts o1 = o;
	o1.threshold = 1;
	result r1;
	run(&m, &o1, &r1);
	CHECK(cs, r1.n == r.n && !memcmp(r1.lab, r.lab, (size_t)s.w * (size_t)s.h * sizeof *r.lab),
	      "0/1 mask at threshold 1 must label exactly as the map at 128");
	/* Without separation (h huge) the pairs merge: the test is not trivial. */
	o.h_px = 1000;
	result rm;
	run(&s, &o, &rm);
	CHECK(cs, rm.n < s.n / 2, "no splitting: %d cells (want merged pairs)", rm.n);
	result_free(&r);
	result_free(&r1);
	result_free(&rm);
	free(m.map);
	free(s.map);
	check_end(cs);
}

static void test_no_oversplit(check_state *cs)
{
	check_begin(cs, "separate_irregular_cells_stay_whole");
	scene s;
	scene_init(&s, 200, 120);
	/* Ellipses up to 1.6:1 and discs with a ragged (+-1 px) outline: one
	 * cell each. */
	srand(7);
	for (int i = 0; i < 6; i++) {
		double cx = 20 + 32 * i, cy = 30, a = 10 + i * 1.2, b = 10;
		for (int y = 0; y < s.h; y++)
			for (int x = 0; x < s.w; x++)
				if ((x - cx) * (x - cx) / (a * a) + (y - cy) * (y - cy) / (b * b) <= 1)
					s.map[y * s.w + x] = 200;
		s.cx[s.n] = cx, s.cy[s.n] = cy, s.n++;
	}
	for (int i = 0; i < 6; i++) {
		double cx = 20 + 32 * i, cy = 85;
		for (int y = 0; y < s.h; y++)
			for (int x = 0; x < s.w; x++) {
				double d = hypot(x - cx, y - cy);
				double r = 11 + (rand() % 3 - 1);
				if (d <= r)
					s.map[y * s.w + x] = 200;
			}
		s.cx[s.n] = cx, s.cy[s.n] = cy, s.n++;
	}
	fw_sep_opts o;
	fw_sep_defaults(&o);
	result r;
	run(&s, &o, &r);
	CHECK(cs, r.n == s.n, "want %d cells, got %d", s.n, r.n);
	CHECK(cs, centres_distinct(&s, &r), "centres");
	result_free(&r);
	free(s.map);
	check_end(cs);
}

static void test_specks_border_clumps(check_state *cs)
{
	check_begin(cs, "separate_specks_learnt_border_flagged_clumps_flagged");
	scene s;
	scene_init(&s, 300, 200);
	for (int y = 40; y <= 160; y += 40)
		for (int x = 40; x <= 200; x += 40)
			disc(&s, x, y, 10, 200);          /* 20 cells, ~317 px */
	disc(&s, 255, 100, 19, 200);                  /* a clump: ~1130 px */
	disc(&s, -4, 100, 10, 200);                   /* cut by the left edge: ~190 px */
	disc(&s, 150, 205, 10, 200);                  /* cut by the bottom edge: ~50 px, kept */
	/* Specks: 3x3 and a 7x7 (49 px) well away from cells, under a
	 * quarter of the median cell. */
	for (int y = 0; y < 3; y++)
		for (int x = 0; x < 3; x++)
			s.map[(20 + y) * s.w + 60 + x] = 255;
	for (int y = 0; y < 7; y++)
		for (int x = 0; x < 7; x++)
			s.map[(18 + y) * s.w + 100 + x] = 255;
	fw_sep_opts o;
	fw_sep_defaults(&o);
	result r;
	run(&s, &o, &r);
	CHECK(cs, r.n == 23, "want 20 + clump + 2 edge cells = 23, got %d", r.n);
	CHECK(cs, r.st.specks == 2, "want 2 specks dropped, got %d", r.st.specks);
	CHECK(cs, fabs(r.st.median_area_px - 317) < 10, "median area %.1f (want ~317)", r.st.median_area_px);
	CHECK(cs, fabs(r.st.speck_area_px - 0.25 * r.st.median_area_px) < 15, "speck size %.1f", r.st.speck_area_px);
	CHECK(cs, r.cc.border == 2 && r.cc.clumps == 1 && r.cc.interior_single == 20 && r.cc.cells == 23,
	      "counts: border %d clumps %d single %d cells %d", r.cc.border, r.cc.clumps, r.cc.interior_single,
	      r.cc.cells);
	uint32_t big = r.lab[100 * s.w + 255];
	CHECK(cs, big && (r.cells[big - 1].flags & FW_CELL_CLUMP), "the large disc must be a clump");
	uint32_t cut = r.lab[100 * s.w + 2];
	CHECK(cs, cut && (r.cells[cut - 1].flags & FW_CELL_BORDER), "the cut disc must be flagged border");
	result_free(&r);

	/* The speck size is learnt: the same 49 px square among r = 5 cells
	 * (~80 px, quarter 20 px) is a cell. */
	scene t;
	scene_init(&t, 200, 120);
	for (int y = 20; y <= 100; y += 20)
		for (int x = 20; x <= 160; x += 20)
			disc(&t, x, y, 5, 200);
	for (int y = 0; y < 7; y++)
		for (int x = 0; x < 7; x++)
			t.map[(55 + y) * t.w + 185 + x] = 255;
	result q;
	run(&t, &o, &q);
	CHECK(cs, q.n == t.n + 1 && q.st.specks == 0, "small cells: want %d cells, 0 specks; got %d, %d", t.n + 1,
	      q.n, q.st.specks);
	result_free(&q);
	free(t.map);
	free(s.map);
	check_end(cs);
}

static void test_errors(check_state *cs)
{
	check_begin(cs, "separate_workspace_and_options_errors");
	scene s;
	scene_init(&s, 64, 48);
	disc(&s, 20, 20, 8, 200);
	fw_sep_opts o;
	fw_sep_defaults(&o);
	uint32_t lab[64 * 48];
	size_t need = fw_sep_workspace_size(64, 48);
	CHECK(cs, need > 0 && fw_sep_workspace_size(0, 5) == 0, "size query");
	void *ws = malloc(need);
	fs_err e;
	int rc = fw_separate(ws, need - 1, s.map, 64, 48, &o, lab, NULL, &e);
	CHECK(cs, rc < 0 && strstr(e.msg, "workspace"), "small workspace: %d '%s'", rc, e.msg);
	o.connectivity = 6;
	rc = fw_separate(ws, need, s.map, 64, 48, &o, lab, NULL, &e);
	CHECK(cs, rc < 0 && strstr(e.msg, "connectivity 6"), "bad option: %d '%s'", rc, e.msg);
	fw_sep_defaults(&o);
	rc = fw_separate(ws, need, s.map, 64, 48, &o, lab, NULL, &e);
	CHECK(cs, rc == 1, "one cell, got %d", rc);
	/* A smaller image reuses the same block (one workspace per thread). */
	uint8_t sub[32 * 40];
	for (int y = 0; y < 40; y++)
		memcpy(sub + y * 32, s.map + y * 64, 32);
	rc = fw_separate(ws, need, sub, 32, 40, &o, lab, NULL, &e);
	CHECK(cs, rc == 1, "smaller image in the same workspace: %d", rc);
	/* fw_proc's wrapper: its block is sized for the maximum. */
	fw_proc *p;
	CHECK(cs, fw_proc_new(64, 48, &p, &e) == 0, "%s", e.msg);
	rc = fw_label_separate(p, s.map, 64, 48, &o, lab, NULL, &e);
	CHECK(cs, rc == 1, "fw_label_separate: %d", rc);
	rc = fw_label_separate(p, s.map, 128, 48, &o, lab, NULL, &e);
	CHECK(cs, rc < 0, "larger than allocated must fail");
	fw_proc_free(p);
	/* All foreground and all background. */
	memset(s.map, 255, 64 * 48);
	rc = fw_separate(ws, need, s.map, 64, 48, &o, lab, NULL, &e);
	CHECK(cs, rc == 1, "all foreground: one cell, got %d", rc);
	memset(s.map, 0, 64 * 48);
	rc = fw_separate(ws, need, s.map, 64, 48, &o, lab, NULL, &e);
	CHECK(cs, rc == 0, "empty: %d", rc);
	/* Degenerate shapes: one row, one column (the EDT's edge cases). */
	uint8_t strip[50];
	memset(strip, 200, sizeof strip);
	strip[25] = 0;
	rc = fw_separate(ws, need, strip, 50, 1, &o, lab, NULL, &e);
	CHECK(cs, rc == 2, "1x50 strip cut once: want 2 cells, got %d", rc);
	rc = fw_separate(ws, need, strip, 1, 50, &o, lab, NULL, &e);
	CHECK(cs, rc == 2 && lab[0] == 1 && lab[49] == 2 && lab[25] == 0, "50x1 strip: %d", rc);
	free(ws);
	free(s.map);
	check_end(cs);

	check_begin(cs, "separate_too_many_cells_is_an_error");
	int w = 600, h = 600;
	uint8_t *m = calloc((size_t)w * h, 1);
	uint32_t *l = malloc((size_t)w * h * sizeof *l);
	for (int y = 0; y < h; y += 2)
		for (int x = 0; x < w; x += 2)
			m[y * w + x] = 255;   /* 90000 one-pixel cells */
	fw_sep_defaults(&o);
	o.min_area_px = 0;
	o.speck_frac = 0;
	size_t nb = fw_sep_workspace_size(w, h);
	void *big = malloc(nb);
	rc = fw_separate(big, nb, m, w, h, &o, l, NULL, &e);
	CHECK(cs, rc < 0 && strstr(e.msg, "65535"), "want an error naming 65535, got %d '%s'", rc, e.msg);
	free(big);
	free(m);
	free(l);
	check_end(cs);
}

int main(void)
{
	check_state cs = {0};
	test_touching_discs(&cs);
	test_no_oversplit(&cs);
	test_specks_border_clumps(&cs);
	test_errors(&cs);
	return check_exit(&cs);
}
