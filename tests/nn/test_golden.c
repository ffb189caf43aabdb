/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whole-model checks through the public API:
 *  - every tests/vectors/golden/<model>/<case>/ must reproduce the LiteRT
 *    (XNNPACK) reference outputs bit for bit;
 *  - person_detect scores the person image above the no-person image;
 *  - hello_world_int8 approximates sin(x).
 * Each model runs once per case (ASan makes the big ones slow).
 */
#include <dirent.h>
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsnn.h"
#include "check.h"


static char golden_dir[1024];

/* Element i of a tensor as a double, for the max-difference report. */
static double element(const void *data, fsnn_dtype type, size_t i)
{
	switch (type) {
	case FSNN_INT8: return ((const int8_t *)data)[i];
	case FSNN_UINT8: case FSNN_BOOL: return ((const uint8_t *)data)[i];
	case FSNN_INT16: return ((const int16_t *)data)[i];
	case FSNN_INT32: return ((const int32_t *)data)[i];
	case FSNN_INT64: return (double)((const int64_t *)data)[i];
	case FSNN_FLOAT32: return ((const float *)data)[i];
	default: return 0;
	}
}

static void run_case(check_state *cs, fsnn_model *m, fsnn_context *ctx, const char *model,
		     const char *cas)
{
	char name[512], path[2048];
	check_sfmt(name, sizeof name, "golden/%s/%s", model, cas);
	check_begin(cs, name);
	for (int i = 0; i < fsnn_model_num_inputs(m) && !cs->failed_in_case; i++) {
		fsnn_tensor_info t;
		fsnn_model_input_info(m, i, &t);
		check_sfmt(path, sizeof path, "%s/%s/%s/in%d.bin", golden_dir, model, cas, i);
		size_t n = 0;
		uint8_t *in = check_read_all(path, &n);
		CHECK(cs, in != NULL, "cannot read %s", path);
		CHECK(cs, in == NULL || n == t.bytes, "%s: %zu bytes, input %d needs %zu", path, n, i, t.bytes);
		if (in != NULL && n == t.bytes)
			memcpy(fsnn_context_input(ctx, i), in, n);
		free(in);
	}
	fsnn_error err = { 0, "" };
	if (!cs->failed_in_case) {
		fsnn_status st = fsnn_invoke(ctx, &err);
		CHECK(cs, st == FSNN_OK, "invoke: %s", err.msg);
	}
	for (int i = 0; i < fsnn_model_num_outputs(m) && !cs->failed_in_case; i++) {
		fsnn_tensor_info t;
		fsnn_model_output_info(m, i, &t);
		check_sfmt(path, sizeof path, "%s/%s/%s/out%d.bin", golden_dir, model, cas, i);
		size_t n = 0;
		uint8_t *want = check_read_all(path, &n);
		CHECK(cs, want != NULL, "cannot read %s", path);
		CHECK(cs, want == NULL || n == t.bytes, "%s: %zu bytes, output %d has %zu", path, n, i, t.bytes);
		if (cs->failed_in_case) {
			free(want);
			break;
		}
		const uint8_t *got = fsnn_context_output(ctx, i);
		size_t es = fsnn_dtype_size(t.type), count = es ? t.bytes / es : 0, differ = 0, first = 0;
		double max_diff = 0;
		for (size_t e = 0; e < count; e++) {
			if (memcmp(got + e * es, want + e * es, es) == 0)
				continue;
			if (differ++ == 0)
				first = e;
			double d = fabs(element(got, t.type, e) - element(want, t.type, e));
			if (d > max_diff)
				max_diff = d;
		}
		CHECK(cs, differ == 0,
		      "output %d (%s): %zu of %zu elements differ, max |diff| %g, first at %zu (got %g, want %g)",
		      i, fsnn_dtype_name(t.type), differ, count, max_diff, first,
		      element(got, t.type, first), element(want, t.type, first));
		free(want);
	}
	check_end(cs);
}

/* ---- person_detect: 96x96 8-bit grey BMPs ----------------------------- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Decodes an 8-bit palettised BMP into grey pixels, top row first. */
static int read_bmp_grey(const char *path, uint8_t *out, int w, int h, char *why, size_t why_size)
{
	size_t n = 0;
	uint8_t *b = check_read_all(path, &n);
	int rc = -1;
	if (b == NULL) {
		check_sfmt(why, why_size, "cannot read %s", path);
		return -1;
	}
	if (n < 54 || b[0] != 'B' || b[1] != 'M') {
		check_sfmt(why, why_size, "%s: not a BMP file", path);
		goto out;
	}
	uint32_t data_off = le32(b + 10), hdr = le32(b + 14);
	int32_t bw = (int32_t)le32(b + 18), bh = (int32_t)le32(b + 22);
	int bpp = b[28] | b[29] << 8;
	int top_down = bh < 0;
	if (top_down)
		bh = -bh;
	size_t stride = ((size_t)w + 3) & ~(size_t)3;
	if (bw != w || bh != h || bpp != 8 || data_off + stride * (size_t)h > n || 14 + hdr + 1024 > n) {
		check_sfmt(why, why_size, "%s: expected an 8-bit %dx%d BMP, got %dx%d at %d bits", path, w, h,
			 (int)bw, (int)bh, bpp);
		goto out;
	}
	const uint8_t *pal = b + 14 + hdr; /* BGRA entries */
	for (int y = 0; y < h; y++) {
		const uint8_t *row = b + data_off + stride * (size_t)(top_down ? y : h - 1 - y);
		for (int x = 0; x < w; x++) {
			const uint8_t *c = pal + 4 * row[x];
			out[y * w + x] = (uint8_t)((c[0] + c[1] + c[2] + 1) / 3);
		}
	}
	rc = 0;
out:
	free(b);
	return rc;
}

static void person_detect(check_state *cs, const char *dir)
{
	char path[2048], why[512] = "";
	check_begin(cs, "golden/person_detect/person_beats_no_person");
	check_sfmt(path, sizeof path, "%s/person_detect.tflite", dir);
	fsnn_model *m = NULL;
	fsnn_context *ctx = NULL;
	fsnn_error err = { 0, "" };
	fsnn_status st = fsnn_model_load_file(path, NULL, &m, &err);
	CHECK(cs, st == FSNN_OK, "load: %s", err.msg);
	if (st == FSNN_OK) {
		st = check_context_new(m, &ctx, &err);
		CHECK(cs, st == FSNN_OK, "context: %s", err.msg);
	}
	fsnn_tensor_info in, out;
	if (ctx != NULL) {
		fsnn_model_input_info(m, 0, &in);
		fsnn_model_output_info(m, 0, &out);
		CHECK(cs, in.type == FSNN_INT8 && in.rank == 4 && in.dims[1] == 96 && in.dims[2] == 96 &&
			  in.dims[3] == 1, "input is %s rank %d, expected INT8 [1,96,96,1]",
		      fsnn_dtype_name(in.type), in.rank);
		CHECK(cs, out.type == FSNN_INT8 && out.bytes == 2, "output is %s, %zu bytes; expected 2 int8 scores",
		      fsnn_dtype_name(out.type), out.bytes);
	}
	/* TFLM's labels: index 0 "no person", index 1 "person". */
	int person_score[2] = { 0, 0 }, other_score[2] = { 0, 0 };
	const char *images[2] = { "person_detection_person.bmp", "person_detection_no_person.bmp" };
	for (int k = 0; k < 2 && !cs->failed_in_case; k++) {
		uint8_t grey[96 * 96];
		check_sfmt(path, sizeof path, "%s/%s", dir, images[k]);
		int ok = read_bmp_grey(path, grey, 96, 96, why, sizeof why) == 0;
		CHECK(cs, ok, "%s", why);
		if (!ok)
			break;
		int8_t *dst = fsnn_context_input(ctx, 0);
		/* TFLM's person_detection_test copies the BMP's bytes (PIL
		 * tobytes, top row first) straight into the int8 tensor, so
		 * that is the input the model is known to classify correctly. */
		memcpy(dst, grey, sizeof grey);
		st = fsnn_invoke(ctx, &err);
		CHECK(cs, st == FSNN_OK, "invoke on %s: %s", images[k], err.msg);
		const int8_t *scores = fsnn_context_output(ctx, 0);
		person_score[k] = scores[1];
		other_score[k] = scores[0];
	}
	CHECK(cs, person_score[0] > person_score[1],
	      "person score %d on the person image is not above %d on the no-person image",
	      person_score[0], person_score[1]);
	/* And each image is classified as TFLM's test expects. */
	CHECK(cs, person_score[0] > other_score[0] && other_score[1] > person_score[1],
	      "person image: person %d vs no-person %d; no-person image: person %d vs no-person %d",
	      person_score[0], other_score[0], person_score[1], other_score[1]);
	if (!cs->failed_in_case)
		printf("# person_detect: person image person=%d no-person=%d; no-person image person=%d no-person=%d\n",
		       person_score[0], other_score[0], person_score[1], other_score[1]);
	check_end(cs);
	fsnn_context_free(ctx);
	fsnn_model_free(m);
}

/* ---- hello_world: y ~ sin(x) on [0, 2pi] --------------------------------- */

static void hello_world(check_state *cs, const char *dir)
{
	char path[2048];
	check_begin(cs, "golden/hello_world_int8/approximates_sine");
	check_sfmt(path, sizeof path, "%s/hello_world_int8.tflite", dir);
	fsnn_model *m = NULL;
	fsnn_context *ctx = NULL;
	fsnn_error err = { 0, "" };
	fsnn_status st = fsnn_model_load_file(path, NULL, &m, &err);
	CHECK(cs, st == FSNN_OK, "load: %s", err.msg);
	if (st == FSNN_OK) {
		st = check_context_new(m, &ctx, &err);
		CHECK(cs, st == FSNN_OK, "context: %s", err.msg);
	}
	double worst = 0;
	for (int k = 0; k < 16 && !cs->failed_in_case; k++) {
		fsnn_tensor_info in, out;
		fsnn_model_input_info(m, 0, &in);
		fsnn_model_output_info(m, 0, &out);
		double x = 2 * M_PI * k / 16;
		long q = lround(x / in.scale[0]) + in.zero_point[0];
		q = q < -128 ? -128 : (q > 127 ? 127 : q);
		*(int8_t *)fsnn_context_input(ctx, 0) = (int8_t)q;
		st = fsnn_invoke(ctx, &err);
		CHECK(cs, st == FSNN_OK, "invoke: %s", err.msg);
		double y = (*(const int8_t *)fsnn_context_output(ctx, 0) - out.zero_point[0]) * out.scale[0];
		if (fabs(y - sin(x)) > worst)
			worst = fabs(y - sin(x));
	}
	/* The model is tiny and trained on noisy samples: 0.2 is its quality. */
	CHECK(cs, worst < 0.2, "max |y - sin(x)| = %.3f over 16 points", worst);
	check_end(cs);
	fsnn_context_free(ctx);
	fsnn_model_free(m);
}

static int only_dirs(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int main(void)
{
	check_state cs = { 0 };
	const char *top = getenv("FS_TOP");
	check_sfmt(golden_dir, sizeof golden_dir, "%s/tests/vectors/golden", top && *top ? top : ".");
	struct dirent **models = NULL;
	int nm = scandir(golden_dir, &models, only_dirs, alphasort);
	if (nm < 0) {
		printf("FAIL golden: cannot list %s\n", golden_dir);
		return 1;
	}
	for (int i = 0; i < nm; i++) {
		const char *model = models[i]->d_name;
		char dir[2048], path[3072];
		check_sfmt(dir, sizeof dir, "%s/%s", golden_dir, model);
		check_sfmt(path, sizeof path, "%s/%s.tflite", dir, model);
		if (!check_is_file(path))
			continue;
		if (strcmp(model, "person_detect") == 0) {
			person_detect(&cs, dir);
			continue;
		}
		if (strcmp(model, "hello_world_int8") == 0) {
			hello_world(&cs, dir);
			continue;
		}
		struct dirent **cases = NULL;
		int nc = scandir(dir, &cases, only_dirs, alphasort);
		fsnn_model *m = NULL;
		fsnn_context *ctx = NULL;
		fsnn_error err = { 0, "" };
		fsnn_status st = fsnn_model_load_file(path, NULL, &m, &err);
		if (st == FSNN_OK)
			st = check_context_new(m, &ctx, &err);
		for (int c = 0; c < nc; c++) {
			char in0[4096];
			check_sfmt(in0, sizeof in0, "%s/%s/in0.bin", dir, cases[c]->d_name);
			if (check_is_file(in0)) {
				if (st == FSNN_OK) {
					run_case(&cs, m, ctx, model, cases[c]->d_name);
				} else {
					printf("FAIL golden/%s/%s: %s\n", model, cases[c]->d_name, err.msg);
					cs.total_failed++;
				}
			}
			free(cases[c]);
		}
		free(cases);
		fsnn_context_free(ctx);
		fsnn_model_free(m);
	}
	for (int i = 0; i < nm; i++)
		free(models[i]);
	free(models);
	return check_exit(&cs);
}
