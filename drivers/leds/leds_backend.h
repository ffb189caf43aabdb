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
} fs_leds_ops;

extern const fs_leds_ops fs_leds_sim_ops;
extern const fs_leds_ops fs_leds_gpiod_ops;

/* sim inspection hooks (leds_sim.c) */
int fs_leds_sim_priv_lit(void *priv, int index);
int fs_leds_sim_priv_history(void *priv, fs_leds_sim_change *out, int max);
int fs_leds_sim_priv_pin(void *priv, bool high);

/* Spec parsing shared by backends: "chip:offset" -> 1 with chip/offset
 * filled, plain name -> 0. */
int fs_leds_spec_split(const char *spec, char *chip, size_t chip_size, unsigned *offset);

uint64_t fs_leds_now_ns(void);

#endif
