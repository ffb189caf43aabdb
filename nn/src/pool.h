/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to nn/src: the worker threads a context owns, so ops can split
 * their output rows or channels (nn_parallel_for in nn_internal.h). Started
 * with the context, stopped with it; an invoke only wakes them.
 */
#ifndef NN_POOL_H
#define NN_POOL_H

#include "nn_internal.h"

typedef struct nn_pool nn_pool;

/* Starts num_threads - 1 workers (the caller is thread 0). NULL on
 * failure with errno-style text in err. */
nn_pool *nn_pool_new(int num_threads, fsnn_error *err);
void nn_pool_free(nn_pool *pool);

#endif
