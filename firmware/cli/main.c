/* SPDX-License-Identifier: BSD-3-Clause */
/* fieldscope — the field microscope firmware's program: argument parsing
 * only (getopt_long per subcommand); the work is in loop/.
 *
 * Exit status: 0 success, 1 a failure while running, 2 bad usage or config.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "loop/loop.h"
#include "record/record.h"
#include "report/report.h"

#include "fieldscope_paths.h" /* generated: install paths (tools/image/module.mk) */

#define DEFAULT_CONFIG FS_DEFAULT_CONFIG
#define MAX_SETS 32

typedef struct command {
	const char *name;
	const char *synopsis;
	const char *help;
	int options;          /* OPT_* this command takes */
} command;

enum { OPT_CONFIG = 1, OPT_SET = 2, OPT_OUT = 4, OPT_MODEL = 8, OPT_REFERENCE = 16 };

static const command commands[] = {
	{"run", "run [--config FILE] [--set SECTION.KEY=VALUE]...",
	 "The acquisition loop (what systemd runs): self-test, then capture, segment and\n"
	 "write FOVs until max_fovs, the end of a replay, or SIGINT/SIGTERM. Prints the\n"
	 "run folder and totals.",
	 OPT_CONFIG | OPT_SET},
	{"selftest", "selftest [--config FILE] [--set SECTION.KEY=VALUE]...",
	 "The boot checks only (LEDs, camera, model, accelerator, storage), each printed.", OPT_CONFIG | OPT_SET},
	{"segment", "segment IMAGE.png --out DIR [--model MODEL.tflite] [--reference MASK.png] [--config FILE] "
		    "[--set SECTION.KEY=VALUE]...",
	 "The FOV pipeline on one image: writes DIR/<stem>/labels.png, labels_color.png,\n"
	 "overlay.png and cells.csv. Without --model it takes the config's [model] cpu, or\n"
	 "without a config the shipped model from the source tree or the installed share\n"
	 "folder (the error lists every path tried). With --reference, a person's mask of\n"
	 "the same field (cells >= 128, a background line between touching cells), it also\n"
	 "prints and writes to DIR/<stem>/score.json: cells vs reference instances, count\n"
	 "error, per-cell precision/recall/F1 at IoU > 0.5 and the pixel Jaccard.",
	 OPT_CONFIG | OPT_SET | OPT_OUT | OPT_MODEL | OPT_REFERENCE},
	{"report", "report RUN_DIR [--out FILE.html]",
	 "One self-contained HTML page of a run (no network needed: open it from a USB\n"
	 "stick): slide summary, every FOV with its overlay thumbnail, counts, focus,\n"
	 "backend and timings, and a histogram of cell areas. Default: RUN_DIR/report.html.",
	 OPT_OUT},
	{"verify", "verify RUN_DIR...",
	 "Checks every FOV's COMPLETE (the hashes of its files), the audit log's hash chain\n"
	 "and the run's own COMPLETE; prints what is intact, incomplete or altered.\n"
	 "Exit status: 0 all intact, 1 something incomplete or altered, 2 bad usage.", 0},
	{"config-doc", "config-doc", "Every key of fieldscope.conf and of a board file, with its default and range.", 0},
	{"version", "version", "The firmware version and the git commit it was built from.", 0},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *o)
{
	fputs("usage: fieldscope COMMAND [OPTION]...\n", o);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(o, "  fieldscope %s\n", commands[i].synopsis);
	fputs("  fieldscope --version | --help | COMMAND --help\n"
	      "Options take '--name VALUE' or '--name=VALUE'. The config defaults to " DEFAULT_CONFIG ".\n"
	      "Exit status: 0 success, 1 failure while running (self-test, camera lost, storage full),\n"
	      "2 bad usage or configuration.\n", o);
}

static void command_help(const command *c)
{
	printf("usage: fieldscope %s\n\n%s\n\n", c->synopsis, c->help);
	if (c->options & OPT_CONFIG)
		printf("  -c, --config FILE          fieldscope.conf to read (default " DEFAULT_CONFIG ")\n");
	if (c->options & OPT_SET)
		printf("  -s, --set SECTION.KEY=VAL  override one key after the file (not [board]); repeatable\n");
	if (c->options & OPT_OUT)
		printf("  -o, --out %-16s %s\n", strcmp(c->name, "report") ? "DIR" : "FILE",
		       strcmp(c->name, "report") ? "results folder (created)" : "the HTML file to write");
	if (c->options & OPT_MODEL)
		printf("  -m, --model FILE           .tflite model instead of the config's\n");
	if (c->options & OPT_REFERENCE)
		printf("  -r, --reference MASK.png   score the cells against this reference mask\n");
	printf("  -h, --help                 this help\n\nExit status: 0 success, 1 failure while running, 2 bad usage or config.\n");
}

/* --set SECTION.KEY=VALUE, applied after the file (fw_config_set: no
 * [board] keys, no newlines or other control bytes). */
static int apply_set(fw_config *cfg, const char *s, fs_err *err)
{
	char cwd[512];
	if (!getcwd(cwd, sizeof cwd))
		snprintf(cwd, sizeof cwd, ".");
	return fw_config_set(cfg, s, cwd, err);
}

typedef struct args {
	const command *cmd;
	const char *config, *out, *model, *image, *reference;
	const char *sets[MAX_SETS];
	int nsets;
} args;

/* Parses argv[1..] of one command. Returns -1 to go on, else an exit code. */
static int parse(const command *c, int argc, char **argv, args *a)
{
	static const struct option longs[] = {
		{"config", required_argument, NULL, 'c'}, {"set", required_argument, NULL, 's'},
		{"out", required_argument, NULL, 'o'},    {"model", required_argument, NULL, 'm'},
		{"reference", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	opterr = 0;
	optind = 1;
	int ch;
	while ((ch = getopt_long(argc, argv, ":c:s:o:m:r:h", longs, NULL)) != -1) {
		int need = ch == 'c' ? OPT_CONFIG : ch == 's' ? OPT_SET : ch == 'o' ? OPT_OUT : ch == 'm' ? OPT_MODEL
			 : ch == 'r' ? OPT_REFERENCE : 0;
		if (ch == 'h') {
			command_help(c);
			return 0;
		}
		if (ch == '?' || ch == ':' || (need && !(c->options & need))) {
			/* A known option this command does not take has consumed its
			 * value: name the option, not the value. */
			const char *bad = argv[optind - 1];
			if (need)
				bad = ch == 'c' ? "--config" : ch == 's' ? "--set" : ch == 'o' ? "--out"
				    : ch == 'm' ? "--model" : "--reference";
			fprintf(stderr, "fieldscope %s: %s '%s' (see 'fieldscope %s --help')\n", c->name,
				ch == ':' ? "option needs a value:" : "unknown option", bad, c->name);
			return 2;
		}
		if (ch == 'c')
			a->config = optarg;
		else if (ch == 'o')
			a->out = optarg;
		else if (ch == 'm')
			a->model = optarg;
		else if (ch == 'r')
			a->reference = optarg;
		else if (ch == 's') {
			if (a->nsets == MAX_SETS) {
				fprintf(stderr, "fieldscope %s: more than %d --set options\n", c->name, MAX_SETS);
				return 2;
			}
			a->sets[a->nsets++] = optarg;
		}
	}
	for (int i = optind; i < argc; i++) {
		if ((!strcmp(c->name, "segment") || !strcmp(c->name, "report")) && !a->image) {
			a->image = argv[i];
			continue;
		}
		fprintf(stderr, "fieldscope %s: unexpected argument '%s' (see 'fieldscope %s --help')\n", c->name,
			argv[i], c->name);
		return 2;
	}
	return -1;
}

/* The shipped model for `segment` on a machine without a config: next to
 * a source tree's build (build/bin, build/asan/bin: nn/models a few folders
 * up) or an installed prefix (bin/../share/fieldscope/models), else the
 * configured default. Lists every path tried in err. */
static int find_model(const fw_config *cfg, char *out, size_t size, fs_err *err)
{
	char exe[FW_PATH_MAX], tried[6 * (FW_PATH_MAX + 132)] = "";
	const char *name = strrchr(cfg->model_cpu, '/');
	name = name ? name + 1 : cfg->model_cpu;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char cand[6][FW_PATH_MAX + 128];
	int nc = 0;
	if (n > 0) {
		exe[n] = '\0';
		char *dir = dirname(exe);
		const char *ups[] = {"/../..", "/../../..", "/../../../.."};
		for (int i = 0; i < 3; i++)
			snprintf(cand[nc++], sizeof cand[0], "%s%s/nn/models/%s", dir, ups[i], name);
		snprintf(cand[nc++], sizeof cand[0], "%s/../share/fieldscope/models/%s", dir, name);
	}
	snprintf(cand[nc++], sizeof cand[0], "%s", cfg->model_cpu);
	for (int i = 0; i < nc; i++) {
		if (access(cand[i], R_OK) == 0) {
			char *r = realpath(cand[i], NULL);
			int len = snprintf(out, size, "%s", r ? r : cand[i]);
			free(r);
			if (len < (int)size)
				return 0;
		}
		size_t used = strlen(tried);
		if (used + strlen(cand[i]) + 4 < sizeof tried) {
			tried[used] = '\n';
			tried[used + 1] = tried[used + 2] = ' ';
			memcpy(tried + used + 3, cand[i], strlen(cand[i]) + 1);
		}
	}
	return fs_err_set(err, -ENOENT,
			  "no model found; tried:%s\npass --model FILE.tflite, or set [model] cpu in a config (--config FILE)",
			  tried);
}

static int run_command(fw_config *cfg, const args *a);

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
		if (argc > 2 && strcmp(cmd, "help") == 0)
			for (size_t i = 0; i < NCOMMANDS; i++)
				if (!strcmp(commands[i].name, argv[2])) {
					command_help(&commands[i]);
					return 0;
				}
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("fieldscope %s (git %s)\n", FW_VERSION, fw_git_commit());
		return 0;
	}
	const command *c = NULL;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, cmd))
			c = &commands[i];
	if (!c) {
		fprintf(stderr, "fieldscope: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (!strcmp(c->name, "verify")) {
		if (argc > 2 && (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help"))) {
			command_help(c);
			return 0;
		}
		return verify_command(argc - 2, argv + 2);
	}
	args a = {.cmd = c};
	int rc = parse(c, argc - 1, argv + 1, &a);
	if (rc >= 0)
		return rc;
	if (!strcmp(c->name, "version")) {
		printf("fieldscope %s (git %s)\n", FW_VERSION, fw_git_commit());
		return 0;
	}
	if (!strcmp(c->name, "config-doc")) {
		fw_config_print_doc(stdout);
		return 0;
	}
	if (!strcmp(c->name, "report")) {
		if (!a.image) {
			fprintf(stderr, "fieldscope report: needs RUN_DIR (see 'fieldscope report --help')\n");
			return 2;
		}
		fs_err err;
		int n = 0;
		if (fw_report(a.image, a.out, &n, &err)) {
			fprintf(stderr, "fieldscope report: %s\n", err.msg);
			return 1;
		}
		if (a.out)
			printf("%s: %d FOV(s)\n", a.out, n);
		else
			printf("%s/report.html: %d FOV(s)\n", a.image, n);
		return 0;
	}
	fw_config *cfg = calloc(1, sizeof *cfg);   /* large: not on the stack */
	if (!cfg) {
		fprintf(stderr, "fieldscope: out of memory\n");
		return 1;
	}
	rc = run_command(cfg, &a);
	free(cfg);
	return rc;
}

static int run_command(fw_config *cfg, const args *a)
{
	fs_err err;
	fs_err_clear(&err);
	int is_segment = !strcmp(a->cmd->name, "segment");
	int bare = !a->config && is_segment && access(DEFAULT_CONFIG, R_OK) != 0;
	if (bare) {
		fw_config_defaults(cfg);   /* a bare machine: built-in defaults */
	} else if (fw_config_load(a->config ? a->config : DEFAULT_CONFIG, cfg, &err)) {
		fprintf(stderr, "fieldscope: %s\n", err.msg);
		return 2;
	}
	for (int i = 0; i < a->nsets; i++)
		if (apply_set(cfg, a->sets[i], &err)) {
			fprintf(stderr, "fieldscope: %s\n", err.msg);
			return 2;
		}

	if (is_segment) {
		if (!a->image || !a->out) {
			fprintf(stderr, "fieldscope segment: needs IMAGE.png and --out DIR (see 'fieldscope segment --help')\n");
			return 2;
		}
		char found[FW_PATH_MAX];
		const char *model = a->model;
		if (!model && bare) {
			if (find_model(cfg, found, sizeof found, &err)) {
				fprintf(stderr, "fieldscope segment: %s\n", err.msg);
				return 2;
			}
			model = found;
			fprintf(stderr, "fieldscope segment: model %s\n", model);
		}
		int n = 0;
		if (fw_segment_file(cfg, a->image, a->out, model, a->reference, stderr, &n, &err)) {
			fprintf(stderr, "fieldscope: %s\n", err.msg);
			return 1;
		}
		printf("%s: %d cells\n", a->image, n);
		return 0;
	}
	if (fw_config_check(cfg, &err)) {
		fprintf(stderr, "fieldscope: %s\n", err.msg);
		return 2;
	}
	if (!strcmp(a->cmd->name, "selftest")) {
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
