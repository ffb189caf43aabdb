/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to nn/kernels/arm/: pieces the aarch64 NEON variants share across
 * files (each file is compiled with its own target flags, see nn/module.mk:
 * *_dotprod.c with -march=armv8.2-a+dotprod, the others for baseline
 * armv8-a, where Advanced SIMD is always present).
 */
#ifndef NN_ARM_KERNELS_H
#define NN_ARM_KERNELS_H

#include <arm_neon.h>

#include "../common/conv_gemm.h"

/* nn_gemm_ukernel.requant for NEON (exactly nn_requant_fp32); acc, bias and
 * scale hold a whole block of nr entries, nr a multiple of 8. */
void nn_arm_requant_neon(const int32_t *acc, const int32_t *bias, int32_t corr, const float *scale,
			 int32_t zp, int32_t qmin, int32_t qmax, int n, bool out_u8, void *out);

/* Four accumulators -> exactly nn_requant_fp32 of each, as int32: float32
 * conversion (round to nearest, as C's (float) conversion), a separate
 * multiply (no fused multiply-add: the reference rounds the product
 * before clamping), the clamp, then FCVTNS, which rounds half to even
 * like the reference's 1.5 * 2^23 trick for these small magnitudes. */
static inline int32x4_t nn_arm_requant4(int32x4_t acc, float32x4_t scale, float32x4_t lo,
					float32x4_t hi, int32x4_t zp)
{
	float32x4_t v = vmulq_f32(vcvtq_f32_s32(acc), scale);
	v = vminq_f32(vmaxq_f32(v, lo), hi);
	return vaddq_s32(vcvtnq_s32_f32(v), zp);
}

/* Eight requantised values (already within the output type's range, so
 * the narrowing never saturates) as the raw bytes of int8 or uint8. */
static inline uint8x8_t nn_arm_narrow8(int32x4_t r0, int32x4_t r1, bool out_u8)
{
	int16x8_t h = vcombine_s16(vqmovn_s32(r0), vqmovn_s32(r1));
	return out_u8 ? vqmovun_s16(h) : vreinterpret_u8_s8(vqmovn_s16(h));
}

#endif
