/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to nn/src: the pieces of the engine core that model.c, planner.c
 * and context.c share (the kernel interface itself is nn_internal.h).
 */
#ifndef NN_GRAPH_H
#define NN_GRAPH_H

#include "nn_internal.h"

/* Bytes every arena offset (and the arena itself) is aligned to: a cache
 * line, so SIMD kernels may use aligned loads on any tensor. */
#define NN_ARENA_ALIGN 64

/* Largest tensor the engine accepts (bounds every size computation). */
#define NN_MAX_TENSOR_BYTES ((size_t)1 << 30)

/* Assigns storage to every tensor the graph uses (constant, arena offset
 * or alias) and fills model->arena_bytes, lower_bound_bytes,
 * scratch_bytes and weights_bytes. Runs after every node is prepared. */
fsnn_status nn_plan_memory(fsnn_model *model, fsnn_error *err);

/* Public description of a tensor; pointers borrow from the model. */
void nn_tensor_info_of(const nn_tensor *t, fsnn_tensor_info *info);

/* Printable name of a node: kernel name, custom code or builtin name.
 * buf (may be written) backs names outside the builtin table. */
const char *nn_node_name(const nn_node *node, char *buf, size_t buf_size);

/* Puts printf-formatted text in front of err->msg (truncating the end). */
void nn_error_prefix(fsnn_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Root of a chain of aliases (the tensor that owns the storage). */
int nn_alias_root(const fsnn_model *model, int tensor);

#endif
