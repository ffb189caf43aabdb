/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fsnn bench: latency of one invoke (median and min over --runs after
 * --warmup) with --threads threads inside the invoke, or throughput of
 * --contexts contexts running at once. Timing only; correctness is the
 * tests' business. --json prints one object for make bench's table.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"

typedef struct bench_job {
	const fsnn_model *model;
	int threads, warmup, runs;
	int profile;         /* keep the op times (job 0 only) */
	uint64_t *op_ns;     /* num_ops entries when profiling */
	double *ms;          /* runs entries */
	fsnn_status status;
	fsnn_error err;
} bench_job;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of the whole process (all threads). */
static double cpu_ms(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0.0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* Fixed pseudo-random inputs: timings should not depend on zeros. */
static void fill_inputs(const fsnn_model *m, fsnn_context *ctx)
{
	uint32_t seed = 12345;
	for (int i = 0; i < fsnn_model_num_inputs(m); i++) {
		fsnn_tensor_info t;
		fsnn_model_input_info(m, i, &t);
		uint8_t *p = fsnn_context_input(ctx, i);
		for (size_t b = 0; b < t.bytes; b++) {
			seed = seed * 1103515245u + 12345u;
			p[b] = (uint8_t)(seed >> 16);
		}
		/* Float inputs get small finite values rather than random bits. */
		if (t.type == FSNN_FLOAT32)
			for (size_t b = 0; b < t.bytes / 4; b++)
				((float *)(void *)p)[b] = (float)(b % 17) / 17.0f;
	}
}

static void *bench_thread(void *arg)
{
	bench_job *job = arg;
	fsnn_context *ctx = NULL;
	fsnn_context_options co = { .num_threads = job->threads, .profile = job->profile };
	job->status = fsnn_context_new_opts(job->model, &co, &ctx, &job->err);
	if (job->status != FSNN_OK)
		return NULL;
	fill_inputs(job->model, ctx);
	for (int r = 0; r < job->warmup && job->status == FSNN_OK; r++)
		job->status = fsnn_invoke(ctx, &job->err);
	for (int r = 0; r < job->runs && job->status == FSNN_OK; r++) {
		double t0 = now_ms();
		job->status = fsnn_invoke(ctx, &job->err);
		job->ms[r] = now_ms() - t0;
	}
	if (job->profile && job->status == FSNN_OK)
		fsnn_context_op_times(ctx, job->op_ns, fsnn_model_num_ops(job->model));
	fsnn_context_free(ctx);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int parse_count(const char *opt, const char *s, int lo, int max, int *out)
{
	char *end = NULL;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (s == NULL || *s == '\0' || *end != '\0' || errno != 0 || v < lo || v > max)
		return fail("bench: %s takes a number from %d to %d, got '%s'", opt, lo, max, s ? s : "");
	*out = (int)v;
	return 0;
}

typedef struct bench_result {
	double median, min, max, per_s, load_ms, gmac, peak_rss_mb;
	double cpu_ms;       /* process CPU time per invoke: steadier than wall time on a busy machine */
	int n;
} bench_result;

static void print_result(const char *path, const fsnn_model *m, const cli_engine_opts *eo,
			 int contexts, int runs, bool json, const bench_result *r)
{
	fsnn_tensor_info in;
	fsnn_model_input_info(m, 0, &in);
	fsnn_memory_info mem;
	fsnn_model_memory_info(m, &mem);
	const char *kernels = eo->kernels ? eo->kernels : getenv("FSNN_KERNELS");
	bool ref = kernels != NULL && strcmp(kernels, "ref") == 0;
	if (json) {
		printf("{\"model\": ");
		print_json_string(stdout, path);
		printf(", \"size\": \"%dx%d\", \"threads\": %d, \"contexts\": %d, \"engine\": \"%s\", "
		       "\"kernels\": ", in.rank == 4 ? (int)in.dims[1] : 0, in.rank == 4 ? (int)in.dims[2] : 0,
		       eo->threads, contexts, ref ? "fsnn-ref" : "fsnn");
		print_json_string(stdout, kernels ? kernels : "auto");
		printf(", \"runs\": %d, \"median_ms\": %.4f, \"min_ms\": %.4f, \"max_ms\": %.4f, "
		       "\"invokes_per_s\": %.3f, \"cpu_ms\": %.4f, \"gmac\": %.4f, \"peak_rss_mb\": %.1f, "
		       "\"arena_bytes\": %zu, \"load_ms\": %.1f}\n", runs, r->median, r->min, r->max,
		       r->per_s, r->cpu_ms, r->gmac, r->peak_rss_mb, mem.arena_bytes, r->load_ms);
		return;
	}
	printf("%s: %d thread%s x %d context%s x %d runs (kernels %s): median %.4g ms, min %.4g ms, "
	       "max %.4g ms per invoke; %.1f invokes/s overall; CPU %.4g ms per invoke; %.2f GMAC/s; "
	       "load %.1f ms; arena %zu bytes; peak RSS %.1f MB\n",
	       path, eo->threads, eo->threads == 1 ? "" : "s", contexts, contexts == 1 ? "" : "s", runs,
	       kernels ? kernels : "auto", r->median, r->min, r->max, r->per_s, r->cpu_ms,
	       r->median > 0 ? r->gmac / (r->median / 1e3) : 0.0, r->load_ms, mem.arena_bytes,
	       r->peak_rss_mb);
}

/* Time per invoke by op kind and kernel variant, largest first. */
static void print_profile(const fsnn_model *m, const uint64_t *ns, int invokes)
{
	int n = fsnn_model_num_ops(m);
	typedef struct { const char *name, *variant; double ms; int count; uint64_t macs; } kind;
	kind *k = calloc((size_t)(n > 0 ? n : 1), sizeof *k);
	if (k == NULL)
		return;
	int nk = 0;
	double total = 0;
	for (int i = 0; i < n; i++) {
		fsnn_op_info op;
		fsnn_model_op_info(m, i, &op);
		const char *v = op.variant ? op.variant : (op.backend ? op.backend : "?");
		int j = 0;
		while (j < nk && (strcmp(k[j].name, op.name) || strcmp(k[j].variant, v)))
			j++;
		if (j == nk)
			k[nk++] = (kind){ op.name, v, 0, 0, 0 };
		double ms = (double)ns[i] / 1e6 / invokes;
		k[j].ms += ms;
		k[j].count++;
		k[j].macs += op.macs;
		total += ms;
	}
	for (int a = 1; a < nk; a++)
		for (int b = a; b > 0 && k[b].ms > k[b - 1].ms; b--) {
			kind t = k[b];
			k[b] = k[b - 1];
			k[b - 1] = t;
		}
	printf("profile (ms per invoke, all runs and warm-up):\n");
	for (int j = 0; j < nk; j++) {
		printf("  %-20s %-12s x%-3d %9.3f ms %5.1f %%", k[j].name, k[j].variant, k[j].count, k[j].ms,
		       total > 0 ? 100 * k[j].ms / total : 0.0);
		if (k[j].macs && k[j].ms > 0)
			printf("  %.2f GMAC/s", (double)k[j].macs / 1e6 / k[j].ms);
		printf("\n");
	}
	/* The slowest single ops, for kernel work. */
	int *idx = calloc((size_t)(n > 0 ? n : 1), sizeof *idx);
	if (idx != NULL) {
		for (int i = 0; i < n; i++) {
			int b = i;
			for (; b > 0 && ns[idx[b - 1]] < ns[i]; b--)
				idx[b] = idx[b - 1];
			idx[b] = i;
		}
		printf("slowest ops:\n");
		for (int r = 0; r < 8 && r < n && ns[idx[r]] > 0; r++) {
			fsnn_op_info op;
			fsnn_model_op_info(m, idx[r], &op);
			double ms = (double)ns[idx[r]] / 1e6 / invokes;
			printf("  op %-3d %-20s %-12s %9.3f ms", idx[r], op.name, op.variant ? op.variant : "?", ms);
			if (op.macs && ms > 0)
				printf("  %.2f GMAC/s", (double)op.macs / 1e6 / ms);
			printf("\n");
		}
		free(idx);
	}
	free(k);
}

int cmd_bench(int argc, char **argv)
{
	const char *path = NULL;
	int contexts = 1, runs = 10, warmup = 1;
	bool json = false, profile = false;
	cli_engine_opts eo = { .threads = 1 };
	for (int i = 0; i < argc; i++) {
		int used = cli_engine_opt("bench", argc, argv, &i, &eo);
		if (used < 0)
			return 1;
		if (used > 0)
			continue;
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--contexts") == 0) {
			if (parse_count("--contexts", val, 1, 64, &contexts))
				return 1;
			i++;
		} else if (strcmp(argv[i], "--runs") == 0) {
			if (parse_count("--runs", val, 1, 100000, &runs))
				return 1;
			i++;
		} else if (strcmp(argv[i], "--warmup") == 0) {
			if (parse_count("--warmup", val, 0, 100000, &warmup))
				return 1;
			i++;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--profile") == 0) {
			profile = true;
		} else if (argv[i][0] == '-' || path != NULL) {
			return fail("bench: unexpected argument '%s'", argv[i]);
		} else {
			path = argv[i];
		}
	}
	if (path == NULL)
		return fail("bench: MODEL is missing (fsnn bench MODEL [--runs N] [--contexts N] ...)");

	fsnn_model *m = NULL;
	fsnn_error err = { 0, "" };
	fsnn_load_options lo = cli_load_options(&eo);
	double t_load = now_ms();
	if (fsnn_model_load_file(path, &lo, &m, &err) != FSNN_OK)
		return fail("%s", one_line(err.msg));
	t_load = now_ms() - t_load;

	bench_job *jobs = calloc((size_t)contexts, sizeof *jobs);
	pthread_t *tids = calloc((size_t)contexts, sizeof *tids);
	double *all = calloc((size_t)contexts * (size_t)runs, sizeof *all);
	int nops = fsnn_model_num_ops(m);
	uint64_t *op_ns = calloc((size_t)(nops > 0 ? nops : 1), sizeof *op_ns);
	int rc = 0;
	if (jobs == NULL || tids == NULL || all == NULL || op_ns == NULL) {
		rc = fail("out of memory");
		goto out;
	}
	double wall = now_ms(), cpu0 = cpu_ms();
	int started = 0;
	for (int t = 0; t < contexts; t++) {
		jobs[t] = (bench_job){ .model = m, .threads = eo.threads, .warmup = warmup, .runs = runs,
				       .ms = all + (size_t)t * (size_t)runs,
				       .profile = profile && t == 0, .op_ns = t == 0 ? op_ns : NULL };
		int e = pthread_create(&tids[t], NULL, bench_thread, &jobs[t]);
		if (e != 0) {
			rc = fail("cannot start thread %d: %s", t, strerror(e));
			break;
		}
		started++;
	}
	for (int t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	wall = now_ms() - wall;
	double cpu = cpu_ms() - cpu0;
	for (int t = 0; t < started && rc == 0; t++)
		if (jobs[t].status != FSNN_OK)
			rc = fail("%s: %s", path, one_line(jobs[t].err.msg));
	if (rc != 0)
		goto out;

	size_t n = (size_t)contexts * (size_t)runs;
	qsort(all, n, sizeof *all, cmp_double);
	bench_result r = {
		.median = n % 2 ? all[n / 2] : (all[n / 2 - 1] + all[n / 2]) / 2,
		.min = all[0], .max = all[n - 1], .load_ms = t_load, .n = (int)n,
		.per_s = (double)(n + (size_t)contexts * (size_t)warmup) / (wall / 1e3),
		.cpu_ms = cpu / (double)(n + (size_t)contexts * (size_t)warmup),
	};
	uint64_t macs = 0;
	for (int i = 0; i < fsnn_model_num_ops(m); i++) {
		fsnn_op_info op;
		if (fsnn_model_op_info(m, i, &op) == FSNN_OK)
			macs += op.macs;
	}
	r.gmac = (double)macs / 1e9;
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		r.peak_rss_mb = (double)ru.ru_maxrss / 1024.0;
	print_result(path, m, &eo, contexts, runs, json, &r);
	if (profile)
		print_profile(m, op_ns, runs + warmup);
out:
	free(op_ns);
	free(jobs);
	free(tids);
	free(all);
	fsnn_model_free(m);
	return rc;
}
