/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fscells — the firmware's cell labelling (firmware/proc) on a stitched
 * probability map, for `fsmodel eval` (so the numbers it reports are the
 * device's, not a Python re-implementation's) and for timing the
 * separation on whole FOVs (`make bench`).
 *
 *   fscells MAP.png [--threshold 128] [--h PX] [--min-area PX] [--speck F]
 *           [--grow PX] [--conn 4|8] [--clump F] [--plain] [--labels OUT.png]
 *           [--repeat N]
 *
 * MAP.png: 8-bit grey, probability x 256 (what the int8 models return) or a
 * 0/1 or 0/255 mask with --threshold 1. Prints one JSON line: counts, the
 * learnt speck size, median cell area and the time per call (label +
 * measure + flag) in ms, wall and thread CPU, each the fastest of --repeat
 * runs (the CPU time is what counts on a shared machine). --plain labels
 * connected components as before separation existed (fw_label).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image/image.h"
#include "proc/proc.h"

static double now_ms(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int usage(void)
{
	fprintf(stderr, "usage: fscells MAP.png [--threshold T] [--h PX] [--min-area PX] [--speck F] [--grow PX]\n"
			"               [--conn 4|8] [--clump F] [--plain] [--labels OUT.png] [--repeat N]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	fw_sep_opts o;
	fw_sep_defaults(&o);
	double clump = 2.0;
	int plain = 0, repeat = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--plain")) {
			plain = 1;
			continue;
		}
		if (a[0] != '-') {
			in = a;
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (!strcmp(a, "--labels")) {
			out = v;
			continue;
		}
		char *end;
		double d = strtod(v, &end);
		if (*end) {
			fprintf(stderr, "fscells: %s: '%s' is not a number\n", a, v);
			return 2;
		}
		if (!strcmp(a, "--threshold")) o.threshold = (int)d;
		else if (!strcmp(a, "--h")) o.h_px = d;
		else if (!strcmp(a, "--min-area")) o.min_area_px = (int)d;
		else if (!strcmp(a, "--speck")) o.speck_frac = d;
		else if (!strcmp(a, "--grow")) o.grow_px = (int)d;
		else if (!strcmp(a, "--conn")) o.connectivity = (int)d;
		else if (!strcmp(a, "--clump")) clump = d;
		else if (!strcmp(a, "--repeat")) repeat = d < 1 ? 1 : (int)d;
		else return usage();
	}
	if (!in)
		return usage();
	fs_err e;
	fs_image map;
	if (fs_png_read(in, 1, 8, &map, &e)) {
		fprintf(stderr, "fscells: %s\n", e.msg);
		return 1;
	}
	int w = map.width, h = map.height, rc = 1;
	size_t n = (size_t)w * (size_t)h;
	uint8_t *packed = malloc(n);
	uint32_t *lab = malloc(n * sizeof *lab);
	fw_cell *cells = malloc(65536 * sizeof *cells);
	fw_proc *p = NULL;
	fs_image l16 = {0};
	if (!packed || !lab || !cells || fw_proc_new(w, h, &p, &e)) {
		fprintf(stderr, "fscells: out of memory for %dx%d\n", w, h);
		goto out;
	}
	for (int y = 0; y < h; y++)
		memcpy(packed + (size_t)y * (size_t)w, map.data + (size_t)y * map.stride, (size_t)w);
	fw_sep_stats st = {0};
	fw_cell_counts cc;
	double best = 1e300, best_cpu = 1e300;
	int ncell = 0;
	for (int r = 0; r < repeat; r++) {
		double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_THREAD_CPUTIME_ID);
		if (plain) {
			/* The pre-separation pipeline: threshold, components, growth. */
			for (size_t i = 0; i < n; i++)
				lab[i] = packed[i] >= o.threshold;
			uint8_t *m = (uint8_t *)packed;
			for (size_t i = 0; i < n; i++)
				m[i] = (uint8_t)lab[i];
			fw_label_opts lo = {o.connectivity, o.min_area_px, o.grow_px};
			ncell = fw_label(p, m, w, h, &lo, lab, &e);
			o.threshold = 1;   /* packed is a 0/1 mask from now on */
		} else {
			ncell = fw_label_separate(p, packed, w, h, &o, lab, &st, &e);
		}
		if (ncell < 0) {
			fprintf(stderr, "fscells: %s\n", e.msg);
			goto out;
		}
		fw_measure(lab, ncell, &map, 1.0, cells);
		fw_cells_flag(cells, ncell, w, h, st.median_area_px, clump, &cc);
		double t = now_ms(CLOCK_MONOTONIC) - t0, c = now_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		if (t < best)
			best = t;
		if (c < best_cpu)
			best_cpu = c;
	}
	if (out) {
		if (fs_image_alloc(&l16, w, h, 1, 16, &e) || (fw_labels_to_image(lab, &l16), 0) ||
		    fs_png_write(out, &l16, 1, &e)) {
			fprintf(stderr, "fscells: %s\n", e.msg);
			goto out;
		}
	}
	printf("{\"width\": %d, \"height\": %d, \"cells\": %d, \"border\": %d, \"clumps\": %d, "
	       "\"interior_single\": %d, \"seeds\": %d, \"specks\": %d, \"speck_area_px\": %.1f, "
	       "\"median_area_px\": %.1f, \"ms\": %.2f, \"cpu_ms\": %.2f, \"mode\": \"%s\"}\n",
	       w, h, cc.cells, cc.border, cc.clumps, cc.interior_single, st.seeds, st.specks, st.speck_area_px,
	       st.median_area_px, best, best_cpu, plain ? "plain" : "separate");
	rc = 0;
out:
	fs_image_free(&l16);
	fw_proc_free(p);
	free(cells);
	free(lab);
	free(packed);
	fs_image_free(&map);
	return rc;
}
