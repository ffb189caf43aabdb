/* SPDX-License-Identifier: BSD-3-Clause */
/* fsprobe board FILE: a board file checked against this machine's
 * hardware (every LED, status and button line requested, the camera opened
 * and one frame captured). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "camera/camera.h"
#include "leds/leds.h"
#include "probe.h"

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Reads what this check needs from a board file ([leds] patterns, status
 * and button lines; [camera] backend, device, size, depth, format). The
 * firmware's own parser (firmware/config) validates every key; this tool
 * sits below it and only asks the hardware whether the named things exist. */
static int read_board(const char *path, fs_leds_config *lc, fs_camera_config *cc, fs_err *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return fs_err_set(e, -errno, "%s: cannot open: %s", path, strerror(errno));
	char line[1024], section[32] = "";
	int no = 0, rc = 0;
	while (!rc && fgets(line, sizeof line, f)) {
		no++;
		char *hash = strpbrk(line, "#;");
		if (hash)
			*hash = '\0';
		char *t = trim(line);
		if (!*t)
			continue;
		if (*t == '[') {
			char *close = strchr(t, ']');
			snprintf(section, sizeof section, "%.*s", close ? (int)(close - t - 1) : 0, t + 1);
			continue;
		}
		char *eq = strchr(t, '=');
		if (!eq)
			continue;
		*eq = '\0';
		char *k = trim(t), *v = trim(eq + 1);
		if (!strcmp(section, "leds")) {
			if (!strcmp(k, "backend"))
				snprintf(lc->backend, sizeof lc->backend, "%s", v);
			else if (!strncmp(k, "pattern.", 8))
				rc = fs_leds_config_pattern(lc, k + 8, v, e) < 0 ? -EINVAL : 0;
			else if (!strcmp(k, "status") || !strcmp(k, "button")) {
				char *comma = strchr(v, ',');
				bool low = comma && strstr(comma, "active_low");
				if (comma)
					*comma = '\0';
				v = trim(v);
				if (!strcmp(k, "status")) {
					snprintf(lc->status, sizeof lc->status, "%s", v);
					lc->status_active_low = low;
				} else {
					snprintf(lc->button, sizeof lc->button, "%s", v);
					lc->button_active_low = low;
				}
			}
		} else if (!strcmp(section, "camera")) {
			if (!strcmp(k, "backend"))
				snprintf(cc->backend, sizeof cc->backend, "%s", v);
			else if (!strcmp(k, "device"))
				snprintf(cc->device, sizeof cc->device, "%s", v);
			else if (!strcmp(k, "format"))
				snprintf(cc->format, sizeof cc->format, "%s", v);
			else if (!strcmp(k, "width"))
				cc->width = atoi(v);
			else if (!strcmp(k, "height"))
				cc->height = atoi(v);
			else if (!strcmp(k, "depth"))
				cc->depth = atoi(v);
		}
		if (rc)
			fs_err_prefix(e, "%s:%d: ", path, no);
	}
	fclose(f);
	/* Relative camera folders (file backend) are relative to the board file. */
	if (!rc && !strcmp(cc->backend, "file") && cc->device[0] && cc->device[0] != '/') {
		char dir[512], dev[256];
		snprintf(dir, sizeof dir, "%s", path);
		char *slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			snprintf(dev, sizeof dev, "%s", cc->device);
			if (snprintf(cc->device, sizeof cc->device, "%s/%s", dir, dev) >= (int)sizeof cc->device)
				rc = fs_err_set(e, -ENAMETOOLONG, "%s: camera device path too long", path);
		}
	}
	return rc;
}

int cmd_board(int argc, char **argv)
{
	static const struct option lo[] = {
		{"no-capture", no_argument, NULL, 'n'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	int ch, capture = 1;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (ch == 'h')
			return probe_help(1);
		if (ch == 'n')
			capture = 0;
		else
			return probe_bad_option("board", ch, argv);
	}
	if (optind != argc - 1)
		return probe_usage_error("board", "%s", optind < argc ? "expects exactly one FILE.conf" : "needs FILE.conf");
	const char *path = argv[optind];
	fs_leds_config lc;
	fs_leds_config_init(&lc, "gpiod");
	fs_camera_config cc;
	fs_camera_config_init(&cc, "file", "");
	fs_err e;
	fs_err_clear(&e);
	if (read_board(path, &lc, &cc, &e))
		return probe_fail(&e);
	int bad = 0;
	/* Requesting the lines is the check: a name that no chip has, or a
	 * line another program holds, fails here with the line named. All
	 * lines start dark and are released dark. */
	fs_leds *l;
	if (fs_leds_new(&lc, &l, &e) < 0) {
		printf("leds   FAIL %s\n", e.msg);
		bad = 1;
	} else {
		printf("leds   ok   %d line(s), %d pattern(s)%s%s%s%s (backend %s)\n", lc.n_lines, lc.n_patterns,
		       lc.status[0] ? ", status " : "", lc.status, lc.button[0] ? ", button " : "", lc.button,
		       lc.backend);
		fs_leds_free(l);
	}
	fs_camera *cam;
	if (fs_camera_open(&cc, &cam, &e) < 0) {
		printf("camera FAIL %s\n", e.msg);
		bad = 1;
	} else {
		fs_camera_info info;
		fs_camera_get_info(cam, &info);
		fs_image img = {0};
		int rc = 0;
		if (capture && !(rc = fs_camera_alloc_frame(cam, &img, &e)))
			rc = fs_camera_capture(cam, 5000, &img, NULL, &e);
		if (rc) {
			printf("camera FAIL %s: opens but delivers no frame: %s\n", info.device, e.msg);
			bad = 1;
		} else {
			printf("camera ok   %s (%s) %s %dx%d depth %d%s\n", info.device, cc.backend, info.format,
			       info.width, info.height, info.depth, capture ? ", frame captured" : "");
		}
		fs_image_free(&img);
		fs_camera_close(cam);
	}
	printf("%s: %s\n", path, bad ? "NOT usable on this machine" : "usable on this machine");
	return bad;
}

