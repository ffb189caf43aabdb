/* SPDX-License-Identifier: BSD-3-Clause */
/* The engine: one model, hashed against its pin, loaded and prepared once,
 * invoked either inline (CPU) or in a supervised worker thread with a
 * deadline (accelerators), and reset when an invoke hangs. What an
 * accelerator does differently lives in its fw_engine_backend
 * (firmware/accel/), not here. */
#include "segment_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

/* fsnn_invoke with the engine's message conventions. */
static int plain_invoke(const fw_engine *e, fsnn_context *ctx, fs_err *err)
{
	fsnn_error ferr;
	fsnn_status st = fsnn_invoke(ctx, &ferr);
	return st == FSNN_OK ? 0 : fs_err_set(err, st == FSNN_E_TIMEOUT ? -ETIMEDOUT : -EIO, "%s: %s", e->name,
					       ferr.msg);
}

static void *worker_main(void *arg)
{
	fw_engine *e = arg;
	pthread_mutex_lock(&e->mu);
	for (;;) {
		while (!e->request && !e->quit)
			pthread_cond_wait(&e->cv, &e->mu);
		if (e->quit)
			break;
		e->request = 0;
		++e->invocations;
		fs_err werr;
		fs_err_clear(&werr);
		/* Unlocked: the caller must be able to give up on a hung invoke. */
		pthread_mutex_unlock(&e->mu);
		int rc = e->backend.invoke ? e->backend.invoke(e->backend.user, e->ctx, &werr)
					   : plain_invoke(e, e->ctx, &werr);
		pthread_mutex_lock(&e->mu);
		e->rc = rc;
		e->werr = werr;
		e->busy = 0;
		pthread_cond_broadcast(&e->cv);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

static int tensor_hw(const fsnn_tensor_info *t, int *h, int *w, int *c)
{
	if (t->rank == 4 && t->dims[0] == 1) {
		*h = t->dims[1];
		*w = t->dims[2];
		*c = t->dims[3];
	} else if (t->rank == 3) {
		*h = t->dims[0];
		*w = t->dims[1];
		*c = t->dims[2];
	} else {
		return -1;
	}
	return *h > 0 && *w > 0 && *c > 0 ? 0 : -1;
}

static int type_ok(fsnn_dtype t)
{
	return t == FSNN_INT8 || t == FSNN_UINT8 || t == FSNN_FLOAT32;
}

/* Pixels one FOV sends through the network with tiles of tw x th: the
 * computation of a fully convolutional model is proportional to it. */
static double tiling_cost(const fw_engine_opts *o, int tw, int th)
{
	int org[FW_MAX_TILES], c0[FW_MAX_TILES], c1[FW_MAX_TILES];
	int nx = fw_tile_axis(o->fov_w, tw, o->overlap, org, c0, c1, FW_MAX_TILES);
	int ny = fw_tile_axis(o->fov_h, th, o->overlap, org, c0, c1, FW_MAX_TILES);
	if (nx >= FW_MAX_TILES || ny >= FW_MAX_TILES || (long)nx * ny > FW_MAX_TILES)
		return 1e300;
	return (double)nx * ny * tw * th;
}

/* Tile size for n tiles along an axis of `fov` pixels: the smallest
 * multiple of 32 (the model's largest stride) whose n tiles cover it. */
static int tile_for(int fov, int n, int overlap)
{
	long t = ((long)fov + (long)(n - 1) * overlap + n - 1) / n;
	t = (t + 31) / 32 * 32;
	return t > 65536 ? 65536 : (int)t;
}

/* Whole-FOV inference: among input sizes the graph can follow, the one
 * with the least computation per FOV whose arena fits the limit replaces
 * the file's size (a 2048^2 FOV is 9 overlapping 1024^2 tiles, 2.25x the
 * pixels of one pass). The stitched mask is the same either way. */
static int plan_tile(fw_engine *e, const fw_engine_opts *o, const fsnn_load_options *base, fs_err *err)
{
	fsnn_memory_info mem;
	fsnn_model_memory_info(e->model, &mem);
	const double file_px = (double)e->tile_w * e->tile_h;
	double best = tiling_cost(o, e->tile_w, e->tile_h);
	typedef struct { int w, h; double cost; } cand;
	cand c[36];
	int nc = 0;
	for (int ny = 1; ny <= 6; ny++)
		for (int nx = 1; nx <= 6; nx++) {
			int tw = tile_for(o->fov_w, nx, o->overlap), th = tile_for(o->fov_h, ny, o->overlap);
			double cost = tiling_cost(o, tw, th);
			/* The arena grows with the tile's area; skip what cannot fit. */
			double arena = (double)mem.arena_bytes * ((double)tw * th / file_px);
			if (cost < best && arena <= 1.05 * (double)o->max_arena_bytes &&
			    !(tw == e->tile_w && th == e->tile_h))
				c[nc++] = (cand){tw, th, cost};
		}
	/* Cheapest first (insertion sort: at most 36). */
	for (int i = 1; i < nc; i++)
		for (int j = i; j > 0 && c[j].cost < c[j - 1].cost; j--) {
			cand t = c[j];
			c[j] = c[j - 1];
			c[j - 1] = t;
		}
	for (int i = 0; i < nc; i++) {
		fsnn_load_options lo = *base;
		lo.input_height = c[i].h;
		lo.input_width = c[i].w;
		fsnn_model *m = NULL;
		fsnn_error ferr;
		if (fsnn_model_load_file(o->path, &lo, &m, &ferr) != FSNN_OK)
			continue;   /* this size cannot be followed by some op */
		fsnn_memory_info mi;
		fsnn_model_memory_info(m, &mi);
		if (mi.arena_bytes > o->max_arena_bytes) {
			fsnn_model_free(m);
			continue;
		}
		fsnn_model_free(e->model);
		e->model = m;
		fsnn_model_input_info(m, 0, &e->in);
		fsnn_model_output_info(m, 0, &e->out);
		int oh, ow;
		if (tensor_hw(&e->in, &e->tile_h, &e->tile_w, &e->in_c) || tensor_hw(&e->out, &oh, &ow, &e->out_c) ||
		    oh != e->tile_h || ow != e->tile_w)
			return fs_err_set(err, -EINVAL, "%s: at %dx%d the output is not the input's size", o->path,
					  c[i].w, c[i].h);
		return 0;
	}
	return 0;   /* the file's size is the best that fits */
}

/* Hash, pin check, load, shape check, first context. */
/* Issue 12 item 5: a 736-byte model can declare a 3 GiB arena, and every
 * tile context makes one. Checked from the plan, before any context is
 * allocated: each context's arena against [segmentation] max_arena_mb (as
 * the tile planner uses it), and all of them with scratch and the model's
 * persistent data against three quarters of the machine's memory. */
static int check_budget(const fw_engine *e, const fw_engine_opts *o, fs_err *err)
{
	fsnn_memory_info mi;
	fsnn_model_memory_info(e->model, &mi);
	int nctx = o->threaded || o->op_threads > 1 || o->cpu_threads < 1 ? 1 : o->cpu_threads;
	const double mib = 1048576.0;
	if (o->max_arena_bytes && (double)mi.arena_bytes > 1.05 * (double)o->max_arena_bytes)
		return fs_err_set(err, -EFBIG, "%s: needs a %.1f MiB arena per context at %dx%d, more than the %.1f MiB "
				  "allowed ([segmentation] max_arena_mb over %d context(s))", o->path,
				  mi.arena_bytes / mib, e->tile_w, e->tile_h, o->max_arena_bytes / mib, nctx);
	double total = ((double)mi.arena_bytes + (double)mi.scratch_bytes) * nctx + (double)mi.persistent_bytes;
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGE_SIZE);
	double machine = pages > 0 && psz > 0 ? (double)pages * (double)psz * 0.75 : 0;
	if (machine > 0 && total > machine)
		return fs_err_set(err, -EFBIG, "%s: needs %.0f MiB (arena %.0f + scratch %.0f MiB per context x %d, "
				  "persistent %.0f MiB), more than 3/4 of this machine's memory (%.0f MiB)", o->path,
				  total / mib, mi.arena_bytes / mib, mi.scratch_bytes / mib, nctx, mi.persistent_bytes / mib,
				  machine / mib);
	return 0;
}

static int load(fw_engine *e, const fw_engine_opts *o, fs_err *err)
{
	int rc0 = fw_sha256_file(o->path, e->sha256, err);
	if (rc0)
		return rc0;
	if (o->expect_sha256 && *o->expect_sha256 && strcmp(o->expect_sha256, e->sha256))
		return fs_err_set(err, -EBADMSG, "%s: SHA-256 is %s, the config expects %s (wrong or damaged model)",
				  o->path, e->sha256, o->expect_sha256);
	fsnn_load_options lo = {.backends = e->backend.backends, .num_backends = e->backend.num_backends};
	fsnn_error ferr;
	int rc;
	if (fsnn_model_load_file(o->path, &lo, &e->model, &ferr) != FSNN_OK)
		return fs_err_set(err, -EINVAL, "%s: cannot load model: %s", o->path, ferr.msg);
	if (fsnn_model_num_inputs(e->model) != 1 || fsnn_model_num_outputs(e->model) != 1)
		return fs_err_set(err, -EINVAL, "%s: expected a segmentation model with 1 input and 1 output, got %d and %d",
				  o->path, fsnn_model_num_inputs(e->model), fsnn_model_num_outputs(e->model));
	fsnn_model_input_info(e->model, 0, &e->in);
	fsnn_model_output_info(e->model, 0, &e->out);
	int oh, ow;
	if (tensor_hw(&e->in, &e->tile_h, &e->tile_w, &e->in_c) || tensor_hw(&e->out, &oh, &ow, &e->out_c) ||
	    oh != e->tile_h || ow != e->tile_w || (e->in_c != 1 && e->in_c != 3) || e->out_c > 2 ||
	    !type_ok(e->in.type) || !type_ok(e->out.type))
		return fs_err_set(err, -EINVAL,
				  "%s: expected input [1,H,W,1 or 3] and output [1,H,W,1 or 2] of int8, uint8 or "
				  "float32 (input %s rank %d, output %s rank %d)", o->path, fsnn_dtype_name(e->in.type),
				  e->in.rank, fsnn_dtype_name(e->out.type), e->out.rank);
	if (o->fov_w > 0 && o->fov_h > 0 && o->max_arena_bytes > 0 && !e->backend.num_backends &&
	    (rc = plan_tile(e, o, &lo, err)))
		return rc;
	if ((rc = check_budget(e, o, err)))
		return rc;
	fsnn_context_options co = {.num_threads = o->op_threads > 1 ? o->op_threads : 1};
	if (fsnn_context_new_opts(e->model, &co, &e->ctx, &ferr) != FSNN_OK)
		return fs_err_set(err, -ENOMEM, "%s: cannot create context: %s", o->path, ferr.msg);
	return 0;
}

static int start_worker(fw_engine *e, fs_err *err)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&e->mu, NULL);
	if (pthread_create(&e->thread, NULL, worker_main, e)) {
		pthread_cond_destroy(&e->cv);
		pthread_mutex_destroy(&e->mu);
		return fs_err_set(err, -EAGAIN, "%s: cannot start the inference worker thread", e->name);
	}
	e->started = 1;
	return 0;
}

int fw_engine_open(const fw_engine_opts *o, fw_engine **out, fs_err *err)
{
	*out = NULL;
	fw_engine *e = calloc(1, sizeof *e);
	if (!e)
		return fs_err_set(err, -ENOMEM, "engine: out of memory");
	snprintf(e->name, sizeof e->name, "%s", o->name ? o->name : "cpu");
	snprintf(e->path, sizeof e->path, "%s", o->path);
	if (o->backend)
		e->backend = *o->backend;
	e->threaded = o->threaded;
	/* Helpers only for plain CPU engines; an accelerator engine keeps its
	 * single supervised worker. */
	int rc = load(e, o, err);
	if (!rc)
		rc = seg_job_new(e, err);
	if (!rc)
		rc = seg_pool_start(e, o->threaded || o->op_threads > 1 ? 0 : o->cpu_threads - 1, err);
	if (!rc && e->threaded)
		rc = start_worker(e, err);
	if (rc) {
		fw_engine_close(e);
		return rc;
	}
	*out = e;
	return 0;
}

void fw_engine_close(fw_engine *e)
{
	if (!e)
		return;
	if (e->started) {
		pthread_mutex_lock(&e->mu);
		e->quit = 1;
		pthread_cond_broadcast(&e->cv);
		/* An invoke stuck in the backend must come back before the join;
		 * ask again while it has not (the first request may have come
		 * before the backend started waiting), for at most 2 s. */
		for (int tries = 0; e->busy && !e->dead && e->backend.reset && tries < 40; tries++) {
			pthread_mutex_unlock(&e->mu);
			e->backend.reset(e->backend.user);
			pthread_mutex_lock(&e->mu);
			struct timespec dl;
			clock_gettime(CLOCK_MONOTONIC, &dl);
			dl.tv_nsec += 50 * 1000000L;
			dl.tv_sec += dl.tv_nsec / 1000000000L;
			dl.tv_nsec %= 1000000000L;
			if (e->busy)
				pthread_cond_timedwait(&e->cv, &e->mu, &dl);
		}
		int stuck = e->dead || (e->busy && e->backend.reset);
		pthread_mutex_unlock(&e->mu);
		if (stuck) {
			/* A backend that never came back: leave its thread and memory
			 * rather than free what it may still touch. */
			pthread_detach(e->thread);
			return;
		}
		pthread_join(e->thread, NULL);
		pthread_cond_destroy(&e->cv);
		pthread_mutex_destroy(&e->mu);
	}
	seg_pool_stop(e);
	seg_job_free(e);
	fsnn_context_free(e->ctx);
	fsnn_model_free(e->model);
	free(e);
}

const char *fw_engine_name(const fw_engine *e) { return e->name; }
const char *fw_engine_sha256(const fw_engine *e) { return e->sha256; }
const char *fw_engine_path(const fw_engine *e) { return e->path; }

void fw_engine_tile_size(const fw_engine *e, int *w, int *h)
{
	*w = e->tile_w;
	*h = e->tile_h;
}

long fw_engine_invocations(const fw_engine *e)
{
	if (!e->threaded)
		return e->invocations;
	pthread_mutex_lock((pthread_mutex_t *)&e->mu);
	long n = e->invocations;
	pthread_mutex_unlock((pthread_mutex_t *)&e->mu);
	return n;
}

int fw_engine_invoke(fw_engine *e, int deadline_ms, fs_err *err)
{
	if (!e->threaded) {
		e->invocations++;
		fsnn_error ferr;
		fsnn_status st = fsnn_invoke(e->ctx, &ferr);
		return st == FSNN_OK ? 0 : fs_err_set(err, -EIO, "%s: invoke failed: %s", e->name, ferr.msg);
	}
	pthread_mutex_lock(&e->mu);
	if (e->dead || e->busy) {
		pthread_mutex_unlock(&e->mu);
		return fs_err_set(err, -EIO, "%s: backend is %s", e->name,
				  e->dead ? "unusable after a failed reset" : "still busy with an abandoned invoke");
	}
	e->request = 1;
	e->busy = 1;
	pthread_cond_broadcast(&e->cv);
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	long long ns = dl.tv_nsec + (long long)(deadline_ms > 0 ? deadline_ms : 0) * 1000000LL;
	dl.tv_sec += ns / 1000000000LL;
	dl.tv_nsec = ns % 1000000000LL;
	while (e->busy) {
		if (deadline_ms <= 0) {
			pthread_cond_wait(&e->cv, &e->mu);
		} else if (pthread_cond_timedwait(&e->cv, &e->mu, &dl) == ETIMEDOUT && e->busy) {
			pthread_mutex_unlock(&e->mu);
			return fs_err_set(err, -ETIMEDOUT, "%s: invoke passed its %d ms deadline", e->name,
					  deadline_ms);
		}
	}
	int rc = e->rc;
	if (rc && err)
		*err = e->werr;
	pthread_mutex_unlock(&e->mu);
	return rc;
}

int fw_engine_reset(fw_engine *e, fs_err *err)
{
	if (!e->threaded)
		return 0;
	if (e->backend.reset)
		e->backend.reset(e->backend.user);
	pthread_mutex_lock(&e->mu);
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += 2;
	while (e->busy && pthread_cond_timedwait(&e->cv, &e->mu, &dl) != ETIMEDOUT)
		;
	int busy = e->busy;
	if (busy)
		e->dead = 1;
	pthread_mutex_unlock(&e->mu);
	if (busy)
		return fs_err_set(err, -EIO, "%s: backend did not return within 2 s of a reset", e->name);
	return 0;
}
