/*
 * loop — the supervisory loop: self-test, then per field of view
 * illuminate -> capture -> segment -> measure -> save, with capture,
 * inference and writing in three threads joined by bounded queues, and
 * every buffer allocated before the first frame.
 *
 * The calling thread supervises: it blocks SIGINT/SIGTERM (and SIGUSR1,
 * a simulated button press on the sim board), takes them with
 * sigtimedwait, pings the systemd watchdog and blinks the status LED.
 */
#ifndef FW_LOOP_H
#define FW_LOOP_H

#include <stdio.h>

#include "config/config.h"
#include "err/fs_err.h"

#define FW_VERSION "0.1.0"

/* Status LED blink codes (N short blinks, pause, repeat). */
enum fw_blink {
	FW_BLINK_CONFIG = 1,   /* configuration unreadable or invalid */
	FW_BLINK_CAMERA = 2,   /* camera does not open or deliver a frame, or was lost */
	FW_BLINK_LEDS = 3,     /* an illumination line cannot be driven */
	FW_BLINK_MODEL = 4,    /* model missing, wrong hash or not loadable */
	FW_BLINK_STORAGE = 5,  /* data storage not writable or too full */
};

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
 * when not NULL. *ncells receives the cell count. */
int fw_segment_file(const fw_config *cfg, const char *image, const char *out_dir, const char *model,
		    FILE *log, int *ncells, fs_err *err);

#endif
