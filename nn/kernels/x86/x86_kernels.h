/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to nn/kernels/x86/: pieces the x86 variants share across files
 * (each file is compiled with its own target flags, see nn/module.mk).
 */
#ifndef NN_X86_KERNELS_H
#define NN_X86_KERNELS_H

#include "../common/conv_gemm.h"


#ifdef __AVX2__
#include <immintrin.h>
#include <string.h>

/* Requantises one pixel's 16 accumulators (a0: channels 0-7, a1: 8-15)
 * exactly as nn_requant_fp32 and stores o->n bytes at out. For the AVX2
 * and AVX-VNNI microkernels' fused gemm_requant. */
static inline void nn_x86_store_rq16_avx2(__m256i a0, __m256i a1, int32_t corr,
					  const nn_gemm_out *o, uint8_t *out)
{
	const __m256 magic = _mm256_set1_ps(12582912.0f);
	const __m256 lo = _mm256_set1_ps(o->lo), hi = _mm256_set1_ps(o->hi);
	const __m256i c = _mm256_set1_epi32(corr), zp = _mm256_set1_epi32(o->zp);
	__m256i r[2];
	const __m256i acc[2] = { a0, a1 };
	for (int h = 0; h < 2; h++) {
		__m256i a = _mm256_add_epi32(acc[h], _mm256_loadu_si256((const __m256i *)(const void *)(o->bias + 8 * h)));
		if (o->corr != NULL)
			a = _mm256_add_epi32(a, c);
		__m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(a), _mm256_loadu_ps(o->scale + 8 * h));
		v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
		v = _mm256_sub_ps(_mm256_add_ps(v, magic), magic);
		r[h] = _mm256_add_epi32(_mm256_cvttps_epi32(v), zp);
	}
	/* In range already: packing never saturates. */
	__m256i w16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[0], r[1]), 0xD8);
	__m128i l16 = _mm256_castsi256_si128(w16), h16 = _mm256_extracti128_si256(w16, 1);
	__m128i b = o->u8 ? _mm_packus_epi16(l16, h16) : _mm_packs_epi16(l16, h16);
	if (o->n >= 16) {
		_mm_storeu_si128((__m128i *)(void *)out, b);
	} else {
		uint8_t tmp[16];
		_mm_storeu_si128((__m128i *)(void *)tmp, b);
		memcpy(out, tmp, (size_t)o->n);
	}
}
#endif

#endif
