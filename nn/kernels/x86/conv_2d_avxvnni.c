/* SPDX-License-Identifier: BSD-3-Clause */
/* CONV_2D for x86-64 with AVX-VNNI (256-bit vpdpbusd): 6 pixels x 16
 * channels, inputs as x + 128 (unsigned) against signed weights, four
 * products per int32 lane without saturation. Compiled with -mavx2
 * -mavxvnni. */
#include <immintrin.h>
#include <string.h>

#include "x86_kernels.h"

#define MR 6

/* The MR x 16 tile of one block in registers: (x + 128) times w, four products per lane (vpdpbusd). */
static inline void accumulate(const uint8_t *x, size_t xs, int kpad, const int8_t *w, __m256i a[MR][2])
{
	for (int m = 0; m < MR; m++)
		a[m][0] = a[m][1] = _mm256_setzero_si256();
	for (int k = 0; k < kpad; k += 4, w += 64) {
		const __m256i w0 = _mm256_loadu_si256((const __m256i *)(const void *)w);
		const __m256i w1 = _mm256_loadu_si256((const __m256i *)(const void *)(w + 32));
		for (int m = 0; m < MR; m++) {
			int32_t quad;
			memcpy(&quad, x + (size_t)m * xs + k, sizeof quad);
			const __m256i bx = _mm256_set1_epi32(quad);
			a[m][0] = _mm256_dpbusd_avx_epi32(a[m][0], bx, w0);
			a[m][1] = _mm256_dpbusd_avx_epi32(a[m][1], bx, w1);
		}
	}
}

/* The int32 tile, for the fixed-point requantisation the driver does. */
static void gemm_avxvnni(const void *x, size_t xs, int kpad, const void *w, int32_t *acc)
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
static void gemm_requant_avxvnni(const void *x, size_t xs, int kpad, const void *w, const nn_gemm_out *o)
{
	__m256i a[MR][2];
	accumulate(x, xs, kpad, w, a);
	for (int m = 0; m < o->m_valid; m++)
		nn_x86_store_rq16_avx2(a[m][0], a[m][1], o->corr ? o->corr[m] : 0, o, o->out + (size_t)m * o->out_stride);
}

static const nn_gemm_ukernel ukernel_avxvnni = {
	.mr = MR, .nr = 16, .kr = 4, .xfmt = NN_GEMM_U8,
	.gemm = gemm_avxvnni, .gemm_requant = gemm_requant_avxvnni,
};

static fsnn_status prepare_avxvnni(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	return nn_conv_gemm_prepare(ctx, node, &ukernel_avxvnni, accepted);
}

const nn_variant nn_variant_conv_2d_avxvnni = {
	.builtin = NN_OP_CONV_2D, .name = "avxvnni", .requires = NN_CPU_AVX2 | NN_CPU_AVXVNNI,
	.prepare = prepare_avxvnni, .eval = nn_conv_gemm_eval,
};
