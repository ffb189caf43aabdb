/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to firmware/pipeline: what the stage threads share.
 *   queue.c    bounded queues of slot indexes between the threads
 *   fov.c      one FOV's analysis and result files (fw_fov)
 *   capture.c  trigger, LEDs, camera (with reopen), DPC
 *   infer.c    segmentation with accelerator fault handling
 *   write.c    analysis, the FOV folder and its COMPLETE marker
 *   results.c  a FOV's images (parallel, with metadata) and cells.csv
 *   ome.c      raw frames as OME-TIFF (libtiff)
 *   pipeline.c buffers, threads, stop
 */
#ifndef FW_PIPELINE_PRIV_H
#define FW_PIPELINE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "pipeline.h"

/* Three slots: one being captured, one in inference, one being written. */
#define NSLOTS 3
#define MAX_CELLS 65535
/* capture: a frame taken after the LED guard cut its light; the FOV is
 * discarded (not an error of the camera). */
#define FW_CAPTURE_DISCARD (-1000)

typedef struct queue {
	int items[NSLOTS];
	int head, count, closed;
	pthread_mutex_t mu;
	pthread_cond_t cv;
} queue;

void q_init(queue *q);
void q_destroy(queue *q);
void q_push(queue *q, int v);   /* never blocks: NSLOTS slots in all */
int q_pop(queue *q);            /* waits; -1 once closed and empty */
void q_close(queue *q);
int q_count(queue *q);          /* items queued now */

typedef struct slot {
	int fov;
	int abandoned;
	fs_image frames[FW_MAX_STEPS];
	fs_frame_meta meta[FW_MAX_STEPS];
	fw_fov f;
	char backend[32];
	char why[512];
	const char *model_sha256;   /* of the engine that segmented it */
	char time[40];              /* ISO 8601 UTC of the first frame */
	double t_capture, t_write;
} slot;

struct fw_pipeline {
	const fw_config *cfg;
	FILE *log;
	fw_rig *rig;             /* capture: leds, cam; infer: engines, note */
	fw_record *rec;
	fw_proc *proc;           /* writer only (analysis) */
	fw_fov_views views;      /* writer only */
	slot slots[NSLOTS];
	queue freeq, inferq, writeq;
	pthread_t threads[3];
	int started, joined;

	/* Heartbeats: fw_now_ms() of each stage's last progress, 0 while it
	 * waits for work (idle is not stuck). The supervisor reads them. */
	atomic_llong beat[FW_NSTAGES];

	atomic_int stop;         /* no new FOVs */
	atomic_int abandon;      /* drop FOVs not finished (also cancels tiles) */
	atomic_int threads_done;

	/* Inference thread only. */
	int fell_back, consecutive_failures;
	char fallback_why[320];
};

/* Stage heartbeats: progress now, or waiting for work. */
void stage_beat(fw_pipeline *p, int stage);
void stage_idle(fw_pipeline *p, int stage);

/* A fatal problem: recorded (first one wins) and the pipeline stops. */
void pipe_fail(fw_pipeline *p, int blink, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One grey image as OME-TIFF bytes (ome.c): *out is malloc'd. */
int fw_ome_tiff_encode(const fw_fov_image *im, const fw_config *cfg, const fw_fov_meta *m, char **out,
		       size_t *out_len, fs_err *err);

void *capture_main(void *arg);
void *infer_main(void *arg);
void *write_main(void *arg);

#endif
