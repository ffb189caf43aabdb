/* SPDX-License-Identifier: BSD-3-Clause */
/* CONV_2D for x86-64 with AVX2 (no VNNI): 6 pixels x 16 channels, inputs and
 * weights widened to int16 and multiplied pairwise into int32 with
 * vpmaddwd, which is exact (vpmaddubsw would saturate). Compiled with
 * -mavx2. */
#include <immintrin.h>
#include <string.h>

#include "x86_kernels.h"

#define MR 6

/* The MR x 16 tile of one block in registers: x and w widened to int16, pairs of products per lane (vpmaddwd, exact). */
static inline void accumulate(const int16_t *x, size_t xs, int kpad, const int16_t *w, __m256i a[MR][2])
{
	for (int m = 0; m < MR; m++)
		a[m][0] = a[m][1] = _mm256_setzero_si256();
	for (int k = 0; k < kpad; k += 2, w += 32) {
		const __m256i w0 = _mm256_loadu_si256((const __m256i *)(const void *)w);
		const __m256i w1 = _mm256_loadu_si256((const __m256i *)(const void *)(w + 16));
		for (int m = 0; m < MR; m++) {
			int32_t pair;
			memcpy(&pair, x + (size_t)m * xs + k, sizeof pair);
			const __m256i bx = _mm256_set1_epi32(pair);
			a[m][0] = _mm256_add_epi32(a[m][0], _mm256_madd_epi16(bx, w0));
			a[m][1] = _mm256_add_epi32(a[m][1], _mm256_madd_epi16(bx, w1));
		}
	}
}

/* The int32 tile, for the fixed-point requantisation the driver does. */
static void gemm_avx2(const void *x, size_t xs, int kpad, const void *w, int32_t *acc)
{
	__m256i a[MR][2];
	accumulate(x, xs, kpad, w, a);
	for (int m = 0; m < MR; m++) {
		_mm256_storeu_si256((__m256i *)(void *)(acc + m * 16), a[m][0]);
		_mm256_storeu_si256((__m256i *)(void *)(acc + m * 16 + 8), a[m][1]);
	}
}

/* The tile requantised straight from registers (small K made a store and
 * reload cost more than the dot products). */
static void gemm_requant_avx2(const void *x, size_t xs, int kpad, const void *w, const nn_gemm_out *o)
{
	__m256i a[MR][2];
	accumulate(x, xs, kpad, w, a);
	for (int m = 0; m < o->m_valid; m++)
		nn_x86_store_rq16_avx2(a[m][0], a[m][1], o->corr ? o->corr[m] : 0, o, o->out + (size_t)m * o->out_stride);
}

static const nn_gemm_ukernel ukernel_avx2 = {
	.mr = MR, .nr = 16, .kr = 2, .xfmt = NN_GEMM_I16,
	.gemm = gemm_avx2, .gemm_requant = gemm_requant_avx2,
};

static fsnn_status prepare_avx2(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	return nn_conv_gemm_prepare(ctx, node, &ukernel_avx2, accepted);
}

const nn_variant nn_variant_conv_2d_avx2 = {
	.builtin = NN_OP_CONV_2D, .name = "avx2", .requires = NN_CPU_AVX2,
	.prepare = prepare_avx2, .eval = nn_conv_gemm_eval,
};
