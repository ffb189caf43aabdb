/* SPDX-License-Identifier: BSD-3-Clause */
#include "config_priv.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h" /* fw_json_str: one JSON string escaper for the firmware */
#include "util/util.h"


/* ---- helpers ------------------------------------------------------------- */

char *cfg_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int cfg_copy_str(char *dst, size_t size, const char *src)
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
		return cfg_copy_str(dst, size, v);
	int n = snprintf(dst, size, "%s/%s", base_dir, v);
	return n < 0 || (size_t)n >= size ? -1 : 0;
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

static fw_backend_opt *board_opt(fw_board *b, const char *section, const char *key)
{
	for (int i = 0; i < b->n_opts; i++)
		if (!strcmp(b->opts[i].section, section) && !strcmp(b->opts[i].key, key))
			return &b->opts[i];
	if (b->n_opts == FW_MAX_BACKEND_OPTS)
		return NULL;
	fw_backend_opt *o = &b->opts[b->n_opts++];
	snprintf(o->section, sizeof o->section, "%s", section);
	snprintf(o->key, sizeof o->key, "%s", key);
	return o;
}

int fw_board_opt_int(const fw_board *b, const char *section, const char *key, int def)
{
	for (int i = 0; i < b->n_opts; i++)
		if (!strcmp(b->opts[i].section, section) && !strcmp(b->opts[i].key, key))
			return b->opts[i].value;
	return def;
}

static int set_key(const key_def *k, void *base, const char *v, const char *base_dir,
		   const char *where, fs_err *err)
{
	char *dst = (char *)base + k->offset;
	switch (k->type) {
	case K_OPT:
	case K_INT: {
		char *end;
		errno = 0;
		long x = strtol(v, &end, 10);
		if (!*v || *end || errno || x < k->min || x > k->max)
			return fs_err_set(err, -EINVAL, "%s: [%s] %s = '%s': expected an integer in %.0f..%.0f",
					  where, k->section, k->key, v, k->min, k->max);
		if (k->type == K_INT) {
			*(int *)dst = (int)x;
			return 0;
		}
		fw_backend_opt *o = board_opt(base, k->section, k->key);
		if (!o)
			return fs_err_set(err, -EINVAL, "%s: [%s] %s: more than %d backend options", where,
					  k->section, k->key, FW_MAX_BACKEND_OPTS);
		o->value = (int)x;
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
		else if (cfg_copy_str(dst, k->size, v))
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
		if (cfg_copy_str(dst, k->size, v))
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

/* What one parse has seen: a repeated section or key is an error, not
 * "last one wins", so a copy-paste slip cannot silently change a value. */
typedef struct seen_set {
	struct seen {
		char section[64], key[128];
		int line;
	} *items;
	int n, cap;
} seen_set;

/* Returns the line of an earlier identical entry, 0 when new (and adds
 * it), -1 when out of memory. key "" is the section header itself. */
static int seen_add(seen_set *s, const char *section, const char *key, int line)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->items[i].section, section) && !strcmp(s->items[i].key, key))
			return s->items[i].line;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 64;
		struct seen *ni = realloc(s->items, (size_t)cap * sizeof *ni);
		if (!ni)
			return -1;
		s->items = ni;
		s->cap = cap;
	}
	snprintf(s->items[s->n].section, sizeof s->items[s->n].section, "%s", section);
	snprintf(s->items[s->n].key, sizeof s->items[s->n].key, "%s", key);
	s->items[s->n++].line = line;
	return 0;
}

/* A config file is text: a control byte (a NUL would cut the file short
 * for every later string function, a stray escape hides what follows) is
 * an error at its line. Tab is text; CR only as part of CRLF. */
static int check_text_line(const char *line, size_t len, const char *where, fs_err *err)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t' && !(c == '\r' && i + 1 == len)) || c == 0x7f)
			return fs_err_set(err, -EINVAL, "%s: control character 0x%02x at column %zu: expected text", where,
					  c, i + 1);
	}
	return 0;
}

static int parse_lines(const char *text, size_t size, const char *name, const char *base_dir,
		       const key_def *keys, size_t nkeys, void *base, extra_fn extra, seen_set *seen, fs_err *err)
{
	char section[64] = "";
	int lineno = 0;
	const char *p = text, *end = text + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		char where[FW_PATH_MAX + 32];
		snprintf(where, sizeof where, "%s:%d", name, lineno);
		if (len >= 1024)
			return fs_err_set(err, -EINVAL, "%s: line longer than 1023 characters", where);
		if (check_text_line(p, len, where, err))
			return -EINVAL;
		char buf[1024];
		memcpy(buf, p, len);
		buf[len] = '\0';
		p = nl ? nl + 1 : end;

		/* Comments start a line, or follow whitespace after a value. */
		for (char *c = buf; *c; c++)
			if ((*c == '#' || *c == ';') && (c == buf || isspace((unsigned char)c[-1]))) {
				*c = '\0';
				break;
			}
		char *s = cfg_trim(buf);
		if (!*s)
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close || close[1])
				return fs_err_set(err, -EINVAL, "%s: '%s': expected a section header like [model]", where, s);
			*close = '\0';
			char *sec = cfg_trim(s + 1);
			if (!section_known(keys, nkeys, sec) && !(extra && !strcmp(sec, "leds")))
				return fs_err_set(err, -EINVAL, "%s: unknown section [%s]", where, sec);
			int prev = seen_add(seen, sec, "", lineno);
			if (prev)
				return prev < 0 ? fs_err_set(err, -ENOMEM, "%s: out of memory", where)
						: fs_err_set(err, -EINVAL, "%s: section [%s] repeated (first at line %d): "
							     "expected each section once", where, sec, prev);
			snprintf(section, sizeof section, "%s", sec);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq)
			return fs_err_set(err, -EINVAL, "%s: '%s': expected key = value", where, s);
		*eq = '\0';
		char *key = cfg_trim(s), *val = cfg_trim(eq + 1);
		if (!*section)
			return fs_err_set(err, -EINVAL, "%s: key '%s' before any [section]", where, key);
		int prev = seen_add(seen, section, key, lineno);
		if (prev)
			return prev < 0 ? fs_err_set(err, -ENOMEM, "%s: out of memory", where)
					: fs_err_set(err, -EINVAL, "%s: [%s] %s repeated (first at line %d): expected each "
						     "key once", where, section, key, prev);
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

int cfg_parse_ini(const char *text, const char *name, const char *base_dir,
		     const key_def *keys, size_t nkeys, void *base, extra_fn extra, fs_err *err)
{
	return cfg_parse_buf(text, strlen(text), name, base_dir, keys, nkeys, base, extra, err);
}

int cfg_parse_buf(const char *text, size_t size, const char *name, const char *base_dir,
		  const key_def *keys, size_t nkeys, void *base, extra_fn extra, fs_err *err)
{
	seen_set seen = {NULL, 0, 0};
	int rc = parse_lines(text, size, name, base_dir, keys, nkeys, base, extra, &seen, err);
	free(seen.items);
	return rc;
}

int cfg_read_text(const char *path, char **out, size_t *size, fs_err *err)
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
	*size = used;   /* the parser sees every byte, NULs included */
	return 0;
}

void cfg_apply_defaults(const key_def *keys, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i].size)
			set_key(&keys[i], base, keys[i].def, NULL, "defaults", NULL);
}

/* ---- fieldscope.conf ----------------------------------------------------- */

void fw_config_defaults(fw_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg_apply_defaults(fw_config_keys, fw_config_nkeys, cfg);
	cfg_board_defaults(&cfg->board);
}

int fw_config_parse(const char *text, const char *name, const char *base_dir, fw_config *cfg,
		    fs_err *err)
{
	return fw_config_parse_mem(text, strlen(text), name, base_dir, cfg, err);
}

int fw_config_parse_mem(const char *text, size_t size, const char *name, const char *base_dir, fw_config *cfg,
			fs_err *err)
{
	snprintf(cfg->path, sizeof cfg->path, "%s", name);
	return cfg_parse_buf(text, size, name, base_dir, fw_config_keys, fw_config_nkeys, cfg, NULL, err);
}

int fw_config_load(const char *path, fw_config *cfg, fs_err *err)
{
	fw_config_defaults(cfg);
	char *text;
	size_t size;
	int rc = cfg_read_text(path, &text, &size, err);
	if (rc)
		return fs_err_prefix(err, "config: ");
	char dir[FW_PATH_MAX];
	fw_parent_dir(path, dir, sizeof dir);
	rc = fw_config_parse_mem(text, size, path, dir, cfg, err);
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
		if (!cfg_valid_name(ref))
			return fs_err_set(err, -EINVAL, "%s: [board] name = '%s': expected a board name or a path",
					  path, ref);
		if (snprintf(bpath, sizeof bpath, "%s/%s.conf", cfg->board_dir, ref) >= (int)sizeof bpath)
			return fs_err_set(err, -EINVAL, "%s: [board] dir: path too long", path);
	}
	return fw_board_load(bpath, &cfg->board, err);
}

/* ---- output -------------------------------------------------------------- */

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
