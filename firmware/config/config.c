#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fieldscope_paths.h" /* generated: install paths (tools/image/module.mk) */
#include "store/store.h" /* fw_json_str: one JSON string escaper for the firmware */

/* ---- key tables ---------------------------------------------------------- */

typedef enum key_type { K_INT, K_DOUBLE, K_STR, K_PATH, K_BOOL, K_ENUM, K_SHA } key_type;

typedef struct key_def {
	const char *section;
	const char *key;
	key_type type;
	size_t offset, size;
	double min, max;     /* K_INT, K_DOUBLE */
	const char *choices; /* K_ENUM: "a|b|c" */
	const char *def;     /* default, as text */
	const char *doc;
} key_def;

#define CF(m) offsetof(fw_config, m), sizeof(((fw_config *)0)->m)
#define BF(m) offsetof(fw_board, m), sizeof(((fw_board *)0)->m)

static const key_def config_keys[] = {
	{"board", "name", K_STR, CF(board_ref), 0, 0, NULL, "sim",
	 "board file: a name (BOARD_DIR/NAME.conf) or a path to a .conf"},
	{"board", "dir", K_PATH, CF(board_dir), 0, 0, NULL, FS_BOARD_DIR,
	 "folder holding board files"},
	{"storage", "results_dir", K_PATH, CF(results_dir), 0, 0, NULL, FS_RESULTS_DIR,
	 "one run-NNNN folder per run is created here"},
	{"storage", "min_free_mb", K_INT, CF(min_free_mb), 0, 1e6, NULL, "64",
	 "stop acquiring when less than this is free (MiB) before a FOV"},
	{"storage", "save_raw", K_BOOL, CF(save_raw), 0, 0, NULL, "true",
	 "write every raw frame as PNG"},
	{"storage", "png_compression", K_INT, CF(png_compression), 0, 9, NULL, "1",
	 "zlib level for PNGs (1 = fast)"},
	{"acquisition", "trigger", K_ENUM, CF(trigger), 0, 0, "continuous|interval|button", "continuous",
	 "when to take a FOV: back to back, every interval_s, or on a button press"},
	{"acquisition", "interval_s", K_DOUBLE, CF(interval_s), 0.0, 86400.0, NULL, "10",
	 "period for trigger = interval"},
	{"acquisition", "max_fovs", K_INT, CF(max_fovs), 0, 1e9, NULL, "0",
	 "stop after this many FOVs (0 = until stopped)"},
	{"model", "cpu", K_PATH, CF(model_cpu), 0, 0, NULL, FS_DEFAULT_MODEL,
	 "int8 .tflite run on the CPU (always needed: it is the fallback)"},
	{"model", "cpu_sha256", K_SHA, CF(model_cpu_sha256), 0, 0, NULL, "",
	 "expected SHA-256 of the CPU model (empty = not checked)"},
	{"model", "accel", K_PATH, CF(model_accel), 0, 0, NULL, "",
	 "model for the accelerator (e.g. an _edgetpu.tflite); empty = none"},
	{"model", "accel_sha256", K_SHA, CF(model_accel_sha256), 0, 0, NULL, "",
	 "expected SHA-256 of the accelerator model"},
	{"model", "output", K_ENUM, CF(model_output), 0, 0, "auto|probability|logit", "auto",
	 "what the output means; auto: a [0,1] quantised range is a probability"},
	{"segmentation", "threshold", K_DOUBLE, CF(threshold), 0.0, 1.0, NULL, "0.5",
	 "foreground when probability >= threshold"},
	{"segmentation", "tile_overlap", K_INT, CF(tile_overlap), 0, 4096, NULL, "64",
	 "pixels shared by neighbouring tiles; half on each side is discarded"},
	{"segmentation", "min_cell_area_px", K_INT, CF(min_cell_area_px), 0, 1e7, NULL, "20",
	 "components smaller than this are dropped"},
	{"segmentation", "grow_px", K_INT, CF(grow_px), 0, 16, NULL, "0",
	 "grow each cell by this many pixels without merging cells"},
	{"segmentation", "connectivity", K_INT, CF(connectivity), 4, 8, NULL, "4",
	 "4 or 8: pixel neighbourhood for connected components"},
	{"segmentation", "focus_min", K_DOUBLE, CF(focus_min), 0.0, 1e9, NULL, "20",
	 "variance of the Laplacian below which a FOV is flagged blurred"},
	{"segmentation", "inference_threads", K_INT, CF(inference_threads), 0, 16, NULL, "0",
	 "CPU threads running tiles in parallel, each with its own arena (0 = CPUs, at most 4)"},
	{"supervision", "inference_deadline_ms", K_INT, CF(inference_deadline_ms), 10, 600000, NULL, "10000",
	 "an accelerator invoke running longer is abandoned"},
	{"supervision", "inference_retries", K_INT, CF(inference_retries), 0, 100, NULL, "2",
	 "backend resets and retries before the run moves to the CPU model"},
	{"supervision", "camera_retries", K_INT, CF(camera_retries), 0, 1000, NULL, "5",
	 "camera reopen attempts before the run stops"},
	{"supervision", "camera_backoff_ms", K_INT, CF(camera_backoff_ms), 1, 600000, NULL, "200",
	 "first reopen delay; doubles on each attempt"},
	{"supervision", "watchdog_ms", K_INT, CF(watchdog_ms), 0, 600000, NULL, "0",
	 "watchdog ping period; 0 = half of systemd's WatchdogSec"},
	{"supervision", "error_blink_s", K_INT, CF(error_blink_s), 0, 3600, NULL, "10",
	 "on a fatal error, blink its code on the status LED this long before exiting"},
};

static const key_def board_keys[] = {
	{"board", "name", K_STR, BF(name), 0, 0, NULL, "", "board name (shown in run.json)"},
	{"board", "pixel_size_um", K_DOUBLE, BF(pixel_size_um), 1e-4, 1000.0, NULL, "1.0",
	 "object-side pixel size in micrometres"},
	{"board", "accelerator", K_ENUM, BF(accelerator), 0, 0, "none|edgetpu|sim", "none",
	 "inference accelerator; absent hardware falls back to the CPU"},
	{"camera", "backend", K_ENUM, BF(camera.backend), 0, 0, "file|v4l2|libcamera", "file",
	 "camera backend"},
	{"camera", "device", K_PATH, BF(camera.device), 0, 0, NULL, "",
	 "file: PNG folder; v4l2: /dev/videoN; libcamera: camera id"},
	{"camera", "width", K_INT, BF(camera.width), 0, 65535, NULL, "0", "0 = device default"},
	{"camera", "height", K_INT, BF(camera.height), 0, 65535, NULL, "0", "0 = device default"},
	{"camera", "format", K_STR, BF(camera.format), 0, 0, NULL, "", "fourcc, empty = best grey"},
	{"camera", "depth", K_INT, BF(camera.depth), 8, 16, NULL, "8", "delivered bits: 8 or 16"},
	{"camera", "exposure_us", K_INT, BF(camera.exposure_us), 0, 10000000, NULL, "0",
	 "manual exposure (0 = auto)"},
	{"camera", "gain", K_DOUBLE, BF(camera.gain), 0.0, 1000.0, NULL, "0", "manual gain (0 = auto)"},
	{"camera", "timeout_ms", K_INT, BF(capture_timeout_ms), 1, 600000, NULL, "2000",
	 "a capture waiting longer counts as a camera fault"},
	{"illumination", "sequence", K_STR, 0, 0, 0, 0, NULL, "",
	 "comma-separated LED patterns, one capture each"},
	{"illumination", "segment_input", K_STR, BF(segment_input), 0, 0, NULL, "dpc",
	 "\"dpc\" (from dpc_left and dpc_right) or a step name"},
	{"illumination", "dpc_left", K_STR, BF(dpc_left), 0, 0, NULL, "dpc_left", "step used as L"},
	{"illumination", "dpc_right", K_STR, BF(dpc_right), 0, 0, NULL, "dpc_right", "step used as R"},
	{"illumination", "settle_ms", K_INT, BF(settle_ms), 0, 10000, NULL, "10",
	 "wait after switching LEDs before capturing"},
	{"sim", "hang_from", K_INT, BF(sim_hang_from), 0, 1e9, NULL, "0",
	 "simulated accelerator: first invocation (1-based) that hangs; 0 = none"},
	{"sim", "hang_count", K_INT, BF(sim_hang_count), -1, 1e9, NULL, "-1",
	 "simulated accelerator: how many invocations hang (-1 = all)"},
};

#define NKEYS(t) (sizeof(t) / sizeof((t)[0]))

/* ---- helpers ------------------------------------------------------------- */

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* A relative path is taken relative to the folder of the file naming it. */
static int resolve_path(char *dst, size_t size, const char *base_dir, const char *v)
{
	if (!*v || v[0] == '/' || !base_dir || !*base_dir)
		return copy_str(dst, size, v);
	int n = snprintf(dst, size, "%s/%s", base_dir, v);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static void dir_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(out, size, ".");
	else if (slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

static int enum_index(const char *choices, const char *v)
{
	int i = 0;
	size_t n = strlen(v);
	for (const char *p = choices; *p; i++) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, v, n) == 0)
			return i;
		if (!bar)
			break;
		p = bar + 1;
	}
	return -1;
}

static int set_key(const key_def *k, void *base, const char *v, const char *base_dir,
		   const char *where, fs_err *err)
{
	char *dst = (char *)base + k->offset;
	switch (k->type) {
	case K_INT: {
		char *end;
		errno = 0;
		long x = strtol(v, &end, 10);
		if (!*v || *end || errno || x < k->min || x > k->max)
			return fs_err_set(err, -EINVAL, "%s: [%s] %s = '%s': expected an integer in %.0f..%.0f",
					  where, k->section, k->key, v, k->min, k->max);
		*(int *)dst = (int)x;
		return 0;
	}
	case K_DOUBLE: {
		char *end;
		errno = 0;
		double x = strtod(v, &end);
		if (!*v || *end || errno || !isfinite(x) || x < k->min || x > k->max)
			return fs_err_set(err, -EINVAL, "%s: [%s] %s = '%s': expected a number in %g..%g",
					  where, k->section, k->key, v, k->min, k->max);
		*(double *)dst = x;
		return 0;
	}
	case K_BOOL: {
		bool b;
		if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "on"))
			b = true;
		else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0") || !strcmp(v, "off"))
			b = false;
		else
			return fs_err_set(err, -EINVAL, "%s: [%s] %s = '%s': expected true or false",
					  where, k->section, k->key, v);
		*(bool *)dst = b;
		return 0;
	}
	case K_ENUM: {
		int i = enum_index(k->choices, v);
		if (i < 0)
			return fs_err_set(err, -EINVAL, "%s: [%s] %s = '%s': expected one of %s",
					  where, k->section, k->key, v, k->choices);
		/* The trigger is stored as its enum value, other choices as text. */
		if (k->size == sizeof(fw_trigger) && k->offset == offsetof(fw_config, trigger) &&
		    !strcmp(k->key, "trigger"))
			*(fw_trigger *)dst = (fw_trigger)i;
		else if (copy_str(dst, k->size, v))
			return fs_err_set(err, -EINVAL, "%s: [%s] %s: value too long", where, k->section, k->key);
		return 0;
	}
	case K_SHA: {
		size_t n = strlen(v);
		bool ok = n == 0 || n == 64;
		for (size_t i = 0; ok && i < n; i++)
			ok = isxdigit((unsigned char)v[i]);
		if (!ok)
			return fs_err_set(err, -EINVAL, "%s: [%s] %s = '%s': expected 64 hex digits or nothing",
					  where, k->section, k->key, v);
		for (size_t i = 0; i <= n; i++)
			dst[i] = (char)tolower((unsigned char)v[i]);
		return 0;
	}
	case K_STR:
		if (copy_str(dst, k->size, v))
			return fs_err_set(err, -EINVAL, "%s: [%s] %s = '%s': longer than %zu characters",
					  where, k->section, k->key, v, k->size - 1);
		return 0;
	case K_PATH:
		if (resolve_path(dst, k->size, base_dir, v))
			return fs_err_set(err, -EINVAL, "%s: [%s] %s = '%s': path longer than %zu characters",
					  where, k->section, k->key, v, k->size - 1);
		return 0;
	}
	return fs_err_set(err, -EINVAL, "%s: internal: bad key type", where);
}

static void key_list(const key_def *keys, size_t n, const char *section, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (strcmp(keys[i].section, section))
			continue;
		int w = snprintf(out + used, size - used, "%s%s", used ? ", " : "", keys[i].key);
		if (w < 0 || (size_t)w >= size - used)
			break;
		used += (size_t)w;
	}
}

static bool section_known(const key_def *keys, size_t n, const char *section)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i].section, section))
			return true;
	return false;
}

/* Called for keys that are not in the table (the board's [leds] map). */
typedef int (*extra_fn)(void *base, const char *section, const char *key, const char *v,
			const char *base_dir, const char *where, fs_err *err);

static int parse_ini(const char *text, const char *name, const char *base_dir,
		     const key_def *keys, size_t nkeys, void *base, extra_fn extra, fs_err *err)
{
	char section[64] = "";
	int lineno = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		char where[FW_PATH_MAX + 32];
		snprintf(where, sizeof where, "%s:%d", name, lineno);
		if (len >= 1024)
			return fs_err_set(err, -EINVAL, "%s: line longer than 1023 characters", where);
		char buf[1024];
		memcpy(buf, p, len);
		buf[len] = '\0';
		p = nl ? nl + 1 : p + len;

		/* Comments start a line, or follow whitespace after a value. */
		for (char *c = buf; *c; c++)
			if ((*c == '#' || *c == ';') && (c == buf || isspace((unsigned char)c[-1]))) {
				*c = '\0';
				break;
			}
		char *s = trim(buf);
		if (!*s)
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close || close[1])
				return fs_err_set(err, -EINVAL, "%s: '%s': expected a section header like [model]", where, s);
			*close = '\0';
			char *sec = trim(s + 1);
			if (!section_known(keys, nkeys, sec) && !(extra && !strcmp(sec, "leds")))
				return fs_err_set(err, -EINVAL, "%s: unknown section [%s]", where, sec);
			snprintf(section, sizeof section, "%s", sec);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq)
			return fs_err_set(err, -EINVAL, "%s: '%s': expected key = value", where, s);
		*eq = '\0';
		char *key = trim(s), *val = trim(eq + 1);
		if (!*section)
			return fs_err_set(err, -EINVAL, "%s: key '%s' before any [section]", where, key);
		const key_def *k = NULL;
		for (size_t i = 0; i < nkeys; i++)
			if (!strcmp(keys[i].section, section) && !strcmp(keys[i].key, key))
				k = &keys[i];
		int rc;
		if (extra && (!k || k->size == 0))
			rc = extra(base, section, key, val, base_dir, where, err);
		else if (!k) {
			char list[512];
			key_list(keys, nkeys, section, list, sizeof list);
			return fs_err_set(err, -EINVAL, "%s: unknown key '%s' in [%s] (known: %s)", where, key,
					  section, list);
		} else
			rc = set_key(k, base, val, base_dir, where, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int read_text(const char *path, char **out, fs_err *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return fs_err_set(err, -errno, "%s: cannot open: %s", path, strerror(errno));
	char *buf = NULL;
	size_t used = 0, cap = 0;
	for (;;) {
		if (cap - used < 4096) {
			if (cap > (1u << 20)) {
				fclose(f);
				free(buf);
				return fs_err_set(err, -EFBIG, "%s: larger than 1 MiB, not a config file", path);
			}
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			if (!nb) {
				fclose(f);
				free(buf);
				return fs_err_set(err, -ENOMEM, "%s: out of memory", path);
			}
			buf = nb;
		}
		size_t n = fread(buf + used, 1, cap - used - 1, f);
		used += n;
		if (n == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return fs_err_set(err, -EIO, "%s: read error", path);
	}
	buf[used] = '\0';
	*out = buf;
	return 0;
}

static void apply_defaults(const key_def *keys, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i].size)
			set_key(&keys[i], base, keys[i].def, NULL, "defaults", NULL);
}

/* ---- board --------------------------------------------------------------- */

static int valid_name(const char *s)
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
		if (copy_str(tmp, sizeof tmp, v))
			return fs_err_set(err, -EINVAL, "%s: [illumination] sequence too long", where);
		b->n_steps = 0;
		for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			t = trim(t);
			if (!valid_name(t) || strlen(t) >= FW_NAME_MAX)
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
		if (strcmp(v, "gpiod") && strcmp(v, "sim"))
			return fs_err_set(err, -EINVAL, "%s: [leds] backend = '%s': expected gpiod or sim", where, v);
		snprintf(lc->backend, sizeof lc->backend, "%s", v);
	} else if (!strcmp(key, "status") || !strcmp(key, "button")) {
		/* "spec" or "spec, active_low" */
		char tmp[FS_LEDS_NAME_MAX + 32];
		if (copy_str(tmp, sizeof tmp, v))
			return fs_err_set(err, -EINVAL, "%s: [leds] %s: value too long", where, key);
		char *comma = strchr(tmp, ',');
		bool low = false;
		if (comma) {
			*comma = '\0';
			char *flag = trim(comma + 1);
			if (strcmp(flag, "active_low"))
				return fs_err_set(err, -EINVAL, "%s: [leds] %s = '%s': expected 'LINE' or 'LINE, active_low'",
						  where, key, v);
			low = true;
		}
		char *spec = trim(tmp);
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
		if (copy_str(tmp, sizeof tmp, v))
			return fs_err_set(err, -EINVAL, "%s: [leds] %s: value too long", where, key);
		char *comma = strchr(tmp, ',');
		bool low = false;
		if (comma) {
			*comma = '\0';
			if (strcmp(trim(comma + 1), "active_low"))
				return fs_err_set(err, -EINVAL, "%s: [leds] %s = '%s': expected 'MAX_ON_MS[, active_low]'",
						  where, key, v);
			low = true;
		}
		char *end;
		char *num = trim(tmp);
		long ms = strtol(num, &end, 10);
		if (!*num || *end || ms < 0 || ms > 3600000)
			return fs_err_set(err, -EINVAL, "%s: [leds] %s = '%s': expected a maximum on-time in ms (0..3600000)",
					  where, key, v);
		if (fs_leds_config_line(lc, key + 5, low, (unsigned)ms, &e2) < 0)
			return fs_err_set(err, -EINVAL, "%s: [leds] %s: %s", where, key, e2.msg);
	} else if (!strncmp(key, "pattern.", 8)) {
		if (!valid_name(key + 8))
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

static void board_defaults(fw_board *b)
{
	memset(b, 0, sizeof *b);
	apply_defaults(board_keys, NKEYS(board_keys), b);
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
	board_defaults(board);
	snprintf(board->path, sizeof board->path, "%s", name);
	int rc = parse_ini(text, name, base_dir, board_keys, NKEYS(board_keys), board, board_extra, err);
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
	int rc = read_text(path, &text, err);
	if (rc)
		return fs_err_prefix(err, "board file: ");
	char dir[FW_PATH_MAX];
	dir_of(path, dir, sizeof dir);
	rc = fw_board_parse(text, path, dir, board, err);
	free(text);
	return rc;
}

/* ---- fieldscope.conf ----------------------------------------------------- */

void fw_config_defaults(fw_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	apply_defaults(config_keys, NKEYS(config_keys), cfg);
	board_defaults(&cfg->board);
}

int fw_config_parse(const char *text, const char *name, const char *base_dir, fw_config *cfg,
		    fs_err *err)
{
	snprintf(cfg->path, sizeof cfg->path, "%s", name);
	return parse_ini(text, name, base_dir, config_keys, NKEYS(config_keys), cfg, NULL, err);
}

int fw_config_load(const char *path, fw_config *cfg, fs_err *err)
{
	fw_config_defaults(cfg);
	char *text;
	int rc = read_text(path, &text, err);
	if (rc)
		return fs_err_prefix(err, "config: ");
	char dir[FW_PATH_MAX];
	dir_of(path, dir, sizeof dir);
	rc = fw_config_parse(text, path, dir, cfg, err);
	free(text);
	if (rc)
		return rc;

	/* The board: a path when it looks like one, else BOARD_DIR/NAME.conf.
	 * A relative path is relative to the config's folder. */
	char bpath[FW_PATH_MAX];
	const char *ref = cfg->board_ref;
	if (strchr(ref, '/') || (strlen(ref) > 5 && !strcmp(ref + strlen(ref) - 5, ".conf"))) {
		if (resolve_path(bpath, sizeof bpath, dir, ref))
			return fs_err_set(err, -EINVAL, "%s: [board] name: path too long", path);
	} else {
		if (!valid_name(ref))
			return fs_err_set(err, -EINVAL, "%s: [board] name = '%s': expected a board name or a path",
					  path, ref);
		if (snprintf(bpath, sizeof bpath, "%s/%s.conf", cfg->board_dir, ref) >= (int)sizeof bpath)
			return fs_err_set(err, -EINVAL, "%s: [board] dir: path too long", path);
	}
	return fw_board_load(bpath, &cfg->board, err);
}

static int have_pattern(const fw_board *b, const char *name)
{
	for (int i = 0; i < b->leds.n_patterns; i++)
		if (!strcmp(b->leds.patterns[i].name, name))
			return 1;
	return 0;
}

static int have_step(const fw_board *b, const char *name)
{
	for (int i = 0; i < b->n_steps; i++)
		if (!strcmp(b->steps[i].name, name))
			return 1;
	return 0;
}

int fw_config_check(const fw_config *cfg, fs_err *err)
{
	const fw_board *b = &cfg->board;
	struct stat st;
	if (cfg->connectivity != 4 && cfg->connectivity != 8)
		return fs_err_set(err, -EINVAL, "%s: [segmentation] connectivity = %d: expected 4 or 8", cfg->path,
				  cfg->connectivity);
	if (!cfg->model_cpu[0])
		return fs_err_set(err, -EINVAL, "%s: [model] cpu is empty: the CPU model is required (it is the fallback)",
				  cfg->path);
	if (stat(cfg->model_cpu, &st) != 0 || !S_ISREG(st.st_mode))
		return fs_err_set(err, -ENOENT, "%s: [model] cpu = '%s': no such model file", cfg->path,
				  cfg->model_cpu);
	if (cfg->model_accel[0] && (stat(cfg->model_accel, &st) != 0 || !S_ISREG(st.st_mode)))
		return fs_err_set(err, -ENOENT, "%s: [model] accel = '%s': no such model file", cfg->path,
				  cfg->model_accel);
	if (cfg->trigger == FW_TRIGGER_BUTTON && !b->leds.button[0])
		return fs_err_set(err, -EINVAL, "%s: [acquisition] trigger = button but board %s has no [leds] button",
				  cfg->path, b->path);
	for (int i = 0; i < b->n_steps; i++)
		if (!have_pattern(b, b->steps[i].name))
			return fs_err_set(err, -EINVAL,
					  "%s: [illumination] sequence: step '%s' is not a [leds] pattern.NAME",
					  b->path, b->steps[i].name);
	if (!strcmp(b->segment_input, "dpc")) {
		if (!have_step(b, b->dpc_left) || !have_step(b, b->dpc_right))
			return fs_err_set(err, -EINVAL,
					  "%s: [illumination] segment_input = dpc needs steps '%s' and '%s' in the sequence",
					  b->path, b->dpc_left, b->dpc_right);
	} else if (!have_step(b, b->segment_input)) {
		return fs_err_set(err, -EINVAL,
				  "%s: [illumination] segment_input = '%s': expected dpc or a step of the sequence",
				  b->path, b->segment_input);
	}
	if (!strcmp(b->camera.backend, "file") && !b->camera.device[0])
		return fs_err_set(err, -EINVAL, "%s: [camera] device is empty: the file camera needs a PNG folder",
				  b->path);
	return 0;
}

/* ---- output -------------------------------------------------------------- */

static void write_keys_json(const key_def *keys, size_t n, const void *base, FILE *out)
{
	const char *sec = "";
	int first_sec = 1, first_key = 1;
	for (size_t i = 0; i < n; i++) {
		const key_def *k = &keys[i];
		if (!k->size)
			continue;
		if (strcmp(sec, k->section)) {
			if (!first_sec)
				fputs("}", out);
			fprintf(out, "%s\"%s\": {", first_sec ? "" : ", ", k->section);
			sec = k->section;
			first_sec = 0;
			first_key = 1;
		}
		fprintf(out, "%s\"%s\": ", first_key ? "" : ", ", k->key);
		first_key = 0;
		const char *p = (const char *)base + k->offset;
		switch (k->type) {
		case K_INT: fprintf(out, "%d", *(const int *)p); break;
		case K_DOUBLE: fprintf(out, "%.17g", *(const double *)p); break;
		case K_BOOL: fputs(*(const bool *)p ? "true" : "false", out); break;
		case K_ENUM:
			if (!strcmp(k->key, "trigger") && k->size == sizeof(fw_trigger))
				fw_json_str(out, fw_trigger_name(*(const fw_trigger *)p));
			else
				fw_json_str(out, p);
			break;
		default: fw_json_str(out, p); break;
		}
	}
	if (!first_sec)
		fputs("}", out);
}

void fw_config_write_json(const fw_config *cfg, FILE *out)
{
	fputs("{\"file\": ", out);
	fw_json_str(out, cfg->path);
	fputs(", ", out);
	write_keys_json(config_keys, NKEYS(config_keys), cfg, out);
	fputs(", \"board_file\": {\"path\": ", out);
	fw_json_str(out, cfg->board.path);
	fputs(", ", out);
	write_keys_json(board_keys, NKEYS(board_keys), &cfg->board, out);
	fputs(", \"sequence\": [", out);
	for (int i = 0; i < cfg->board.n_steps; i++) {
		fputs(i ? ", " : "", out);
		fw_json_str(out, cfg->board.steps[i].name);
	}
	fputs("], \"patterns\": {", out);
	const fs_leds_config *lc = &cfg->board.leds;
	for (int i = 0; i < lc->n_patterns; i++) {
		fprintf(out, "%s", i ? ", " : "");
		fw_json_str(out, lc->patterns[i].name);
		fputs(": [", out);
		for (int j = 0; j < lc->patterns[i].n_lines; j++) {
			fputs(j ? ", " : "", out);
			fw_json_str(out, lc->lines[lc->patterns[i].lines[j]].spec);
		}
		fputs("]", out);
	}
	fputs("}}}", out);
}

static void print_doc(const key_def *keys, size_t n, FILE *out)
{
	const char *sec = "";
	for (size_t i = 0; i < n; i++) {
		const key_def *k = &keys[i];
		if (strcmp(sec, k->section)) {
			fprintf(out, "\n[%s]\n", k->section);
			sec = k->section;
		}
		char range[64] = "";
		if (k->type == K_INT)
			snprintf(range, sizeof range, "integer %.0f..%.0f", k->min, k->max);
		else if (k->type == K_DOUBLE)
			snprintf(range, sizeof range, "number %g..%g", k->min, k->max);
		else if (k->type == K_ENUM)
			snprintf(range, sizeof range, "%s", k->choices);
		else if (k->type == K_BOOL)
			snprintf(range, sizeof range, "true|false");
		else if (k->type == K_SHA)
			snprintf(range, sizeof range, "64 hex digits or empty");
		else if (k->type == K_PATH)
			snprintf(range, sizeof range, "path (relative to this file)");
		else
			snprintf(range, sizeof range, "text");
		fprintf(out, "# %s\n#   %s; default: %s\n%s = %s\n", k->doc, range, *k->def ? k->def : "(empty)",
			k->key, k->def);
	}
}

void fw_config_print_doc(FILE *out)
{
	fputs("# ---- fieldscope.conf ----", out);
	print_doc(config_keys, NKEYS(config_keys), out);
	fputs("\n# ---- board/<name>.conf ----", out);
	print_doc(board_keys, NKEYS(board_keys), out);
	fputs("\n[leds]\n"
	      "# backend = gpiod|sim\n"
	      "# pattern.NAME = LINE[, LINE...]   lines lit together for one illumination step\n"
	      "# line.LINE = MAX_ON_MS[, active_low]   per-line limits (optional)\n"
	      "# status = LINE[, active_low]   status LED (blink codes: see firmware/README.md)\n"
	      "# button = LINE[, active_low]   trigger button\n"
	      "# debounce_ms = 30\n"
	      "# LINE is a gpio-line-names name or chip:offset (e.g. gpiochip0:17)\n", out);
}

const char *fw_trigger_name(fw_trigger t)
{
	switch (t) {
	case FW_TRIGGER_CONTINUOUS: return "continuous";
	case FW_TRIGGER_INTERVAL: return "interval";
	case FW_TRIGGER_BUTTON: return "button";
	}
	return "?";
}

int fw_config_cpu_threads(const fw_config *cfg)
{
	if (cfg->inference_threads > 0)
		return cfg->inference_threads;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}
