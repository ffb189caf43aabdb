/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * accel — inference accelerators, chosen by the board's
 * `[board] accelerator = NAME` from a table of providers (accel.c). A
 * provider opens its device and fills the fw_engine_backend the engine
 * drives (custom-op fsnn backends, invoke, reset). An accelerator that is
 * configured but absent is not an error: the run uses the CPU and says why.
 *
 * Adding one (e.g. the Coral USB "edgetpu"): a file accel_NAME.c defining
 * a fw_accel_provider, and one line in the table in accel.c.
 */
#ifndef FW_ACCEL_H
#define FW_ACCEL_H

#include <stddef.h>

#include "config/config.h"
#include "err/fs_err.h"
#include "segment/segment.h"

typedef struct fw_accel fw_accel;

/* Opens board->accelerator. 0 with *out set: present; 0 with *out NULL:
 * none configured, absent, or no driver in this build (note says which and
 * that the CPU is used); negative: present but unusable (err). */
int fw_accel_open(const fw_board *board, fw_accel **out, char *note, size_t note_size, fs_err *err);
/* What the engine needs to drive it (valid until fw_accel_close). */
const fw_engine_backend *fw_accel_backend(const fw_accel *a);
const char *fw_accel_name(const fw_accel *a);
/* After every engine using it is closed. NULL is allowed. */
void fw_accel_close(fw_accel *a);

/* ---- for providers (accel_*.c) ------------------------------------------ */

typedef struct fw_accel_provider {
	const char *name;      /* [board] accelerator = NAME */
	/* 0: present, *state and *backend filled; 1: absent (note says why);
	 * negative: error. */
	int (*open)(const fw_board *board, void **state, fw_engine_backend *backend, char *note,
		    size_t note_size, fs_err *err);
	void (*close)(void *state);
} fw_accel_provider;

#endif
