/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by SPLIT and SPLIT_V (private to them): a constant scalar axis,
 * and one slice walk per output along that axis. Raw copy (see
 * slice_common.h for the oracle's behaviour).
 */
#ifndef NN_SPLIT_COMMON_H
#define NN_SPLIT_COMMON_H

#include <stdio.h>

#include "slice_common.h"

typedef struct nn_split_data {
	int n;
	nn_slice_walk w[];
} nn_split_data;

/* The axis tensor: constant, one INT32/INT64 value in [-rank, rank). */
static inline fsnn_status nn_split_axis(nn_prepare_ctx *ctx, const nn_node *node,
					const nn_tensor *axis_t, const nn_tensor *in, int *axis)
{
	fsnn_status st = nn_slice_const_index(ctx, node, axis_t, "axis", 1);
	if (st != FSNN_OK)
		return st;
	int64_t a = nn_slice_index(axis_t, 0);
	if (a < -(int64_t)in->rank || a >= in->rank)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "axis %lld is outside input '%s' of rank %d",
				    (long long)a, in->name, in->rank);
	*axis = (int)(a < 0 ? a + in->rank : a);
	return FSNN_OK;
}

static inline nn_split_data *nn_split_alloc(nn_prepare_ctx *ctx, nn_node *node)
{
	nn_split_data *d = nn_persistent_alloc(ctx, sizeof *d +
					       (size_t)node->num_outputs * sizeof d->w[0]);
	if (d != NULL) {
		d->n = node->num_outputs;
		node->op_data = d;
	}
	return d;
}

/* Output i takes `size` entries of the axis from `start`: checks its
 * type, quantisation and shape, and prepares its walk. */
static inline fsnn_status nn_split_set(nn_prepare_ctx *ctx, const nn_node *node, nn_split_data *d,
				       const nn_tensor *in, int axis, int i, int64_t start,
				       int64_t size)
{
	char role[32];
	snprintf(role, sizeof role, "output %d", i);
	fsnn_status st = nn_slice_same_q(ctx, node, in, nn_output(ctx, node, i), role);
	if (st != FSNN_OK)
		return st;
	int32_t dims[FSNN_MAX_RANK];
	int64_t walk[FSNN_MAX_RANK], stride[FSNN_MAX_RANK];
	nn_slice_strides(in, stride);
	for (int a = 0; a < in->rank; a++) {
		dims[a] = a == axis ? (int32_t)size : in->dims[a];
		walk[a] = dims[a];
	}
	if ((st = nn_check_output_shape(ctx, node, i, in->rank, dims)))
		return st;
	nn_slice_walk_init(&d->w[i], in->rank, walk, stride, size ? start * stride[axis] : 0,
			   fsnn_dtype_size(in->type));
	return FSNN_OK;
}

/* Input data is the node's input `data_input`. */
static inline fsnn_status nn_split_run(const nn_eval_ctx *ctx, const nn_node *node, int data_input)
{
	const nn_split_data *d = node->op_data;
	const void *in = nn_in_data(ctx, node, data_input);
	for (int i = 0; i < d->n; i++)
		nn_slice_run(&d->w[i], in, nn_out_data(ctx, node, i));
	return FSNN_OK;
}

#endif /* NN_SPLIT_COMMON_H */
