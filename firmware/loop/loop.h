/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loop — the supervisory loop: the self-test (selftest/), then the FOV
 * pipeline (pipeline/) with its record (record/), while the calling thread
 * supervises (supervisor.c): it blocks SIGINT/SIGTERM, takes them with
 * sigtimedwait, pings the systemd watchdog and blinks the status LED.
 * What only a simulated board does (a SIGUSR1 button, its LED record) is
 * in simboard.c, found by the board's LED backend name.
 */
#ifndef FW_LOOP_H
#define FW_LOOP_H

#include <stdio.h>

#include "config/config.h"
#include "err/fs_err.h"
#include "record/record.h"   /* enum fw_blink */
#include "util/util.h"       /* FW_VERSION */

typedef struct fw_run_summary {
	char run_dir[600];
	int fovs_done;
	int cells_total;
	double wall_s;
	double infer_s;        /* time inside inference (all FOVs) */
	double fovs_per_min;
	char status[600];      /* "completed", "stopped by signal", or the error */
	int fell_back;         /* the run moved to the CPU model */
} fw_run_summary;

/* The loop. Returns 0 after a clean end (max_fovs reached, replay ended,
 * SIGINT/SIGTERM), negative with err filled otherwise. LEDs are dark on
 * every return. log receives human-readable progress (may be NULL). */
int fw_run(const fw_config *cfg, FILE *log, fw_run_summary *summary, fs_err *err);

/* Boot self-test only; prints each check. Returns 0 if all pass, else the
 * negative error of the first failure (with its blink code in *blink). */
int fw_selftest(const fw_config *cfg, FILE *log, int *blink, fs_err *err);

/* The per-FOV pipeline on one image file: writes OUT/<stem>/labels.png
 * (16-bit), overlay.png and cells.csv. model overrides cfg's CPU model
 * when not NULL. With a reference mask (8-bit PNG of the image's size,
 * cells >= 128), the cells are scored against it: a log line and
 * OUT/<stem>/score.json. *ncells receives the cell count. */
int fw_segment_file(const fw_config *cfg, const char *image, const char *out_dir, const char *model,
		    const char *reference, FILE *log, int *ncells, fs_err *err);

#endif
