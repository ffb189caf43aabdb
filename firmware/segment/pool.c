/* SPDX-License-Identifier: BSD-3-Clause */
/* Helper threads for tile-parallel CPU inference. Each has its own fsnn
 * context (arena) over the engine's shared read-only model, created with
 * the engine so that no FOV pays for threads or arenas. */
#include "segment_priv.h"

#include <errno.h>

static void *pool_main(void *arg)
{
	pool_worker *w = arg;
	fw_engine *e = w->engine;
	seg_pool *p = &e->pool;
	unsigned long seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->gen == seen && !p->quit)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		seg_job *j = p->job;
		pthread_mutex_unlock(&p->mu);
		seg_work_tiles(e, w->ctx, j);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int seg_pool_start(fw_engine *e, int helpers, fs_err *err)
{
	seg_pool *p = &e->pool;
	helpers = helpers < 0 ? 0 : helpers > FW_MAX_POOL ? FW_MAX_POOL : helpers;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->ready = 1;
	for (int i = 0; i < helpers; i++) {
		pool_worker *w = &p->workers[i];
		w->engine = e;
		fsnn_error ferr;
		if (fsnn_context_new(e->model, &w->ctx, &ferr) != FSNN_OK)
			return fs_err_set(err, -ENOMEM, "%s: cannot create inference context %d of %d: %s", e->path,
					  i + 2, helpers + 1, ferr.msg);
		if (pthread_create(&w->thread, NULL, pool_main, w)) {
			fsnn_context_free(w->ctx);
			w->ctx = NULL;
			return fs_err_set(err, -EAGAIN, "%s: cannot start inference thread %d", e->path, i + 2);
		}
		p->n++;
	}
	return 0;
}

void seg_pool_run(fw_engine *e, seg_job *j)
{
	seg_pool *p = &e->pool;
	int helpers = p->n < j->nx * j->ny - 1 ? p->n : j->nx * j->ny - 1;
	if (helpers > 0) {
		pthread_mutex_lock(&p->mu);
		p->job = j;
		p->busy = p->n;
		p->gen++;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	seg_work_tiles(e, e->ctx, j);
	if (helpers > 0) {
		pthread_mutex_lock(&p->mu);
		while (p->busy > 0)
			pthread_cond_wait(&p->cv, &p->mu);
		pthread_mutex_unlock(&p->mu);
	}
}

void seg_pool_stop(fw_engine *e)
{
	seg_pool *p = &e->pool;
	if (!p->ready)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->n; i++) {
		pthread_join(p->workers[i].thread, NULL);
		fsnn_context_free(p->workers[i].ctx);
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	p->ready = 0;
}
