/* SPDX-License-Identifier: BSD-3-Clause */
#include "leds.h"
#include "leds_backend.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct fs_leds {
	fs_leds_config cfg;
	const fs_leds_ops *ops;
	void *priv;
	pthread_mutex_t lock;        /* outputs and on-time state */
	pthread_cond_t wake;         /* guard thread: state changed */
	pthread_t guard;
	bool guard_running, stopping;
	int current;                 /* lit pattern, -1 = dark */
	uint64_t lit_since[FS_LEDS_MAX_LINES]; /* 0 = off */
	unsigned overtime;
	int button_state;            /* debounced: 1 pressed, 0 released */
};

uint64_t fs_leds_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- config helpers --------------------------------------------------- */

void fs_leds_config_init(fs_leds_config *cfg, const char *backend)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->backend, sizeof cfg->backend, "%s", backend ? backend : "sim");
}

static void trim_copy(char *dst, size_t size, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n')) n--;
	if (n >= size) n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

int fs_leds_config_line(fs_leds_config *cfg, const char *spec, bool active_low,
			unsigned max_on_ms, fs_err *err)
{
	if (!spec || !*spec || strlen(spec) >= FS_LEDS_NAME_MAX)
		return fs_err_set(err, -EINVAL, "leds: line spec '%s' must be 1..%d characters",
				  spec ? spec : "(null)", FS_LEDS_NAME_MAX - 1);
	for (int i = 0; i < cfg->n_lines; i++) {
		if (strcmp(cfg->lines[i].spec, spec) == 0) {
			cfg->lines[i].active_low = active_low;
			cfg->lines[i].max_on_ms = max_on_ms;
			return i;
		}
	}
	if (cfg->n_lines >= FS_LEDS_MAX_LINES)
		return fs_err_set(err, -ENOSPC, "leds: too many lines (at most %d), adding '%s'",
				  FS_LEDS_MAX_LINES, spec);
	fs_leds_line_cfg *l = &cfg->lines[cfg->n_lines];
	snprintf(l->spec, sizeof l->spec, "%s", spec);
	l->active_low = active_low;
	l->max_on_ms = max_on_ms;
	return cfg->n_lines++;
}

int fs_leds_config_pattern(fs_leds_config *cfg, const char *name, const char *specs,
			   fs_err *err)
{
	if (!name || !*name || strlen(name) >= FS_LEDS_NAME_MAX)
		return fs_err_set(err, -EINVAL, "leds: pattern name '%s' must be 1..%d characters",
				  name ? name : "(null)", FS_LEDS_NAME_MAX - 1);
	for (int i = 0; i < cfg->n_patterns; i++)
		if (strcmp(cfg->patterns[i].name, name) == 0)
			return fs_err_set(err, -EEXIST, "leds: pattern '%s' defined twice", name);
	if (cfg->n_patterns >= FS_LEDS_MAX_PATTERNS)
		return fs_err_set(err, -ENOSPC, "leds: too many patterns (at most %d), adding '%s'",
				  FS_LEDS_MAX_PATTERNS, name);
	fs_leds_pattern_cfg p;
	memset(&p, 0, sizeof p);
	snprintf(p.name, sizeof p.name, "%s", name);
	const char *s = specs ? specs : "";
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		char spec[FS_LEDS_NAME_MAX];
		trim_copy(spec, sizeof spec, s, n);
		if (*spec) {
			int idx = -1;
			for (int i = 0; i < cfg->n_lines; i++)
				if (strcmp(cfg->lines[i].spec, spec) == 0)
					idx = i;
			if (idx < 0)
				idx = fs_leds_config_line(cfg, spec, false, 0, err);
			if (idx < 0)
				return fs_err_prefix(err, "pattern '%s': ", name);
			p.lines[p.n_lines++] = idx;
		}
		s = comma ? comma + 1 : s + n;
	}
	if (p.n_lines == 0)
		return fs_err_set(err, -EINVAL, "leds: pattern '%s' has no lines (expected comma-separated line names)",
				  name);
	cfg->patterns[cfg->n_patterns++] = p;
	return 0;
}

int fs_leds_spec_split(const char *spec, char *chip, size_t chip_size, unsigned *offset)
{
	const char *colon = strrchr(spec, ':');
	if (!colon || !colon[1])
		return 0;
	char *end;
	unsigned long v = strtoul(colon + 1, &end, 10);
	if (*end || v > 4096)
		return 0;
	size_t n = (size_t)(colon - spec);
	if (n == 0 || n >= chip_size)
		return 0;
	memcpy(chip, spec, n);
	chip[n] = '\0';
	*offset = (unsigned)v;
	return 1;
}

/* ---- on-time guard ---------------------------------------------------- */

/* Caller holds lock. Switches off lines past their max_on_ms; returns the
 * nanoseconds until the next deadline (0 = none pending). */
static uint64_t enforce_locked(fs_leds *l)
{
	uint64_t now = fs_leds_now_ns(), next = 0;
	for (int i = 0; i < l->cfg.n_lines; i++) {
		unsigned max = l->cfg.lines[i].max_on_ms;
		if (!max || !l->lit_since[i])
			continue;
		uint64_t deadline = l->lit_since[i] + (uint64_t)max * 1000000u;
		if (now >= deadline) {
			fs_err e;
			l->ops->set(l->priv, i, 0, &e);   /* best effort: nothing to report to */
			l->lit_since[i] = 0;
			l->overtime++;
			l->current = -1;
		} else if (!next || deadline - now < next) {
			next = deadline - now;
		}
	}
	return next;
}

static void *guard_main(void *arg)
{
	fs_leds *l = arg;
	pthread_mutex_lock(&l->lock);
	while (!l->stopping) {
		uint64_t wait = enforce_locked(l);
		if (!wait) {
			pthread_cond_wait(&l->wake, &l->lock);
		} else {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			uint64_t t = (uint64_t)ts.tv_nsec + wait;
			ts.tv_sec += (time_t)(t / 1000000000u);
			ts.tv_nsec = (long)(t % 1000000000u);
			pthread_cond_timedwait(&l->wake, &l->lock, &ts);
		}
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

/* ---- lifecycle -------------------------------------------------------- */

/* Every backend, by name. */
static const fs_leds_ops *const backends[] = {
	&fs_leds_gpiod_ops, &fs_leds_sim_ops,
};
#define N_BACKENDS (sizeof backends / sizeof backends[0])

static const fs_leds_ops *find_ops(const char *name)
{
	for (size_t i = 0; i < N_BACKENDS; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

/* "gpiod or sim" (quoted: "\"gpiod\" or \"sim\""), from the table. */
static void backend_names(char *out, size_t size, bool quoted)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < N_BACKENDS && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, quoted ? "%s\"%s\"" : "%s%s",
				      i == 0 ? "" : i + 1 == N_BACKENDS ? " or " : ", ", backends[i]->name);
}

bool fs_leds_backend_known(const char *name, char *names, size_t size)
{
	if (names && size)
		backend_names(names, size, false);
	return find_ops(name) != NULL;
}

void *fs_leds_backend_priv(const fs_leds *l, const fs_leds_ops *ops)
{
	return l && l->ops == ops ? l->priv : NULL;
}

const fs_leds_config *fs_leds_backend_config(const fs_leds *l)
{
	return &l->cfg;
}

int fs_leds_probe(FILE *out, fs_err *err)
{
	int total = 0;
	for (size_t i = 0; i < N_BACKENDS; i++) {
		if (!backends[i]->probe)
			continue;
		int n = backends[i]->probe(out, err);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

int fs_leds_new(const fs_leds_config *cfg, fs_leds **out, fs_err *err)
{
	*out = NULL;
	const fs_leds_ops *ops = find_ops(cfg->backend);
	if (!ops) {
		char names[128];
		backend_names(names, sizeof names, true);
		return fs_err_set(err, -EINVAL, "leds: unknown backend '%s' (expected %s)", cfg->backend, names);
	}
	for (int p = 0; p < cfg->n_patterns; p++)
		for (int k = 0; k < cfg->patterns[p].n_lines; k++)
			if (cfg->patterns[p].lines[k] < 0 || cfg->patterns[p].lines[k] >= cfg->n_lines)
				return fs_err_set(err, -EINVAL, "leds: pattern '%s' line %d is index %d, expected 0..%d",
						  cfg->patterns[p].name, k, cfg->patterns[p].lines[k],
						  cfg->n_lines - 1);
	fs_leds *l = calloc(1, sizeof *l);
	if (!l)
		return fs_err_set(err, -ENOMEM, "leds: out of memory");
	l->cfg = *cfg;
	if (!l->cfg.consumer[0])
		snprintf(l->cfg.consumer, sizeof l->cfg.consumer, "fieldscope");
	if (!l->cfg.debounce_ms)
		l->cfg.debounce_ms = 30;
	l->ops = ops;
	l->current = -1;
	int rc = ops->open(&l->cfg, &l->priv, err);
	l->cfg.backend_opts = NULL;   /* read by open only; the caller's memory */
	if (rc < 0) {
		free(l);
		return fs_err_prefix(err, "leds (%s): ", ops->name);
	}
	pthread_mutex_init(&l->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->wake, &ca);
	pthread_condattr_destroy(&ca);
	bool limits = false;
	for (int i = 0; i < l->cfg.n_lines; i++)
		limits |= l->cfg.lines[i].max_on_ms > 0;
	if (limits) {
		if (pthread_create(&l->guard, NULL, guard_main, l) != 0) {
			fs_leds_free(l);
			return fs_err_set(err, -EAGAIN, "leds: cannot start the on-time guard thread");
		}
		l->guard_running = true;
	}
	if (l->cfg.button[0]) {
		int lv = ops->button_level(l->priv, err);
		if (lv < 0) {
			fs_leds_free(l);
			return fs_err_prefix(err, "leds: button '%s': ", cfg->button);
		}
		l->button_state = l->cfg.button_active_low ? !lv : lv;
	}
	*out = l;
	return 0;
}

void fs_leds_free(fs_leds *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->stopping = true;
	pthread_cond_broadcast(&l->wake);
	pthread_mutex_unlock(&l->lock);
	if (l->guard_running)
		pthread_join(l->guard, NULL);
	l->ops->close(l->priv);    /* switches everything off first */
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* ---- outputs ---------------------------------------------------------- */

static int in_pattern(const fs_leds_pattern_cfg *p, int line)
{
	for (int k = 0; k < p->n_lines; k++)
		if (p->lines[k] == line)
			return 1;
	return 0;
}

/* Caller holds lock. On any failure everything is switched off. */
static int apply_locked(fs_leds *l, int pattern, fs_err *err)
{
	const fs_leds_pattern_cfg *p = pattern >= 0 ? &l->cfg.patterns[pattern] : NULL;
	int rc = 0;
	/* Off first, so two patterns are never lit together. */
	for (int i = 0; i < l->cfg.n_lines && rc == 0; i++) {
		if (l->lit_since[i] && !(p && in_pattern(p, i))) {
			rc = l->ops->set(l->priv, i, 0, err);
			l->lit_since[i] = 0;
		}
	}
	uint64_t now = fs_leds_now_ns();
	for (int k = 0; p && k < p->n_lines && rc == 0; k++) {
		int i = p->lines[k];
		if (!l->lit_since[i]) {
			rc = l->ops->set(l->priv, i, 1, err);
			l->lit_since[i] = now;
		}
	}
	if (rc < 0) {
		fs_err ignore;
		for (int i = 0; i < l->cfg.n_lines; i++) {
			l->ops->set(l->priv, i, 0, &ignore);
			l->lit_since[i] = 0;
		}
		l->current = -1;
		pthread_cond_broadcast(&l->wake);
		return rc;
	}
	l->current = pattern;
	pthread_cond_broadcast(&l->wake);
	return 0;
}

int fs_leds_set_pattern(fs_leds *l, const char *pattern, fs_err *err)
{
	int idx = -1;
	for (int i = 0; i < l->cfg.n_patterns; i++)
		if (strcmp(l->cfg.patterns[i].name, pattern) == 0)
			idx = i;
	if (idx < 0) {
		char names[FS_ERR_MSG_MAX / 2] = "";
		size_t n = 0;
		for (int i = 0; i < l->cfg.n_patterns && n < sizeof names; i++)
			n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "",
					      l->cfg.patterns[i].name);
		fs_leds_all_off(l, NULL);
		return fs_err_set(err, -ENOENT, "leds: no pattern '%s' (board has: %s)", pattern,
				  names[0] ? names : "none");
	}
	pthread_mutex_lock(&l->lock);
	int rc = apply_locked(l, idx, err);
	pthread_mutex_unlock(&l->lock);
	return rc < 0 ? fs_err_prefix(err, "leds: pattern '%s': ", pattern) : 0;
}

int fs_leds_all_off(fs_leds *l, fs_err *err)
{
	pthread_mutex_lock(&l->lock);
	int rc = apply_locked(l, -1, err);
	pthread_mutex_unlock(&l->lock);
	return rc;
}

int fs_leds_set_status(fs_leds *l, bool on, fs_err *err)
{
	if (!l->cfg.status[0])
		return fs_err_set(err, -ENOTSUP, "leds: the board has no status LED");
	pthread_mutex_lock(&l->lock);
	int rc = l->ops->set(l->priv, l->cfg.n_lines, on, err);
	pthread_mutex_unlock(&l->lock);
	return rc;
}

const char *fs_leds_current(const fs_leds *cl)
{
	fs_leds *l = (fs_leds *)cl;   /* the lock is not part of the value */
	pthread_mutex_lock(&l->lock);
	const char *name = l->current >= 0 ? l->cfg.patterns[l->current].name : NULL;
	pthread_mutex_unlock(&l->lock);
	return name;
}

unsigned fs_leds_overtime_count(const fs_leds *cl)
{
	fs_leds *l = (fs_leds *)cl;
	pthread_mutex_lock(&l->lock);
	unsigned n = l->overtime;
	pthread_mutex_unlock(&l->lock);
	return n;
}

int fs_leds_pattern_count(const fs_leds *l)
{
	return l->cfg.n_patterns;
}

const char *fs_leds_pattern_name(const fs_leds *l, int i)
{
	return i >= 0 && i < l->cfg.n_patterns ? l->cfg.patterns[i].name : NULL;
}

/* ---- button ----------------------------------------------------------- */

int fs_leds_button_get(fs_leds *l, fs_err *err)
{
	if (!l->cfg.button[0])
		return fs_err_set(err, -ENOTSUP, "leds: the board has no button");
	return l->button_state;
}

int fs_leds_button_wait(fs_leds *l, int timeout_ms, fs_button_event *ev, fs_err *err)
{
	if (!l->cfg.button[0])
		return fs_err_set(err, -ENOTSUP, "leds: the board has no button");
	uint64_t start = fs_leds_now_ns();
	for (;;) {
		int left = timeout_ms;
		if (timeout_ms >= 0) {
			uint64_t spent_ms = (fs_leds_now_ns() - start) / 1000000u;
			left = spent_ms >= (uint64_t)timeout_ms ? 0 : timeout_ms - (int)spent_ms;
		}
		int rc = l->ops->button_edge(l->priv, left, err);
		if (rc <= 0)
			return rc;
		uint64_t first = fs_leds_now_ns();
		/* The level counts once no edge came for debounce_ms. */
		while ((rc = l->ops->button_edge(l->priv, (int)l->cfg.debounce_ms, err)) == 1)
			;
		if (rc < 0)
			return rc;
		int lv = l->ops->button_level(l->priv, err);
		if (lv < 0)
			return lv;
		int pressed = l->cfg.button_active_low ? !lv : lv;
		if (pressed != l->button_state) {
			l->button_state = pressed;
			ev->pressed = pressed;
			ev->time_ns = first;
			return 1;
		}
		/* A glitch that returned to the old state: keep waiting. */
		if (timeout_ms >= 0 && (fs_leds_now_ns() - start) / 1000000u >= (uint64_t)timeout_ms)
			return 0;
	}
}
