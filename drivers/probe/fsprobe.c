/* SPDX-License-Identifier: BSD-3-Clause */
/* fsprobe — board bring-up: list what the drivers see, light a pattern,
 * watch the button, grab frames. The VM tier drives the real kernel
 * drivers through it too.
 *
 *   fsprobe [list] [gpio|v4l2|libcamera]      (exit 1 when nothing usable is found)
 *   fsprobe board FILE.conf [--no-capture]    (every line and the camera of a board file)
 *   fsprobe light [--backend B] [--active-low] [--max-on MS] --pattern NAME=SPEC[,SPEC..]...
 *                 [--set NAME] [--hold MS|-1]     (-1: until SIGTERM/SIGINT)
 *   fsprobe button --line SPEC [--active-low] [--debounce MS] [--events N] [--timeout MS]
 *   fsprobe capture --backend B [--device D] [--format F] [--size WxH] [--depth 8|16]
 *                 [--gain G] [--exposure US] [--count N] [--timeout MS] [--out PREFIX] [--bars]
 *   fsprobe --version | --help | COMMAND --help
 *
 * Options by getopt_long (--name=VALUE too); numbers checked whole; errors
 * on stderr; exit 0 ok, 1 a device failed or nothing usable, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "camera/camera.h"
#include "leds/leds.h"
#include "probe.h"

#ifndef FSPROBE_GIT
#define FSPROBE_GIT "unknown"
#endif

static const char *const usages[] = {
	"fsprobe [list] [all|gpio|v4l2|libcamera]     what the drivers see; exit 1 when nothing usable",
	"fsprobe board FILE.conf [--no-capture]      check a board file: every LED/status/button line\n"
	"                                             and the camera exist (and deliver a frame)",
	"fsprobe light [--backend gpiod|sim] [--active-low] [--max-on MS]\n"
	"              --pattern NAME=SPEC[,SPEC...] ... [--set NAME] [--hold MS|-1]",
	"fsprobe button --line SPEC [--active-low] [--debounce MS] [--events N] [--timeout MS]",
	"fsprobe capture --backend file|v4l2|libcamera [--device D] [--format F] [--size WxH]\n"
	"              [--depth 8|16] [--gain G] [--exposure US] [--count N] [--timeout MS]\n"
	"              [--out PREFIX] [--bars]",
};

static void usage_all(FILE *o)
{
	fputs("usage:\n", o);
	for (size_t i = 0; i < sizeof usages / sizeof usages[0]; i++)
		fprintf(o, "  %s\n", usages[i]);
	fputs("  fsprobe --version | --help | COMMAND --help\n"
	      "SPEC is a GPIO line name (gpio-line-names) or CHIP:OFFSET. Options take '--name VALUE'\n"
	      "or '--name=VALUE'. Exit status: 0 ok, 1 a device or line failed (or nothing usable\n"
	      "found), 2 bad usage. libcamera's own log is quiet unless LIBCAMERA_LOG_LEVELS is set.\n",
	      o);
}

/* --help of one command: its usage line(s), to stdout, exit 0. */
int probe_help(int which)
{
	printf("usage: %s\n", usages[which]);
	return 0;
}

int probe_usage_error(const char *cmd, const char *fmt, const char *what)
{
	fprintf(stderr, "fsprobe %s: ", cmd);
	fprintf(stderr, fmt, what);
	fprintf(stderr, " (see 'fsprobe %s --help')\n", cmd);
	return 2;
}

/* Numbers are checked whole: "12x" or "" is a usage error, not 12 or 0. */
static int num(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi) {
		fprintf(stderr, "fsprobe %s: %s '%s': expected a whole number in %ld..%ld\n", cmd, opt, v, lo, hi);
		return 2;
	}
	*out = n;
	return 0;
}

/* The unknown option or missing value getopt_long stopped at. */
int probe_bad_option(const char *cmd, int ch, char **argv)
{
	return probe_usage_error(cmd, ch == ':' ? "option needs a value: '%s'" : "unknown option '%s'", argv[optind - 1]);
}

int probe_fail(const fs_err *e)
{
	fprintf(stderr, "error %d: %s\n", e->code, e->msg);
	return 1;
}

static int cmd_list(const char *what)
{
	if (strcmp(what, "all") && strcmp(what, "gpio") && strcmp(what, "v4l2") && strcmp(what, "libcamera"))
		return probe_usage_error("list", "unknown kind '%s': expected all, gpio, v4l2 or libcamera", what);
	fs_err err;
	fs_err_clear(&err);
	int bad = 0, found = 0;
	if (!strcmp(what, "all") || !strcmp(what, "gpio")) {
		int n = fs_leds_probe(stdout, &err);
		if (n < 0) {
			fprintf(stderr, "gpio: %s\n", err.msg);
			bad = 1;
		}
		found += n > 0 ? n : 0;
	}
	if (strcmp(what, "gpio") != 0) {
		int n = fs_camera_probe(strcmp(what, "all") == 0 ? NULL : what, stdout, &err);
		if (n < 0)
			bad = 1;
		found += n > 0 ? n : 0;
	}
	/* A bring-up script needs to know when there is nothing to bring up. */
	if (!found)
		fprintf(stderr, "fsprobe: nothing usable found (%s)\n", what);
	return bad || !found;
}

/* Blocks SIGTERM/SIGINT and waits for one of them or for ms (-1 = only
 * signals), so the caller can switch off cleanly afterwards. */
static void hold(int ms)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (ms < 0) {
		int sig;
		sigwait(&set, &sig);
		return;
	}
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	sigtimedwait(&set, NULL, &ts);
}

static int cmd_light(int argc, char **argv)
{
	fs_leds_config cfg;
	fs_leds_config_init(&cfg, "gpiod");
	fs_err e;
	fs_err_clear(&e);
	bool low = false;
	unsigned max_on = 0;
	const char *set = NULL;
	int hold_ms = 0;
	static const struct option lo[] = {
		{"active-low", no_argument, NULL, 'L'}, {"backend", required_argument, NULL, 'b'},
		{"max-on", required_argument, NULL, 'M'}, {"set", required_argument, NULL, 's'},
		{"hold", required_argument, NULL, 'H'}, {"status-line", required_argument, NULL, 'S'},
		{"pattern", required_argument, NULL, 'p'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	int ch;
	long n;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (ch) {
		case 'h': return probe_help(2);
		case 'L': low = true; break;
		case 'b': snprintf(cfg.backend, sizeof cfg.backend, "%s", optarg); break;
		case 'M':
			if (num("light", "--max-on", optarg, 0, INT_MAX, &n)) return 2;
			max_on = (unsigned)n;
			break;
		case 's': set = optarg; break;
		case 'H':
			if (num("light", "--hold", optarg, -1, INT_MAX, &n)) return 2;
			hold_ms = (int)n;
			break;
		case 'S': snprintf(cfg.status, sizeof cfg.status, "%s", optarg); break;
		case 'p': {
			char name[FS_LEDS_NAME_MAX];
			const char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg || (size_t)(eq - optarg) >= sizeof name)
				return probe_usage_error("light", "--pattern '%s': expected NAME=SPEC[,SPEC...]", optarg);
			snprintf(name, sizeof name, "%.*s", (int)(eq - optarg), optarg);
			if (fs_leds_config_pattern(&cfg, name, eq + 1, &e) < 0) return probe_fail(&e);
			break;
		}
		default: return probe_bad_option("light", ch, argv);
		}
	}
	if (optind < argc)
		return probe_usage_error("light", "unexpected argument '%s'", argv[optind]);
	for (int i = 0; i < cfg.n_lines; i++) {
		cfg.lines[i].active_low = low;
		cfg.lines[i].max_on_ms = max_on;
	}
	cfg.status_active_low = low;
	/* Signals must wait for hold(), not kill us with the lines lit. */
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	fs_leds *l;
	if (fs_leds_new(&cfg, &l, &e) < 0)
		return probe_fail(&e);
	printf("ready: %d lines, %d patterns\n", cfg.n_lines, cfg.n_patterns);
	int rc = 0;
	if (set) {
		if (fs_leds_set_pattern(l, set, &e) < 0)
			rc = probe_fail(&e);
		else
			printf("lit %s\n", set);
	}
	if (cfg.status[0] && fs_leds_set_status(l, true, &e) < 0)
		rc = probe_fail(&e);
	fflush(stdout);
	if (rc == 0)
		hold(hold_ms);
	if (max_on)
		printf("overtime cuts: %u\n", fs_leds_overtime_count(l));
	fs_leds_free(l);
	printf("dark\n");
	return rc;
}

static int cmd_button(int argc, char **argv)
{
	fs_leds_config cfg;
	fs_leds_config_init(&cfg, "gpiod");
	int events = 1, timeout = 5000;
	static const struct option lo[] = {
		{"active-low", no_argument, NULL, 'L'}, {"line", required_argument, NULL, 'l'},
		{"backend", required_argument, NULL, 'b'}, {"debounce", required_argument, NULL, 'd'},
		{"events", required_argument, NULL, 'e'}, {"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	int ch;
	long n;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (ch) {
		case 'h': return probe_help(3);
		case 'L': cfg.button_active_low = true; break;
		case 'l': snprintf(cfg.button, sizeof cfg.button, "%s", optarg); break;
		case 'b': snprintf(cfg.backend, sizeof cfg.backend, "%s", optarg); break;
		case 'd':
			if (num("button", "--debounce", optarg, 0, 60000, &n)) return 2;
			cfg.debounce_ms = (unsigned)n;
			break;
		case 'e':
			if (num("button", "--events", optarg, 1, INT_MAX, &n)) return 2;
			events = (int)n;
			break;
		case 't':
			if (num("button", "--timeout", optarg, -1, INT_MAX, &n)) return 2;
			timeout = (int)n;
			break;
		default: return probe_bad_option("button", ch, argv);
		}
	}
	if (optind < argc)
		return probe_usage_error("button", "unexpected argument '%s'", argv[optind]);
	if (!cfg.button[0])
		return probe_usage_error("button", "%s", "needs --line SPEC");
	fs_err e;
	fs_leds *l;
	if (fs_leds_new(&cfg, &l, &e) < 0)
		return probe_fail(&e);
	printf("ready: button %s\n", fs_leds_button_get(l, &e) ? "pressed" : "released");
	fflush(stdout);
	int rc = 0;
	for (int n = 0; n < events; n++) {
		fs_button_event ev;
		int r = fs_leds_button_wait(l, timeout, &ev, &e);
		if (r < 0) { rc = probe_fail(&e); break; }
		if (r == 0) { printf("button timeout\n"); break; }
		printf("button %s\n", ev.pressed ? "pressed" : "released");
		fflush(stdout);
	}
	fs_leds_free(l);
	return rc;
}

static int cmd_capture(int argc, char **argv)
{
	fs_camera_config cfg;
	fs_camera_config_init(&cfg, "v4l2", "");
	int count = 1, timeout = 5000;
	bool bars = false;
	const char *out = NULL;
	static const struct option lo[] = {
		{"bars", no_argument, NULL, 'B'}, {"backend", required_argument, NULL, 'b'},
		{"device", required_argument, NULL, 'd'}, {"format", required_argument, NULL, 'f'},
		{"size", required_argument, NULL, 'z'}, {"depth", required_argument, NULL, 'D'},
		{"gain", required_argument, NULL, 'g'}, {"exposure", required_argument, NULL, 'x'},
		{"count", required_argument, NULL, 'c'}, {"timeout", required_argument, NULL, 't'},
		{"out", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	int ch;
	long n;
	char *end;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (ch) {
		case 'h': return probe_help(4);
		case 'B': bars = true; break;
		case 'b': snprintf(cfg.backend, sizeof cfg.backend, "%s", optarg); break;
		case 'd': snprintf(cfg.device, sizeof cfg.device, "%s", optarg); break;
		case 'f': snprintf(cfg.format, sizeof cfg.format, "%s", optarg); break;
		case 'z': {
			char tail;
			if (sscanf(optarg, "%dx%d%c", &cfg.width, &cfg.height, &tail) != 2 || cfg.width <= 0 ||
			    cfg.height <= 0)
				return probe_usage_error("capture", "--size '%s': expected WIDTHxHEIGHT", optarg);
			break;
		}
		case 'D':
			if (num("capture", "--depth", optarg, 8, 16, &n)) return 2;
			if (n != 8 && n != 16) return probe_usage_error("capture", "--depth '%s': expected 8 or 16", optarg);
			cfg.depth = (int)n;
			break;
		case 'g':
			errno = 0;
			cfg.gain = strtod(optarg, &end);
			if (errno || end == optarg || *end || cfg.gain < 0)
				return probe_usage_error("capture", "--gain '%s': expected a number >= 0", optarg);
			break;
		case 'x':
			if (num("capture", "--exposure", optarg, 0, 100000000, &n)) return 2;
			cfg.exposure_us = (int)n;
			break;
		case 'c':
			if (num("capture", "--count", optarg, 1, INT_MAX, &n)) return 2;
			count = (int)n;
			break;
		case 't':
			if (num("capture", "--timeout", optarg, -1, INT_MAX, &n)) return 2;
			timeout = (int)n;
			break;
		case 'o': out = optarg; break;
		default: return probe_bad_option("capture", ch, argv);
		}
	}
	if (optind < argc)
		return probe_usage_error("capture", "unexpected argument '%s'", argv[optind]);
	fs_err e;
	fs_camera *cam;
	if (fs_camera_open(&cfg, &cam, &e) < 0)
		return probe_fail(&e);
	fs_camera_info info;
	fs_camera_get_info(cam, &info);
	printf("camera %s: %s format %s %dx%d depth %d\n", info.device, info.driver, info.format, info.width,
	       info.height, info.depth);
	fs_image img;
	int rc = 0;
	if (fs_camera_alloc_frame(cam, &img, &e) < 0) {
		fs_camera_close(cam);
		return probe_fail(&e);
	}
	for (int n = 0; n < count && rc == 0; n++) {
		fs_frame_meta m;
		if (fs_camera_capture(cam, timeout, &img, &m, &e) < 0) {
			rc = probe_fail(&e);
			break;
		}
		double sum = 0;
		unsigned lo = 65535, hi = 0;
		for (int y = 0; y < img.height; y++) {
			const uint8_t *row = img.data + (size_t)y * img.stride;
			for (int x = 0; x < img.width; x++) {
				unsigned v = img.depth == 16 ? ((const uint16_t *)(const void *)row)[x] : row[x];
				sum += v;
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
			}
		}
		printf("frame seq=%u %dx%d depth=%d mean=%.1f min=%u max=%u\n", m.sequence, img.width,
		       img.height, img.depth, sum / ((double)img.width * img.height), lo, hi);
		if (bars) {
			/* Mean of eight vertical bands over the lower half (the upper
			 * half may carry a text overlay): colour bars give falling luma. */
			printf("bars");
			for (int b = 0; b < 8; b++) {
				double s = 0;
				int x0 = b * img.width / 8 + img.width / 32, x1 = (b + 1) * img.width / 8 - img.width / 32;
				for (int y = img.height / 2; y < img.height; y++)
					for (int x = x0; x < x1; x++)
						s += img.depth == 16
							? ((const uint16_t *)(const void *)(img.data + (size_t)y * img.stride))[x]
							: img.data[(size_t)y * img.stride + (size_t)x];
				printf(" %.0f", s / ((double)(x1 - x0) * (img.height - img.height / 2)));
			}
			printf("\n");
		}
		if (out) {
			char path[512];
			snprintf(path, sizeof path, "%s%03d.png", out, n);
			if (fs_png_write(path, &img, 1, &e) < 0)
				rc = probe_fail(&e);
		}
		fflush(stdout);
	}
	fs_image_free(&img);
	fs_camera_close(cam);
	return rc;
}

int main(int argc, char **argv)
{
	/* libcamera logs INFO lines to stderr by default; a probe tool keeps
	 * them for when they are asked for. */
	setenv("LIBCAMERA_LOG_LEVELS", "*:ERROR", 0);
	const char *cmd = argc > 1 ? argv[1] : "list";
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage_all(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("fsprobe (fieldscope, git %s)\n", FSPROBE_GIT);
		return 0;
	}
	if (!strcmp(cmd, "light"))
		return cmd_light(argc - 1, argv + 1);
	if (!strcmp(cmd, "button"))
		return cmd_button(argc - 1, argv + 1);
	if (!strcmp(cmd, "capture"))
		return cmd_capture(argc - 1, argv + 1);
	if (!strcmp(cmd, "board"))
		return cmd_board(argc - 1, argv + 1);
	if (!strcmp(cmd, "list")) {
		if (argc > 2 && (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help")))
			return probe_help(0);
		if (argc > 3)
			return probe_usage_error("list", "unexpected argument '%s'", argv[3]);
		return cmd_list(argc > 2 ? argv[2] : "all");
	}
	if (cmd[0] == '-') {
		fprintf(stderr, "fsprobe: unknown option '%s'\n", cmd);
		usage_all(stderr);
		return 2;
	}
	if (argc > 2)
		return probe_usage_error("list", "unexpected argument '%s'", argv[2]);
	return cmd_list(cmd);
}
