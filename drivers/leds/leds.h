/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * leds — illumination LEDs, a status LED and a push button on GPIO lines.
 *
 * A board description names illumination patterns ("brightfield",
 * "dpc-left", "fluo-405", ...) and the GPIO lines each one switches on.
 * A line is given as a spec string:
 *   "led-dpc-left"    found by its gpio-line-names name on any chip
 *   "gpiochip0:17"    chip (name, label or /dev path) and offset
 * Backends, chosen by name from a table (leds.c): "gpiod" (libgpiod 1.6
 * character device, leds_gpiod.c; a libgpiod 2 backend is one more file)
 * and "sim" (in process, leds_sim.c: records every change; tests and the
 * simulated board inspect it through leds/leds_sim.h). Options only one
 * backend understands travel in backend_opts, typed by that backend's
 * header, so this production API carries no simulation fields.
 *
 * Fail-dark: fs_leds_new switches every output off, every error path and
 * fs_leds_free leave them off, a guard thread enforces each line's maximum
 * on-time, and (gpiod) a guard process switches the lines off if this
 * process dies in any way, kill -9 included. See drivers/README.md.
 */
#ifndef FS_LEDS_H
#define FS_LEDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err/fs_err.h"

#define FS_LEDS_MAX_LINES     32  /* distinct output lines on one board */
#define FS_LEDS_MAX_PATTERNS  16
#define FS_LEDS_NAME_MAX      48

/* One output line of the board. */
typedef struct fs_leds_line_cfg {
	char spec[FS_LEDS_NAME_MAX]; /* "name" or "chip:offset" */
	bool active_low;             /* lit when the pin is driven low */
	unsigned max_on_ms;          /* 0 = no limit; switched off when exceeded */
} fs_leds_line_cfg;

/* A named set of lines lit together. */
typedef struct fs_leds_pattern_cfg {
	char name[FS_LEDS_NAME_MAX];
	int n_lines;
	int lines[FS_LEDS_MAX_LINES]; /* indexes into fs_leds_config.lines */
} fs_leds_pattern_cfg;

typedef struct fs_leds_config {
	char backend[16];            /* "gpiod" or "sim" */
	char consumer[32];           /* shown by gpioinfo; "" = "fieldscope" */
	int n_lines;
	fs_leds_line_cfg lines[FS_LEDS_MAX_LINES];
	int n_patterns;
	fs_leds_pattern_cfg patterns[FS_LEDS_MAX_PATTERNS];
	char status[FS_LEDS_NAME_MAX];  /* status LED spec, "" = none */
	bool status_active_low;
	char button[FS_LEDS_NAME_MAX];  /* button input spec, "" = none */
	bool button_active_low;         /* pressed when the pin reads low */
	unsigned debounce_ms;           /* 0 = 30 ms */
	/* The backend's own options, read once by fs_leds_new (NULL =
	 * defaults): fs_leds_sim_opts (leds/leds_sim.h) for "sim",
	 * fs_leds_gpiod_opts (leds/leds_gpiod.h) for "gpiod". */
	const void *backend_opts;
} fs_leds_config;

/* Builds configs from text, as a board file would give them. */
void fs_leds_config_init(fs_leds_config *cfg, const char *backend);
/* Adds (or finds) a line; returns its index or a negative error. */
int fs_leds_config_line(fs_leds_config *cfg, const char *spec, bool active_low,
			unsigned max_on_ms, fs_err *err);
/* Adds pattern `name` lighting the comma-separated line specs in `specs`
 * (lines not yet known are added active-high with no time limit). */
int fs_leds_config_pattern(fs_leds_config *cfg, const char *name, const char *specs,
			   fs_err *err);

typedef struct fs_leds fs_leds;

/* Whether a backend of that name is built in (the table in leds.c is the
 * one list); names receives "gpiod or sim" for messages (may be NULL). */
bool fs_leds_backend_known(const char *name, char *names, size_t size);

/* Opens the lines (all switched off) and starts the on-time guard.
 * Errors: -ENOENT unknown line name (the message lists every chip's line
 * names), -EBUSY line in use (names the consumer), -ENODEV no such chip. */
int fs_leds_new(const fs_leds_config *cfg, fs_leds **out, fs_err *err);
/* Switches everything off and releases the lines. NULL is allowed. */
void fs_leds_free(fs_leds *leds);

/* Switches to exactly this pattern: lines of other patterns go off first. */
int fs_leds_set_pattern(fs_leds *leds, const char *pattern, fs_err *err);
int fs_leds_all_off(fs_leds *leds, fs_err *err);
int fs_leds_set_status(fs_leds *leds, bool on, fs_err *err);
/* Name of the pattern lit now, or NULL when dark. A pattern cut by the
 * on-time guard reads as NULL. */
const char *fs_leds_current(const fs_leds *leds);
/* Number of times the guard cut a line for exceeding max_on_ms; the loop
 * should treat frames taken then as bad. */
unsigned fs_leds_overtime_count(const fs_leds *leds);

/* Pattern names, for listing (0 <= i < count). */
int fs_leds_pattern_count(const fs_leds *leds);
const char *fs_leds_pattern_name(const fs_leds *leds, int i);

/* Button: a debounced state change. */
typedef struct fs_button_event {
	bool pressed;         /* new debounced state */
	uint64_t time_ns;     /* CLOCK_MONOTONIC of the first edge */
} fs_button_event;

/* Waits up to timeout_ms (-1 = forever) for a debounced button change.
 * Returns 1 with *ev filled, 0 on timeout, negative on error (-ENOTSUP
 * when the board has no button). Edges shorter than debounce_ms that
 * return to the previous state are dropped. */
int fs_leds_button_wait(fs_leds *leds, int timeout_ms, fs_button_event *ev, fs_err *err);
/* Debounced current state (1 pressed, 0 released) or negative error. */
int fs_leds_button_get(fs_leds *leds, fs_err *err);

/* ---- bring-up -------------------------------------------------------- */

/* Prints every GPIO chip and line (name, direction, consumer) the hardware
 * backends can see, as a person bringing up a board wants. Returns the
 * number of chips, or negative on error. */
int fs_leds_probe(FILE *out, fs_err *err);

#endif
