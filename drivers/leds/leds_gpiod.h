/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * leds_gpiod — the "gpiod" LED backend's own options (libgpiod 1.6).
 */
#ifndef FS_LEDS_GPIOD_H
#define FS_LEDS_GPIOD_H

#include <stdbool.h>

/* fs_leds_config.backend_opts for "gpiod"; NULL = defaults. */
typedef struct fs_leds_gpiod_opts {
	/* Skip the kill -9 guard process (tests that must not leave a forked
	 * child behind). Without outputs there is never a guard. */
	bool no_guard_process;
} fs_leds_gpiod_opts;

#endif
