/* SPDX-License-Identifier: BSD-3-Clause */
/* Board files: the key table's keys plus the [illumination] sequence and
 * the [leds] map (lines, patterns, status LED, button). */
#include "config_priv.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* ---- board --------------------------------------------------------------- */

int cfg_valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

static int board_extra(void *base, const char *section, const char *key, const char *v,
		       const char *base_dir, const char *where, fs_err *err)
{
	(void)base_dir;
	fw_board *b = base;
	if (!strcmp(section, "illumination") && !strcmp(key, "sequence")) {
		char tmp[512];
		if (cfg_copy_str(tmp, sizeof tmp, v))
			return fs_err_set(err, -EINVAL, "%s: [illumination] sequence too long", where);
		b->n_steps = 0;
		for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			t = cfg_trim(t);
			if (!cfg_valid_name(t) || strlen(t) >= FW_NAME_MAX)
				return fs_err_set(err, -EINVAL,
						  "%s: [illumination] sequence: step '%s': expected a pattern name "
						  "(letters, digits, _ or -)", where, t);
			if (b->n_steps == FW_MAX_STEPS)
				return fs_err_set(err, -EINVAL, "%s: [illumination] sequence: more than %d steps",
						  where, FW_MAX_STEPS);
			snprintf(b->steps[b->n_steps++].name, FW_NAME_MAX, "%s", t);
		}
		if (!b->n_steps)
			return fs_err_set(err, -EINVAL, "%s: [illumination] sequence is empty: expected "
					  "comma-separated pattern names", where);
		return 0;
	}
	if (strcmp(section, "leds"))
		return fs_err_set(err, -EINVAL, "%s: unknown key '%s' in [%s]", where, key, section);
	fs_leds_config *lc = &b->leds;
	fs_err e2;
	fs_err_clear(&e2);
	if (!strcmp(key, "backend")) {
		char names[128];
		if (!fs_leds_backend_known(v, names, sizeof names))
			return fs_err_set(err, -EINVAL, "%s: [leds] backend = '%s': expected %s", where, v, names);
		snprintf(lc->backend, sizeof lc->backend, "%s", v);
	} else if (!strcmp(key, "status") || !strcmp(key, "button")) {
		/* "spec" or "spec, active_low" */
		char tmp[FS_LEDS_NAME_MAX + 32];
		if (cfg_copy_str(tmp, sizeof tmp, v))
			return fs_err_set(err, -EINVAL, "%s: [leds] %s: value too long", where, key);
		char *comma = strchr(tmp, ',');
		bool low = false;
		if (comma) {
			*comma = '\0';
			char *flag = cfg_trim(comma + 1);
			if (strcmp(flag, "active_low"))
				return fs_err_set(err, -EINVAL, "%s: [leds] %s = '%s': expected 'LINE' or 'LINE, active_low'",
						  where, key, v);
			low = true;
		}
		char *spec = cfg_trim(tmp);
		if (strlen(spec) >= FS_LEDS_NAME_MAX)
			return fs_err_set(err, -EINVAL, "%s: [leds] %s: line spec longer than %d", where, key,
					  FS_LEDS_NAME_MAX - 1);
		if (!strcmp(key, "status")) {
			snprintf(lc->status, sizeof lc->status, "%s", spec);
			lc->status_active_low = low;
		} else {
			snprintf(lc->button, sizeof lc->button, "%s", spec);
			lc->button_active_low = low;
		}
	} else if (!strcmp(key, "debounce_ms")) {
		char *end;
		long x = strtol(v, &end, 10);
		if (!*v || *end || x < 0 || x > 10000)
			return fs_err_set(err, -EINVAL, "%s: [leds] debounce_ms = '%s': expected 0..10000", where, v);
		lc->debounce_ms = (unsigned)x;
	} else if (!strncmp(key, "line.", 5)) {
		/* line.SPEC = max_on_ms[, active_low] */
		char tmp[64];
		if (cfg_copy_str(tmp, sizeof tmp, v))
			return fs_err_set(err, -EINVAL, "%s: [leds] %s: value too long", where, key);
		char *comma = strchr(tmp, ',');
		bool low = false;
		if (comma) {
			*comma = '\0';
			if (strcmp(cfg_trim(comma + 1), "active_low"))
				return fs_err_set(err, -EINVAL, "%s: [leds] %s = '%s': expected 'MAX_ON_MS[, active_low]'",
						  where, key, v);
			low = true;
		}
		char *end;
		char *num = cfg_trim(tmp);
		long ms = strtol(num, &end, 10);
		if (!*num || *end || ms < 0 || ms > 3600000)
			return fs_err_set(err, -EINVAL, "%s: [leds] %s = '%s': expected a maximum on-time in ms (0..3600000)",
					  where, key, v);
		if (fs_leds_config_line(lc, key + 5, low, (unsigned)ms, &e2) < 0)
			return fs_err_set(err, -EINVAL, "%s: [leds] %s: %s", where, key, e2.msg);
	} else if (!strncmp(key, "pattern.", 8)) {
		if (!cfg_valid_name(key + 8))
			return fs_err_set(err, -EINVAL, "%s: [leds] %s: pattern name must be letters, digits, _ or -",
					  where, key);
		if (fs_leds_config_pattern(lc, key + 8, v, &e2) < 0)
			return fs_err_set(err, -EINVAL, "%s: [leds] %s = '%s': %s", where, key, v, e2.msg);
	} else {
		return fs_err_set(err, -EINVAL,
				  "%s: unknown key '%s' in [leds] (known: backend, status, button, debounce_ms, "
				  "line.SPEC, pattern.NAME)", where, key);
	}
	return 0;
}

void cfg_board_defaults(fw_board *b)
{
	memset(b, 0, sizeof *b);
	cfg_apply_defaults(fw_board_keys, fw_board_nkeys, b);
	fs_leds_config_init(&b->leds, "sim");
	char backend[16], device[256];
	snprintf(backend, sizeof backend, "%s", b->camera.backend);
	snprintf(device, sizeof device, "%s", b->camera.device);
	int depth = b->camera.depth;
	fs_camera_config_init(&b->camera, backend, device);
	b->camera.depth = depth;
}

int fw_board_parse(const char *text, const char *name, const char *base_dir, fw_board *board,
		   fs_err *err)
{
	return fw_board_parse_mem(text, strlen(text), name, base_dir, board, err);
}

int fw_board_parse_mem(const char *text, size_t size, const char *name, const char *base_dir, fw_board *board,
		       fs_err *err)
{
	cfg_board_defaults(board);
	snprintf(board->path, sizeof board->path, "%s", name);
	int rc = cfg_parse_buf(text, size, name, base_dir, fw_board_keys, fw_board_nkeys, board, board_extra, err);
	if (rc)
		return rc;
	if (!board->n_steps)
		return fs_err_set(err, -EINVAL, "%s: [illumination] sequence is missing: expected "
				  "comma-separated LED pattern names", name);
	return 0;
}

int fw_board_load(const char *path, fw_board *board, fs_err *err)
{
	char *text;
	size_t size;
	int rc = cfg_read_text(path, &text, &size, err);
	if (rc)
		return fs_err_prefix(err, "board file: ");
	char dir[FW_PATH_MAX];
	fw_parent_dir(path, dir, sizeof dir);
	rc = fw_board_parse_mem(text, size, path, dir, board, err);
	free(text);
	return rc;
}

