/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fsnn — inspect, run and time .tflite models with the fsnn engine.
 *
 *   fsnn info  MODEL [--json] [engine options]
 *   fsnn run   MODEL IN0.bin|IN0.png[,IN1...] OUTPREFIX [--png] [engine options]
 *   fsnn bench MODEL [--runs N] [--warmup N] [--contexts N] [--json] [engine options]
 *   engine options: --kernels auto|ref|FEATURES, --input-size HxW, --threads N
 *   fsnn run MODEL ... --edgetpu   (edgetpu-custom-op nodes on a Coral USB Accelerator)
 *   fsnn edgetpu list|load-firmware|info|run ...   (the Coral USB Accelerator)
 *
 * Raw tensors are little-endian bytes, as /work/shared/tools/oracle's
 * litert_run.mjs reads and writes them, so outputs can be compared with
 * cmp. Every failure prints one line on stderr and exits non-zero.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fsnn.h"
#include "edgetpu/edgetpu.h"
#include "image/image.h"


static const char usage[] =
	"usage: fsnn info MODEL [--json] [ENGINE OPTIONS]\n"
	"       fsnn run MODEL IN0.bin|IN0.png[,IN1...] OUTPREFIX [--png] [--edgetpu] [ENGINE OPTIONS]\n"
	"       fsnn bench MODEL [--runs N] [--warmup N] [--contexts N] [--json] [--profile] [ENGINE OPTIONS]\n"
	"       fsnn edgetpu list | load-firmware [FILE] | info MODEL | run MODEL IN... [options]\n"
	"       fsnn --version\n"
	"\n"
	"ENGINE OPTIONS\n"
	"  --kernels auto|ref|FEATURES  kernel variants (default: FSNN_KERNELS or auto):\n"
	"                               ref = reference kernels only; FEATURES = comma list of\n"
	"                               generic, avx2, avxvnni, avx512vnni, neon, dotprod\n"
	"  --input-size HxW             run a fully convolutional model at another input size\n"
	"  --threads N                  threads inside each invoke (default 1)\n"
	"\n"
	"bench times one invoke at a time (median/min of --runs after --warmup);\n"
	"--contexts N runs N contexts on N threads at once (throughput); --profile adds the\n"
	"time per op kind and kernel variant.\n"
	"Exit status: 0 success, 1 failure (message on stderr), 2 usage error.\n";

static void print_shape(FILE *f, const fsnn_tensor_info *t)
{
	fputc('[', f);
	for (int d = 0; d < t->rank; d++)
		fprintf(f, d ? ",%d" : "%d", (int)t->dims[d]);
	fputc(']', f);
}

/* ---- info --------------------------------------------------------------- */

typedef struct op_count {
	const char *name;
	int count;
} op_count;

static void print_tensor_text(int i, const fsnn_tensor_info *t)
{
	printf("  %d: %s %s ", i, t->name, fsnn_dtype_name(t->type));
	print_shape(stdout, t);
	printf(" %zu bytes", t->bytes);
	if (t->num_quant == 1)
		printf(", scale %.9g zero point %d", (double)t->scale[0], (int)t->zero_point[0]);
	else if (t->num_quant > 1)
		printf(", per-channel (%d scales, axis %d)", t->num_quant, t->quantized_dimension);
	printf("\n");
}

static void print_tensor_json(const fsnn_tensor_info *t)
{
	printf("{\"name\": ");
	print_json_string(stdout, t->name);
	printf(", \"dtype\": \"%s\", \"shape\": ", fsnn_dtype_name(t->type));
	print_shape(stdout, t);
	printf(", \"bytes\": %zu, \"quant\": ", t->bytes);
	if (t->num_quant == 0) {
		printf("null}");
		return;
	}
	printf("{\"scale\": [");
	for (int q = 0; q < t->num_quant; q++)
		printf(q ? ", %.9g" : "%.9g", (double)t->scale[q]);
	printf("], \"zero_point\": [");
	for (int q = 0; q < t->num_quant; q++)
		printf(q ? ", %d" : "%d", (int)t->zero_point[q]);
	printf("], \"qdim\": %d}}", t->quantized_dimension);
}

static void print_etpu_line(void *u, const char *line)
{
	(void)u;
	printf("edgetpu %s\n", line);
}

/* The compiled Edge TPU program of the first edgetpu-custom-op: each
 * executable's layers, sizes and DMA hints. */
static void describe_edgetpu(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return;
	uint8_t *b = NULL;
	long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n)) != NULL &&
	    fread(b, 1, (size_t)n, f) == (size_t)n) {
		etpu_model *em = NULL;
		fsnn_error err = { 0, "" };
		if (etpu_model_from_tflite(b, (size_t)n, &em, &err) == FSNN_OK)
			etpu_model_describe(em, print_etpu_line, NULL);
		else
			printf("edgetpu program: %s\n", one_line(err.msg));
		etpu_model_free(em);
	}
	free(b);
	fclose(f);
}

static int cmd_info(int argc, char **argv)
{
	cli_engine_opts eo = { 0 };
	const char *path = NULL;
	bool json = false;
	for (int i = 0; i < argc; i++) {
		int used = cli_engine_opt("info", argc, argv, &i, &eo);
		if (used < 0)
			return 1;
		if (used > 0)
			continue;
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] == '-' || path != NULL)
			return fail("info: unexpected argument '%s'", argv[i]);
		else
			path = argv[i];
	}
	if (path == NULL)
		return fail("info: MODEL is missing (fsnn info MODEL [--json])");

	/* Inspect-only so models with ops for absent hardware still load. */
	fsnn_load_options opts = cli_load_options(&eo);
	opts.inspect_only = 1;
	fsnn_model *m = NULL;
	fsnn_error err = { 0, "" };
	if (fsnn_model_load_file(path, &opts, &m, &err) != FSNN_OK)
		return fail("%s", one_line(err.msg));

	int nops = fsnn_model_num_ops(m);
	op_count *hist = calloc((size_t)(nops > 0 ? nops : 1), sizeof *hist);
	if (hist == NULL) {
		fsnn_model_free(m);
		return fail("out of memory");
	}
	int nhist = 0;
	uint64_t macs = 0;
	for (int i = 0; i < nops; i++) {
		fsnn_op_info op;
		fsnn_model_op_info(m, i, &op);
		macs += op.macs;
		int h = 0;
		while (h < nhist && strcmp(hist[h].name, op.name) != 0)
			h++;
		if (h == nhist)
			hist[nhist++] = (op_count){ op.name, 0 };
		hist[h].count++;
	}
	fsnn_memory_info mem;
	fsnn_model_memory_info(m, &mem);
	/* A context reports why the model cannot run, if it cannot. */
	fsnn_context *ctx = NULL;
	fsnn_error run_err = { 0, "" };
	bool runnable = fsnn_context_new(m, &ctx, &run_err) == FSNN_OK;
	fsnn_context_free(ctx);

	if (json) {
		printf("{\"model\": ");
		print_json_string(stdout, path);
		for (int io = 0; io < 2; io++) {
			int n = io ? fsnn_model_num_outputs(m) : fsnn_model_num_inputs(m);
			printf(", \"%s\": [", io ? "outputs" : "inputs");
			for (int i = 0; i < n; i++) {
				fsnn_tensor_info t;
				if (io)
					fsnn_model_output_info(m, i, &t);
				else
					fsnn_model_input_info(m, i, &t);
				printf(i ? ", " : "");
				print_tensor_json(&t);
			}
			printf("]");
		}
		printf(", \"ops\": [");
		for (int i = 0; i < nops; i++) {
			fsnn_op_info op;
			fsnn_model_op_info(m, i, &op);
			printf(i ? ", " : "");
			printf("{\"index\": %d, \"name\": ", i);
			print_json_string(stdout, op.name);
			printf(", \"builtin_code\": %d, \"custom\": %s, \"backend\": ", op.builtin_code,
			       op.is_custom ? "true" : "false");
			if (op.backend != NULL)
				print_json_string(stdout, op.backend);
			else
				printf(op.is_custom ? "null" : "\"cpu\"");
			printf(", \"macs\": %llu, \"variant\": ", (unsigned long long)op.macs);
			if (op.variant != NULL)
				print_json_string(stdout, op.variant);
			else
				printf("null");
			printf("}");
		}
		printf("], \"op_histogram\": {");
		for (int h = 0; h < nhist; h++) {
			printf(h ? ", " : "");
			print_json_string(stdout, hist[h].name);
			printf(": %d", hist[h].count);
		}
		printf("}, \"macs\": %llu, \"arena_bytes\": %zu, \"lower_bound_bytes\": %zu, "
		       "\"scratch_bytes\": %zu, \"persistent_bytes\": %zu, \"weights_bytes\": %zu, "
		       "\"runnable\": %s, \"not_runnable_reason\": ",
		       (unsigned long long)macs, mem.arena_bytes, mem.lower_bound_bytes,
		       mem.scratch_bytes, mem.persistent_bytes, mem.weights_bytes,
		       runnable ? "true" : "false");
		if (runnable)
			printf("null");
		else
			print_json_string(stdout, run_err.msg);
		printf("}\n");
	} else {
		printf("model: %s\n", path);
		printf("inputs:\n");
		for (int i = 0; i < fsnn_model_num_inputs(m); i++) {
			fsnn_tensor_info t;
			fsnn_model_input_info(m, i, &t);
			print_tensor_text(i, &t);
		}
		printf("outputs:\n");
		for (int i = 0; i < fsnn_model_num_outputs(m); i++) {
			fsnn_tensor_info t;
			fsnn_model_output_info(m, i, &t);
			print_tensor_text(i, &t);
		}
		printf("ops: %d\n", nops);
		for (int h = 0; h < nhist; h++)
			printf("  %-28s %d\n", hist[h].name, hist[h].count);
		printf("kernels:");
		for (int i = 0; i < nops; i++) {
			fsnn_op_info op;
			fsnn_model_op_info(m, i, &op);
			if (op.variant != NULL)
				printf(" %d:%s=%s", i, op.name, op.variant);
		}
		printf("\n");
		printf("op sequence:");
		for (int i = 0; i < nops; i++) {
			fsnn_op_info op;
			fsnn_model_op_info(m, i, &op);
			printf(" %s", op.name);
		}
		printf("\n");
		for (int i = 0; i < nops; i++) {
			fsnn_op_info op;
			fsnn_model_op_info(m, i, &op);
			if (op.is_custom)
				printf("custom op %d: %s, backend: %s\n", i, op.name,
				       op.backend ? op.backend : "none");
		}
		printf("MACs: %llu (%.1f M)\n", (unsigned long long)macs, (double)macs / 1e6);
		printf("arena: %zu bytes (lower bound %zu), scratch %zu bytes\n", mem.arena_bytes,
		       mem.lower_bound_bytes, mem.scratch_bytes);
		printf("weights: %zu bytes in the file, %zu bytes prepared\n", mem.weights_bytes,
		       mem.persistent_bytes);
		printf("runnable: %s\n", runnable ? "yes" : one_line(run_err.msg));
		for (int i = 0; i < nops; i++) {
			fsnn_op_info op;
			fsnn_model_op_info(m, i, &op);
			if (op.is_custom && strcmp(op.name, "edgetpu-custom-op") == 0) {
				describe_edgetpu(path);
				break;
			}
		}
	}
	free(hist);
	fsnn_model_free(m);
	return 0;
}

/* ---- run ------------------------------------------------------------------ */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* [1,H,W,C] with C 1 or 3 and 8-bit elements: something a PNG can hold. */
static bool image_shaped(const fsnn_tensor_info *t)
{
	return t->rank == 4 && t->dims[0] == 1 && (t->dims[3] == 1 || t->dims[3] == 3) &&
	       (t->type == FSNN_UINT8 || t->type == FSNN_INT8);
}

static int read_png_input(const char *path, const fsnn_tensor_info *t, int i, uint8_t *dst)
{
	if (!image_shaped(t))
		return fail("input %d '%s': %s is a PNG, but the input is not an 8-bit [1,H,W,1|3] image (it is %s)",
			    i, t->name, path, fsnn_dtype_name(t->type));
	fs_image img = { 0 };
	fs_err e = { 0, "" };
	if (fs_png_read(path, t->dims[3], 8, &img, &e) != 0)
		return fail("input %d: %s", i, one_line(e.msg));
	int rc = 0;
	if (img.width != t->dims[2] || img.height != t->dims[1]) {
		rc = fail("input %d '%s': %s is %dx%d, the model expects %dx%d", i, t->name, path,
			  img.width, img.height, (int)t->dims[2], (int)t->dims[1]);
	} else {
		size_t row = (size_t)img.width * (size_t)img.channels;
		for (int y = 0; y < img.height; y++) {
			const uint8_t *src = img.data + (size_t)y * img.stride;
			uint8_t *out = dst + (size_t)y * row;
			for (size_t x = 0; x < row; x++)
				out[x] = t->type == FSNN_INT8 ? (uint8_t)(int8_t)(src[x] - 128) : src[x];
		}
	}
	fs_image_free(&img);
	return rc;
}

static int read_raw_input(const char *path, const fsnn_tensor_info *t, int i, uint8_t *dst)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return fail("input %d: cannot open %s: %s", i, path, strerror(errno));
	size_t got = fread(dst, 1, t->bytes, f);
	int extra = fgetc(f);
	bool read_err = ferror(f);
	fclose(f);
	if (read_err)
		return fail("input %d: cannot read %s", i, path);
	if (got != t->bytes || extra != EOF) {
		fprintf(stderr, "fsnn: input %d '%s': %s has %s%zu bytes, the model expects %zu (%s ",
			i, t->name, path, extra != EOF ? "more than " : "", got, t->bytes,
			fsnn_dtype_name(t->type));
		print_shape(stderr, t);
		fprintf(stderr, ")\n");
		return 1;
	}
	return 0;
}

static int write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return fail("cannot create %s: %s", path, strerror(errno));
	size_t put = fwrite(data, 1, n, f);
	if (fclose(f) != 0 || put != n)
		return fail("cannot write %s: %s", path, strerror(errno));
	return 0;
}

static int write_png_output(const char *path, const fsnn_tensor_info *t, const uint8_t *data)
{
	fs_image img = { 0 };
	fs_err e = { 0, "" };
	if (fs_image_alloc(&img, t->dims[2], t->dims[1], t->dims[3], 8, &e) != 0)
		return fail("%s: %s", path, one_line(e.msg));
	size_t row = (size_t)img.width * (size_t)img.channels;
	for (int y = 0; y < img.height; y++)
		for (size_t x = 0; x < row; x++) {
			uint8_t v = data[(size_t)y * row + x];
			img.data[(size_t)y * img.stride + x] = t->type == FSNN_INT8 ? (uint8_t)(v + 128) : v;
		}
	int rc = 0;
	if (fs_png_write(path, &img, -1, &e) != 0)
		rc = fail("%s", one_line(e.msg));
	fs_image_free(&img);
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	const char *pos[3] = { NULL, NULL, NULL };
	int npos = 0;
	bool png = false, edgetpu = false;
	cli_engine_opts eo = { 0 };
	for (int i = 0; i < argc; i++) {
		int used = cli_engine_opt("run", argc, argv, &i, &eo);
		if (used < 0)
			return 1;
		if (used > 0)
			continue;
		if (strcmp(argv[i], "--png") == 0)
			png = true;
		else if (strcmp(argv[i], "--edgetpu") == 0)
			edgetpu = true; /* edgetpu-custom-op nodes on a Coral USB Accelerator */
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return fail("run: unknown option '%s'", argv[i]);
		else if (npos < 3)
			pos[npos++] = argv[i];
		else
			return fail("run: unexpected argument '%s'", argv[i]);
	}
	if (npos != 3)
		return fail("run: expected MODEL INPUTS OUTPREFIX (fsnn run MODEL IN0.bin[,IN1.bin...] OUTPREFIX [--png])");
	const char *path = pos[0], *prefix = pos[2];

	fsnn_model *m = NULL;
	fsnn_context *ctx = NULL;
	fsnn_error err = { 0, "" };
	fsnn_backend *be = NULL;
	if (edgetpu && etpu_backend_new(NULL, &be, &err) != FSNN_OK)
		return fail("%s", one_line(err.msg));
	const fsnn_backend *bes[1] = { be };
	fsnn_load_options lo = cli_load_options(&eo);
	lo.backends = bes;
	lo.num_backends = be != NULL;
	int rc = 0;
	if (fsnn_model_load_file(path, &lo, &m, &err) != FSNN_OK) {
		rc = fail("%s", one_line(err.msg));
		goto out;
	}
	fsnn_context_options co = { .num_threads = eo.threads };
	if (fsnn_context_new_opts(m, &co, &ctx, &err) != FSNN_OK) {
		rc = fail("%s", one_line(err.msg));
		goto out;
	}

	/* Inputs: comma-separated, one per graph input. */
	char *list = strdup(pos[1]);
	if (list == NULL) {
		rc = fail("out of memory");
		goto out;
	}
	int nin = fsnn_model_num_inputs(m), given = 0;
	char *save = NULL;
	for (char *tok = strtok_r(list, ",", &save); tok != NULL && rc == 0;
	     tok = strtok_r(NULL, ",", &save), given++) {
		if (given >= nin)
			continue;
		fsnn_tensor_info t;
		fsnn_model_input_info(m, given, &t);
		uint8_t *dst = fsnn_context_input(ctx, given);
		rc = ends_with(tok, ".png") ? read_png_input(tok, &t, given, dst)
					    : read_raw_input(tok, &t, given, dst);
	}
	free(list);
	if (rc == 0 && given != nin)
		rc = fail("%s has %d input%s, %d file%s given", path, nin, nin == 1 ? "" : "s", given,
			  given == 1 ? "" : "s");
	if (rc != 0)
		goto out;

	if (fsnn_invoke(ctx, &err) != FSNN_OK) {
		rc = fail("%s: %s", path, one_line(err.msg));
		goto out;
	}
	for (int i = 0; i < fsnn_model_num_outputs(m) && rc == 0; i++) {
		fsnn_tensor_info t;
		fsnn_model_output_info(m, i, &t);
		size_t n = strlen(prefix) + 32;
		char *name = malloc(n);
		if (name == NULL) {
			rc = fail("out of memory");
			break;
		}
		snprintf(name, n, "%s.%d.bin", prefix, i);
		rc = write_file(name, fsnn_context_output(ctx, i), t.bytes);
		if (rc == 0 && png && image_shaped(&t)) {
			snprintf(name, n, "%s.%d.png", prefix, i);
			rc = write_png_output(name, &t, fsnn_context_output(ctx, i));
		}
		free(name);
	}
out:
	fsnn_context_free(ctx);
	fsnn_model_free(m);
	etpu_backend_free(be);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("fsnn %s\n", FSNN_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "info") == 0)
		return cmd_info(argc - 2, argv + 2);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 2, argv + 2);
	if (strcmp(argv[1], "bench") == 0)
		return cmd_bench(argc - 2, argv + 2);
	/* Coral USB Accelerator: list, load-firmware, info, run (drivers/edgetpu). */
	if (strcmp(argv[1], "edgetpu") == 0)
		return etpu_tool_main(argc - 1, argv + 1);
	fail("unknown command '%s' (info, run, bench or edgetpu)", argv[1]);
	return EXIT_USAGE;
}
