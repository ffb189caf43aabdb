/*
 * pipeline — the FOV pipeline. Per field of view: capture (trigger, LEDs
 * per illumination step, camera with reopen on faults, DPC) -> inference
 * (tiles on the accelerator while it is healthy, else the CPU) ->
 * analysis (labels, per-cell measures, focus) -> writing (PNGs, cells.csv,
 * the FOV's COMPLETE last). fw_pipeline runs the stages as three threads
 * joined by bounded queues over three FOV slots, every buffer allocated
 * before the first frame; fw_fov is one FOV's analysis and result files,
 * the same code `fieldscope segment` runs on one image.
 */
#ifndef FW_PIPELINE_H
#define FW_PIPELINE_H

#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "image/image.h"
#include "proc/proc.h"
#include "record/record.h"
#include "segment/segment.h"
#include "selftest/selftest.h"

/* ---- one FOV ---------------------------------------------------------------- */

typedef struct fw_fov {
	fs_image seg;            /* the analysed 8-bit image (DPC or one step) */
	uint8_t *mask;
	uint32_t *labels;
	fw_cell *cells;
	int ncells;
	double focus, confluence;
	int blurred, tiles;
	double t_infer, t_segment, t_analysis;
} fw_fov;

/* File hashes collected for a FOV's COMPLETE marker. */
typedef struct fw_fov_hashes {
	char name[8][80];
	char sha256[8][65];
	int n;
} fw_fov_hashes;

/* Buffers for a w x h FOV; alloc_seg: also the 8-bit analysed image
 * (otherwise the caller fills seg, e.g. from a PNG). */
int fw_fov_alloc(fw_fov *f, int w, int h, int alloc_seg, fs_err *err);
void fw_fov_free(fw_fov *f);
/* [model] output as the segmenter takes it. */
fw_output_kind fw_output_kind_of(const char *model_output);
/* Mask -> labels -> per-cell measures, confluence, focus, blurred. */
int fw_fov_analyse(fw_fov *f, fw_proc *proc, const fw_config *cfg, fs_err *err);
/* Writes DIR/name durably; adds its hash to h (may be NULL). */
int fw_fov_write_png(const char *dir, const char *name, const fs_image *img, int compression, fw_fov_hashes *h,
		     fs_err *err);
/* labels.png (16-bit), overlay.png and cells.csv into dir; label16 and
 * overlay are scratch images of the FOV's size. */
int fw_fov_write_results(const fw_fov *f, const char *dir, const fw_config *cfg, fs_image *label16,
			 fs_image *overlay, fw_fov_hashes *h, fs_err *err);

/* ---- the three-stage loop ---------------------------------------------------- */

typedef struct fw_pipeline fw_pipeline;

/* Every buffer for FOVs of the rig's camera size. The rig and record are
 * borrowed and must outlive the pipeline. */
int fw_pipeline_new(const fw_config *cfg, FILE *log, fw_rig *rig, fw_record *rec, fw_pipeline **out,
		    fs_err *err);
/* Starts the stage threads; a thread that cannot start fails the run
 * (blink 1). Returns how many started. */
int fw_pipeline_start(fw_pipeline *p);
/* Whether any stage thread is still working. */
int fw_pipeline_running(fw_pipeline *p);
/* A stop request: no new FOV; the one in inference is abandoned at its
 * next tile and queued ones are dropped; the one being written finishes. */
void fw_pipeline_stop(fw_pipeline *p);
/* Whether a stop was requested or a stage failed. */
int fw_pipeline_stopping(fw_pipeline *p);
void fw_pipeline_join(fw_pipeline *p);
/* Joins with a bound: -ETIMEDOUT when a stage is still running at
 * deadline_ms (fw_now_ms() clock); the pipeline must then not be freed. */
int fw_pipeline_join_until(fw_pipeline *p, double deadline_ms);

enum { FW_STAGE_CAPTURE, FW_STAGE_INFER, FW_STAGE_WRITE, FW_NSTAGES };
/* The first stage that is busy and has not reported progress for longer
 * than stall_ms: its index (*silent_ms how long), or -1. */
int fw_pipeline_stalled(fw_pipeline *p, double stall_ms, double *silent_ms);
const char *fw_stage_name(int stage);
void fw_pipeline_free(fw_pipeline *p);

#endif
