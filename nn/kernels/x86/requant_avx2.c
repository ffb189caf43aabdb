/* fp32 requantisation of up to 16 int32 accumulators with AVX2, in the
 * reference's exact order: float(acc) * scale, clamp, round half to even
 * by the 1.5 * 2^23 trick, + zero point. Compiled with -mavx2. */
#include <immintrin.h>
#include <string.h>

#include "x86_kernels.h"

static __m256i requant8(const int32_t *acc, const int32_t *bias, __m256i corr, const float *scale,
			__m256 lo, __m256 hi, __m256i zp)
{
	const __m256 magic = _mm256_set1_ps(12582912.0f);
	__m256i a = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(const void *)acc),
				     _mm256_loadu_si256((const __m256i *)(const void *)bias));
	a = _mm256_add_epi32(a, corr);
	__m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(a), _mm256_loadu_ps(scale));
	v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
	v = _mm256_sub_ps(_mm256_add_ps(v, magic), magic);
	return _mm256_add_epi32(_mm256_cvttps_epi32(v), zp);
}

void nn_x86_requant_avx2(const int32_t *acc, const int32_t *bias, int32_t corr, const float *scale,
			 int32_t zp, int32_t qmin, int32_t qmax, int n, bool out_u8, void *out)
{
	/* acc, bias and scale always hold 16 entries (a whole block). */
	const __m256 lo = _mm256_set1_ps((float)(qmin - zp)), hi = _mm256_set1_ps((float)(qmax - zp));
	const __m256i vz = _mm256_set1_epi32(zp), vc = _mm256_set1_epi32(corr);
	__m256i r0 = requant8(acc, bias, vc, scale, lo, hi, vz);
	__m256i r1 = requant8(acc + 8, bias + 8, vc, scale + 8, lo, hi, vz);
	/* Values are already within the type's range: packing never saturates. */
	__m256i w16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(r0, r1), 0xD8);
	__m128i lo16 = _mm256_castsi256_si128(w16), hi16 = _mm256_extracti128_si256(w16, 1);
	__m128i b = out_u8 ? _mm_packus_epi16(lo16, hi16) : _mm_packs_epi16(lo16, hi16);
	if (n == 16) {
		_mm_storeu_si128((__m128i *)out, b);
	} else {
		uint8_t tmp[16];
		_mm_storeu_si128((__m128i *)(void *)tmp, b);
		memcpy(out, tmp, (size_t)n);
	}
}
