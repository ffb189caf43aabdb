/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * record — what a run leaves on the data partition besides the FOV
 * folders: RESULTS/run-NNNN, the hash-chained audit.log, run.json
 * (rewritten after every FOV and at the end: status, self-test, models,
 * accelerator state, per-FOV backend and timings, totals, config) and the
 * run's COMPLETE marker. Also the run's status: the first fatal problem
 * and its blink code. Every function may be called from any stage thread.
 */
#ifndef FW_RECORD_H
#define FW_RECORD_H

#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "err/fs_err.h"
#include "leds/leds.h"
#include "segment/segment.h"

/* Status LED blink codes (N short blinks, pause, repeat). */
enum fw_blink {
	FW_BLINK_CONFIG = 1,   /* configuration unreadable or invalid */
	FW_BLINK_CAMERA = 2,   /* camera does not open or deliver a frame, or was lost */
	FW_BLINK_LEDS = 3,     /* an illumination line cannot be driven */
	FW_BLINK_MODEL = 4,    /* model missing, wrong hash or not loadable */
	FW_BLINK_STORAGE = 5,  /* data storage not writable or too full */
};

/* Self-test results, in the order they ran. */
typedef struct fw_check {
	char name[24];
	int ok;
	char detail[400];
} fw_check;

typedef struct fw_checks {
	fw_check items[8];
	int n;
} fw_checks;

/* Adds a result and logs "self-test NAME ok|FAIL: detail". */
void fw_checks_add(fw_checks *cs, FILE *log, const char *name, int ok, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* One completed FOV as run.json lists it. */
typedef struct fw_fov_record {
	int fov, cells, blurred, tiles;
	int border, clumps, interior_single, specks;   /* fw_cells_flag counts, specks dropped */
	double focus, confluence;
	char backend[32];
	char why[512];
	double t_capture, t_infer, t_segment, t_analysis, t_write;
	char time[40];                 /* ISO 8601 UTC of the FOV's first frame */
	unsigned frame_seq;            /* the camera's sequence number of that frame */
	double area_mm2;               /* imaged area of the FOV */
} fw_fov_record;

/* What run.json says about the hardware and models (set once, after the
 * self-test; the pointers must outlive the record's last write). */
typedef struct fw_record_rig {
	int width, height, depth;
	const fw_engine *cpu, *accel;
	const char *accel_note;
	const fs_leds *leds;
	/* Extra members written once the run has ended (board hooks). */
	void (*exit_json)(FILE *o, const void *user);
	const void *exit_user;
} fw_record_rig;

typedef struct fw_record_totals {
	char run_dir[600];
	char status[600];
	int fovs, cells, fell_back;
	int usable_fovs, usable_cells;   /* not blurred: the slide summary's count */
	double wall_s, infer_s, fovs_per_min;
} fw_record_totals;

typedef struct fw_record fw_record;

int fw_record_new(const fw_config *cfg, FILE *log, fw_record **out, fs_err *err);
/* Closes the audit log. NULL is allowed. */
void fw_record_free(fw_record *rec);

/* RESULTS/run-NNNN, audit.log (run_start, one line per check), the first
 * run.json. checks is copied. */
int fw_record_start(fw_record *rec, const fw_record_rig *rig, const fw_checks *checks, fs_err *err);
/* Whether start got as far as the audit log (a run folder to record in). */
int fw_record_has_dir(const fw_record *rec);
const char *fw_record_dir(const fw_record *rec);
/* The device id in run.json, every image's metadata and the audit log:
 * [storage] device_id, else /etc/machine-id (first 12 hex digits), else
 * the host name. */
const char *fw_record_device(const fw_record *rec);
/* The same resolution for callers without a record (`fieldscope segment`). */
void fw_device_id(const fw_config *cfg, char *out, size_t size);
int fw_record_run_no(const fw_record *rec);

/* First fatal problem wins (status and blink code); later ones are only
 * logged. */
void fw_record_fail(fw_record *rec, int blink, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Non-zero once failed; *blink (may be NULL) receives the code. */
int fw_record_failed(fw_record *rec, int *blink);
/* The end status ("stopped by SIGTERM", ...), unless one is set already. */
void fw_record_status(fw_record *rec, const char *msg);
void fw_record_audit(fw_record *rec, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The run moved to the CPU model, and why. */
void fw_record_fallback(fw_record *rec, const char *why);
/* A FOV was captured but discarded (its frames were not valid). */
void fw_record_discarded(fw_record *rec);
/* The first FOV's start (for FOVs per minute); later calls are ignored. */
void fw_record_first_fov(fw_record *rec, double t_ms);
/* A FOV is complete: totals, its line, run.json rewritten. */
int fw_record_fov(fw_record *rec, const fw_fov_record *f, fs_err *err);
/* The self-test failed after the run folder existed: status "failed: msg",
 * ended, run.json. */
void fw_record_abort(fw_record *rec, const char *msg);
/* End: ended, status, run_end audit line, the final run.json, and
 * COMPLETE unless the run failed. */
void fw_record_finish(fw_record *rec);
void fw_record_get_totals(fw_record *rec, fw_record_totals *t);

/* Bytes one FOV's results can take at most (raw frames, analysed image,
 * labels, overlay, CSV), for a camera of w x h at depth bits. */
uint64_t fw_record_fov_bytes(const fw_config *cfg, int w, int h, int depth);
/* Free space a run needs before its next FOV: min_free_mb, the FOV's
 * worst case and the end-of-run reserve. The self-test and the per-FOV
 * check both use it, so a run that is started can always hold one FOV. */
uint64_t fw_record_space_needed(const fw_config *cfg, int w, int h, int depth);

/* ---- after the fact: verify and recover run folders ---------------------- */

typedef struct fw_verify_stats {
	int audit_lines, fovs_verified, incomplete, run_complete;
} fw_verify_stats;

/* `fieldscope verify`: the audit chain holds; every FOV with COMPLETE has
 * each file it lists with the listed SHA-256 and is in the audit log. An
 * error names the first bad file. FOVs without COMPLETE are counted. */
int fw_run_verify(const char *run_dir, fw_verify_stats *st, fs_err *err);

typedef struct fw_recover_stats {
	int runs, fovs_recovered, tmp_removed;
} fw_recover_stats;

/* Start-up recovery after kill -9 or a power cut, for each run folder in
 * results_dir that did not end (no COMPLETE, no run_end/run_recovered
 * line): removes temporaries (*.tmp, the space reserve), cuts an
 * unfinished audit line, appends a fov_recovered line for each FOV whose
 * COMPLETE verifies but is not in the log, then run_recovered, and marks
 * run.json "interrupted". Logged to log. */
int fw_record_recover(const char *results_dir, FILE *log, fw_recover_stats *st, fs_err *err);

#endif
