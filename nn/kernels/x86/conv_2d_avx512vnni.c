/* CONV_2D for x86-64 with AVX-512 VNNI: 8 pixels x 16 channels in zmm
 * accumulators, inputs as x + 128 (unsigned) against signed weights with
 * vpdpbusd (exact: no saturation), masked requantisation. Compiled with
 * -mavx512f -mavx512bw -mavx512vl -mavx512vnni. */
#include <immintrin.h>
#include <string.h>

#include "x86_kernels.h"

#define MR 8

static void gemm_avx512vnni(const void *xv, size_t xs, int kpad, const void *wv, int32_t *acc)
{
	const uint8_t *x = xv;
	const int8_t *w = wv;
	__m512i a[MR];
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
	for (int m = 0; m < MR; m++)
		_mm512_storeu_si512((void *)(acc + m * 16), a[m]);
}

static void requant_avx512(const int32_t *acc, const int32_t *bias, int32_t corr, const float *scale,
			   int32_t zp, int32_t qmin, int32_t qmax, int n, bool out_u8, void *out)
{
	const __mmask16 mask = n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u);
	const __m512 magic = _mm512_set1_ps(12582912.0f);
	__m512i a = _mm512_add_epi32(_mm512_loadu_si512((const void *)acc),
				     _mm512_loadu_si512((const void *)bias));
	a = _mm512_add_epi32(a, _mm512_set1_epi32(corr));
	__m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(a), _mm512_loadu_ps(scale));
	v = _mm512_max_ps(v, _mm512_set1_ps((float)(qmin - zp)));
	v = _mm512_min_ps(v, _mm512_set1_ps((float)(qmax - zp)));
	v = _mm512_sub_ps(_mm512_add_ps(v, magic), magic);
	__m512i r = _mm512_add_epi32(_mm512_cvttps_epi32(v), _mm512_set1_epi32(zp));
	if (out_u8)
		_mm512_mask_cvtusepi32_storeu_epi8(out, mask, r);
	else
		_mm512_mask_cvtsepi32_storeu_epi8(out, mask, r);
}

/* gemm_avx512vnni and requant_avx512 in one pass, from registers. */
static void gemm_requant_avx512vnni(const void *xv, size_t xs, int kpad, const void *wv,
				    const nn_gemm_out *o)
{
	const uint8_t *x = xv;
	const int8_t *w = wv;
	__m512i a[MR];
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
	.gemm = gemm_avx512vnni, .requant = requant_avx512,
	.gemm_requant = gemm_requant_avx512vnni,
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
