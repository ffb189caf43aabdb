/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Engine core checks: backends for custom ops, the memory plan's
 * invariants on every model we have, repeatability, several threads on one
 * model, no heap allocation inside fsnn_invoke, and the fsnn CLI's error
 * paths.
 */
#include <dirent.h>
#include <stdarg.h>
#include <glob.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "check.h"
#include "fsnn.h"
#include "image/image.h"
#include "src/nn_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_SAN_HOOKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_SAN_HOOKS 1
#endif
#endif
#ifdef HAVE_SAN_HOOKS
/* From the sanitizer runtime (sanitizer/allocator_interface.h, which not
 * every compiler package installs). */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
					      void (*free_hook)(const volatile void *));
#else
#include <malloc.h>
#endif


static char top[1024];

/* ---- a fake backend claiming "fsnn-test-negate" ------------------------ */

typedef struct fake_backend {
	int prepared, evaluated, released;
	int fail_prepare, fail_eval;
	char seen[256]; /* what prepare was told, for the checks */
} fake_backend;

static fsnn_status fake_prepare(void *user, const fsnn_custom_node *node, void **state,
				fsnn_error *err)
{
	fake_backend *fb = user;
	fb->prepared++;
	check_sfmt(fb->seen, sizeof fb->seen, "op %d %s opts=%.*s in=%d out=%d in0=%s[%d,%d] out0=%s",
		 node->op_index, node->custom_code, (int)node->custom_options_size,
		 (const char *)node->custom_options, node->num_inputs, node->num_outputs,
		 node->inputs[0].name, (int)node->inputs[0].dims[0], (int)node->inputs[0].dims[1],
		 node->outputs[0].name);
	if (fb->fail_prepare) {
		check_sfmt(err->msg, sizeof err->msg, "device unplugged");
		return FSNN_E_BACKEND;
	}
	*state = fb;
	return FSNN_OK;
}

static fsnn_status fake_eval(void *user, void *state, const fsnn_tensor_view *in, int nin,
			     fsnn_tensor_view *out, int nout, fsnn_error *err)
{
	fake_backend *fb = user;
	if (state != user || nin != 1 || nout != 1)
		return FSNN_E_ARG;
	fb->evaluated++;
	if (fb->fail_eval) {
		check_sfmt(err->msg, sizeof err->msg, "USB transfer timed out");
		return FSNN_E_TIMEOUT;
	}
	const int8_t *x = in[0].data;
	int8_t *y = out[0].data;
	for (size_t i = 0; i < out[0].info.bytes; i++)
		y[i] = (int8_t)(x[i] == -128 ? 127 : -x[i]);
	return FSNN_OK;
}

static void fake_release(void *user, void *state)
{
	(void)state;
	((fake_backend *)user)->released++;
}

static void test_backend(check_state *cs)
{
	char path[2048];
	check_sfmt(path, sizeof path, "%s/tests/vectors/graph/custom_relu.tflite", top);
	fsnn_error err = { 0, "" };
	fsnn_model *m = NULL;
	fsnn_context *ctx = NULL;

	check_begin(cs, "graph/custom_op_without_backend_fails_to_load");
	fsnn_status st = fsnn_model_load_file(path, NULL, &m, &err);
	CHECK(cs, st == FSNN_E_BACKEND && m == NULL, "status %d: %s", st, err.msg);
	CHECK(cs, strstr(err.msg, "op 0") && strstr(err.msg, "fsnn-test-negate") &&
		  strstr(err.msg, "custom_relu.tflite"), "message: %s", err.msg);
	check_end(cs);

	check_begin(cs, "graph/custom_op_inspect_only");
	fsnn_load_options inspect = { .inspect_only = 1 };
	st = fsnn_model_load_file(path, &inspect, &m, &err);
	CHECK(cs, st == FSNN_OK, "inspect load: %s", err.msg);
	if (st == FSNN_OK) {
		fsnn_op_info op;
		fsnn_model_op_info(m, 0, &op);
		CHECK(cs, op.is_custom && strcmp(op.name, "fsnn-test-negate") == 0 && op.backend == NULL,
		      "op 0: %s custom=%d", op.name, op.is_custom);
		st = fsnn_context_new(m, &ctx, &err);
		CHECK(cs, st == FSNN_E_BACKEND && ctx == NULL, "context on inspect-only model: %d", st);
		CHECK(cs, strstr(err.msg, "fsnn-test-negate") != NULL, "message: %s", err.msg);
		fsnn_model_free(m);
		m = NULL;
	}
	check_end(cs);

	check_begin(cs, "graph/fake_backend_prepare_and_eval");
	fake_backend fb = { 0 };
	fsnn_backend be = { .name = "fake", .custom_code = "fsnn-test-negate", .user = &fb,
			    .prepare = fake_prepare, .eval = fake_eval, .release = fake_release };
	const fsnn_backend *list[] = { &be };
	fsnn_load_options opts = { .backends = list, .num_backends = 1 };
	st = fsnn_model_load_file(path, &opts, &m, &err);
	CHECK(cs, st == FSNN_OK, "load: %s", err.msg);
	if (st == FSNN_OK) {
		CHECK(cs, fb.prepared == 1, "prepare called %d times", fb.prepared);
		CHECK(cs, strcmp(fb.seen, "op 0 fsnn-test-negate opts=negate in=1 out=1 in0=x[1,8] out0=negated") == 0,
		      "prepare saw: %s", fb.seen);
		fsnn_op_info op;
		fsnn_model_op_info(m, 0, &op);
		CHECK(cs, op.backend && strcmp(op.backend, "fake") == 0, "op 0 backend %s",
		      op.backend ? op.backend : "(none)");
		/* RESHAPE's output shares the backend-written tensor's storage. */
		const nn_node *reshape = &m->nodes[1];
		const nn_tensor *r = &m->tensors[reshape->outputs[0]];
		CHECK(cs, r->alloc == NN_ALLOC_ALIAS && r->alias_of == reshape->inputs[0],
		      "reshape output alloc %d alias_of %d", (int)r->alloc, r->alias_of);
		st = fsnn_context_new(m, &ctx, &err);
		CHECK(cs, st == FSNN_OK, "context: %s", err.msg);
	}
	if (ctx != NULL) {
		int8_t *x = fsnn_context_input(ctx, 0);
		for (int i = 0; i < 8; i++)
			x[i] = (int8_t)(i - 4); /* -4..3 */
		st = fsnn_invoke(ctx, &err);
		CHECK(cs, st == FSNN_OK, "invoke: %s", err.msg);
		const int8_t *y = fsnn_context_output(ctx, 0);
		static const int8_t want[8] = { 4, 3, 2, 1, 0, 0, 0, 0 }; /* relu(-x) */
		CHECK(cs, memcmp(y, want, 8) == 0, "y = %d %d %d %d %d %d %d %d", y[0], y[1], y[2], y[3],
		      y[4], y[5], y[6], y[7]);
		CHECK(cs, fb.evaluated == 1, "eval called %d times", fb.evaluated);

		fb.fail_eval = 1;
		st = fsnn_invoke(ctx, &err);
		CHECK(cs, st == FSNN_E_TIMEOUT, "failing backend: status %d", st);
		CHECK(cs, strncmp(err.msg, "op 0 (fsnn-test-negate) on backend \"fake\": USB transfer timed out",
				  strlen("op 0 (fsnn-test-negate) on backend \"fake\": USB")) == 0,
		      "message: %s", err.msg);
	}
	fsnn_context_free(ctx);
	ctx = NULL;
	fsnn_model_free(m);
	m = NULL;
	CHECK(cs, fb.released == 1, "release called %d times", fb.released);
	check_end(cs);

	check_begin(cs, "graph/backend_prepare_failure");
	fb = (fake_backend){ .fail_prepare = 1 };
	st = fsnn_model_load_file(path, &opts, &m, &err);
	CHECK(cs, st == FSNN_E_BACKEND && m == NULL, "status %d", st);
	CHECK(cs, strstr(err.msg, "\"fake\"") && strstr(err.msg, "device unplugged"), "message: %s", err.msg);
	check_end(cs);
}

/* ---- memory plan invariants -------------------------------------------- */

static int root_of(const fsnn_model *m, int t)
{
	for (int hops = 0; hops <= m->num_tensors && m->tensors[t].alloc == NN_ALLOC_ALIAS; hops++)
		t = m->tensors[t].alias_of;
	return t;
}

static void check_plan(check_state *cs, const char *prefix, const char *path)
{
	char name[1200];
	const char *base = strrchr(path, '/');
	check_sfmt(name, sizeof name, "graph/plan/%s%s", prefix, base ? base + 1 : path);
	check_begin(cs, name);
	fsnn_load_options inspect = { .inspect_only = 1 };
	fsnn_model *m = NULL;
	fsnn_error err = { 0, "" };
	fsnn_status st = fsnn_model_load_file(path, &inspect, &m, &err);
	CHECK(cs, st == FSNN_OK, "load: %s", err.msg);
	if (st != FSNN_OK) {
		check_end(cs);
		return;
	}
	fsnn_memory_info mi;
	fsnn_model_memory_info(m, &mi);
	CHECK(cs, mi.arena_bytes >= mi.lower_bound_bytes, "arena %zu < lower bound %zu", mi.arena_bytes,
	      mi.lower_bound_bytes);
	int last = m->num_nodes > 0 ? m->num_nodes - 1 : 0;
	for (int t = 0; t < m->num_tensors && !cs->failed_in_case; t++) {
		const nn_tensor *a = &m->tensors[t];
		if (a->alloc == NN_ALLOC_ALIAS) {
			int r = root_of(m, t);
			const nn_tensor *root = &m->tensors[r];
			CHECK(cs, root->alloc == NN_ALLOC_ARENA || root->alloc == NN_ALLOC_CONST,
			      "tensor %d aliases %d, which has no storage", t, r);
			CHECK(cs, root->alloc != NN_ALLOC_ARENA || a->offset == root->offset,
			      "alias %d at %zu, root %d at %zu", t, a->offset, r, root->offset);
			continue;
		}
		if (a->alloc != NN_ALLOC_ARENA)
			continue;
		CHECK(cs, a->offset % 64 == 0, "tensor %d at unaligned offset %zu", t, a->offset);
		CHECK(cs, a->offset + a->bytes <= mi.arena_bytes, "tensor %d [%zu,+%zu) past arena %zu", t,
		      a->offset, a->bytes, mi.arena_bytes);
		CHECK(cs, a->first_op <= a->last_op, "tensor %d lifetime %d..%d", t, a->first_op, a->last_op);
		for (int u = t + 1; u < m->num_tensors && !cs->failed_in_case; u++) {
			const nn_tensor *b = &m->tensors[u];
			if (b->alloc != NN_ALLOC_ARENA || a->bytes == 0 || b->bytes == 0)
				continue;
			int live_together = a->first_op <= b->last_op && b->first_op <= a->last_op;
			int overlap = a->offset < b->offset + b->bytes && b->offset < a->offset + a->bytes;
			CHECK(cs, !(live_together && overlap),
			      "tensors %d [%zu,+%zu) ops %d..%d and %d [%zu,+%zu) ops %d..%d share memory", t,
			      a->offset, a->bytes, a->first_op, a->last_op, u, b->offset, b->bytes,
			      b->first_op, b->last_op);
		}
	}
	/* Every use of a tensor lies inside its storage owner's lifetime. */
	for (int n = 0; n < m->num_nodes && !cs->failed_in_case; n++) {
		const nn_node *node = &m->nodes[n];
		for (int k = 0; k < node->num_inputs + node->num_outputs; k++) {
			int t = k < node->num_inputs ? node->inputs[k] : node->outputs[k - node->num_inputs];
			if (t < 0)
				continue;
			const nn_tensor *r = &m->tensors[root_of(m, t)];
			CHECK(cs, r->alloc != NN_ALLOC_NONE, "op %d uses tensor %d without storage", n, t);
			CHECK(cs, r->alloc != NN_ALLOC_ARENA || (r->first_op <= n && n <= r->last_op),
			      "op %d uses tensor %d outside its lifetime %d..%d", n, t, r->first_op, r->last_op);
		}
	}
	for (int i = 0; i < m->num_inputs && !cs->failed_in_case; i++) {
		const nn_tensor *r = &m->tensors[root_of(m, m->inputs[i])];
		CHECK(cs, r->alloc == NN_ALLOC_ARENA && r->first_op == 0 && r->last_op == last,
		      "graph input %d live only over ops %d..%d", i, r->first_op, r->last_op);
	}
	for (int i = 0; i < m->num_outputs && !cs->failed_in_case; i++) {
		const nn_tensor *r = &m->tensors[root_of(m, m->outputs[i])];
		CHECK(cs, r->alloc != NN_ALLOC_ARENA || r->last_op == last, "graph output %d dies at op %d",
		      i, r->last_op);
	}
	if (!cs->failed_in_case)
		printf("# %s: arena %zu bytes, lower bound %zu (%.1f%% over), scratch %zu\n", name,
		       mi.arena_bytes, mi.lower_bound_bytes,
		       mi.lower_bound_bytes ? 100.0 * ((double)mi.arena_bytes / (double)mi.lower_bound_bytes - 1) : 0.0,
		       mi.scratch_bytes);
	fsnn_model_free(m);
	check_end(cs);
}

static void test_plans(check_state *cs)
{
	char pat[1200];
	const char *shared = check_shared_dir();
	const char *patterns[3] = { "%s/tests/vectors/golden/*/*.tflite", "%s/tests/vectors/graph/*.tflite",
				    "%s/models/tflite/*.tflite" };
	for (int p = 0; p < 3; p++) {
		if (p == 2 && shared == NULL) {
			printf("SKIP graph/plan/shared: FS_SHARED is not set\n");
			continue;
		}
		check_sfmt(pat, sizeof pat, patterns[p], p == 2 ? shared : top);
		glob_t g;
		if (glob(pat, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++)
			check_plan(cs, p == 2 ? "shared/" : "", g.gl_pathv[i]);
		globfree(&g);
	}
}

/* ---- repeatability, threads, no allocation in invoke -------------------- */

static void fill_input(fsnn_context *ctx, const fsnn_model *m, uint32_t seed)
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

typedef struct thread_job {
	const fsnn_model *model;
	int runs;
	size_t out_bytes;
	uint8_t out[4096];
	int mismatches;
	fsnn_status status;
	fsnn_error err;
} thread_job;

static void *thread_main(void *arg)
{
	thread_job *job = arg;
	fsnn_context *ctx = NULL;
	job->status = fsnn_context_new(job->model, &ctx, &job->err);
	if (job->status != FSNN_OK)
		return NULL;
	fill_input(ctx, job->model, 7);
	for (int r = 0; r < job->runs && job->status == FSNN_OK; r++) {
		job->status = fsnn_invoke(ctx, &job->err);
		const uint8_t *o = fsnn_context_output(ctx, 0);
		if (r == 0)
			memcpy(job->out, o, job->out_bytes);
		else if (memcmp(job->out, o, job->out_bytes) != 0)
			job->mismatches++;
	}
	fsnn_context_free(ctx);
	return NULL;
}

#ifdef HAVE_SAN_HOOKS
/* Counts allocations process-wide; only the test thread runs meanwhile. */
static volatile int alloc_count;
static void count_malloc(const volatile void *ptr, size_t size)
{
	(void)ptr;
	(void)size;
	alloc_count++;
}
static void count_free(const volatile void *ptr)
{
	(void)ptr;
}
#endif

static void test_running(check_state *cs)
{
	char path[2048];
	check_sfmt(path, sizeof path, "%s/tests/vectors/golden/person_detect/person_detect.tflite", top);
	fsnn_model *m = NULL;
	fsnn_context *ctx = NULL;
	fsnn_error err = { 0, "" };
	fsnn_status st = fsnn_model_load_file(path, NULL, &m, &err);
	if (st == FSNN_OK)
		st = fsnn_context_new(m, &ctx, &err);
	if (st != FSNN_OK) {
		printf("FAIL graph/repeatable: %s\n", err.msg);
		printf("FAIL graph/threads_share_model: %s\n", err.msg);
		printf("FAIL graph/no_allocation_in_invoke: %s\n", err.msg);
		cs->total_failed += 3;
		fsnn_model_free(m);
		return;
	}
	fsnn_tensor_info out;
	fsnn_model_output_info(m, 0, &out);
	uint8_t first[4096], other[4096];

	check_begin(cs, "graph/repeatable");
	fill_input(ctx, m, 7);
	st = fsnn_invoke(ctx, &err);
	CHECK(cs, st == FSNN_OK, "invoke: %s", err.msg);
	memcpy(first, fsnn_context_output(ctx, 0), out.bytes);
	/* A different input in between must not leak into the next result. */
	fill_input(ctx, m, 99);
	st = fsnn_invoke(ctx, &err);
	memcpy(other, fsnn_context_output(ctx, 0), out.bytes);
	for (int r = 0; r < 4 && !cs->failed_in_case; r++) {
		fill_input(ctx, m, 7);
		st = fsnn_invoke(ctx, &err);
		CHECK(cs, st == FSNN_OK, "invoke %d: %s", r, err.msg);
		CHECK(cs, memcmp(first, fsnn_context_output(ctx, 0), out.bytes) == 0, "run %d differs", r);
	}
	check_end(cs);

	check_begin(cs, "graph/threads_share_model");
	enum { NT = 3 };
	thread_job jobs[NT];
	pthread_t tid[NT];
	for (int t = 0; t < NT; t++) {
		jobs[t] = (thread_job){ .model = m, .runs = 2, .out_bytes = out.bytes };
		CHECK(cs, pthread_create(&tid[t], NULL, thread_main, &jobs[t]) == 0, "pthread_create");
	}
	for (int t = 0; t < NT; t++)
		pthread_join(tid[t], NULL);
	for (int t = 0; t < NT; t++) {
		CHECK(cs, jobs[t].status == FSNN_OK, "thread %d: %s", t, jobs[t].err.msg);
		CHECK(cs, jobs[t].mismatches == 0, "thread %d: runs differ", t);
		CHECK(cs, memcmp(jobs[t].out, first, out.bytes) == 0, "thread %d differs from one thread", t);
	}
	check_end(cs);

	check_begin(cs, "graph/no_allocation_in_invoke");
#ifdef HAVE_SAN_HOOKS
	CHECK(cs, __sanitizer_install_malloc_and_free_hooks(count_malloc, count_free) != 0,
	      "cannot install allocator hooks");
	alloc_count = 0;
	st = fsnn_invoke(ctx, &err);
	int n = alloc_count;
	CHECK(cs, st == FSNN_OK, "invoke: %s", err.msg);
	CHECK(cs, n == 0, "%d heap allocations during fsnn_invoke", n);
#else
	struct mallinfo2 before = mallinfo2();
	st = fsnn_invoke(ctx, &err);
	struct mallinfo2 after = mallinfo2();
	CHECK(cs, st == FSNN_OK, "invoke: %s", err.msg);
	CHECK(cs, before.uordblks == after.uordblks && before.hblkhd == after.hblkhd,
	      "heap in use changed across fsnn_invoke (%zu -> %zu)", before.uordblks, after.uordblks);
#endif
	check_end(cs);
	(void)other;
	fsnn_context_free(ctx);
	fsnn_model_free(m);
}

/* ---- API error paths ------------------------------------------------------ */

static void test_api_errors(check_state *cs)
{
	fsnn_model *m = NULL;
	fsnn_error err = { 0, "" };
	check_begin(cs, "graph/api_errors");
	fsnn_status st = fsnn_model_load_file("/nonexistent/model.tflite", NULL, &m, &err);
	CHECK(cs, st == FSNN_E_IO && m == NULL, "missing file: %d", st);
	CHECK(cs, strstr(err.msg, "/nonexistent/model.tflite") && strstr(err.msg, "No such file"),
	      "message: %s", err.msg);
	static const uint8_t junk[64] = "this is not a flatbuffer at all, not even close........";
	st = fsnn_model_load_buffer(junk, sizeof junk, NULL, &m, &err);
	CHECK(cs, st == FSNN_E_FORMAT && m == NULL, "junk buffer: %d (%s)", st, err.msg);
	st = fsnn_model_load_file(top, NULL, &m, &err);
	CHECK(cs, st == FSNN_E_IO, "directory: %d (%s)", st, err.msg);
	CHECK(cs, fsnn_context_new(NULL, NULL, &err) == FSNN_E_ARG, "NULL model");
	CHECK(cs, fsnn_invoke(NULL, &err) == FSNN_E_ARG, "NULL context");
	CHECK(cs, fsnn_context_input(NULL, 0) == NULL, "NULL context input");
	CHECK(cs, strcmp(fsnn_dtype_name(FSNN_INT8), "INT8") == 0 && fsnn_dtype_size(FSNN_INT64) == 8 &&
		  strcmp(fsnn_dtype_name((fsnn_dtype)42), "?") == 0, "dtype tables");
	CHECK(cs, strcmp(fsnn_strerror(FSNN_E_FORMAT), "malformed model file") == 0, "strerror");

	/* Loading from a buffer gives the same plan as from the file. */
	char path[2048];
	check_sfmt(path, sizeof path, "%s/tests/vectors/graph/custom_relu.tflite", top);
	FILE *f = fopen(path, "rb");
	uint8_t buf[4096];
	size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
	if (f)
		fclose(f);
	fsnn_load_options inspect = { .inspect_only = 1 };
	st = fsnn_model_load_buffer(buf, n, &inspect, &m, &err);
	CHECK(cs, st == FSNN_OK, "buffer load: %s", err.msg);
	if (st == FSNN_OK) {
		fsnn_tensor_info ti;
		CHECK(cs, fsnn_model_input_info(m, 1, &ti) == FSNN_E_ARG, "input 1 of 1 accepted");
		CHECK(cs, fsnn_model_input_info(m, 0, &ti) == FSNN_OK && strcmp(ti.name, "x") == 0 &&
			  ti.num_quant == 1, "input 0 info");
	}
	fsnn_model_free(m);
	check_end(cs);
}

/* ---- the CLI ---------------------------------------------------------------- */

/* Runs a shell command, returns its exit status and its output lines. */
static int run_cmd(const char *cmd, char *out, size_t out_size, int *lines)
{
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	size_t n = fread(out, 1, out_size - 1, p);
	out[n] = '\0';
	int rc = pclose(p);
	*lines = 0;
	for (size_t i = 0; i < n; i++)
		*lines += out[i] == '\n';
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_cli(check_state *cs)
{
	const char *bin = getenv("FS_BIN");
	char fsnn[1200], cmd[4096], out[8192], tmp[] = "/tmp/fsnn-cli-XXXXXX";
	check_sfmt(fsnn, sizeof fsnn, "%s/fsnn", bin ? bin : "");
	if (bin == NULL || !check_is_file(fsnn)) {
		printf("SKIP graph/cli: FS_BIN/fsnn not found\n");
		return;
	}
	if (mkdtemp(tmp) == NULL) {
		printf("FAIL graph/cli: mkdtemp failed\n");
		cs->total_failed++;
		return;
	}
	const char *ms = "tests/vectors/golden/micro_speech_quantized";
	int lines = 0, rc;

	check_begin(cs, "graph/cli_missing_model");
	check_sfmt(cmd, sizeof cmd, "'%s' info /nonexistent.tflite 2>&1", fsnn);
	rc = run_cmd(cmd, out, sizeof out, &lines);
	CHECK(cs, rc != 0 && lines == 1 && strstr(out, "/nonexistent.tflite"), "rc %d, %d lines: %s", rc,
	      lines, out);
	check_sfmt(cmd, sizeof cmd, "'%s' run /nonexistent.tflite a.bin %s/o 2>&1", fsnn, tmp);
	rc = run_cmd(cmd, out, sizeof out, &lines);
	CHECK(cs, rc != 0 && lines == 1, "run: rc %d, %d lines: %s", rc, lines, out);
	check_end(cs);

	check_begin(cs, "graph/cli_wrong_input_size");
	check_sfmt(cmd, sizeof cmd, "head -c 100 /dev/zero > %s/short.bin && '%s' run '%s/%s/micro_speech_quantized.tflite' %s/short.bin %s/o 2>&1",
		 tmp, fsnn, top, ms, tmp, tmp);
	rc = run_cmd(cmd, out, sizeof out, &lines);
	CHECK(cs, rc != 0 && lines == 1 && strstr(out, "100 bytes") && strstr(out, "1960"),
	      "rc %d, %d lines: %s", rc, lines, out);
	check_end(cs);

	check_begin(cs, "graph/cli_usage_errors");
	check_sfmt(cmd, sizeof cmd, "'%s' run 2>&1", fsnn);
	rc = run_cmd(cmd, out, sizeof out, &lines);
	CHECK(cs, rc != 0 && lines == 1, "run without args: rc %d, %d lines: %s", rc, lines, out);
	check_sfmt(cmd, sizeof cmd, "'%s' bench '%s/%s/micro_speech_quantized.tflite' --runs zero 2>&1", fsnn, top, ms);
	rc = run_cmd(cmd, out, sizeof out, &lines);
	CHECK(cs, rc != 0 && lines == 1, "bad --runs: rc %d, %d lines: %s", rc, lines, out);
	check_sfmt(cmd, sizeof cmd, "'%s' frobnicate 2>&1", fsnn);
	rc = run_cmd(cmd, out, sizeof out, &lines);
	CHECK(cs, rc != 0 && lines == 1, "unknown command: rc %d, %d lines: %s", rc, lines, out);
	check_end(cs);

	check_begin(cs, "graph/cli_run_matches_golden");
	check_sfmt(cmd, sizeof cmd, "'%s' run '%s/%s/micro_speech_quantized.tflite' '%s/%s/rand/in0.bin' %s/o 2>&1 && cmp %s/o.0.bin '%s/%s/rand/out0.bin' 2>&1",
		 fsnn, top, ms, top, ms, tmp, tmp, top, ms);
	rc = run_cmd(cmd, out, sizeof out, &lines);
	CHECK(cs, rc == 0, "rc %d: %s", rc, out);
	check_end(cs);

	check_begin(cs, "graph/cli_info_json");
	check_sfmt(cmd, sizeof cmd, "'%s' info '%s/%s/micro_speech_quantized.tflite' --json 2>&1", fsnn, top, ms);
	rc = run_cmd(cmd, out, sizeof out, &lines);
	CHECK(cs, rc == 0 && out[0] == '{' && strstr(out, "\"arena_bytes\"") && strstr(out, "\"FULLY_CONNECTED\""),
	      "rc %d: %.300s", rc, out);
	check_end(cs);

	check_begin(cs, "graph/cli_png_in_and_out");
	fs_image img = { 0 };
	fs_err ferr = { 0, "" };
	char png[1200];
	check_sfmt(png, sizeof png, "%s/in.png", tmp);
	int ok = fs_image_alloc(&img, 6, 4, 1, 8, &ferr) == 0;
	for (int y = 0; ok && y < 4; y++)
		for (int x = 0; x < 6; x++)
			img.data[(size_t)y * img.stride + (size_t)x] = (uint8_t)(y * 60 + x * 10);
	ok = ok && fs_png_write(png, &img, -1, &ferr) == 0;
	CHECK(cs, ok, "writing %s: %s", png, ferr.msg);
	fs_image_free(&img);
	check_sfmt(cmd, sizeof cmd, "'%s' run '%s/tests/vectors/graph/relu_image.tflite' %s %s/o --png 2>&1", fsnn, top, png, tmp);
	rc = run_cmd(cmd, out, sizeof out, &lines);
	CHECK(cs, rc == 0, "rc %d: %s", rc, out);
	check_sfmt(png, sizeof png, "%s/o.0.png", tmp);
	ok = !cs->failed_in_case && fs_png_read(png, 0, 0, &img, &ferr) == 0;
	CHECK(cs, ok, "reading %s: %s", png, ferr.msg);
	if (ok) {
		CHECK(cs, img.width == 6 && img.height == 4 && img.channels == 1 && img.depth == 8,
		      "output PNG is %dx%d, %d channels, %d bits", img.width, img.height, img.channels, img.depth);
		for (int y = 0; y < 4 && !cs->failed_in_case; y++)
			for (int x = 0; x < 6; x++) {
				int p = y * 60 + x * 10, want = p > 128 ? p : 128; /* relu(p-128)+128 */
				int got = img.data[(size_t)y * img.stride + (size_t)x];
				CHECK(cs, got == want, "pixel (%d,%d): %d, want %d", x, y, got, want);
			}
		fs_image_free(&img);
	}
	check_sfmt(cmd, sizeof cmd, "'%s' run '%s/tests/vectors/graph/relu_image.tflite' %s/o.0.png,%s/o.0.png %s/o2 2>&1", fsnn, top, tmp, tmp, tmp);
	rc = run_cmd(cmd, out, sizeof out, &lines);
	CHECK(cs, rc != 0 && lines == 1 && strstr(out, "1 input, 2 files"), "two inputs for one: rc %d: %s", rc, out);
	check_end(cs);

	check_sfmt(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmp);
}

int main(void)
{
	check_state cs = { 0 };
	const char *t = getenv("FS_TOP");
	check_sfmt(top, sizeof top, "%s", t && *t ? t : ".");
	test_api_errors(&cs);
	test_backend(&cs);
	test_plans(&cs);
	test_running(&cs);
	test_cli(&cs);
	return check_exit(&cs);
}
