/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ADD and SUB for x86-64 with AVX2, int8/uint8, inputs of the output's
 * shape (or one of them a single value): XNNPACK's integer arithmetic as
 * nn/kernels/ref/binary_ops.c does it, acc = bias + a * m_a + b * m_b, an
 * arithmetic shift right, + zero point, clamp; 8 elements per vector in
 * int32, chunks of the tensor over the context's threads. Compiled with
 * -mavx2.
 *
 * Exactness: the reference sums in int64. Prepare accepts the op only when
 * every possible acc fits in int32 (acc is linear in a and b, so checking
 * the four corners of the input ranges is enough); then vpmulld, vpaddd
 * and vpsrad compute the same values.
 */
#include <immintrin.h>

#include "x86_kernels.h"

#define CHUNK 16384   /* elements per task: a multiple of 8 */

static bool fits_i32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static fsnn_status add_prepare_avx2(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	(void)ctx;
	const nn_bin_data *d = node->op_data;
	*accepted = false;
	if (d == NULL || (d->builtin != NN_OP_ADD && d->builtin != NN_OP_SUB) ||
	    (d->type != FSNN_INT8 && d->type != FSNN_UINT8) || d->bc.rank != 1 ||
	    d->bc.stride_a[0] > 1 || d->bc.stride_b[0] > 1)
		return FSNN_OK;
	const int64_t lo = d->type == FSNN_INT8 ? -128 : 0, hi = d->type == FSNN_INT8 ? 127 : 255;
	for (int i = 0; i < 4; i++) {
		const int64_t a = i & 1 ? hi : lo, b = i & 2 ? hi : lo;
		if (!fits_i32((int64_t)d->bias + a * d->a_mult + b * d->b_mult) ||
		    !fits_i32(a * d->a_mult) || !fits_i32(b * d->b_mult))
			return FSNN_OK;
	}
	*accepted = true;
	return FSNN_OK;
}

typedef struct add_job {
	const nn_bin_data *d;
	const uint8_t *a, *b;
	uint8_t *y;
	size_t n;
	bool a_scalar, b_scalar;
} add_job;

static inline __m256i ld8(const uint8_t *p, bool u8)
{
	const __m128i v = _mm_loadl_epi64((const __m128i *)(const void *)p);
	return u8 ? _mm256_cvtepu8_epi32(v) : _mm256_cvtepi8_epi32(v);
}

static inline int32_t ld1(const uint8_t *p, bool u8)
{
	return u8 ? (int32_t)*p : (int32_t)(int8_t)*p;
}

static void add_chunk(void *arg, int task, int thread)
{
	(void)thread;
	const add_job *j = arg;
	const nn_bin_data *d = j->d;
	const bool u8 = d->type == FSNN_UINT8;
	const size_t i0 = (size_t)task * CHUNK, i1 = i0 + CHUNK < j->n ? i0 + CHUNK : j->n;
	const __m256i ma = _mm256_set1_epi32(d->a_mult), mb = _mm256_set1_epi32(d->b_mult);
	const __m256i bias = _mm256_set1_epi32(d->bias), zp = _mm256_set1_epi32(d->out_zp);
	const __m256i qmin = _mm256_set1_epi32(d->qmin), qmax = _mm256_set1_epi32(d->qmax);
	const __m128i sh = _mm_cvtsi32_si128(d->shift);
	const __m256i a1 = _mm256_set1_epi32(ld1(j->a, u8)), b1 = _mm256_set1_epi32(ld1(j->b, u8));
	size_t i = i0;
	for (; i + 8 <= i1; i += 8) {
		const __m256i va = j->a_scalar ? a1 : ld8(j->a + i, u8);
		const __m256i vb = j->b_scalar ? b1 : ld8(j->b + i, u8);
		__m256i acc = _mm256_add_epi32(bias, _mm256_mullo_epi32(va, ma));
		acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(vb, mb));
		acc = _mm256_add_epi32(_mm256_sra_epi32(acc, sh), zp);
		acc = _mm256_min_epi32(_mm256_max_epi32(acc, qmin), qmax);
		const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(acc),
						    _mm256_extracti128_si256(acc, 1));
		_mm_storel_epi64((__m128i *)(void *)(j->y + i),
				 u8 ? _mm_packus_epi16(w16, w16) : _mm_packs_epi16(w16, w16));
	}
	for (; i < i1; i++) {
		const int32_t x = ld1(j->a + (j->a_scalar ? 0 : i), u8);
		const int32_t z = ld1(j->b + (j->b_scalar ? 0 : i), u8);
		int32_t v = ((d->bias + x * d->a_mult + z * d->b_mult) >> d->shift) + d->out_zp;
		v = nn_clamp_i32(v, d->qmin, d->qmax);
		j->y[i] = (uint8_t)v;   /* int8 and uint8 share the low byte */
	}
}

static fsnn_status add_eval_avx2(const nn_eval_ctx *ec, const nn_node *node)
{
	const nn_bin_data *d = node->op_data;
	add_job j = {
		.d = d, .a = nn_in_data(ec, node, 0), .b = nn_in_data(ec, node, 1),
		.y = nn_out_data(ec, node, 0), .n = (size_t)d->bc.dims[0],
		.a_scalar = d->bc.stride_a[0] == 0, .b_scalar = d->bc.stride_b[0] == 0,
	};
	nn_parallel_for(ec, (int)((j.n + CHUNK - 1) / CHUNK), add_chunk, &j);
	return FSNN_OK;
}

const nn_variant nn_variant_add_avx2 = {
	.builtin = NN_OP_ADD, .name = "avx2", .requires = NN_CPU_AVX2,
	.prepare = add_prepare_avx2, .eval = add_eval_avx2,
};

const nn_variant nn_variant_sub_avx2 = {
	.builtin = NN_OP_SUB, .name = "avx2", .requires = NN_CPU_AVX2,
	.prepare = add_prepare_avx2, .eval = add_eval_avx2,
};
