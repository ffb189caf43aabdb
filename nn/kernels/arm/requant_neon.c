/* SPDX-License-Identifier: BSD-3-Clause */
/* fp32 requantisation of a block of int32 accumulators with NEON, in the
 * reference's exact order: float(acc + bias + corr) * scale, clamp, round
 * half to even, + zero point (see nn_arm_requant4). */
#include <string.h>

#include "arm_kernels.h"

void nn_arm_requant_neon(const int32_t *acc, const int32_t *bias, int32_t corr, const float *scale,
			 int32_t zp, int32_t qmin, int32_t qmax, int n, bool out_u8, void *out)
{
	const float32x4_t lo = vdupq_n_f32((float)(qmin - zp)), hi = vdupq_n_f32((float)(qmax - zp));
	const int32x4_t vz = vdupq_n_s32(zp), vc = vdupq_n_s32(corr);
	uint8_t *o = out;
	for (int i = 0; i < n; i += 8) {
		/* vaddq_s32 wraps, as the reference's uint32 sums do. */
		int32x4_t a0 = vaddq_s32(vaddq_s32(vld1q_s32(acc + i), vld1q_s32(bias + i)), vc);
		int32x4_t a1 = vaddq_s32(vaddq_s32(vld1q_s32(acc + i + 4), vld1q_s32(bias + i + 4)), vc);
		uint8x8_t b = nn_arm_narrow8(nn_arm_requant4(a0, vld1q_f32(scale + i), lo, hi, vz),
					     nn_arm_requant4(a1, vld1q_f32(scale + i + 4), lo, hi, vz),
					     out_u8);
		if (n - i >= 8) {
			vst1_u8(o + i, b);
		} else {
			uint8_t tmp[8];
			vst1_u8(tmp, b);
			memcpy(o + i, tmp, (size_t)(n - i));
		}
	}
}
