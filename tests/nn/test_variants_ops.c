/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast kernel variants of the ops after CONV_2D (depthwise, ADD,
 * CONCATENATION, RESIZE_BILINEAR, QUANTIZE, PAD, pooling, MEAN,
 * FULLY_CONNECTED, ...) against the reference kernels: single-op models of
 * random shapes (tests/nn/variant_ops_models.py writes them) run with
 * kernels "ref" and "auto" (and "generic,avx2" where AVX-512 would hide
 * the AVX2 kernels), the latter at 1, 2 and 3 threads, on random inputs;
 * every output must be identical byte for byte. One case per op, saying
 * how many of its models ran a fast variant and which.
 */
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fsnn.h"
#include "src/nn_internal.h"

static void fill_inputs(fsnn_context *ctx, const fsnn_model *m, uint32_t seed)
{
	for (int i = 0; i < fsnn_model_num_inputs(m); i++) {
		fsnn_tensor_info t;
		fsnn_model_input_info(m, i, &t);
		uint8_t *p = fsnn_context_input(ctx, i);
		for (size_t b = 0; b < t.bytes; b++) {
			seed = seed * 1664525u + 1013904223u;
			p[b] = (uint8_t)(seed >> 24);
		}
	}
}

/* Runs m on n_threads with the inputs of seed; the outputs, concatenated,
 * go to a malloc'd buffer (NULL + message on failure). */
static uint8_t *run_model(const fsnn_model *m, int n_threads, uint32_t seed, size_t *bytes,
			  char *why, size_t why_size)
{
	fsnn_context *ctx = NULL;
	fsnn_error err;
	const fsnn_context_options co = { .num_threads = n_threads };
	if (fsnn_context_new_opts(m, &co, &ctx, &err) != FSNN_OK) {
		check_sfmt(why, why_size, "context: %s", err.msg);
		return NULL;
	}
	fill_inputs(ctx, m, seed);
	if (fsnn_invoke(ctx, &err) != FSNN_OK) {
		check_sfmt(why, why_size, "invoke: %s", err.msg);
		fsnn_context_free(ctx);
		return NULL;
	}
	size_t total = 0;
	for (int i = 0; i < fsnn_model_num_outputs(m); i++) {
		fsnn_tensor_info t;
		fsnn_model_output_info(m, i, &t);
		total += t.bytes;
	}
	uint8_t *out = malloc(total ? total : 1);
	size_t at = 0;
	for (int i = 0; out != NULL && i < fsnn_model_num_outputs(m); i++) {
		fsnn_tensor_info t;
		fsnn_model_output_info(m, i, &t);
		memcpy(out + at, fsnn_context_output(ctx, i), t.bytes);
		at += t.bytes;
	}
	fsnn_context_free(ctx);
	*bytes = total;
	return out;
}

/* How many models ran each variant name, for the log. */
typedef struct tally {
	const char *name[8];
	int count[8];
	int n;
} tally;

static void tally_add(tally *t, const char *name)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->name[i], name) == 0) {
			t->count[i]++;
			return;
		}
	if (t->n < 8) {
		t->name[t->n] = name;   /* variant names are static strings */
		t->count[t->n++] = 1;
	}
}

/* Compares one model's fast runs with its reference run. Returns 1 if it
 * ran a fast variant; a mismatch is reported through cs. */
static int check_model(check_state *cs, const char *path, const char *kernels, tally *seen)
{
	fsnn_model *ref = NULL, *fast = NULL;
	fsnn_error err;
	fsnn_load_options lo = { .kernels = "ref" };
	if (fsnn_model_load_file(path, &lo, &ref, &err) != FSNN_OK) {
		CHECK(cs, 0, "%s: reference load: %s", path, err.msg);
		return 0;
	}
	lo.kernels = kernels;
	if (fsnn_model_load_file(path, &lo, &fast, &err) != FSNN_OK) {
		CHECK(cs, 0, "%s: load with kernels %s: %s", path, kernels, err.msg);
		fsnn_model_free(ref);
		return 0;
	}
	int is_fast = 0;
	for (int i = 0; i < fsnn_model_num_ops(fast); i++) {
		fsnn_op_info oi;
		if (fsnn_model_op_info(fast, i, &oi) == FSNN_OK && oi.variant != NULL) {
			tally_add(seen, oi.variant);
			if (strcmp(oi.variant, "ref") != 0)
				is_fast = 1;
		}
	}
	for (uint32_t seed = 1; seed <= 2; seed++) {
		char why[300] = "";
		size_t rn = 0;
		uint8_t *want = run_model(ref, 1, seed, &rn, why, sizeof why);
		CHECK(cs, want != NULL, "%s: reference run: %s", path, why);
		for (int th = 1; want != NULL && th <= 3; th++) {
			size_t fn = 0;
			uint8_t *got = run_model(fast, th, seed, &fn, why, sizeof why);
			CHECK(cs, got != NULL, "%s: fast run on %d threads: %s", path, th, why);
			if (got != NULL && fn == rn && memcmp(got, want, rn) != 0) {
				size_t at = 0;
				while (got[at] == want[at])
					at++;
				CHECK(cs, 0, "%s (kernels %s, %s variant, %d threads, seed %u): output byte "
				      "%zu is %u, the reference gives %u", path, kernels,
				      is_fast ? "fast" : "ref", th,
				      (unsigned)seed, at, got[at], want[at]);
			}
			free(got);
		}
		free(want);
	}
	fsnn_model_free(fast);
	fsnn_model_free(ref);
	return is_fast;
}

/* Ops the generator writes, and whether this CPU must run a fast variant
 * for some of their models (the x86 variants need AVX2). */
static const char *const ops[] = {
	"DEPTHWISE_CONV_2D", "RESIZE_BILINEAR", "ADD", "SUB", "CONCATENATION", "PAD", "PADV2",
	"QUANTIZE", "LOGISTIC", "TANH", "ARG_MAX", "FULLY_CONNECTED",
};

static void rm_tree(const char *dir)
{
	char pat[600];
	check_sfmt(pat, sizeof pat, "%s/*", dir);
	glob_t g;
	if (glob(pat, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
	rmdir(dir);
}

int main(void)
{
	check_state cs = { 0 };
	const char *top = getenv("FS_TOP");
	const char *py = getenv("PYTHON");
	char dir[] = "/tmp/fsnn-variant-ops-XXXXXX", cmd[1200];
	check_begin(&cs, "variants_ops_models_written");
	CHECK(&cs, mkdtemp(dir) != NULL, "mkdtemp failed");
	check_sfmt(cmd, sizeof cmd, "%s %s/tests/nn/variant_ops_models.py %s",
		   py && *py ? py : "python3", top && *top ? top : ".", dir);
	CHECK(&cs, system(cmd) == 0, "%s failed", cmd);
	check_end(&cs);

	const unsigned cpu = nn_cpu_detect();
	for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
		char name[200], pat[700];
		check_sfmt(name, sizeof name, "variants_ops_%s", ops[k]);
		check_begin(&cs, name);
		check_sfmt(pat, sizeof pat, "%s/%s__*.tflite", dir, ops[k]);
		glob_t g;
		int models = 0, fast = 0;
		tally seen = { 0 };
		if (glob(pat, 0, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++, models++) {
				fast += check_model(&cs, g.gl_pathv[i], "auto", &seen);
				/* What a CPU without AVX-512 runs, where this one has it. */
				if (cpu & NN_CPU_AVX512VNNI)
					check_model(&cs, g.gl_pathv[i], "generic,avx2", &seen);
			}
			globfree(&g);
		}
		CHECK(&cs, models > 0, "no %s models were written", ops[k]);
		CHECK(&cs, fast > 0 || (cpu & NN_CPU_AVX2) == 0,
		      "none of the %d %s models ran a fast variant on this AVX2 CPU", models, ops[k]);
		printf("# %s: %d models, %d ran a fast variant, 1-3 threads; variants:", ops[k], models,
		       fast);
		for (int i = 0; i < seen.n; i++)
			printf(" %s x%d", seen.name[i], seen.count[i]);
		printf("\n");
		check_end(&cs);
	}
	rm_tree(dir);
	return check_exit(&cs);
}
