/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Real third-party models beyond the golden set (tests/vectors/robust/,
 * sources in its DATA.md), through the public API:
 *  - <model>/<case>/in*.bin must give the LiteRT (XNNPACK) outputs
 *    <model>/<case>/out*.bin bit for bit;
 *  - a model with expect_error.txt must be refused at load with a message
 *    holding every line of that file (it names the op and its index), and
 *    must still load inspect-only, as `fsnn info` does.
 * Each case is invoked twice (a second run must not differ).
 * One PASS/FAIL line per model.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "fsnn.h"

static int is_dir(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Feeds one case and compares every output; invokes twice so that state
 * left in the arena by a first run cannot go unnoticed. */
static void run_case(check_state *cs, const fsnn_model *m, fsnn_context *ctx, const char *dir)
{
	char path[1200];
	for (int i = 0; i < fsnn_model_num_inputs(m) && !cs->failed_in_case; i++) {
		fsnn_tensor_info ti;
		fsnn_model_input_info(m, i, &ti);
		size_t n = 0;
		check_sfmt(path, sizeof path, "%s/in%d.bin", dir, i);
		char *data = check_read_all(path, &n);
		CHECK(cs, data != NULL, "cannot read %s", path);
		CHECK(cs, data == NULL || n == ti.bytes, "%s: %zu bytes, input %d needs %zu", path, n,
		      i, ti.bytes);
		if (data != NULL && n == ti.bytes)
			memcpy(fsnn_context_input(ctx, i), data, n);
		free(data);
	}
	for (int run = 0; run < 2 && !cs->failed_in_case; run++) {
		fsnn_error err = { FSNN_OK, "" };
		fsnn_status st = fsnn_invoke(ctx, &err);
		CHECK(cs, st == FSNN_OK, "%s: invoke %d: %s", dir, run, err.msg);
		for (int o = 0; o < fsnn_model_num_outputs(m) && !cs->failed_in_case; o++) {
			fsnn_tensor_info ti;
			fsnn_model_output_info(m, o, &ti);
			size_t n = 0;
			check_sfmt(path, sizeof path, "%s/out%d.bin", dir, o);
			char *want = check_read_all(path, &n);
			CHECK(cs, want != NULL && n == ti.bytes, "%s: missing or %zu bytes, expected %zu",
			      path, n, ti.bytes);
			if (want != NULL && n == ti.bytes) {
				const uint8_t *got = fsnn_context_output(ctx, o);
				size_t diff = 0, first = 0;
				for (size_t k = 0; k < n; k++)
					if (got[k] != (uint8_t)want[k] && diff++ == 0)
						first = k;
				CHECK(cs, diff == 0, "%s output %d (run %d): %zu of %zu bytes differ, "
				      "first at byte %zu (%u, expected %u)", dir, o, run, diff, n, first,
				      got[first], (uint8_t)want[first]);
			}
			free(want);
		}
	}
}

static void check_runs(check_state *cs, const char *mdir, const char *model_path)
{
	fsnn_model *m = NULL;
	fsnn_context *ctx = NULL;
	fsnn_error err = { FSNN_OK, "" };
	fsnn_status st = fsnn_model_load_file(model_path, NULL, &m, &err);
	CHECK(cs, st == FSNN_OK, "load: %s", err.msg);
	if (st == FSNN_OK) {
		st = fsnn_context_new(m, &ctx, &err);
		CHECK(cs, st == FSNN_OK, "context: %s", err.msg);
	}
	int cases = 0;
	DIR *d = opendir(mdir);
	struct dirent *e;
	while (ctx != NULL && d != NULL && (e = readdir(d)) != NULL && !cs->failed_in_case) {
		char cdir[1100];
		check_sfmt(cdir, sizeof cdir, "%s/%s", mdir, e->d_name);
		if (e->d_name[0] == '.' || !is_dir(cdir))
			continue;
		run_case(cs, m, ctx, cdir);
		cases++;
	}
	if (d != NULL)
		closedir(d);
	CHECK(cs, ctx == NULL || cases > 0, "%s: no cases", mdir);
	fsnn_context_free(ctx);
	fsnn_model_free(m);
}

static void check_refused(check_state *cs, const char *expect_path, const char *model_path)
{
	size_t n = 0;
	char *expect = check_read_all(expect_path, &n);
	CHECK(cs, expect != NULL, "cannot read %s", expect_path);
	fsnn_model *m = NULL;
	fsnn_error err = { FSNN_OK, "" };
	fsnn_status st = fsnn_model_load_file(model_path, NULL, &m, &err);
	CHECK(cs, st != FSNN_OK && m == NULL, "loaded, expected a refusal");
	CHECK(cs, strstr(err.msg, model_path) != NULL, "message does not name the file: %s", err.msg);
	for (char *line = expect, *next; line != NULL && *line && !cs->failed_in_case; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		CHECK(cs, strstr(err.msg, line) != NULL, "message lacks '%s': %s", line, err.msg);
	}
	fsnn_model_free(m);
	m = NULL;
	/* fsnn info loads it inspect-only: that must work, and no context. */
	fsnn_load_options opts = { .inspect_only = 1 };
	st = fsnn_model_load_file(model_path, &opts, &m, &err);
	CHECK(cs, st == FSNN_OK, "inspect-only load: %s", err.msg);
	if (m != NULL) {
		CHECK(cs, fsnn_model_num_ops(m) > 0, "no ops listed");
		fsnn_context *ctx = NULL;
		CHECK(cs, fsnn_context_new(m, &ctx, &err) != FSNN_OK && ctx == NULL,
		      "context made from an unrunnable model");
		fsnn_context_free(ctx);
	}
	fsnn_model_free(m);
	free(expect);
}

int main(void)
{
	check_state cs = { 0 };
	const char *top = getenv("FS_TOP");
	char root[1024];
	check_sfmt(root, sizeof root, "%s/tests/vectors/robust", top ? top : ".");
	DIR *d = opendir(root);
	if (d == NULL) {
		printf("FAIL robust: cannot open %s\n", root);
		return 1;
	}
	int models = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char mdir[1100], model[1300], expect[1300], name[300];
		check_sfmt(mdir, sizeof mdir, "%s/%s", root, e->d_name);
		check_sfmt(model, sizeof model, "%s/%s.tflite", mdir, e->d_name);
		if (e->d_name[0] == '.' || !check_is_file(model))
			continue;
		check_sfmt(expect, sizeof expect, "%s/expect_error.txt", mdir);
		check_sfmt(name, sizeof name, "robust_%s", e->d_name);
		check_begin(&cs, name);
		if (check_is_file(expect))
			check_refused(&cs, expect, model);
		else
			check_runs(&cs, mdir, model);
		check_end(&cs);
		models++;
	}
	closedir(d);
	if (models == 0) {
		printf("FAIL robust: no models under %s\n", root);
		return 1;
	}
	return check_exit(&cs);
}
