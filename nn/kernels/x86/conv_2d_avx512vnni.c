/* SPDX-License-Identifier: BSD-3-Clause */
/* CONV_2D for x86-64 with AVX-512 VNNI: 8 pixels x 16 channels in zmm
 * accumulators, inputs as x + 128 (unsigned) against signed weights with
 * vpdpbusd (exact: no saturation), masked requantisation. Compiled with
 * -mavx512f -mavx512bw -mavx512vl -mavx512vnni. */
#include <immintrin.h>
#include <string.h>

#include "x86_kernels.h"

#define MR 8

/* The MR x 16 tile of one block, in registers: sum over k of (x + 128)
 * times w, four products per lane per vpdpbusd. */
static inline void accumulate(const uint8_t *x, size_t xs, int kpad, const int8_t *w, __m512i a[MR])
{
	for (int m = 0; m < MR; m++)
		a[m] = _mm512_setzero_si512();
	for (int k = 0; k < kpad; k += 4, w += 64) {
		const __m512i wk = _mm512_loadu_si512((const void *)w);
		for (int m = 0; m < MR; m++) {
			int32_t quad;
			memcpy(&quad, x + (size_t)m * xs + k, sizeof quad);
			a[m] = _mm512_dpbusd_epi32(a[m], _mm512_set1_epi32(quad), wk);
		}
	}
}

/* The int32 tile, for the fixed-point requantisation the driver does. */
static void gemm_avx512vnni(const void *x, size_t xs, int kpad, const void *w, int32_t *acc)
{
	__m512i a[MR];
	accumulate(x, xs, kpad, w, a);
	for (int m = 0; m < MR; m++)
		_mm512_storeu_si512((void *)(acc + m * 16), a[m]);
}

/* The tile requantised (fp32, exactly nn_requant_fp32) straight from
 * registers: M2U-Net's K of 16-96 made a store and reload cost more than
 * the dot products. */
static void gemm_requant_avx512vnni(const void *x, size_t xs, int kpad, const void *w,
				    const nn_gemm_out *o)
{
	__m512i a[MR];
	accumulate(x, xs, kpad, w, a);
	const __mmask16 mask = o->n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << o->n) - 1u);
	const __m512 lo = _mm512_set1_ps(o->lo), hi = _mm512_set1_ps(o->hi);
	const __m512 scale = _mm512_loadu_ps(o->scale);
	const __m512i bias = _mm512_loadu_si512((const void *)o->bias), zp = _mm512_set1_epi32(o->zp);
	for (int m = 0; m < o->m_valid; m++) {
		__m512i acc = _mm512_add_epi32(a[m], bias);
		if (o->corr != NULL)
			acc = _mm512_add_epi32(acc, _mm512_set1_epi32(o->corr[m]));
		__m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
		v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
		/* Round half to even by the instruction's own rounding field, so
		 * the MXCSR mode does not matter (the reference's 1.5 * 2^23
		 * trick gives the same integer for these clamped values). */
		__m512i r = _mm512_add_epi32(_mm512_cvt_roundps_epi32(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), zp);
		uint8_t *out = o->out + (size_t)m * o->out_stride;
		if (o->u8)
			_mm512_mask_cvtusepi32_storeu_epi8(out, mask, r);
		else
			_mm512_mask_cvtsepi32_storeu_epi8(out, mask, r);
	}
}

static const nn_gemm_ukernel ukernel_avx512vnni = {
	.mr = MR, .nr = 16, .kr = 4, .xfmt = NN_GEMM_U8,
	.gemm = gemm_avx512vnni, .gemm_requant = gemm_requant_avx512vnni,
};

static fsnn_status prepare_avx512vnni(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	return nn_conv_gemm_prepare(ctx, node, &ukernel_avx512vnni, accepted);
}

const nn_variant nn_variant_conv_2d_avx512vnni = {
	.builtin = NN_OP_CONV_2D, .name = "avx512vnni",
	.requires = NN_CPU_AVX2 | NN_CPU_AVX512VNNI,
	.prepare = prepare_avx512vnni, .eval = nn_conv_gemm_eval,
};
