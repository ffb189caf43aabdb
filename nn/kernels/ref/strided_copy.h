/*
 * A 6-D strided gather shared by the data-movement kernels TRANSPOSE,
 * DEPTH_TO_SPACE and SPACE_TO_DEPTH (private to them): each of those is a
 * transpose of a suitably reshaped input, so prepare computes the output
 * walk once (dims and input strides) and eval just copies.
 */
#ifndef NN_STRIDED_COPY_H
#define NN_STRIDED_COPY_H

#include <string.h>

#include "kernel_util.h"

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

#endif /* NN_STRIDED_COPY_H */
