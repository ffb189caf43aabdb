/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to firmware/loop: what a board's LED backend adds to a run
 * beyond the production path, found by backend name (fw_board_hooks_find).
 * Only the simulated board has any (simboard.c): SIGUSR1 presses its
 * button, and its record of every line goes into run.json and the log so
 * tests can check that every exit leaves the board dark.
 */
#ifndef FW_LOOP_HOOKS_H
#define FW_LOOP_HOOKS_H

#include <stdio.h>

#include "config/config.h"
#include "leds/leds.h"

typedef struct fw_board_hooks {
	const char *leds_backend;
	int signal;                      /* extra signal the supervisor takes; 0 = none */
	/* The signal arrived; returns when (fw_now_ms) to call on_due, 0 = never. */
	double (*on_signal)(fs_leds *leds, const fs_leds_config *lc);
	void (*on_due)(fs_leds *leds, const fs_leds_config *lc);
	/* Extra members of run.json once the run has ended (",\n  ..."). */
	void (*write_json)(FILE *o, const fs_leds *leds, const fs_leds_config *lc);
	/* One log line as the program lets go of the lines. */
	void (*log_exit)(FILE *log, const fs_leds *leds, const fs_leds_config *lc);
} fw_board_hooks;

/* The hooks of that LED backend, or NULL. */
const fw_board_hooks *fw_board_hooks_find(const char *leds_backend);

#endif
