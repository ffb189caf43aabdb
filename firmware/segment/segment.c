#include "segment.h"

#include <errno.h>
#include <math.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FW_MAX_POOL 15

typedef struct seg_job seg_job;
typedef struct pool_worker {
	struct fw_engine *engine;
	fsnn_context *ctx;   /* its own arena: contexts are per thread */
	pthread_t thread;
} pool_worker;

struct fw_engine {
	char name[32];
	char path[512];
	char sha256[65];
	fsnn_model *model;
	fsnn_context *ctx;
	fsnn_tensor_info in, out;
	int tile_w, tile_h, in_c, out_c;

	/* Worker state, guarded by mu. */
	int threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;   /* CLOCK_MONOTONIC */
	int started;
	int request, busy, quit, abort_hang, dead;
	long invocations;
	int rc;
	fs_err werr;
	int hang_from, hang_count, hangs_done;
	void (*reset_hook)(void *);
	void *reset_user;

	/* Tile-parallel CPU inference: helper threads with their own
	 * contexts, woken once per fw_segment call (pool_gen). */
	seg_job *job;
	int n_pool, pool_ready;
	pool_worker pool[FW_MAX_POOL];
	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cv;
	unsigned long pool_gen;
	int pool_busy, pool_quit;
	seg_job *pool_job;
};

static void *pool_main(void *arg);
static int job_new(fw_engine *e, fs_err *err);
static void job_free(fw_engine *e);

int fw_sha256_file(const char *path, char hex[65], fs_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return fs_err_set(err, -errno, "%s: cannot open to hash: %s", path, strerror(errno));
	struct sha256_ctx sc;
	sha256_init(&sc);
	uint8_t buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sha256_update(&sc, n, buf);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return fs_err_set(err, -EIO, "%s: read error while hashing", path);
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest(&sc, sizeof d, d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
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
		long n = ++e->invocations;
		int hang = e->hang_from > 0 && n >= e->hang_from &&
			   (e->hang_count < 0 || e->hangs_done < e->hang_count);
		int rc;
		fs_err werr;
		fs_err_clear(&werr);
		if (hang) {
			/* Simulated accelerator fault: stuck until the backend is reset. */
			e->hangs_done++;
			while (!e->abort_hang && !e->quit)
				pthread_cond_wait(&e->cv, &e->mu);
			rc = fs_err_set(&werr, -ETIMEDOUT, "%s: simulated hang aborted by reset", e->name);
		} else {
			pthread_mutex_unlock(&e->mu);
			fsnn_error ferr;
			fsnn_status st = fsnn_invoke(e->ctx, &ferr);
			rc = st == FSNN_OK ? 0 : fs_err_set(&werr, st == FSNN_E_TIMEOUT ? -ETIMEDOUT : -EIO,
							     "%s: %s", e->name, ferr.msg);
			pthread_mutex_lock(&e->mu);
		}
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

int fw_engine_open(const fw_engine_opts *o, fw_engine **out, fs_err *err)
{
	*out = NULL;
	fw_engine *e = calloc(1, sizeof *e);
	if (!e)
		return fs_err_set(err, -ENOMEM, "engine: out of memory");
	snprintf(e->name, sizeof e->name, "%s", o->name ? o->name : "cpu");
	snprintf(e->path, sizeof e->path, "%s", o->path);
	int rc = fw_sha256_file(o->path, e->sha256, err);
	if (rc)
		goto fail;
	if (o->expect_sha256 && *o->expect_sha256 && strcmp(o->expect_sha256, e->sha256)) {
		rc = fs_err_set(err, -EBADMSG, "%s: SHA-256 is %s, the config expects %s (wrong or damaged model)",
				o->path, e->sha256, o->expect_sha256);
		goto fail;
	}
	fsnn_load_options lo = {.backends = o->backends, .num_backends = o->num_backends};
	fsnn_error ferr;
	if (fsnn_model_load_file(o->path, &lo, &e->model, &ferr) != FSNN_OK) {
		rc = fs_err_set(err, -EINVAL, "%s: cannot load model: %s", o->path, ferr.msg);
		goto fail;
	}
	if (fsnn_model_num_inputs(e->model) != 1 || fsnn_model_num_outputs(e->model) != 1) {
		rc = fs_err_set(err, -EINVAL, "%s: expected a segmentation model with 1 input and 1 output, got %d and %d",
				o->path, fsnn_model_num_inputs(e->model), fsnn_model_num_outputs(e->model));
		goto fail;
	}
	fsnn_model_input_info(e->model, 0, &e->in);
	fsnn_model_output_info(e->model, 0, &e->out);
	int oh, ow;
	if (tensor_hw(&e->in, &e->tile_h, &e->tile_w, &e->in_c) || tensor_hw(&e->out, &oh, &ow, &e->out_c) ||
	    oh != e->tile_h || ow != e->tile_w || (e->in_c != 1 && e->in_c != 3) || e->out_c > 2 ||
	    !type_ok(e->in.type) || !type_ok(e->out.type)) {
		rc = fs_err_set(err, -EINVAL,
				"%s: expected input [1,H,W,1 or 3] and output [1,H,W,1 or 2] of int8, uint8 or "
				"float32 (input %s rank %d, output %s rank %d)", o->path, fsnn_dtype_name(e->in.type),
				e->in.rank, fsnn_dtype_name(e->out.type), e->out.rank);
		goto fail;
	}
	if (fsnn_context_new(e->model, &e->ctx, &ferr) != FSNN_OK) {
		rc = fs_err_set(err, -ENOMEM, "%s: cannot create context: %s", o->path, ferr.msg);
		goto fail;
	}
	if ((rc = job_new(e, err)))
		goto fail;
	/* Helpers only for plain CPU engines; an accelerator engine keeps its
	 * single supervised worker. */
	int helpers = o->threaded ? 0 : o->cpu_threads - 1;
	helpers = helpers < 0 ? 0 : helpers > FW_MAX_POOL ? FW_MAX_POOL : helpers;
	pthread_mutex_init(&e->pool_mu, NULL);
	pthread_cond_init(&e->pool_cv, NULL);
	e->pool_ready = 1;
	for (int i = 0; i < helpers; i++) {
		pool_worker *w = &e->pool[i];
		w->engine = e;
		if (fsnn_context_new(e->model, &w->ctx, &ferr) != FSNN_OK) {
			rc = fs_err_set(err, -ENOMEM, "%s: cannot create inference context %d of %d: %s", o->path, i + 2,
					helpers + 1, ferr.msg);
			goto fail;
		}
		if (pthread_create(&w->thread, NULL, pool_main, w)) {
			fsnn_context_free(w->ctx);
			w->ctx = NULL;
			rc = fs_err_set(err, -EAGAIN, "%s: cannot start inference thread %d", o->path, i + 2);
			goto fail;
		}
		e->n_pool++;
	}
	e->threaded = o->threaded;
	e->hang_from = o->sim_hang_from;
	e->hang_count = o->sim_hang_count;
	e->reset_hook = o->reset_hook;
	e->reset_user = o->reset_user;
	if (e->threaded) {
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&e->cv, &ca);
		pthread_condattr_destroy(&ca);
		pthread_mutex_init(&e->mu, NULL);
		if (pthread_create(&e->thread, NULL, worker_main, e)) {
			pthread_cond_destroy(&e->cv);
			pthread_mutex_destroy(&e->mu);
			rc = fs_err_set(err, -EAGAIN, "%s: cannot start the inference worker thread", e->name);
			goto fail;
		}
		e->started = 1;
	}
	*out = e;
	return 0;
fail:
	fw_engine_close(e);
	return rc;
}

void fw_engine_close(fw_engine *e)
{
	if (!e)
		return;
	if (e->started) {
		pthread_mutex_lock(&e->mu);
		e->quit = 1;
		pthread_cond_broadcast(&e->cv);
		pthread_mutex_unlock(&e->mu);
		if (e->dead) {
			/* A backend that never came back: leave its thread and memory
			 * rather than free what it may still touch. */
			pthread_detach(e->thread);
			return;
		}
		pthread_join(e->thread, NULL);
		pthread_cond_destroy(&e->cv);
		pthread_mutex_destroy(&e->mu);
	}
	if (e->pool_ready) {
		pthread_mutex_lock(&e->pool_mu);
		e->pool_quit = 1;
		pthread_cond_broadcast(&e->pool_cv);
		pthread_mutex_unlock(&e->pool_mu);
		for (int i = 0; i < e->n_pool; i++) {
			pthread_join(e->pool[i].thread, NULL);
			fsnn_context_free(e->pool[i].ctx);
		}
		pthread_cond_destroy(&e->pool_cv);
		pthread_mutex_destroy(&e->pool_mu);
	}
	job_free(e);
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
	if (e->reset_hook)
		e->reset_hook(e->reset_user);
	pthread_mutex_lock(&e->mu);
	e->abort_hang = 1;
	pthread_cond_broadcast(&e->cv);
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += 2;
	while (e->busy && pthread_cond_timedwait(&e->cv, &e->mu, &dl) != ETIMEDOUT)
		;
	e->abort_hang = 0;
	int busy = e->busy;
	if (busy)
		e->dead = 1;
	pthread_mutex_unlock(&e->mu);
	if (busy)
		return fs_err_set(err, -EIO, "%s: backend did not return within 2 s of a reset", e->name);
	return 0;
}

/* ---- tiling -------------------------------------------------------------- */

int fw_tile_axis(int size, int tile, int overlap, int *origin, int *core0, int *core1, int max)
{
	/* Margin m (discarded on each inner tile edge) = half the overlap.
	 * Tile origins are kept on multiples of `align` (a power of two up to
	 * 32 dividing the tile) when that still leaves at least half of each
	 * tile as kept core; otherwise a smaller alignment is used. */
	int want = overlap / 2, m = 0, align = 1;
	if (want > (tile - 1) / 2)
		want = (tile - 1) / 2;
	for (int a = 32; a >= 1; a /= 2) {
		if (tile % a)
			continue;
		int ma = (want + a - 1) / a * a;
		if (tile - 2 * ma >= (tile + 1) / 2 || a == 1) {
			align = a;
			m = a == 1 ? want : ma;
			break;
		}
	}
	int step = tile - 2 * m;
	if (size <= tile)
		step = size;   /* one tile holds it all */
	int n = 0;
	for (int c0 = 0; c0 < size && n < max; c0 += step, n++) {
		int c1 = c0 + step < size ? c0 + step : size;
		int o = c0 - m;
		if (o > size - tile)
			o = size - tile;
		if (o < 0)
			o = 0;
		/* Only the last tile can be off the grid (clamped to the image's
		 * end); moving it forward keeps its core inside and pads beyond. */
		o = (o + align - 1) / align * align;
		origin[n] = o;
		core0[n] = c0;
		core1[n] = c1;
	}
	return n;
}

/* Per quantised output value: is it foreground? */
static void build_fg_lut(const fw_engine *e, const fw_seg_opts *o, fw_output_kind kind, uint8_t lut[256])
{
	double thr = o->threshold;
	double logit_thr = thr <= 0 ? -INFINITY : thr >= 1 ? INFINITY : log(thr / (1 - thr));
	float scale = e->out.num_quant ? e->out.scale[0] : 1.0f;
	int zp = e->out.num_quant ? e->out.zero_point[0] : 0;
	for (int i = 0; i < 256; i++) {
		int q = e->out.type == FSNN_INT8 ? (int)(int8_t)(uint8_t)i : i;
		double real = (q - zp) * (double)scale;
		lut[i] = kind == FW_OUTPUT_LOGIT ? real >= logit_thr : real >= thr;
	}
}

static fw_output_kind resolve_kind(const fw_engine *e, fw_output_kind k)
{
	if (k != FW_OUTPUT_AUTO)
		return k;
	if (e->out.type == FSNN_FLOAT32 || !e->out.num_quant)
		return FW_OUTPUT_LOGIT;
	/* A quantised range inside [0,1] can only hold a probability. */
	int lo = e->out.type == FSNN_INT8 ? -128 : 0, hi = lo + 255;
	double a = (lo - e->out.zero_point[0]) * (double)e->out.scale[0];
	double b = (hi - e->out.zero_point[0]) * (double)e->out.scale[0];
	return a >= -0.01 && b <= 1.01 ? FW_OUTPUT_PROBABILITY : FW_OUTPUT_LOGIT;
}

#define MAX_TILES 512

/* One fw_segment call: the tile grid, lookups and where results go. Tiles
 * are taken by index from `next`; each writes only its own core region of
 * the mask, so workers never touch the same bytes. */
typedef struct seg_job {
	const fs_image *g;
	const fw_seg_opts *o;
	uint8_t *mask;
	int nx, ny;
	int ox[MAX_TILES], cx0[MAX_TILES], cx1[MAX_TILES];
	int oy[MAX_TILES], cy0[MAX_TILES], cy1[MAX_TILES];
	uint8_t in_lut[256], in_zero, fg_lut[256];
	fw_output_kind kind;
	double logit_thr;
	atomic_int next;
	atomic_int failed;
	pthread_mutex_t mu;  /* guards err, tiles */
	int rc, tiles;
	fs_err err;
} seg_job;

/* Fills ctx's input with tile t, invokes, keeps the tile's core. */
static int run_tile(fw_engine *e, fsnn_context *ctx, seg_job *j, int t, fs_err *err)
{
	const fs_image *g = j->g;
	int tx = t % j->nx, ty = t / j->nx;
	void *in = fsnn_context_input(ctx, 0);
	const void *outp = fsnn_context_output(ctx, 0);
	int tw = e->tile_w, th = e->tile_h, C = e->in_c, OC = e->out_c;
	for (int y = 0; y < th; y++) {
		int sy = j->oy[ty] + y;
		for (int x = 0; x < tw; x++) {
			int sx = j->ox[tx] + x;
			int inside = sy < g->height && sx < g->width;
			unsigned v = inside ? g->data[(size_t)sy * g->stride + (size_t)sx] : 0;
			size_t k = ((size_t)y * (size_t)tw + (size_t)x) * (size_t)C;
			for (int c = 0; c < C; c++) {
				if (e->in.type == FSNN_FLOAT32)
					((float *)in)[k + (size_t)c] = (float)v;
				else
					((uint8_t *)in)[k + (size_t)c] = inside ? j->in_lut[v] : j->in_zero;
			}
		}
	}
	int rc;
	if (ctx == e->ctx) {
		rc = fw_engine_invoke(e, j->o->deadline_ms, err);
	} else {
		fsnn_error ferr;
		rc = fsnn_invoke(ctx, &ferr) == FSNN_OK ? 0 : fs_err_set(err, -EIO, "%s: invoke failed: %s", e->name, ferr.msg);
	}
	if (rc)
		return rc;
	for (int y = j->cy0[ty]; y < j->cy1[ty]; y++) {
		int ly = y - j->oy[ty];
		for (int x = j->cx0[tx]; x < j->cx1[tx]; x++) {
			int lx = x - j->ox[tx];
			size_t k = ((size_t)ly * (size_t)tw + (size_t)lx) * (size_t)OC;
			uint8_t fg;
			if (e->out.type == FSNN_FLOAT32) {
				const float *f = (const float *)outp + k;
				if (OC == 2 && j->kind == FW_OUTPUT_LOGIT)
					fg = (double)f[1] - f[0] >= j->logit_thr;
				else if (j->kind == FW_OUTPUT_LOGIT)
					fg = f[0] >= j->logit_thr;
				else
					fg = f[OC - 1] >= j->o->threshold;
			} else if (OC == 2 && j->kind == FW_OUTPUT_PROBABILITY) {
				fg = j->fg_lut[((const uint8_t *)outp)[k + 1]];
			} else if (OC == 2) {
				const uint8_t *b = (const uint8_t *)outp + k;
				int q0 = e->out.type == FSNN_INT8 ? (int8_t)b[0] : b[0];
				int q1 = e->out.type == FSNN_INT8 ? (int8_t)b[1] : b[1];
				/* Same scale for both channels: softmax's p1 >= thr
				 * is x1 - x0 >= logit(thr). */
				fg = (q1 - q0) * (double)e->out.scale[0] >= j->logit_thr;
			} else {
				fg = j->fg_lut[((const uint8_t *)outp)[k]];
			}
			j->mask[(size_t)y * (size_t)g->width + (size_t)x] = fg;
		}
	}
	return 0;
}

/* Takes tiles until none are left or one failed. */
static void work_tiles(fw_engine *e, fsnn_context *ctx, seg_job *j)
{
	int total = j->nx * j->ny, done = 0;
	for (;;) {
		if (atomic_load(&j->failed))
			break;
		int t = atomic_fetch_add(&j->next, 1);
		if (t >= total)
			break;
		fs_err err;
		int rc = j->o->cancel && atomic_load(j->o->cancel)
				 ? fs_err_set(&err, -ECANCELED, "%s: segmentation abandoned on request", e->name)
				 : run_tile(e, ctx, j, t, &err);
		if (rc) {
			pthread_mutex_lock(&j->mu);
			if (!j->rc) {
				j->rc = rc;
				j->err = err;
			}
			pthread_mutex_unlock(&j->mu);
			atomic_store(&j->failed, 1);
			break;
		}
		done++;
	}
	pthread_mutex_lock(&j->mu);
	j->tiles += done;
	pthread_mutex_unlock(&j->mu);
}

static void *pool_main(void *arg)
{
	pool_worker *w = arg;
	fw_engine *e = w->engine;
	unsigned long seen = 0;
	pthread_mutex_lock(&e->pool_mu);
	for (;;) {
		while (e->pool_gen == seen && !e->pool_quit)
			pthread_cond_wait(&e->pool_cv, &e->pool_mu);
		if (e->pool_quit)
			break;
		seen = e->pool_gen;
		seg_job *j = e->pool_job;
		pthread_mutex_unlock(&e->pool_mu);
		work_tiles(e, w->ctx, j);
		pthread_mutex_lock(&e->pool_mu);
		if (--e->pool_busy == 0)
			pthread_cond_broadcast(&e->pool_cv);
	}
	pthread_mutex_unlock(&e->pool_mu);
	return NULL;
}

int fw_segment(fw_engine *e, const fs_image *g, const fw_seg_opts *o, uint8_t *mask, fw_seg_stats *st,
	       fs_err *err)
{
	double t0 = now_ms();
	fw_seg_stats local = {0};
	if (!st)
		st = &local;
	memset(st, 0, sizeof *st);
	if (!g || g->channels != 1 || g->depth != 8)
		return fs_err_set(err, -EINVAL, "segment: expected an 8-bit grey image");
	seg_job *j = e->job;   /* allocated with the engine: nothing per call */
	j->g = g;
	j->o = o;
	j->mask = mask;
	j->nx = fw_tile_axis(g->width, e->tile_w, o->overlap, j->ox, j->cx0, j->cx1, MAX_TILES);
	j->ny = fw_tile_axis(g->height, e->tile_h, o->overlap, j->oy, j->cy0, j->cy1, MAX_TILES);
	if (j->cx1[j->nx - 1] != g->width || j->cy1[j->ny - 1] != g->height)
		return fs_err_set(err, -E2BIG, "segment: %dx%d image needs more than %d tiles per axis of %dx%d",
				  g->width, g->height, MAX_TILES, e->tile_w, e->tile_h);

	/* Input lookup: pixel value (raw 0..255, as the models expect) to the
	 * input tensor's representation; in_zero is real 0 for padding. */
	float in_scale = e->in.num_quant ? e->in.scale[0] : 1.0f;
	int in_zp = e->in.num_quant ? e->in.zero_point[0] : 0;
	int qmin = e->in.type == FSNN_INT8 ? -128 : 0, qmax = qmin + 255;
	for (int i = 0; i <= 256; i++) {
		double v = i == 256 ? 0.0 : i;
		long q = lround(v / in_scale) + in_zp;
		q = q < qmin ? qmin : q > qmax ? qmax : q;
		if (i == 256)
			j->in_zero = (uint8_t)q;
		else
			j->in_lut[i] = (uint8_t)q;
	}
	j->kind = resolve_kind(e, o->kind);
	build_fg_lut(e, o, j->kind, j->fg_lut);
	j->logit_thr = o->threshold <= 0 ? -INFINITY : o->threshold >= 1 ? INFINITY
					 : log(o->threshold / (1 - o->threshold));
	atomic_store(&j->next, 0);
	atomic_store(&j->failed, 0);
	j->rc = 0;
	j->tiles = 0;

	double ti = now_ms();
	int helpers = e->n_pool < j->nx * j->ny - 1 ? e->n_pool : j->nx * j->ny - 1;
	if (helpers > 0) {
		pthread_mutex_lock(&e->pool_mu);
		e->pool_job = j;
		e->pool_busy = e->n_pool;
		e->pool_gen++;
		pthread_cond_broadcast(&e->pool_cv);
		pthread_mutex_unlock(&e->pool_mu);
	}
	work_tiles(e, e->ctx, j);
	if (helpers > 0) {
		pthread_mutex_lock(&e->pool_mu);
		while (e->pool_busy > 0)
			pthread_cond_wait(&e->pool_cv, &e->pool_mu);
		pthread_mutex_unlock(&e->pool_mu);
	}
	/* Wall time of the tile work: with several contexts this is what
	 * inference costs the pipeline. */
	st->infer_ms = now_ms() - ti;
	st->tiles = j->tiles;
	if (j->rc) {
		if (err)
			*err = j->err;
		return j->rc;
	}
	st->total_ms = now_ms() - t0;
	return 0;
}

static int job_new(fw_engine *e, fs_err *err)
{
	e->job = calloc(1, sizeof *e->job);
	if (!e->job)
		return fs_err_set(err, -ENOMEM, "%s: out of memory for the tile plan", e->name);
	pthread_mutex_init(&e->job->mu, NULL);
	return 0;
}

static void job_free(fw_engine *e)
{
	if (!e->job)
		return;
	pthread_mutex_destroy(&e->job->mu);
	free(e->job);
	e->job = NULL;
}
