/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to firmware/segment: the engine object shared by engine.c (load,
 * pin, invoke with a deadline, reset), pool.c (helper threads running
 * tiles on their own contexts) and tiling.c (the tile plan and stitching).
 */
#ifndef FW_SEGMENT_PRIV_H
#define FW_SEGMENT_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "segment.h"

#define FW_MAX_POOL 15
#define FW_MAX_TILES 512

/* One fw_segment call: the tile grid, lookups and where results go. Tiles
 * are taken by index from `next`; each writes only its own core region of
 * the mask, so workers never touch the same bytes. */
typedef struct seg_job {
	const fs_image *g;
	const fw_seg_opts *o;
	uint8_t *mask;
	int nx, ny;
	int ox[FW_MAX_TILES], cx0[FW_MAX_TILES], cx1[FW_MAX_TILES];
	int oy[FW_MAX_TILES], cy0[FW_MAX_TILES], cy1[FW_MAX_TILES];
	uint8_t in_lut[256], in_zero, fg_lut[256];
	fw_output_kind kind;
	double logit_thr;
	atomic_int next;
	atomic_int failed;
	pthread_mutex_t mu;  /* guards err, tiles */
	int rc, tiles;
	fs_err err;
} seg_job;

typedef struct pool_worker {
	struct fw_engine *engine;
	fsnn_context *ctx;   /* its own arena: contexts are per thread */
	pthread_t thread;
} pool_worker;

/* Tile-parallel CPU inference: helper threads with their own contexts,
 * woken once per fw_segment call (gen). */
typedef struct seg_pool {
	int n, ready;
	pool_worker workers[FW_MAX_POOL];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned long gen;
	int busy, quit;
	seg_job *job;
} seg_pool;

struct fw_engine {
	char name[32];
	char path[512];
	char sha256[65];
	fsnn_model *model;
	fsnn_context *ctx;
	fsnn_tensor_info in, out;
	int tile_w, tile_h, in_c, out_c;
	fw_engine_backend backend;  /* zero: plain CPU */

	/* Supervised worker (threaded engines), guarded by mu. */
	int threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;   /* CLOCK_MONOTONIC */
	int started;
	int request, busy, quit, dead;
	long invocations;
	int rc;
	fs_err werr;

	seg_job *job;        /* allocated with the engine: nothing per call */
	seg_pool pool;
};

/* pool.c: starts `helpers` threads (each with a context of e's model);
 * pool_run has them and the caller work through j; pool_stop joins. */
int seg_pool_start(fw_engine *e, int helpers, fs_err *err);
void seg_pool_run(fw_engine *e, seg_job *j);
void seg_pool_stop(fw_engine *e);

/* tiling.c: the per-engine tile plan, and one worker's share of a job. */
int seg_job_new(fw_engine *e, fs_err *err);
void seg_job_free(fw_engine *e);
void seg_work_tiles(fw_engine *e, fsnn_context *ctx, seg_job *j);

#endif
