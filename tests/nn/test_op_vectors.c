/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Single-op vectors: every tests/vectors/ops/<case>/ holds a one-op .tflite
 * model, its inputs and the outputs LiteRT.js produced for them (see
 * tests/vectors/DATA.md). Each case loads the model with fsnn, runs it and
 * requires the outputs to match byte for byte. One PASS/FAIL line per case;
 * a failure says how many elements differ and the largest difference.
 *
 * Usage: test_op_vectors [SUBSTRING]   (only cases whose name contains it;
 * the env var FS_OP_FILTER does the same).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsnn.h"
#include "check.h"

#define MAX_IO 8
#define PATH_LEN 1024 /* case paths are short; longer ones are reported as errors */
#define WHY_LEN 4096

/* Reads a whole file; NULL with a message in why on failure. */
static unsigned char *read_file(const char *path, size_t *size, char *why, size_t why_len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(why, why_len, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || st.st_size < 0) {
		snprintf(why, why_len, "%s: cannot stat: %s", path, strerror(errno));
		fclose(f);
		return NULL;
	}
	size_t n = (size_t)st.st_size;
	unsigned char *buf = malloc(n ? n : 1);
	if (!buf || fread(buf, 1, n, f) != n) {
		snprintf(why, why_len, "%s: cannot read %zu bytes", path, n);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*size = n;
	return buf;
}

/* case.txt: key=value lines; we need inputs= and outputs=. */
static int read_case_txt(const char *dir, int *n_in, int *n_out, char *why, size_t why_len)
{
	char path[PATH_LEN];
	snprintf(path, sizeof path, "%s/case.txt", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(why, why_len, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	char line[256];
	*n_in = *n_out = -1;
	while (fgets(line, sizeof line, f)) {
		int v;
		if (sscanf(line, "inputs=%d", &v) == 1)
			*n_in = v;
		else if (sscanf(line, "outputs=%d", &v) == 1)
			*n_out = v;
	}
	fclose(f);
	if (*n_in < 0 || *n_in > MAX_IO || *n_out < 1 || *n_out > MAX_IO) {
		snprintf(why, why_len, "%s: expected inputs=0..%d and outputs=1..%d lines",
			 path, MAX_IO, MAX_IO);
		return -1;
	}
	return 0;
}

/* Element i of a tensor as a double, for reporting differences. */
static double elem(const void *p, fsnn_dtype t, size_t i)
{
	switch (t) {
	case FSNN_INT8: return ((const int8_t *)p)[i];
	case FSNN_UINT8: return ((const uint8_t *)p)[i];
	case FSNN_INT16: return ((const int16_t *)p)[i];
	case FSNN_INT32: return ((const int32_t *)p)[i];
	case FSNN_INT64: return (double)((const int64_t *)p)[i];
	case FSNN_FLOAT32: return ((const float *)p)[i];
	default: return ((const uint8_t *)p)[i];
	}
}

/* Compares one output; on mismatch writes a description into why. */
static int compare(const fsnn_tensor_info *ti, const void *got, const void *want, size_t bytes,
		   int k, char *why, size_t why_len)
{
	if (memcmp(got, want, bytes) == 0)
		return 0;
	size_t esz = fsnn_dtype_size(ti->type);
	if (esz == 0)
		esz = 1;
	size_t n = bytes / esz, ndiff = 0, first = 0;
	double maxdiff = 0;
	for (size_t i = 0; i < n; i++) {
		if (memcmp((const char *)got + i * esz, (const char *)want + i * esz, esz) == 0)
			continue;
		if (ndiff++ == 0)
			first = i;
		double d = fabs(elem(got, ti->type, i) - elem(want, ti->type, i));
		if (d > maxdiff || isnan(d))
			maxdiff = d;
	}
	snprintf(why, why_len,
		 "output %d (%s %s): %zu of %zu elements differ, max abs diff %g "
		 "(first at %zu: got %g, want %g)",
		 k, ti->name ? ti->name : "?", fsnn_dtype_name(ti->type), ndiff, n, maxdiff,
		 first, elem(got, ti->type, first), elem(want, ti->type, first));
	return -1;
}

/* Runs one case directory; returns 0 on a match, else fills why. */
static int run_case(const char *dir, char *why, size_t why_len)
{
	int n_in, n_out, rc = -1;
	if (read_case_txt(dir, &n_in, &n_out, why, why_len))
		return -1;
	char path[PATH_LEN];
	snprintf(path, sizeof path, "%s/model.tflite", dir);
	fsnn_error err = {0};
	fsnn_model *model = NULL;
	fsnn_context *ctx = NULL;
	unsigned char *want = NULL;
	fsnn_status st = fsnn_model_load_file(path, NULL, &model, &err);
	if (st != FSNN_OK) {
		snprintf(why, why_len, "load: %s", err.msg[0] ? err.msg : fsnn_strerror(st));
		return -1;
	}
	if (fsnn_model_num_inputs(model) != n_in || fsnn_model_num_outputs(model) != n_out) {
		snprintf(why, why_len, "model has %d inputs / %d outputs, case.txt says %d / %d",
			 fsnn_model_num_inputs(model), fsnn_model_num_outputs(model), n_in, n_out);
		goto out;
	}
	st = check_context_new(model, &ctx, &err);
	if (st != FSNN_OK) {
		snprintf(why, why_len, "context: %s", err.msg[0] ? err.msg : fsnn_strerror(st));
		goto out;
	}
	for (int i = 0; i < n_in; i++) {
		fsnn_tensor_info ti;
		size_t size;
		if (fsnn_model_input_info(model, i, &ti) != FSNN_OK) {
			snprintf(why, why_len, "input %d: no tensor info", i);
			goto out;
		}
		snprintf(path, sizeof path, "%s/in%d.bin", dir, i);
		unsigned char *data = read_file(path, &size, why, why_len);
		if (!data)
			goto out;
		void *dst = fsnn_context_input(ctx, i);
		if (size != ti.bytes || !dst) {
			snprintf(why, why_len, "%s: %zu bytes, input %d (%s) needs %zu", path, size, i,
				 fsnn_dtype_name(ti.type), ti.bytes);
			free(data);
			goto out;
		}
		memcpy(dst, data, size);
		free(data);
	}
	st = fsnn_invoke(ctx, &err);
	if (st != FSNN_OK) {
		snprintf(why, why_len, "invoke: %s", err.msg[0] ? err.msg : fsnn_strerror(st));
		goto out;
	}
	for (int k = 0; k < n_out; k++) {
		fsnn_tensor_info ti;
		size_t size;
		if (fsnn_model_output_info(model, k, &ti) != FSNN_OK) {
			snprintf(why, why_len, "output %d: no tensor info", k);
			goto out;
		}
		snprintf(path, sizeof path, "%s/out%d.bin", dir, k);
		want = read_file(path, &size, why, why_len);
		if (!want)
			goto out;
		const void *got = fsnn_context_output(ctx, k);
		if (size != ti.bytes || !got) {
			snprintf(why, why_len, "%s: %zu bytes, output %d (%s) has %zu", path, size, k,
				 fsnn_dtype_name(ti.type), ti.bytes);
			goto out;
		}
		if (compare(&ti, got, want, size, k, why, why_len))
			goto out;
		free(want);
		want = NULL;
	}
	rc = 0;
out:
	free(want);
	fsnn_context_free(ctx);
	fsnn_model_free(model);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	check_state s = {0};
	const char *top = getenv("FS_TOP");
	const char *filter = argc > 1 ? argv[1] : getenv("FS_OP_FILTER");
	char root[PATH_LEN / 2];
	snprintf(root, sizeof root, "%s/tests/vectors/ops", top && *top ? top : ".");
	DIR *d = opendir(root);
	if (!d) {
		check_begin(&s, "op_vectors");
		CHECK(&s, 0, "%s: cannot open: %s (set FS_TOP to the repository root)", root,
		      strerror(errno));
		check_end(&s);
		return check_exit(&s);
	}
	/* Sorted, so runs are comparable line by line. */
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strstr(e->d_name, "__"))
			continue;
		if (filter && *filter && !strstr(e->d_name, filter))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			char **nn = realloc(names, cap * sizeof *names);
			if (!nn)
				break;
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		char dir[PATH_LEN - 64], why[WHY_LEN] = "";
		snprintf(dir, sizeof dir, "%s/%s", root, names[i]);
		check_begin(&s, names[i]);
		int rc = run_case(dir, why, sizeof why);
		CHECK(&s, rc == 0, "%s", why);
		check_end(&s);
		free(names[i]);
	}
	free(names);
	if (n == 0) {
		check_begin(&s, "op_vectors");
		CHECK(&s, 0, "no case directories under %s", root);
		check_end(&s);
	}
	return check_exit(&s);
}
