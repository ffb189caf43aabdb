/* SPDX-License-Identifier: BSD-3-Clause */
/* "sim" backend: GPIO lines in memory, for tests and the simulated board.
 * Lookups follow the same rules (and give the same errors) as gpiod. Its
 * options and inspection functions are declared in leds_sim.h. */
#include "leds_backend.h"
#include "leds_sim.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIM_LOG_MAX 4096

typedef struct sim {
	fs_leds_config cfg;
	fs_leds_sim_opts chips;
	pthread_mutex_t lock;               /* everything below: the guard thread,
	                                       the owner and tests touch it */
	int lit[FS_LEDS_MAX_LINES + 1];      /* + status LED */
	fs_leds_sim_change log[SIM_LOG_MAX];
	int n_log;
	pthread_cond_t edge;
	bool pin_high;
	int pending_edges;
} sim;

/* Finds spec on the simulated chips; 0 or -ENOENT/-ENODEV with a message. */
static int sim_resolve(const fs_leds_sim_opts *cfg, const char *spec, fs_err *err)
{
	char chip[FS_LEDS_NAME_MAX];
	unsigned off;
	if (fs_leds_spec_split(spec, chip, sizeof chip, &off)) {
		for (int c = 0; c < cfg->n_chips; c++) {
			if (strcmp(cfg->chips[c].name, chip) != 0)
				continue;
			if ((int)off >= cfg->chips[c].n_lines)
				return fs_err_set(err, -EINVAL, "line '%s': %s has lines 0..%d, not %u",
						  spec, chip, cfg->chips[c].n_lines - 1, off);
			return 0;
		}
		return fs_err_set(err, -ENODEV, "line '%s': no GPIO chip '%s'", spec, chip);
	}
	for (int c = 0; c < cfg->n_chips; c++)
		for (int i = 0; i < cfg->chips[c].n_lines; i++)
			if (strcmp(cfg->chips[c].line_names[i], spec) == 0)
				return 0;
	char msg[FS_ERR_MSG_MAX];
	size_t n = (size_t)snprintf(msg, sizeof msg, "no GPIO line named '%s'; chips offer:", spec);
	for (int c = 0; c < cfg->n_chips && n < sizeof msg; c++) {
		n += (size_t)snprintf(msg + n, sizeof msg - n, " %s [", cfg->chips[c].name);
		int unnamed = 0, first = 1;
		for (int i = 0; i < cfg->chips[c].n_lines && n < sizeof msg; i++) {
			const char *nm = cfg->chips[c].line_names[i];
			if (!*nm) { unnamed++; continue; }
			n += (size_t)snprintf(msg + n, sizeof msg - n, "%s%s", first ? "" : " ", nm);
			first = 0;
		}
		if (n < sizeof msg)
			n += (size_t)snprintf(msg + n, sizeof msg - n, unnamed ? "%s+%d unnamed]" : "]",
					      first ? "" : " ", unnamed);
	}
	return fs_err_set(err, -ENOENT, "%s", msg);
}

/* Caller holds s->lock. */
static void record(sim *s, int index, int lit)
{
	s->lit[index] = lit;
	if (s->n_log < SIM_LOG_MAX)
		s->log[s->n_log] = (fs_leds_sim_change){
			.line = index == s->cfg.n_lines ? -1 : index, .lit = lit,
			.time_ns = fs_leds_now_ns() };
	s->n_log++;
}

static int sim_open(const fs_leds_config *cfg, void **priv, fs_err *err)
{
	sim *s = calloc(1, sizeof *s);
	if (!s)
		return fs_err_set(err, -ENOMEM, "out of memory");
	s->cfg = *cfg;
	s->cfg.backend_opts = NULL;
	if (cfg->backend_opts)
		s->chips = *(const fs_leds_sim_opts *)cfg->backend_opts;
	if (s->chips.n_chips == 0) {
		/* Default: one chip carrying every name the board uses. */
		fs_leds_sim_chip *c = &s->chips.chips[0];
		snprintf(c->name, sizeof c->name, "sim0");
		const char *names[FS_LEDS_MAX_LINES + 2];
		int n = 0;
		for (int i = 0; i < cfg->n_lines; i++)
			names[n++] = cfg->lines[i].spec;
		if (cfg->status[0]) names[n++] = cfg->status;
		if (cfg->button[0]) names[n++] = cfg->button;
		for (int i = 0; i < n && c->n_lines < FS_LEDS_MAX_LINES; i++)
			if (!strchr(names[i], ':'))
				snprintf(c->line_names[c->n_lines++], FS_LEDS_NAME_MAX, "%s", names[i]);
		s->chips.n_chips = 1;
	}
	int rc = 0;
	for (int i = 0; i < cfg->n_lines && rc == 0; i++)
		rc = sim_resolve(&s->chips, cfg->lines[i].spec, err);
	if (rc == 0 && cfg->status[0])
		rc = sim_resolve(&s->chips, cfg->status, err);
	if (rc == 0 && cfg->button[0])
		rc = sim_resolve(&s->chips, cfg->button, err);
	if (rc < 0) {
		free(s);
		return rc;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->edge, &ca);
	pthread_condattr_destroy(&ca);
	/* Released button: the pin rests at its inactive level. */
	s->pin_high = cfg->button_active_low;
	pthread_mutex_lock(&s->lock);
	for (int i = 0; i <= cfg->n_lines; i++)
		record(s, i, 0);
	pthread_mutex_unlock(&s->lock);
	*priv = s;
	return 0;
}

static int sim_set(void *priv, int index, int lit, fs_err *err)
{
	(void)err;
	sim *s = priv;
	pthread_mutex_lock(&s->lock);
	record(s, index, lit ? 1 : 0);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int sim_button_level(void *priv, fs_err *err)
{
	(void)err;
	sim *s = priv;
	pthread_mutex_lock(&s->lock);
	int lv = s->pin_high;
	pthread_mutex_unlock(&s->lock);
	return lv;
}

static int sim_button_edge(void *priv, int timeout_ms, fs_err *err)
{
	(void)err;
	sim *s = priv;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long long ns = ts.tv_nsec + (long long)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
	ts.tv_sec += ns / 1000000000;
	ts.tv_nsec = ns % 1000000000;
	pthread_mutex_lock(&s->lock);
	while (!s->pending_edges && timeout_ms != 0) {
		int rc = timeout_ms < 0 ? pthread_cond_wait(&s->edge, &s->lock)
					: pthread_cond_timedwait(&s->edge, &s->lock, &ts);
		if (rc == ETIMEDOUT)
			break;
	}
	int got = s->pending_edges > 0;
	if (got)
		s->pending_edges--;
	pthread_mutex_unlock(&s->lock);
	return got;
}

static void sim_close(void *priv)
{
	sim *s = priv;
	pthread_mutex_lock(&s->lock);
	for (int i = 0; i <= s->cfg.n_lines; i++)
		if (s->lit[i])
			record(s, i, 0);
	pthread_mutex_unlock(&s->lock);
	pthread_cond_destroy(&s->edge);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

const fs_leds_ops fs_leds_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.set = sim_set,
	.button_level = sim_button_level,
	.button_edge = sim_button_edge,
	.close = sim_close,
};

/* ---- inspection (leds_sim.h) ------------------------------------------ */

bool fs_leds_is_sim(const fs_leds *l)
{
	return fs_leds_backend_priv(l, &fs_leds_sim_ops) != NULL;
}

int fs_leds_sim_lit(const fs_leds *l, const char *spec)
{
	sim *s = fs_leds_backend_priv(l, &fs_leds_sim_ops);
	if (!s)
		return -ENOTSUP;
	int index = -1;
	if (s->cfg.status[0] && strcmp(spec, s->cfg.status) == 0)
		index = s->cfg.n_lines;
	for (int i = 0; i < s->cfg.n_lines && index < 0; i++)
		if (strcmp(s->cfg.lines[i].spec, spec) == 0)
			index = i;
	if (index < 0)
		return -ENOENT;
	pthread_mutex_lock(&s->lock);
	int lit = s->lit[index];
	pthread_mutex_unlock(&s->lock);
	return lit;
}

int fs_leds_sim_history(const fs_leds *l, fs_leds_sim_change *out, int max)
{
	sim *s = fs_leds_backend_priv(l, &fs_leds_sim_ops);
	if (!s)
		return -ENOTSUP;
	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < max && i < s->n_log && i < SIM_LOG_MAX; i++)
		out[i] = s->log[i];
	int n = s->n_log;
	pthread_mutex_unlock(&s->lock);
	return n;
}

int fs_leds_sim_button_pin(fs_leds *l, bool high, fs_err *err)
{
	sim *s = fs_leds_backend_priv(l, &fs_leds_sim_ops);
	if (!s)
		return fs_err_set(err, -ENOTSUP, "leds: backend '%s' is not the sim backend",
				  fs_leds_backend_config(l)->backend);
	if (!s->cfg.button[0])
		return fs_err_set(err, -ENOTSUP, "leds: the board has no button");
	pthread_mutex_lock(&s->lock);
	if (s->pin_high != high) {
		s->pin_high = high;
		s->pending_edges++;
		pthread_cond_broadcast(&s->edge);
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}
