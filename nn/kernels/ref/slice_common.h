/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the slicing kernels STRIDED_SLICE, SLICE, SPLIT and SPLIT_V
 * (private to them): constant index tensors, the "same quantisation"
 * rule, and a byte-exact strided gather from a start offset.
 *
 * Oracle behaviour (LiteRT 2.5.3): these ops copy raw values; XNNPACK
 * runs them when it can (static slice/split) and TFLite's builtin kernel
 * otherwise, both without requantisation. When an output's scale or zero
 * point differs from the input's, the delegate fails ("failed to delegate
 * STRIDED_SLICE node") and the runtime refuses the whole model, so fsnn
 * refuses it too rather than reinterpret values under another scale.
 *
 * The walk keeps absolute input element offsets (never negative), so
 * negative strides need no pointer arithmetic below the input.
 */
#ifndef NN_SLICE_COMMON_H
#define NN_SLICE_COMMON_H

#include <string.h>

#include "../common/kernel_util.h"

/* Element e of a constant INT32 or INT64 index tensor. */
static inline int64_t nn_slice_index(const nn_tensor *t, size_t e)
{
	if (t->type == FSNN_INT64) {
		int64_t v;
		memcpy(&v, t->data + 8 * e, 8);
		return v;
	}
	int32_t v;
	memcpy(&v, t->data + 4 * e, 4);
	return v;
}

/* Checks that t is a constant INT32/INT64 tensor of `want` elements
 * (want < 0: any count). */
static inline fsnn_status nn_slice_const_index(nn_prepare_ctx *ctx, const nn_node *node,
					const nn_tensor *t, const char *role, long want)
{
	fsnn_status st = nn_check_type(ctx, node, t, role, FSNN_INT32, FSNN_INT64, -1);
	if (st != FSNN_OK)
		return st;
	if (t->data == NULL)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "%s '%s' is computed at run time; expected a constant tensor", role,
				    t->name);
	if (want >= 0 && t->elems != (size_t)want)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "%s '%s' has %zu entries, expected %ld",
				    role, t->name, t->elems, want);
	return FSNN_OK;
}

/* Output `out` must have the input's type and, when quantised, the same
 * scale and zero point (see the file comment). */
static inline fsnn_status nn_slice_same_q(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor *in,
				   const nn_tensor *out, const char *role)
{
	fsnn_status st = nn_check_type(ctx, node, out, role, in->type, -1);
	if (st != FSNN_OK)
		return st;
	if (fsnn_dtype_size(in->type) == 0)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "input '%s' has type %s; expected a fixed-size type", in->name,
				    fsnn_dtype_name(in->type));
	/* Only integer tensors carry meaningful quantisation (a float tensor
	 * with stray parameters is read as plain float by every runtime). */
	bool int_type = in->type == FSNN_INT8 || in->type == FSNN_UINT8 || in->type == FSNN_INT16;
	bool in_q = int_type && in->num_quant > 0, out_q = int_type && out->num_quant > 0;
	if (in_q != out_q || (in_q && (in->num_quant != 1 || out->num_quant != 1 ||
				       in->scale[0] != out->scale[0] ||
				       in->zero_point[0] != out->zero_point[0])))
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "%s '%s' is quantised differently from input '%s'; expected the same "
				    "scale and zero point (LiteRT refuses such a model too)",
				    role, out->name, in->name);
	return FSNN_OK;
}

#define NN_SLICE_RANK 6

/* A prepared slice: output walk (row-major, leading 1s), the input
 * element stride of each walk dimension (may be negative) and the input
 * element of the first value copied. */
typedef struct nn_slice_walk {
	int64_t dims[NN_SLICE_RANK];
	int64_t stride[NN_SLICE_RANK];
	int64_t offset;
	size_t elem_size;
} nn_slice_walk;

/* Row-major element strides of t. */
static inline void nn_slice_strides(const nn_tensor *t, int64_t *strides)
{
	int64_t s = 1;
	for (int d = t->rank - 1; d >= 0; d--) {
		strides[d] = s;
		s *= t->dims[d] ? t->dims[d] : 1;
	}
}

/* Fills w from `rank` walk dims (rank <= 6). */
static inline void nn_slice_walk_init(nn_slice_walk *w, int rank, const int64_t *dims,
				      const int64_t *stride, int64_t offset, size_t elem_size)
{
	int pad = NN_SLICE_RANK - rank;
	for (int d = 0; d < NN_SLICE_RANK; d++) {
		w->dims[d] = d < pad ? 1 : dims[d - pad];
		w->stride[d] = d < pad ? 0 : stride[d - pad];
	}
	w->offset = offset;
	w->elem_size = elem_size;
}

static inline void nn_slice_run(const nn_slice_walk *w, const void *in_v, void *out_v)
{
	const uint8_t *in = in_v;
	uint8_t *out = out_v;
	const int64_t *n = w->dims, *s = w->stride;
	const size_t es = w->elem_size;
	for (int d = 0; d < NN_SLICE_RANK; d++)
		if (n[d] == 0)
			return;
	const bool rows = s[5] == 1;   /* innermost run contiguous on both sides */
	const size_t row_bytes = (size_t)n[5] * es;
	for (int64_t i0 = 0; i0 < n[0]; i0++)
	for (int64_t i1 = 0; i1 < n[1]; i1++)
	for (int64_t i2 = 0; i2 < n[2]; i2++)
	for (int64_t i3 = 0; i3 < n[3]; i3++)
	for (int64_t i4 = 0; i4 < n[4]; i4++) {
		int64_t base = w->offset + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4];
		if (rows) {
			memcpy(out, in + (size_t)base * es, row_bytes);
			out += row_bytes;
			continue;
		}
		for (int64_t i5 = 0; i5 < n[5]; i5++) {
			memcpy(out, in + (size_t)(base + i5 * s[5]) * es, es);
			out += es;
		}
	}
}

#endif /* NN_SLICE_COMMON_H */
