/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config — fieldscope.conf and board/<name>.conf: a small INI dialect
 * ("[section]", "key = value", '#' or ';' comments), table-driven so that
 * every key has one documented default and range, and every error names
 * file:line, the key, the value and what is allowed.
 *
 * Relative paths in a file are taken relative to that file's folder, so a
 * config next to its models and demo images works from any directory.
 */
#ifndef FW_CONFIG_H
#define FW_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "err/fs_err.h"
#include "leds/leds.h"
#include "camera/camera.h"

#define FW_PATH_MAX 512
#define FW_NAME_MAX 48
#define FW_MAX_STEPS 8

typedef enum fw_trigger {
	FW_TRIGGER_CONTINUOUS = 0,
	FW_TRIGGER_INTERVAL = 1,
	FW_TRIGGER_BUTTON = 2,
} fw_trigger;

/* One option from a backend's own section of the board file ([sim]
 * hang_from = 2): kept by name so that the board carries no backend's
 * fields; the backend reads it with fw_board_opt_int. */
typedef struct fw_backend_opt {
	char section[16];
	char key[32];
	int value;
} fw_backend_opt;
#define FW_MAX_BACKEND_OPTS 8

/* One step of the illumination sequence: a named LED pattern. */
typedef struct fw_step {
	char name[FW_NAME_MAX];
} fw_step;

typedef struct fw_board {
	char name[FW_NAME_MAX];
	char path[FW_PATH_MAX];          /* the board file that was read */
	double pixel_size_um;            /* object-side size of one pixel */
	char objective[FW_NAME_MAX];     /* e.g. "40x/0.65 plan achromat" (run.json only) */
	double magnification;            /* total, sensor side / object side; 0 = not given */
	double sensor_pixel_um;          /* camera pixel pitch; 0 = not given */
	char accelerator[16];            /* "none", "edgetpu" or "sim" */
	fs_leds_config leds;             /* lines, patterns, status LED, button */
	fs_camera_config camera;
	int n_steps;
	fw_step steps[FW_MAX_STEPS];     /* the default illumination sequence */
	char segment_input[FW_NAME_MAX]; /* "dpc" or the name of one step */
	char dpc_left[FW_NAME_MAX];      /* steps combined into DPC */
	char dpc_right[FW_NAME_MAX];
	int settle_ms;                   /* LED on -> capture */
	int capture_timeout_ms;
	int n_opts;                      /* backend sections (see fw_backend_opt) */
	fw_backend_opt opts[FW_MAX_BACKEND_OPTS];
} fw_board;

typedef struct fw_config {
	char path[FW_PATH_MAX];          /* the config file that was read */
	char board_ref[FW_PATH_MAX];     /* as written: a name or a path */
	char board_dir[FW_PATH_MAX];
	fw_board board;

	char results_dir[FW_PATH_MAX];
	char device_id[64];              /* "" = /etc/machine-id, else the host name */
	char run_name[8];                /* "number": run-NNNN; "dated": DATE-DEVICE-run-NNNN */
	int min_free_mb;
	fw_trigger trigger;
	double interval_s;
	int max_fovs;                    /* 0 = until stopped */
	int target_cells;                /* counting target for the slide (0 = none) */

	char model_cpu[FW_PATH_MAX];
	char model_cpu_sha256[65];       /* "" = not checked */
	char model_accel[FW_PATH_MAX];   /* "" = none */
	char model_accel_sha256[65];

	double threshold;                /* on the foreground probability */
	char model_output[16];           /* "auto", "probability", "logit" */
	int tile_overlap;                /* pixels shared by neighbouring tiles */
	int min_cell_area_px;
	int grow_px;                     /* per-cell dilation after labelling */
	int connectivity;                /* 4 or 8 */
	int max_image_mpx;               /* segment: refuse larger PNGs before decoding */
	bool separate;                   /* split touching cells (watershed, proc/separate.c) */
	double split_depth_px;           /* h-maxima depth for a split, px of distance */
	double speck_fraction;           /* interior pieces < this x median area are dropped */
	double clump_factor;             /* cells > this x median area are flagged clumps */
	double focus_min;                /* below: the FOV is flagged blurred */
	int inference_threads;           /* CPU threads for inference; 0 = auto */
	char parallel[8];                /* "ops" (threads inside each invoke) or "tiles" */
	int max_arena_mb;                /* CPU model's activation memory limit; 0 = file size only */

	int inference_deadline_ms;       /* accelerator invoke deadline */
	int inference_retries;           /* resets+retries before CPU fallback */
	int camera_retries;              /* reopen attempts before giving up */
	int camera_backoff_ms;           /* first reopen delay, doubles */
	int watchdog_ms;                 /* 0 = take systemd's WATCHDOG_USEC */
	int stall_ms;                    /* busy stage without progress: stop pinging; 0 = off */
	int stop_timeout_ms;             /* bound on a stop (SIGTERM, stall) */
	int error_blink_s;               /* blink the failure code before exit */

	bool save_raw;
	char save_raw_format[12];        /* "png" or "ome-tiff" */
	int png_compression;             /* 0..9 */
	char png_filter[12];             /* "up", "sub", "paeth", "none" or "adaptive" */
	int write_threads;               /* PNG encoders per FOV; 0 = CPUs, at most 4 */
} fw_config;

/* Defaults for every key (no board). */
void fw_config_defaults(fw_config *cfg);

/* Reads a fieldscope.conf and the board file it names. Errors are -EINVAL
 * (bad key or value), -ENOENT (missing file) with a one-line message. */
int fw_config_load(const char *path, fw_config *cfg, fs_err *err);

/* Parses config text as if read from `name` (tests, --set overrides). */
int fw_config_parse(const char *text, const char *name, const char *base_dir,
		    fw_config *cfg, fs_err *err);

/* Same over `size` bytes, which may hold NULs (an error at their line):
 * the form the file readers and the fuzz target use. */
int fw_config_parse_mem(const char *text, size_t size, const char *name, const char *base_dir,
			fw_config *cfg, fs_err *err);

/* One command-line override "SECTION.KEY=VALUE" (--set), applied after
 * the file; relative paths are relative to base_dir. Board sections and
 * control characters (a newline would smuggle in a second line) are
 * errors naming the argument. cfg->path is kept. */
int fw_config_set(fw_config *cfg, const char *assignment, const char *base_dir, fs_err *err);

/* Reads a board file into cfg->board. */
int fw_board_load(const char *path, fw_board *board, fs_err *err);
int fw_board_parse(const char *text, const char *name, const char *base_dir,
		   fw_board *board, fs_err *err);
int fw_board_parse_mem(const char *text, size_t size, const char *name, const char *base_dir,
		       fw_board *board, fs_err *err);

/* The integer option section.key of a backend's board section, or def
 * when the board file does not set it (the key table gives defaults). */
int fw_board_opt_int(const fw_board *board, const char *section, const char *key, int def);

/* inference_threads resolved: 0 becomes min(online CPUs, 4). */
int fw_config_cpu_threads(const fw_config *cfg);

/* The analysis settings' checks (what `segment` needs: no board, no model
 * file of the config). fw_config_check includes them. */
int fw_config_check_analysis(const fw_config *cfg, fs_err *err);
/* Semantic checks after loading: models exist, steps name patterns, etc. */
int fw_config_check(const fw_config *cfg, fs_err *err);

/* Writes the effective config as a JSON object (for run.json). */
void fw_config_write_json(const fw_config *cfg, FILE *out);

/* Prints every key with its default, range and meaning. */
void fw_config_print_doc(FILE *out);

const char *fw_trigger_name(fw_trigger t);

#endif
