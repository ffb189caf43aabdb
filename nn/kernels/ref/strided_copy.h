/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A 6-D strided gather shared by the data-movement kernels TRANSPOSE,
 * DEPTH_TO_SPACE and SPACE_TO_DEPTH (private to them): each of those is a
 * transpose of a suitably reshaped input, so prepare computes the output
 * walk once (dims and input strides) and eval just copies.
 */
#ifndef NN_STRIDED_COPY_H
#define NN_STRIDED_COPY_H

#include <string.h>

#include "../common/kernel_util.h"

#define NN_SC_RANK 6

typedef struct nn_strided_copy {
	int64_t dims[NN_SC_RANK];      /* output walk, row-major, leading 1s */
	int64_t in_stride[NN_SC_RANK]; /* input stride (elements) of each walk dim */
	size_t elem_size;
} nn_strided_copy;

/* Fills sc for an output walk of `rank` dims (rank <= 6), left-padding
 * with size-1 dims so that eval always runs six loops. */
static void nn_sc_init(nn_strided_copy *sc, int rank, const int64_t *dims,
		       const int64_t *in_stride, size_t elem_size)
{
	int pad = NN_SC_RANK - rank;
	for (int d = 0; d < NN_SC_RANK; d++) {
		sc->dims[d] = d < pad ? 1 : dims[d - pad];
		sc->in_stride[d] = d < pad ? 0 : in_stride[d - pad];
	}
	sc->elem_size = elem_size;
}

static void nn_sc_run(const nn_strided_copy *sc, const uint8_t *in, uint8_t *out)
{
	const int64_t *n = sc->dims, *s = sc->in_stride;
	const size_t es = sc->elem_size;
	/* Innermost input stride 1: whole rows are contiguous on both sides. */
	const bool rows = s[5] == 1;
	const size_t row_bytes = (size_t)n[5] * es;
	for (int64_t i0 = 0; i0 < n[0]; i0++)
	for (int64_t i1 = 0; i1 < n[1]; i1++)
	for (int64_t i2 = 0; i2 < n[2]; i2++)
	for (int64_t i3 = 0; i3 < n[3]; i3++)
	for (int64_t i4 = 0; i4 < n[4]; i4++) {
		const uint8_t *src = in + (size_t)(i0 * s[0] + i1 * s[1] + i2 * s[2] +
						    i3 * s[3] + i4 * s[4]) * es;
		if (rows) {
			memcpy(out, src, row_bytes);
			out += row_bytes;
			continue;
		}
		for (int64_t i5 = 0; i5 < n[5]; i5++) {
			memcpy(out, src + (size_t)(i5 * s[5]) * es, es);
			out += es;
		}
	}
}

/* Prepare tail of the three kernels: a persistent walk as node->op_data. */
static inline fsnn_status nn_sc_prepare(nn_prepare_ctx *ctx, nn_node *node, int rank,
					const int64_t *dims, const int64_t *in_stride,
					size_t elem_size)
{
	nn_strided_copy *sc = nn_persistent_alloc(ctx, sizeof *sc);
	if (sc == NULL)
		return ctx->err->code;
	nn_sc_init(sc, rank, dims, in_stride, elem_size);
	node->op_data = sc;
	return FSNN_OK;
}

/* The eval of all three: run the prepared walk from input 0 to output 0. */
static inline fsnn_status nn_sc_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	nn_sc_run(node->op_data, nn_in_data(ctx, node, 0), nn_out_data(ctx, node, 0));
	return FSNN_OK;
}

/* Prepare head of DEPTH_TO_SPACE and SPACE_TO_DEPTH: one rank-4 input of a
 * fixed-size type, the output of its type, and the block_size option
 * (field 0 of both option tables; the caller checks its range). */
static inline fsnn_status nn_sc_block_prepare(nn_prepare_ctx *ctx, const nn_node *node,
					      const nn_tensor **in_out, int32_t *block)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 1, 1, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *in = nn_ku_input_required(ctx, node, 0, "input");
	if (in == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, in, "input", FSNN_FLOAT32, FSNN_INT8, FSNN_UINT8,
				FSNN_INT32, FSNN_INT64, -1)) ||
	    (st = nn_check_type(ctx, node, out, "output", in->type, -1)) ||
	    (st = nn_ku_check_rank(ctx, node, in, "input", 4)))
		return st;
	*in_out = in;
	*block = nn_fb_i32(&node->options, 0, 0);
	return FSNN_OK;
}

#endif /* NN_STRIDED_COPY_H */
