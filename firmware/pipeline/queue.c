/* SPDX-License-Identifier: BSD-3-Clause */
/* Bounded queues of slot indexes joining capture, inference and writer. */
#include "pipeline_priv.h"

#include <string.h>

void q_init(queue *q)
{
	memset(q, 0, sizeof *q);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
}

void q_destroy(queue *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
}

/* Never blocks: there are only NSLOTS slots in all queues together. */
void q_push(queue *q, int v)
{
	pthread_mutex_lock(&q->mu);
	q->items[(q->head + q->count) % NSLOTS] = v;
	q->count++;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

int q_pop(queue *q)
{
	pthread_mutex_lock(&q->mu);
	while (!q->count && !q->closed)
		pthread_cond_wait(&q->cv, &q->mu);
	int v = -1;
	if (q->count) {
		v = q->items[q->head];
		q->head = (q->head + 1) % NSLOTS;
		q->count--;
	}
	pthread_mutex_unlock(&q->mu);
	return v;
}

void q_close(queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

int q_count(queue *q)
{
	pthread_mutex_lock(&q->mu);
	int n = q->count;
	pthread_mutex_unlock(&q->mu);
	return n;
}
