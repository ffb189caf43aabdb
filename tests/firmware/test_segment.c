/* SPDX-License-Identifier: BSD-3-Clause */
/* Tiling and stitching, model hashes, inference deadline/reset. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "accel/accel_sim.h"
#include "segment/segment.h"

static char *model_path(const char *name)
{
	static char buf[4][1024];
	static int k;
	const char *top = getenv("FS_TOP");
	char *p = buf[k++ % 4];
	snprintf(p, 1024, "%s/tests/firmware/data/%s", top && *top ? top : ".", name);
	return p;
}

/* threaded: on the simulated accelerator backend (*sim, freed by the
 * caller after the engine), whose invokes hang_from.. hang until reset. */
static fw_engine *open_model(const char *name, int threaded, int hang_from, int hang_count, fw_accel_sim **sim,
			     fs_err *e)
{
	fw_engine_opts o = {.name = threaded ? "sim" : "cpu", .path = model_path(name), .threaded = threaded};
	if (threaded) {
		if (fw_accel_sim_new(hang_from, hang_count, sim, e))
			return NULL;
		o.backend = fw_accel_sim_backend(*sim);
	}
	fw_engine *eng = NULL;
	if (fw_engine_open(&o, &eng, e))
		return NULL;
	return eng;
}

/* A smooth pattern with fine detail, so thresholds cut through edges. */
static void make_image(fs_image *im, int w, int h)
{
	fs_err e;
	fs_image_alloc(im, w, h, 1, 8, &e);
	unsigned s = 12345;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			s = s * 1103515245u + 12345u;
			int v = 128 + (int)(90 * __builtin_sin(x * 0.21) * __builtin_cos(y * 0.17)) + (int)((s >> 16) % 41) - 20;
			im->data[(size_t)y * im->stride + (size_t)x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
}

static void test_axis(check_state *cs)
{
	check_begin(cs, "tile_axis_partitions_with_margins");
	int sizes[] = {1, 31, 32, 33, 97, 150, 2048, 3000, 2047};
	int tiles[] = {32, 48, 1024, 7};
	int overlaps[] = {0, 8, 64, 100};
	for (size_t a = 0; a < sizeof sizes / sizeof *sizes; a++)
		for (size_t b = 0; b < sizeof tiles / sizeof *tiles; b++)
			for (size_t c = 0; c < sizeof overlaps / sizeof *overlaps; c++) {
				int S = sizes[a], T = tiles[b], O = overlaps[c];
				int org[4096], c0[4096], c1[4096];
				int n = fw_tile_axis(S, T, O, org, c0, c1, 4096);
				int pos = 0, margin_ok = 1;
				for (int i = 0; i < n; i++) {
					if (c0[i] != pos || c1[i] <= c0[i])
						break;
					pos = c1[i];
					/* the core lies inside the tile */
					if (org[i] > c0[i] || c1[i] > org[i] + T)
						margin_ok = 0;
					/* inner edges keep some context when overlap was asked */
					int want = O / 2 < (T - 1) / 2 ? O / 2 : (T - 1) / 2;
					if (org[i] > 0 && c0[i] - org[i] < want)
						margin_ok = 0;
					if (org[i] + T < S && org[i] + T - c1[i] < want)
						margin_ok = 0;
				}
				CHECK(cs, pos == S, "size %d tile %d overlap %d: cores do not cover the axis", S, T, O);
				CHECK(cs, margin_ok, "size %d tile %d overlap %d: a core lacks its margin", S, T, O);
			}
	/* 2048 with 1024 tiles, 64 overlap: 3 tiles, aligned to 32 */
	int org[8], c0[8], c1[8];
	int n = fw_tile_axis(2048, 1024, 64, org, c0, c1, 8);
	CHECK(cs, n == 3 && org[0] == 0 && org[1] % 32 == 0 && org[2] == 1024, "2048/1024: n=%d org %d %d %d", n, org[0],
	      org[1], org[2]);
	check_end(cs);
}

static int masks_equal(const uint8_t *a, const uint8_t *b, size_t n, size_t *first)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i]) {
			*first = i;
			return 0;
		}
	return 1;
}

static void test_stitch(check_state *cs)
{
	fs_err e;
	fs_image im;
	int W = 150, H = 97;
	make_image(&im, W, H);
	uint8_t *whole = malloc((size_t)W * H), *tiled = malloc((size_t)W * H);

	check_begin(cs, "stitch_pixelwise_model_equals_whole_image");
	fw_engine *big = open_model("thresh_97x150.tflite", 0, 0, 0, NULL, &e);
	fw_engine *small = big ? open_model("thresh_32x32.tflite", 0, 0, 0, NULL, &e) : NULL;
	CHECK(cs, big && small, "cannot open models: %s", e.msg);
	if (big && small) {
		fw_seg_opts o = {0, 0.5, FW_OUTPUT_AUTO, 0, NULL, NULL};
		fw_seg_stats st;
		CHECK(cs, fw_segment(big, &im, &o, whole, &st, &e) == 0 && st.tiles == 1, "whole: %s", e.msg);
		size_t fg = 0, first = 0;
		for (int i = 0; i < W * H; i++) {
			fg += whole[i];
			/* the model is pixel >= 128 */
			if (whole[i] != (im.data[(i / W) * im.stride + i % W] >= 128))
				CHECK(cs, 0, "pixel %d: mask %d for value %d", i, whole[i], im.data[(i / W) * im.stride + i % W]);
		}
		CHECK(cs, fg > 1000 && fg < (size_t)W * H - 1000, "degenerate mask (%zu fg)", fg);
		int overlaps[] = {0, 8, 20};
		for (int k = 0; k < 3; k++) {
			o.overlap = overlaps[k];
			CHECK(cs, fw_segment(small, &im, &o, tiled, &st, &e) == 0 && st.tiles > 1, "tiled: %s", e.msg);
			CHECK(cs, masks_equal(whole, tiled, (size_t)W * H, &first),
			      "overlap %d: tiled differs at (%zu,%zu)", overlaps[k], first % W, first / W);
		}
	}
	fw_engine_close(big);
	fw_engine_close(small);
	check_end(cs);

	check_begin(cs, "stitch_conv_model_needs_and_uses_overlap");
	big = open_model("blur_97x150.tflite", 0, 0, 0, NULL, &e);
	small = big ? open_model("blur_32x48.tflite", 0, 0, 0, NULL, &e) : NULL;
	CHECK(cs, big && small, "cannot open models: %s", e.msg);
	if (big && small) {
		fw_seg_opts o = {0, 0.5, FW_OUTPUT_AUTO, 0, NULL, NULL};
		fw_seg_stats st;
		CHECK(cs, fw_segment(big, &im, &o, whole, &st, &e) == 0, "whole: %s", e.msg);
		size_t first = 0;
		o.overlap = 0;
		fw_segment(small, &im, &o, tiled, &st, &e);
		CHECK(cs, !masks_equal(whole, tiled, (size_t)W * H, &first),
		      "without overlap the 3x3 model should show seams (test is not sensitive)");
		o.overlap = 4;
		CHECK(cs, fw_segment(small, &im, &o, tiled, &st, &e) == 0, "%s", e.msg);
		CHECK(cs, masks_equal(whole, tiled, (size_t)W * H, &first), "overlap 4: differs at (%zu,%zu)",
		      first % W, first / W);
	}
	fw_engine_close(big);
	fw_engine_close(small);
	check_end(cs);

	check_begin(cs, "stitch_parallel_tiles_equal_serial");
	{
		fw_engine_opts po = {.name = "cpu", .path = model_path("blur_32x48.tflite"), .cpu_threads = 3};
		fw_engine *par = NULL;
		CHECK(cs, fw_engine_open(&po, &par, &e) == 0, "3 contexts: %s", e.msg);
		big = open_model("blur_97x150.tflite", 0, 0, 0, NULL, &e);
		if (par && big) {
			fw_seg_opts o = {4, 0.5, FW_OUTPUT_AUTO, 0, NULL, NULL};
			fw_seg_stats st;
			size_t first = 0;
			fw_segment(big, &im, &o, whole, &st, &e);
			for (int rep = 0; rep < 3; rep++) {
				memset(tiled, 7, (size_t)W * H);
				CHECK(cs, fw_segment(par, &im, &o, tiled, &st, &e) == 0 && st.tiles > 4, "%s", e.msg);
				CHECK(cs, masks_equal(whole, tiled, (size_t)W * H, &first), "parallel differs at (%zu,%zu)",
				      first % W, first / W);
			}
		}
		fw_engine_close(par);
		fw_engine_close(big);
	}
	check_end(cs);

	check_begin(cs, "segment_cancel_abandons_between_tiles");
	{
		fw_engine_opts po = {.name = "cpu", .path = model_path("blur_32x48.tflite"), .cpu_threads = 2};
		fw_engine *par = NULL;
		if (fw_engine_open(&po, &par, &e) == 0) {
			atomic_int stop = 1;
			fw_seg_opts o = {4, 0.5, FW_OUTPUT_AUTO, 0, &stop, NULL};
			fw_seg_stats st;
			int rc = fw_segment(par, &im, &o, tiled, &st, &e);
			CHECK(cs, rc == -ECANCELED && st.tiles == 0 && strstr(e.msg, "abandoned"), "got %d, %d tiles, '%s'", rc,
			      st.tiles, e.msg);
			atomic_store(&stop, 0);
			CHECK(cs, fw_segment(par, &im, &o, tiled, &st, &e) == 0, "engine unusable after a cancel: %s", e.msg);
		} else {
			CHECK(cs, 0, "%s", e.msg);
		}
		fw_engine_close(par);
	}
	check_end(cs);

	check_begin(cs, "stitch_image_smaller_than_tile");
	fs_image tiny;
	make_image(&tiny, 20, 11);
	small = open_model("thresh_32x32.tflite", 0, 0, 0, NULL, &e);
	if (small) {
		fw_seg_opts o = {8, 0.5, FW_OUTPUT_AUTO, 0, NULL, NULL};
		uint8_t m[220];
		CHECK(cs, fw_segment(small, &tiny, &o, m, NULL, &e) == 0, "%s", e.msg);
		int ok = 1;
		for (int i = 0; i < 220; i++)
			ok &= m[i] == (tiny.data[(i / 20) * tiny.stride + i % 20] >= 128);
		CHECK(cs, ok, "small image mask wrong");
	}
	fw_engine_close(small);
	fs_image_free(&tiny);
	check_end(cs);
	free(whole);
	free(tiled);
	fs_image_free(&im);
}

static void test_engine(check_state *cs)
{
	fs_err e;
	check_begin(cs, "engine_hash_mismatch_names_both_hashes");
	fw_engine_opts o = {.name = "cpu", .path = model_path("thresh_32x32.tflite"),
			    .expect_sha256 = "0000000000000000000000000000000000000000000000000000000000000000"};
	fw_engine *eng = NULL;
	int rc = fw_engine_open(&o, &eng, &e);
	CHECK(cs, rc == -EBADMSG && strstr(e.msg, "thresh_32x32.tflite") && strstr(e.msg, "expects 0000"),
	      "got %d '%s'", rc, e.msg);
	o.expect_sha256 = NULL;
	o.path = "/nonexistent.tflite";
	rc = fw_engine_open(&o, &eng, &e);
	CHECK(cs, rc < 0 && strstr(e.msg, "/nonexistent.tflite"), "missing model: '%s'", e.msg);
	check_end(cs);

	/* Issue 12 item 5: the plan is checked against the budget before any
	 * context (arena) is allocated. thresh_256x256 needs 192 KiB. */
	check_begin(cs, "engine_memory_budget_before_allocating");
	o.path = model_path("thresh_256x256.tflite");
	o.max_arena_bytes = 64 << 10;
	eng = NULL;
	rc = fw_engine_open(&o, &eng, &e);
	CHECK(cs, rc == -EFBIG && strstr(e.msg, "thresh_256x256.tflite") && strstr(e.msg, "max_arena_mb"),
	      "got %d '%s'", rc, e.msg);
	fw_engine_close(eng);
	o.max_arena_bytes = 1 << 20;
	rc = fw_engine_open(&o, &eng, &e);
	CHECK(cs, rc == 0, "within budget: %s", e.msg);
	fw_engine_close(eng);
	o.max_arena_bytes = 0;
	check_end(cs);

	check_begin(cs, "engine_hang_deadline_reset_retry");
	fw_accel_sim *sim = NULL;
	eng = open_model("thresh_32x32.tflite", 1, 2, 1, &sim, &e);   /* 2nd invoke hangs once */
	CHECK(cs, eng != NULL, "%s", e.msg);
	if (eng) {
		CHECK(cs, fw_engine_invoke(eng, 2000, &e) == 0, "first: %s", e.msg);
		rc = fw_engine_invoke(eng, 100, &e);
		CHECK(cs, rc == -ETIMEDOUT && strstr(e.msg, "deadline"), "hang: got %d '%s'", rc, e.msg);
		rc = fw_engine_invoke(eng, 100, &e);
		CHECK(cs, rc < 0 && strstr(e.msg, "busy"), "busy engine must refuse: %d '%s'", rc, e.msg);
		CHECK(cs, fw_engine_reset(eng, &e) == 0, "reset: %s", e.msg);
		CHECK(cs, fw_engine_invoke(eng, 2000, &e) == 0, "after reset: %s", e.msg);
		CHECK(cs, fw_engine_invocations(eng) == 3, "invocations %ld", fw_engine_invocations(eng));
	}
	fw_engine_close(eng);
	fw_accel_sim_free(sim);
	/* Closing an engine stuck in a hang must not block. */
	sim = NULL;
	eng = open_model("thresh_32x32.tflite", 1, 1, -1, &sim, &e);
	if (eng) {
		rc = fw_engine_invoke(eng, 50, &e);
		CHECK(cs, rc == -ETIMEDOUT, "want timeout, got %d", rc);
	}
	fw_engine_close(eng);
	fw_accel_sim_free(sim);
	check_end(cs);
}

int main(void)
{
	check_state cs = {0};
	test_axis(&cs);
	test_stitch(&cs);
	test_engine(&cs);
	return check_exit(&cs);
}
