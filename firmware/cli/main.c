/* fieldscope — the field microscope firmware's program.
 *
 *   fieldscope run [--config FILE] [--set SECTION.KEY=VALUE]...
 *   fieldscope selftest [--config FILE]
 *   fieldscope segment IMAGE.png --out DIR [--model MODEL] [--config FILE]
 *   fieldscope config-doc
 *   fieldscope version
 *
 * Exit status: 0 success, 1 a failure while running, 2 bad usage or config.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "loop/loop.h"

#include "fieldscope_paths.h" /* generated: install paths (tools/image/module.mk) */

#define DEFAULT_CONFIG FS_DEFAULT_CONFIG
#define MAX_SETS 32

static void usage(FILE *o)
{
	fprintf(o, "usage:\n"
		   "  fieldscope run [--config FILE] [--set SECTION.KEY=VALUE]...\n"
		   "  fieldscope selftest [--config FILE] [--set SECTION.KEY=VALUE]...\n"
		   "  fieldscope segment IMAGE.png --out DIR [--model MODEL.tflite] [--config FILE]\n"
		   "  fieldscope config-doc     every config key with its default and range\n"
		   "  fieldscope verify RUN_DIR...\n"
		   "  fieldscope version\n"
		   "The config defaults to " DEFAULT_CONFIG ".\n");
}

/* --set SECTION.KEY=VALUE, applied after the file (fw_config_set). */
static int apply_set(fw_config *cfg, const char *s, fs_err *err)
{
	char cwd[512];
	if (!getcwd(cwd, sizeof cwd))
		snprintf(cwd, sizeof cwd, ".");
	return fw_config_set(cfg, s, cwd, err);
}

static int run_command(const char *cmd, fw_config *cfg, const char *config, const char *out,
		       const char *model, const char *image, const char **sets, int nsets);

/* fieldscope verify RUN_DIR...: exit 0 when every run verifies. */
static int verify_command(int n, char **dirs)
{
	if (n < 1) {
		fprintf(stderr, "fieldscope: verify needs RUN_DIR (a results/run-NNNN folder)\n");
		return 2;
	}
	int bad = 0;
	for (int i = 0; i < n; i++) {
		fw_verify_stats st;
		fs_err err;
		fs_err_clear(&err);
		if (fw_run_verify(dirs[i], &st, &err)) {
			fprintf(stderr, "fieldscope: verify: %s\n", err.msg);
			bad = 1;
			continue;
		}
		printf("%s: ok: %d FOV(s) verified, %d incomplete, audit.log %d line(s), run %s\n", dirs[i],
		       st.fovs_verified, st.incomplete, st.audit_lines, st.run_complete ? "complete" : "not complete");
	}
	return bad;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "version")) {
		printf("fieldscope %s\n", FW_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "verify"))
		return verify_command(argc - 2, argv + 2);
	if (!strcmp(cmd, "config-doc")) {
		fw_config_print_doc(stdout);
		return 0;
	}
	const char *config = NULL, *out = NULL, *model = NULL, *image = NULL;
	const char *sets[MAX_SETS];
	int nsets = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = !strcmp(a, "--config") ? &config : !strcmp(a, "--out") ? &out
								    : !strcmp(a, "--model") ? &model : NULL;
		if (dst || !strcmp(a, "--set")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "fieldscope: %s needs a value\n", a);
				return 2;
			}
			if (dst) {
				*dst = argv[++i];
			} else if (nsets < MAX_SETS) {
				sets[nsets++] = argv[++i];
			} else {
				fprintf(stderr, "fieldscope: --set '%s': more than %d --set options\n", argv[i + 1],
					MAX_SETS);
				return 2;
			}
		} else if (a[0] != '-' && !image && !strcmp(cmd, "segment")) {
			image = a;
		} else {
			fprintf(stderr, "fieldscope: unexpected argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}

	fw_config *cfg = calloc(1, sizeof *cfg);   /* large: not on the stack */
	if (!cfg) {
		fprintf(stderr, "fieldscope: out of memory\n");
		return 1;
	}
	int rc = run_command(cmd, cfg, config, out, model, image, sets, nsets);
	free(cfg);
	return rc;
}

static int run_command(const char *cmd, fw_config *cfg, const char *config, const char *out,
		       const char *model, const char *image, const char **sets, int nsets)
{
	fs_err err;
	fs_err_clear(&err);
	int is_segment = !strcmp(cmd, "segment");
	if (!config && is_segment && access(DEFAULT_CONFIG, R_OK) != 0) {
		fw_config_defaults(cfg);   /* a bare machine: built-in defaults */
	} else if (fw_config_load(config ? config : DEFAULT_CONFIG, cfg, &err)) {
		fprintf(stderr, "fieldscope: %s\n", err.msg);
		return 2;
	}
	for (int i = 0; i < nsets; i++)
		if (apply_set(cfg, sets[i], &err)) {
			fprintf(stderr, "fieldscope: %s\n", err.msg);
			return 2;
		}

	if (is_segment) {
		if (!image || !out) {
			fprintf(stderr, "fieldscope: segment needs IMAGE.png and --out DIR\n");
			return 2;
		}
		int n = 0;
		if (fw_segment_file(cfg, image, out, model, stderr, &n, &err)) {
			fprintf(stderr, "fieldscope: %s\n", err.msg);
			return 1;
		}
		printf("%s: %d cells\n", image, n);
		return 0;
	}
	if (strcmp(cmd, "run") && strcmp(cmd, "selftest")) {
		fprintf(stderr, "fieldscope: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (fw_config_check(cfg, &err)) {
		fprintf(stderr, "fieldscope: %s\n", err.msg);
		return 2;
	}
	if (!strcmp(cmd, "selftest")) {
		int blink = 0;
		if (fw_selftest(cfg, stderr, &blink, &err)) {
			fprintf(stderr, "fieldscope: self-test failed (blink code %d): %s\n", blink, err.msg);
			return 1;
		}
		printf("self-test passed\n");
		return 0;
	}
	fw_run_summary sum;
	int rc = fw_run(cfg, stderr, &sum, &err);
	if (sum.run_dir[0])
		printf("run: %s\nstatus: %s\nfovs: %d\ncells: %d\nfovs_per_min: %.2f\ninference_share: %.3f\n",
		       sum.run_dir, sum.status, sum.fovs_done, sum.cells_total, sum.fovs_per_min,
		       sum.wall_s > 0 ? sum.infer_s / sum.wall_s : 0.0);
	if (rc) {
		fprintf(stderr, "fieldscope: %s\n", err.msg);
		return 1;
	}
	return 0;
}
