/* SPDX-License-Identifier: BSD-3-Clause */
/* CONV_2D for aarch64 with the Armv8.2 dot product (SDOT; Cortex-A76 of the
 * Raspberry Pi 5): 4 pixels x 16 channels in sixteen int32x4 accumulators.
 * Inputs and weights are both signed 8-bit (NN_GEMM_S8; uint8 tensors are
 * shifted by -128 in the driver), and SDOT adds four exact int8 x int8
 * products into each int32 lane, so no saturation can occur. Weights are
 * packed [k/4][16 channels][4]: one 16-byte load holds 4 channels x 4 k,
 * and the by-element form takes each pixel's 4 k from one 32-bit lane of
 * a 16-byte input load (16 k per load). Compiled with
 * -march=armv8.2-a+dotprod; chosen only where HWCAP_ASIMDDP is set. */
#include <string.h>

#include "arm_kernels.h"

#define MR 4
#define NR 16

/* One k-group (4 k) of all four pixels against 16 channels; xm hold the
 * pixels' inputs, lane L of them the group. */
#define DOT_GROUP(L, x0, x1, x2, x3)                                              \
	do {                                                                      \
		const int8x16_t w0 = vld1q_s8(w), w1 = vld1q_s8(w + 16);          \
		const int8x16_t w2 = vld1q_s8(w + 32), w3 = vld1q_s8(w + 48);     \
		w += 64;                                                          \
		a00 = vdotq_laneq_s32(a00, w0, x0, L); a01 = vdotq_laneq_s32(a01, w1, x0, L); \
		a02 = vdotq_laneq_s32(a02, w2, x0, L); a03 = vdotq_laneq_s32(a03, w3, x0, L); \
		a10 = vdotq_laneq_s32(a10, w0, x1, L); a11 = vdotq_laneq_s32(a11, w1, x1, L); \
		a12 = vdotq_laneq_s32(a12, w2, x1, L); a13 = vdotq_laneq_s32(a13, w3, x1, L); \
		a20 = vdotq_laneq_s32(a20, w0, x2, L); a21 = vdotq_laneq_s32(a21, w1, x2, L); \
		a22 = vdotq_laneq_s32(a22, w2, x2, L); a23 = vdotq_laneq_s32(a23, w3, x2, L); \
		a30 = vdotq_laneq_s32(a30, w0, x3, L); a31 = vdotq_laneq_s32(a31, w1, x3, L); \
		a32 = vdotq_laneq_s32(a32, w2, x3, L); a33 = vdotq_laneq_s32(a33, w3, x3, L); \
		SCHED_BARRIER();                                                  \
	} while (0)

/* Keeps the compiler from hoisting the next group's weight loads above
 * these dot products: with all 16 weight vectors of an iteration live at
 * once, 16 accumulators + 16 weights + inputs exceed the 32 registers and
 * GCC spills an accumulator to the stack on every iteration. */
#define SCHED_BARRIER() __asm__ __volatile__("" ::: "memory")

/* Four input bytes as lane 0 of a vector (memcpy: the row has no 32-bit
 * alignment). */
static inline int8x16_t load4(const int8_t *p)
{
	int32_t v;
	memcpy(&v, p, sizeof v);
	return vreinterpretq_s8_s32(vdupq_n_s32(v));
}

static void gemm_dotprod(const void *xv, size_t xs, int kpad, const void *wv, int32_t *acc)
{
	const int8_t *p0 = xv, *p1 = p0 + xs, *p2 = p1 + xs, *p3 = p2 + xs;
	const int8_t *w = wv;
	int32x4_t a00 = vdupq_n_s32(0), a01 = a00, a02 = a00, a03 = a00;
	int32x4_t a10 = a00, a11 = a00, a12 = a00, a13 = a00;
	int32x4_t a20 = a00, a21 = a00, a22 = a00, a23 = a00;
	int32x4_t a30 = a00, a31 = a00, a32 = a00, a33 = a00;
	int k = 0;
	for (; k + 16 <= kpad; k += 16) {
		const int8x16_t x0 = vld1q_s8(p0 + k), x1 = vld1q_s8(p1 + k);
		const int8x16_t x2 = vld1q_s8(p2 + k), x3 = vld1q_s8(p3 + k);
		DOT_GROUP(0, x0, x1, x2, x3);
		DOT_GROUP(1, x0, x1, x2, x3);
		DOT_GROUP(2, x0, x1, x2, x3);
		DOT_GROUP(3, x0, x1, x2, x3);
	}
	/* kpad is a multiple of 4 only: the last one to three groups. */
	for (; k < kpad; k += 4) {
		const int8x16_t x0 = load4(p0 + k), x1 = load4(p1 + k);
		const int8x16_t x2 = load4(p2 + k), x3 = load4(p3 + k);
		DOT_GROUP(0, x0, x1, x2, x3);
	}
	vst1q_s32(acc + 0, a00); vst1q_s32(acc + 4, a01); vst1q_s32(acc + 8, a02); vst1q_s32(acc + 12, a03);
	vst1q_s32(acc + 16, a10); vst1q_s32(acc + 20, a11); vst1q_s32(acc + 24, a12); vst1q_s32(acc + 28, a13);
	vst1q_s32(acc + 32, a20); vst1q_s32(acc + 36, a21); vst1q_s32(acc + 40, a22); vst1q_s32(acc + 44, a23);
	vst1q_s32(acc + 48, a30); vst1q_s32(acc + 52, a31); vst1q_s32(acc + 56, a32); vst1q_s32(acc + 60, a33);
}

static const nn_gemm_ukernel ukernel_dotprod = {
	.mr = MR, .nr = NR, .kr = 4, .xfmt = NN_GEMM_S8,
	.gemm = gemm_dotprod, .requant = nn_arm_requant_neon,
};

static fsnn_status prepare_dotprod(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	return nn_conv_gemm_prepare(ctx, node, &ukernel_dotprod, accepted);
}

const nn_variant nn_variant_conv_2d_dotprod = {
	.builtin = NN_OP_CONV_2D, .name = "neon-dotprod", .requires = NN_CPU_NEON | NN_CPU_DOTPROD,
	.prepare = prepare_dotprod, .eval = nn_conv_gemm_eval,
};
