/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * leds_sim — the "sim" LED backend's own options and inspection: GPIO
 * lines in memory that record every change, for tests and the simulated
 * board. Only code that knows it runs on the simulated board includes
 * this; leds.h carries nothing of it.
 */
#ifndef FS_LEDS_SIM_H
#define FS_LEDS_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "leds.h"

/* One simulated chip and its line names, so that lookups and their errors
 * behave as on hardware. */
typedef struct fs_leds_sim_chip {
	char name[FS_LEDS_NAME_MAX];               /* e.g. "gpiochip0" */
	int n_lines;
	char line_names[FS_LEDS_MAX_LINES][FS_LEDS_NAME_MAX]; /* "" = unnamed */
} fs_leds_sim_chip;

/* fs_leds_config.backend_opts for "sim". NULL (or n_chips == 0) makes one
 * chip "sim0" holding every line the config names. */
typedef struct fs_leds_sim_opts {
	int n_chips;
	fs_leds_sim_chip chips[4];
} fs_leds_sim_opts;

/* One recorded change of an output line (spec as configured). */
typedef struct fs_leds_sim_change {
	int line;          /* index into cfg.lines, or -1 for the status LED */
	bool lit;
	uint64_t time_ns;  /* CLOCK_MONOTONIC */
} fs_leds_sim_change;

/* Whether leds runs on the sim backend. */
bool fs_leds_is_sim(const fs_leds *leds);
/* Whether the line `spec` is lit now (1/0), negative if not a sim line. */
int fs_leds_sim_lit(const fs_leds *leds, const char *spec);
/* Copies up to max recorded changes; returns how many were recorded in
 * total (the log keeps the first 4096), -ENOTSUP on another backend. */
int fs_leds_sim_history(const fs_leds *leds, fs_leds_sim_change *out, int max);
/* Drives the simulated button pin (true = pin high) as a person would. */
int fs_leds_sim_button_pin(fs_leds *leds, bool high, fs_err *err);

#endif
