/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to drivers/leds: the function table each backend fills in.
 * Output index i < n_lines is cfg.lines[i]; index n_lines is the status
 * LED. Values are logical (1 = lit); backends apply active_low.
 */
#ifndef FS_LEDS_BACKEND_H
#define FS_LEDS_BACKEND_H

#include "leds.h"

typedef struct fs_leds_ops {
	const char *name;
	/* Resolves and requests every line with outputs off. */
	int (*open)(const fs_leds_config *cfg, void **priv, fs_err *err);
	int (*set)(void *priv, int index, int lit, fs_err *err);
	/* Button pin level (1 high, 0 low). */
	int (*button_level)(void *priv, fs_err *err);
	/* 1 when an edge arrived within timeout_ms (-1 = forever), 0 timeout. */
	int (*button_edge)(void *priv, int timeout_ms, fs_err *err);
	/* Switches off and releases everything. */
	void (*close)(void *priv);
	/* Lists what the backend can see (fsprobe); returns chips or -errno.
	 * May be NULL. */
	int (*probe)(FILE *out, fs_err *err);
} fs_leds_ops;

/* The backend table (leds.c) holds these; a new backend is one file
 * defining its ops plus one line there. */
extern const fs_leds_ops fs_leds_sim_ops;
extern const fs_leds_ops fs_leds_gpiod_ops;

/* The backend state of leds when it runs on `ops`, else NULL: how a
 * backend's own inspection functions (leds_sim.h) reach their state
 * without leds.c knowing them. */
void *fs_leds_backend_priv(const fs_leds *leds, const fs_leds_ops *ops);
/* The configuration leds was opened with (after defaults). */
const fs_leds_config *fs_leds_backend_config(const fs_leds *leds);

/* Spec parsing shared by backends: "chip:offset" -> 1 with chip/offset
 * filled, plain name -> 0. */
int fs_leds_spec_split(const char *spec, char *chip, size_t chip_size, unsigned *offset);

uint64_t fs_leds_now_ns(void);

#endif
