/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command line of `fsedgetpu` and `fsnn edgetpu` (same code, so the
 * two cannot drift): list, probe and exercise a Coral USB Accelerator.
 * It lives in the library because two programs share it.
 *
 *   fsedgetpu list
 *   fsedgetpu load-firmware [FILE] [OPTIONS]
 *   fsedgetpu info MODEL_edgetpu.tflite
 *   fsedgetpu run MODEL_edgetpu.tflite IN0[,IN1..] [IN0[,IN1..] ...] [OPTIONS]
 *        one inference per input group, on the edgetpu-custom-op alone;
 *        prints "run R output I 'name' bytes=N sha256=H" (libedgetpu's
 *        golden stdout format, so tests compare lines)
 *   fsedgetpu fsnn-run MODEL_edgetpu.tflite IN0.bin[,IN1..] OUTPREFIX [OPTIONS]
 *        the whole model through fsnn with the edgetpu backend
 * OPTIONS: --path BUS-PORTS --perf low|medium|high|max --firmware FILE
 *   --firmware-size N (-1: any) --firmware-sha256 HEX ("": any) --timeout MS
 *   --event-timeout MS --attempts N --out PREFIX --keep-going
 * Every failure prints one line on stderr and the exit status is 1.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgetpu/edgetpu.h"

typedef struct opts {
	etpu_config cfg;
	const char *out;
	bool keep_going;
	const char *pos[64];
	int npos;
} opts;

static int fail(const char *what, const char *msg)
{
	if (msg != NULL && strncmp(msg, "edgetpu", 7) == 0) /* already names the device */
		fprintf(stderr, "%s\n", msg);
	else
		fprintf(stderr, "edgetpu: %s%s%s\n", what, msg ? ": " : "", msg ? msg : "");
	return 1;
}

static uint8_t *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	uint8_t *b = malloc(cap);
	while (b != NULL) {
		len += fread(b + len, 1, cap - len, f);
		if (len < cap)
			break;
		uint8_t *nb = realloc(b, cap *= 2);
		if (nb == NULL)
			free(b);
		b = nb;
	}
	fclose(f);
	*n = len;
	return b;
}

static int parse(int argc, char **argv, opts *o)
{
	etpu_config_init(&o->cfg);
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool has = v != NULL;
		if (!strcmp(a, "--keep-going")) {
			o->keep_going = true;
		} else if (!strncmp(a, "--", 2) && !has) {
			return fail(a, "needs a value");
		} else if (!strcmp(a, "--path")) {
			snprintf(o->cfg.path, sizeof o->cfg.path, "%s", v), i++;
		} else if (!strcmp(a, "--firmware")) {
			snprintf(o->cfg.firmware, sizeof o->cfg.firmware, "%s", v), i++;
		} else if (!strcmp(a, "--firmware-size")) {
			o->cfg.firmware_size = strtol(v, NULL, 10), i++;
		} else if (!strcmp(a, "--firmware-sha256")) {
			snprintf(o->cfg.firmware_sha256, sizeof o->cfg.firmware_sha256, "%s", v), i++;
		} else if (!strcmp(a, "--timeout")) {
			o->cfg.timeout_ms = (unsigned)strtoul(v, NULL, 10), i++;
		} else if (!strcmp(a, "--event-timeout")) {
			o->cfg.event_timeout_ms = (unsigned)strtoul(v, NULL, 10), i++;
		} else if (!strcmp(a, "--attempts")) {
			o->cfg.attempts = atoi(v), i++;
		} else if (!strcmp(a, "--out")) {
			o->out = v, i++;
		} else if (!strcmp(a, "--perf")) {
			static const char *const lv[] = { "low", "medium", "high", "max" };
			int k = 0;
			while (k < 4 && strcmp(v, lv[k]) != 0)
				k++;
			if (k == 4)
				return fail("--perf", "expected low, medium, high or max");
			o->cfg.perf = (etpu_perf)k, i++;
		} else if (!strncmp(a, "--", 2)) {
			return fail(a, "unknown option");
		} else if (!strcmp(argv[1], "load-firmware") && o->npos == 0) {
			/* load-firmware FILE: the image to send; still checked against the
			 * published size/hash unless --firmware-size/--firmware-sha256 say otherwise */
			snprintf(o->cfg.firmware, sizeof o->cfg.firmware, "%s", a);
			o->pos[o->npos++] = a;
		} else if (o->npos < 64) {
			o->pos[o->npos++] = a;
		}
	}
	return 0;
}

static int cmd_list(opts *o)
{
	etpu_usb_dev devs[16];
	int n = 0;
	fsnn_error err;
	if (etpu_list(&o->cfg, devs, 16, &n, &err))
		return fail("list", err.msg);
	for (int i = 0; i < n; i++)
		printf("%s %04x:%04x %s, %s\n", devs[i].path, devs[i].vid, devs[i].pid,
		       devs[i].pid == ETPU_PID_BOOT ? "boot ROM (firmware not loaded)" : "runtime firmware running",
		       etpu_speed_name(devs[i].speed));
	if (n == 0)
		printf("no Coral USB Accelerator found (1a6e:089a or 18d1:9302)\n");
	return 0;
}

static int cmd_load_firmware(opts *o)
{
	etpu_device *d;
	fsnn_error err;
	if (etpu_device_new(&o->cfg, &d, &err))
		return fail("load-firmware", err.msg);
	fsnn_status st = etpu_device_load_firmware(d, &err);
	if (st == FSNN_OK)
		printf("%s: runtime firmware running, %s\n", etpu_device_path(d),
		       etpu_speed_name(etpu_device_speed(d)));
	etpu_device_free(d);
	return st ? fail("load-firmware", err.msg) : 0;
}

static void print_line(void *u, const char *s)
{
	(void)u;
	printf("%s\n", s);
}

static int load_model(const char *path, etpu_model **m)
{
	size_t n = 0;
	fsnn_error err;
	uint8_t *b = read_all(path, &n);
	if (b == NULL)
		return fail(path, "cannot read");
	fsnn_status st = etpu_model_from_tflite(b, n, m, &err);
	free(b);
	return st ? fail(path, err.msg) : 0;
}

static int cmd_info(opts *o)
{
	etpu_model *m;
	if (o->npos < 1)
		return fail("info", "needs MODEL");
	if (load_model(o->pos[0], &m))
		return 1;
	etpu_model_describe(m, print_line, NULL);
	etpu_model_free(m);
	return 0;
}

/* One inference; inputs "a.bin,b.bin" map to input layers by index. */
static int run_one(etpu_device *d, etpu_model *m, int r, const char *group, const char *prefix)
{
	int ni = etpu_model_num_inputs(m), no = etpu_model_num_outputs(m), rc = 0;
	const void *in[64] = { 0 };
	void *out[64] = { 0 };
	size_t in_n[64] = { 0 }, out_n[64] = { 0 };
	char buf[4096], *save = NULL;
	snprintf(buf, sizeof buf, "%s", group);
	char *f = strtok_r(buf, ",", &save);
	for (int i = 0; i < ni && rc == 0; i++, f = strtok_r(NULL, ",", &save))
		if (f == NULL || (in[i] = read_all(f, &in_n[i])) == NULL)
			rc = fail(f ? f : group, f ? "cannot read" : "too few input files");
	for (int i = 0; i < no && rc == 0; i++) {
		etpu_layer_info li;
		etpu_model_output(m, i, &li);
		out_n[i] = li.bytes;
		if ((out[i] = malloc(li.bytes)) == NULL)
			rc = fail("output", "out of memory");
	}
	fsnn_error err;
	if (rc == 0 && etpu_run(d, m, in, in_n, out, out_n, &err) != FSNN_OK) {
		printf("run %d failed: %s\n", r, err.msg);
		rc = 1;
	}
	for (int i = 0; i < no && rc == 0; i++) {
		etpu_layer_info li;
		char hex[65];
		etpu_model_output(m, i, &li);
		etpu_sha256_hex(out[i], out_n[i], hex);
		printf("run %d output %d '%s' bytes=%zu sha256=%s\n", r, i, li.name, out_n[i], hex);
		if (prefix != NULL) {
			char p[1024];
			snprintf(p, sizeof p, "%s.run%d.output%d.bin", prefix, r, i);
			FILE *fo = fopen(p, "wb");
			if (fo == NULL || fwrite(out[i], 1, out_n[i], fo) != out_n[i])
				rc = fail(p, "cannot write");
			if (fo != NULL)
				fclose(fo);
		}
	}
	for (int i = 0; i < 64; i++) {
		free((void *)in[i]);
		free(out[i]);
	}
	return rc;
}

static int cmd_run(opts *o)
{
	etpu_model *m;
	etpu_device *d;
	fsnn_error err;
	if (o->npos < 2)
		return fail("run", "needs MODEL and at least one input group");
	if (load_model(o->pos[0], &m))
		return 1;
	if (etpu_device_new(&o->cfg, &d, &err)) {
		etpu_model_free(m);
		return fail("run", err.msg);
	}
	int rc = 0;
	for (int r = 0; r + 1 < o->npos; r++) {
		int k = run_one(d, m, r, o->pos[r + 1], o->out);
		rc |= k;
		if (k && !o->keep_going)
			break;
	}
	if (etpu_device_is_open(d))
		printf("device %s, %s\n", etpu_device_path(d), etpu_speed_name(etpu_device_speed(d)));
	etpu_device_free(d); /* graceful close */
	etpu_model_free(m);
	return rc;
}

static int cmd_fsnn_run(opts *o)
{
	if (o->npos < 3)
		return fail("fsnn-run", "needs MODEL IN0.bin[,IN1..] OUTPREFIX");
	fsnn_backend *be;
	fsnn_error err;
	if (etpu_backend_new(&o->cfg, &be, &err))
		return fail("fsnn-run", err.msg);
	const fsnn_backend *bes[] = { be };
	fsnn_load_options lo = { .backends = bes, .num_backends = 1 };
	fsnn_model *model = NULL;
	fsnn_context *ctx = NULL;
	int rc = 0;
	if (fsnn_model_load_file(o->pos[0], &lo, &model, &err) || fsnn_context_new(model, &ctx, &err)) {
		rc = fail("fsnn-run", err.msg);
		goto done;
	}
	char buf[4096], *save = NULL;
	snprintf(buf, sizeof buf, "%s", o->pos[1]);
	char *f = strtok_r(buf, ",", &save);
	for (int i = 0; i < fsnn_model_num_inputs(model) && rc == 0; i++, f = strtok_r(NULL, ",", &save)) {
		fsnn_tensor_info ti;
		size_t n = 0;
		uint8_t *b = f ? read_all(f, &n) : NULL;
		fsnn_model_input_info(model, i, &ti);
		if (b == NULL || n != ti.bytes)
			rc = fail(f ? f : o->pos[1], "missing, unreadable or of the wrong size");
		else
			memcpy(fsnn_context_input(ctx, i), b, n);
		free(b);
	}
	if (rc == 0 && fsnn_invoke(ctx, &err) != FSNN_OK)
		rc = fail("invoke", err.msg);
	for (int i = 0; i < fsnn_model_num_outputs(model) && rc == 0; i++) {
		fsnn_tensor_info ti;
		char p[1024], hex[65];
		fsnn_model_output_info(model, i, &ti);
		const void *d = fsnn_context_output(ctx, i);
		etpu_sha256_hex(d, ti.bytes, hex);
		printf("output %d '%s' bytes=%zu sha256=%s\n", i, ti.name, ti.bytes, hex);
		snprintf(p, sizeof p, "%s%d.bin", o->pos[2], i);
		FILE *fo = fopen(p, "wb");
		if (fo == NULL || fwrite(d, 1, ti.bytes, fo) != ti.bytes)
			rc = fail(p, "cannot write");
		if (fo != NULL)
			fclose(fo);
	}
done:
	fsnn_context_free(ctx);
	fsnn_model_free(model);
	etpu_backend_free(be);
	return rc;
}

int etpu_tool_main(int argc, char **argv)
{
	opts o;
	memset(&o, 0, sizeof o);
	if (argc < 2) {
		fputs("usage: edgetpu list | load-firmware [FILE] | info MODEL | run MODEL IN[,IN] ... | "
		      "fsnn-run MODEL IN[,IN] OUTPREFIX  [options: see drivers/edgetpu/etpu_tool.c]\n", stderr);
		return 2;
	}
	if (parse(argc, argv, &o))
		return 2;
	const char *c = argv[1];
	if (!strcmp(c, "list"))
		return cmd_list(&o);
	if (!strcmp(c, "load-firmware"))
		return cmd_load_firmware(&o);
	if (!strcmp(c, "info"))
		return cmd_info(&o);
	if (!strcmp(c, "run"))
		return cmd_run(&o);
	if (!strcmp(c, "fsnn-run"))
		return cmd_fsnn_run(&o);
	return fail(c, "unknown command (list, load-firmware, info, run, fsnn-run)");
}
