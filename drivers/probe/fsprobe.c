/* fsprobe — board bring-up: list what the drivers see, light a pattern,
 * watch the button, grab frames. The VM tier drives the real kernel
 * drivers through it too.
 *
 *   fsprobe [list] [gpio|v4l2|libcamera]
 *   fsprobe light [--backend B] [--active-low] [--max-on MS] --pattern NAME=SPEC[,SPEC..]...
 *                 [--set NAME] [--hold MS|-1]     (-1: until SIGTERM/SIGINT)
 *   fsprobe button --line SPEC [--active-low] [--debounce MS] [--events N] [--timeout MS]
 *   fsprobe capture --backend B [--device D] [--format F] [--size WxH] [--depth 8|16]
 *                 [--gain G] [--exposure US] [--count N] [--timeout MS] [--out PREFIX] [--bars]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "camera/camera.h"
#include "leds/leds.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: fsprobe [list] [gpio|v4l2|libcamera]\n"
		"       fsprobe light [--backend gpiod|sim] [--active-low] [--max-on MS]\n"
		"                     --pattern NAME=SPEC[,SPEC...] ... [--set NAME] [--hold MS|-1]\n"
		"       fsprobe button --line SPEC [--active-low] [--debounce MS] [--events N] [--timeout MS]\n"
		"       fsprobe capture --backend file|v4l2|libcamera [--device D] [--format F] [--size WxH]\n"
		"                     [--depth 8|16] [--gain G] [--exposure US] [--count N] [--timeout MS]\n"
		"                     [--out PREFIX] [--bars]\n"
		"SPEC is a GPIO line name (gpio-line-names) or CHIP:OFFSET.\n");
	return 2;
}

static int fail(const fs_err *e)
{
	printf("error %d: %s\n", e->code, e->msg);
	return 1;
}

static int cmd_list(const char *what)
{
	if (strcmp(what, "all") && strcmp(what, "gpio") && strcmp(what, "v4l2") && strcmp(what, "libcamera"))
		return usage();
	fs_err err;
	fs_err_clear(&err);
	int bad = 0;
	if (!strcmp(what, "all") || !strcmp(what, "gpio")) {
		if (fs_leds_probe(stdout, &err) < 0) {
			printf("gpio: %s\n", err.msg);
			bad = 1;
		}
	}
	if (strcmp(what, "gpio") != 0)
		if (fs_camera_probe(strcmp(what, "all") == 0 ? NULL : what, stdout, &err) < 0)
			bad = 1;
	return bad;
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
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--active-low")) { low = true; continue; }
		if (!v) return usage();
		i++;
		if (!strcmp(a, "--backend")) snprintf(cfg.backend, sizeof cfg.backend, "%s", v);
		else if (!strcmp(a, "--max-on")) max_on = (unsigned)atoi(v);
		else if (!strcmp(a, "--set")) set = v;
		else if (!strcmp(a, "--hold")) hold_ms = atoi(v);
		else if (!strcmp(a, "--status-line")) snprintf(cfg.status, sizeof cfg.status, "%s", v);
		else if (!strcmp(a, "--pattern")) {
			char name[FS_LEDS_NAME_MAX];
			const char *eq = strchr(v, '=');
			if (!eq || eq == v || (size_t)(eq - v) >= sizeof name) return usage();
			snprintf(name, sizeof name, "%.*s", (int)(eq - v), v);
			if (fs_leds_config_pattern(&cfg, name, eq + 1, &e) < 0) return fail(&e);
		} else return usage();
	}
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
		return fail(&e);
	printf("ready: %d lines, %d patterns\n", cfg.n_lines, cfg.n_patterns);
	int rc = 0;
	if (set) {
		if (fs_leds_set_pattern(l, set, &e) < 0)
			rc = fail(&e);
		else
			printf("lit %s\n", set);
	}
	if (cfg.status[0] && fs_leds_set_status(l, true, &e) < 0)
		rc = fail(&e);
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
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--active-low")) { cfg.button_active_low = true; continue; }
		if (!v) return usage();
		i++;
		if (!strcmp(a, "--line")) snprintf(cfg.button, sizeof cfg.button, "%s", v);
		else if (!strcmp(a, "--backend")) snprintf(cfg.backend, sizeof cfg.backend, "%s", v);
		else if (!strcmp(a, "--debounce")) cfg.debounce_ms = (unsigned)atoi(v);
		else if (!strcmp(a, "--events")) events = atoi(v);
		else if (!strcmp(a, "--timeout")) timeout = atoi(v);
		else return usage();
	}
	if (!cfg.button[0])
		return usage();
	fs_err e;
	fs_leds *l;
	if (fs_leds_new(&cfg, &l, &e) < 0)
		return fail(&e);
	printf("ready: button %s\n", fs_leds_button_get(l, &e) ? "pressed" : "released");
	fflush(stdout);
	int rc = 0;
	for (int n = 0; n < events; n++) {
		fs_button_event ev;
		int r = fs_leds_button_wait(l, timeout, &ev, &e);
		if (r < 0) { rc = fail(&e); break; }
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
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--bars")) { bars = true; continue; }
		if (!v) return usage();
		i++;
		if (!strcmp(a, "--backend")) snprintf(cfg.backend, sizeof cfg.backend, "%s", v);
		else if (!strcmp(a, "--device")) snprintf(cfg.device, sizeof cfg.device, "%s", v);
		else if (!strcmp(a, "--format")) snprintf(cfg.format, sizeof cfg.format, "%s", v);
		else if (!strcmp(a, "--size")) { if (sscanf(v, "%dx%d", &cfg.width, &cfg.height) != 2) return usage(); }
		else if (!strcmp(a, "--depth")) cfg.depth = atoi(v);
		else if (!strcmp(a, "--gain")) cfg.gain = atof(v);
		else if (!strcmp(a, "--exposure")) cfg.exposure_us = atoi(v);
		else if (!strcmp(a, "--count")) count = atoi(v);
		else if (!strcmp(a, "--timeout")) timeout = atoi(v);
		else if (!strcmp(a, "--out")) out = v;
		else return usage();
	}
	fs_err e;
	fs_camera *cam;
	if (fs_camera_open(&cfg, &cam, &e) < 0)
		return fail(&e);
	fs_camera_info info;
	fs_camera_get_info(cam, &info);
	printf("camera %s: %s format %s %dx%d depth %d\n", info.device, info.driver, info.format, info.width,
	       info.height, info.depth);
	fs_image img;
	int rc = 0;
	if (fs_camera_alloc_frame(cam, &img, &e) < 0) {
		fs_camera_close(cam);
		return fail(&e);
	}
	for (int n = 0; n < count && rc == 0; n++) {
		fs_frame_meta m;
		if (fs_camera_capture(cam, timeout, &img, &m, &e) < 0) {
			rc = fail(&e);
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
				rc = fail(&e);
		}
		fflush(stdout);
	}
	fs_image_free(&img);
	fs_camera_close(cam);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "list";
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help"))
		return usage();
	if (!strcmp(cmd, "light"))
		return cmd_light(argc - 2, argv + 2);
	if (!strcmp(cmd, "button"))
		return cmd_button(argc - 2, argv + 2);
	if (!strcmp(cmd, "capture"))
		return cmd_capture(argc - 2, argv + 2);
	if (!strcmp(cmd, "list"))
		return cmd_list(argc > 2 ? argv[2] : "all");
	return cmd_list(cmd);
}
