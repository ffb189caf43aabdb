/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fixed set of workers that run one nn_parallel_for at a time. Tasks are
 * handed out through an atomic counter (any thread may run any task); the
 * caller works too and waits for the stragglers. Outputs depend only on the
 * task index, never on which thread ran it, so results are identical for
 * every thread count.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

struct nn_pool {
	int num_threads;
	pthread_t *threads;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	/* The job in flight, guarded by lock except next_task. */
	unsigned long generation;
	bool stop;
	nn_task_fn fn;
	void *arg;
	int num_tasks;
	atomic_int next_task;
	int busy;               /* workers still inside the current job */
};

typedef struct worker_start {
	nn_pool *pool;
	int thread;
} worker_start;

static void run_tasks(nn_pool *p, nn_task_fn fn, void *arg, int num_tasks, int thread)
{
	for (;;) {
		int t = atomic_fetch_add_explicit(&p->next_task, 1, memory_order_relaxed);
		if (t >= num_tasks)
			return;
		fn(arg, t, thread);
	}
}

static void *worker(void *arg)
{
	nn_pool *p = ((worker_start *)arg)->pool;
	int thread = ((worker_start *)arg)->thread;
	free(arg);
	unsigned long seen = 0;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->generation == seen)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->stop)
			break;
		seen = p->generation;
		nn_task_fn fn = p->fn;
		void *fa = p->arg;
		int n = p->num_tasks;
		pthread_mutex_unlock(&p->lock);
		run_tasks(p, fn, fa, n, thread);
		pthread_mutex_lock(&p->lock);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

nn_pool *nn_pool_new(int num_threads, fsnn_error *err)
{
	nn_pool *p = calloc(1, sizeof *p);
	if (p == NULL) {
		nn_set_error(err, FSNN_E_NOMEM, "out of memory for a thread pool");
		return NULL;
	}
	p->num_threads = num_threads;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	p->threads = calloc((size_t)num_threads, sizeof *p->threads);
	if (p->threads == NULL) {
		nn_pool_free(p);
		nn_set_error(err, FSNN_E_NOMEM, "out of memory for %d threads", num_threads);
		return NULL;
	}
	for (int t = 1; t < num_threads; t++) {
		worker_start *ws = malloc(sizeof *ws);
		int rc = ws == NULL ? ENOMEM : 0;
		if (ws != NULL) {
			*ws = (worker_start){ p, t };
			rc = pthread_create(&p->threads[t], NULL, worker, ws);
			if (rc != 0)
				free(ws);
		}
		if (rc != 0) {
			nn_pool_free(p);
			nn_set_error(err, FSNN_E_NOMEM, "cannot start inference thread %d of %d: %s",
				     t + 1, num_threads, strerror(rc));
			return NULL;
		}
		p->started = t;
	}
	return p;
}

void nn_pool_free(nn_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (int t = 1; t <= p->started; t++)
		pthread_join(p->threads[t], NULL);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p);
}

void nn_parallel_for(const nn_eval_ctx *ec, int num_tasks, nn_task_fn fn, void *arg)
{
	nn_pool *p = ec->pool;
	if (p == NULL || p->num_threads <= 1 || num_tasks <= 1) {
		for (int t = 0; t < num_tasks; t++)
			fn(arg, t, 0);
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->fn = fn;
	p->arg = arg;
	p->num_tasks = num_tasks;
	atomic_store_explicit(&p->next_task, 0, memory_order_relaxed);
	p->busy = p->num_threads - 1;
	p->generation++;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	run_tasks(p, fn, arg, num_tasks, 0);
	pthread_mutex_lock(&p->lock);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
}
