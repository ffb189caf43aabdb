/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by PACK and UNPACK (private to them): N tensors of one shape
 * stacked along a new axis of the packed tensor. With outer = product of
 * the dims before the axis and inner = the bytes after it, packed row k of
 * outer block o is slice k's block o. Raw copy (see slice_common.h for the
 * quantisation rule).
 */
#ifndef NN_PACK_COMMON_H
#define NN_PACK_COMMON_H

#include <stdio.h>
#include <string.h>

#include "slice_common.h"

typedef struct nn_pack_data {
	size_t outer, inner_bytes;
	int n;
} nn_pack_data;

/* Checks `n` slices of shape `one` against the packed tensor along option
 * axis (PackOptions/UnpackOptions field 1; negative counts from the end of
 * the packed shape) and fills the copy geometry. */
static inline fsnn_status nn_pack_prepare(nn_prepare_ctx *ctx, nn_node *node,
					  const nn_tensor *one, const nn_tensor *packed, int n,
					  bool packed_is_output)
{
	int32_t axis = nn_fb_i32(&node->options, 1, 0);
	if (one->rank + 1 > FSNN_MAX_RANK)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED, "slices of rank %d: the packed "
				    "tensor would exceed rank %d", one->rank, FSNN_MAX_RANK);
	if (axis < -(one->rank + 1) || axis > one->rank)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "axis %d is outside [%d, %d]", (int)axis,
				    -(one->rank + 1), one->rank);
	if (axis < 0)
		axis += one->rank + 1;
	int32_t dims[FSNN_MAX_RANK];
	for (int d = 0, k = 0; d <= one->rank; d++)
		dims[d] = d == axis ? n : one->dims[k++];
	fsnn_status st;
	if (packed_is_output) {
		if ((st = nn_check_output_shape(ctx, node, 0, one->rank + 1, dims)))
			return st;
	} else {
		bool same = packed->rank == one->rank + 1;
		for (int d = 0; same && d < packed->rank; d++)
			same = packed->dims[d] == dims[d];
		if (!same)
			return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
					    "input '%s' does not unpack into %d outputs of output 0's shape "
					    "along axis %d", packed->name, n, (int)axis);
	}
	nn_pack_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return ctx->err->code;
	d->outer = (size_t)nn_dims_product(one->dims, 0, axis);
	d->inner_bytes = (size_t)nn_dims_product(one->dims, axis, one->rank) *
			 fsnn_dtype_size(one->type);
	d->n = n;
	node->op_data = d;
	return FSNN_OK;
}

#endif /* NN_PACK_COMMON_H */
