/* SPDX-License-Identifier: BSD-3-Clause */
/* Tiling and stitching: the tile grid for any image size, the lookups
 * between pixels and the model's quantised tensors, and one fw_segment
 * call spread over the engine's contexts (pool.c). */
#include "segment_priv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

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
void seg_work_tiles(fw_engine *e, fsnn_context *ctx, seg_job *j)
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
		if (j->o->progress)
			atomic_store(j->o->progress, (long long)fw_now_ms());
	}
	pthread_mutex_lock(&j->mu);
	j->tiles += done;
	pthread_mutex_unlock(&j->mu);
}

int fw_segment(fw_engine *e, const fs_image *g, const fw_seg_opts *o, uint8_t *mask, fw_seg_stats *st,
	       fs_err *err)
{
	double t0 = fw_now_ms();
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
	j->nx = fw_tile_axis(g->width, e->tile_w, o->overlap, j->ox, j->cx0, j->cx1, FW_MAX_TILES);
	j->ny = fw_tile_axis(g->height, e->tile_h, o->overlap, j->oy, j->cy0, j->cy1, FW_MAX_TILES);
	if (j->cx1[j->nx - 1] != g->width || j->cy1[j->ny - 1] != g->height)
		return fs_err_set(err, -E2BIG, "segment: %dx%d image needs more than %d tiles per axis of %dx%d",
				  g->width, g->height, FW_MAX_TILES, e->tile_w, e->tile_h);

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

	double ti = fw_now_ms();
	seg_pool_run(e, j);
	/* Wall time of the tile work: with several contexts this is what
	 * inference costs the pipeline. */
	st->infer_ms = fw_now_ms() - ti;
	st->tiles = j->tiles;
	if (j->rc) {
		if (err)
			*err = j->err;
		return j->rc;
	}
	st->total_ms = fw_now_ms() - t0;
	return 0;
}

int seg_job_new(fw_engine *e, fs_err *err)
{
	e->job = calloc(1, sizeof *e->job);
	if (!e->job)
		return fs_err_set(err, -ENOMEM, "%s: out of memory for the tile plan", e->name);
	pthread_mutex_init(&e->job->mu, NULL);
	return 0;
}

void seg_job_free(fw_engine *e)
{
	if (!e->job)
		return;
	pthread_mutex_destroy(&e->job->mu);
	free(e->job);
	e->job = NULL;
}
