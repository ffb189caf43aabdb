/* SPDX-License-Identifier: BSD-3-Clause */
/* CONV_2D for aarch64 NEON without the dot product (Cortex-A72 of the
 * Raspberry Pi 4): 4 pixels x 8 channels, inputs and weights signed 8-bit
 * (NN_GEMM_S8), 16 k at a time. Each (pixel, channel) pair has its own
 * int32x4 accumulator: SMULL multiplies 8 int8 pairs into int16, SMLAL2
 * adds the products of the other 8, and SADALP adds neighbouring int16
 * lanes into the int32 accumulator; the four lanes are summed at the end.
 * On the A72 the two multiplies go to its one integer-multiply pipe and
 * SADALP to the other, i.e. 8 MACs a cycle, twice vmlal_lane_s16 on int16.
 *
 * Exactness: one int8 x int8 product fits int16 (|p| <= 2^14), but two may
 * not: (-128)(-128) * 2 = 2^15. With inputs in [-128, 127] and weights in
 * [-127, 127], |p| <= 128 * 127 = 16256 and a sum of two is at most 32512,
 * so the pairwise int16 sum is exact. Weights holding -128 (possible in
 * uint8 models, weight byte 0, or in hostile int8 ones) get the second
 * microkernel, which widens every product on its own (SMULL, SMULL2, two
 * SADALP). Weights are packed [k/16][8 channels][16] (kr = 16). */
#include "arm_kernels.h"

#define MR 4
#define NR 8
#define KR 16

/* a += pairwise sums of x[i] * w[i] over 16 lanes, exactly (see above). */
static inline __attribute__((always_inline)) int32x4_t mac16(int32x4_t a, int8x16_t x, int8x16_t w,
							     bool pairs)
{
	if (pairs)
		return vpadalq_s16(a, vmlal_high_s8(vmull_s8(vget_low_s8(x), vget_low_s8(w)), x, w));
	a = vpadalq_s16(a, vmull_s8(vget_low_s8(x), vget_low_s8(w)));
	return vpadalq_s16(a, vmull_high_s8(x, w));
}

/* Sum of each accumulator's four lanes: [sum a0, sum a1, sum a2, sum a3]. */
static inline int32x4_t hsum4(int32x4_t a0, int32x4_t a1, int32x4_t a2, int32x4_t a3)
{
	return vpaddq_s32(vpaddq_s32(a0, a1), vpaddq_s32(a2, a3));
}

#define MAC_ROW(m, x)                                                             \
	do {                                                                      \
		a##m##0 = mac16(a##m##0, x, w0, pairs); a##m##1 = mac16(a##m##1, x, w1, pairs); \
		a##m##2 = mac16(a##m##2, x, w2, pairs); a##m##3 = mac16(a##m##3, x, w3, pairs); \
		SCHED_BARRIER();                                                  \
	} while (0)

/* Keeps GCC from starting every multiply of the iteration before the first
 * SADALP: the int16 products of all sixteen pairs would not fit in the
 * registers next to the sixteen accumulators, and it spills. */
#define SCHED_BARRIER() __asm__ __volatile__("" ::: "memory")

/* Channels 4h .. 4h+3 of the block for all four pixels: sixteen
 * accumulators, four inputs and four weight vectors in registers. */
static inline __attribute__((always_inline)) void tile4x4(const int8_t *x, size_t xs, int kpad,
							  const int8_t *w, int32_t *acc, bool pairs)
{
	const int8_t *p0 = x, *p1 = p0 + xs, *p2 = p1 + xs, *p3 = p2 + xs;
	int32x4_t a00 = vdupq_n_s32(0), a01 = a00, a02 = a00, a03 = a00;
	int32x4_t a10 = a00, a11 = a00, a12 = a00, a13 = a00;
	int32x4_t a20 = a00, a21 = a00, a22 = a00, a23 = a00;
	int32x4_t a30 = a00, a31 = a00, a32 = a00, a33 = a00;
	for (int k = 0; k < kpad; k += KR, w += NR * KR) {
		const int8x16_t w0 = vld1q_s8(w), w1 = vld1q_s8(w + 16);
		const int8x16_t w2 = vld1q_s8(w + 32), w3 = vld1q_s8(w + 48);
		const int8x16_t x0 = vld1q_s8(p0 + k), x1 = vld1q_s8(p1 + k);
		const int8x16_t x2 = vld1q_s8(p2 + k), x3 = vld1q_s8(p3 + k);
		MAC_ROW(0, x0);
		MAC_ROW(1, x1);
		MAC_ROW(2, x2);
		MAC_ROW(3, x3);
	}
	vst1q_s32(acc + 0 * NR, hsum4(a00, a01, a02, a03));
	vst1q_s32(acc + 1 * NR, hsum4(a10, a11, a12, a13));
	vst1q_s32(acc + 2 * NR, hsum4(a20, a21, a22, a23));
	vst1q_s32(acc + 3 * NR, hsum4(a30, a31, a32, a33));
}

static void gemm_neon_pairs(const void *xv, size_t xs, int kpad, const void *wv, int32_t *acc)
{
	tile4x4(xv, xs, kpad, wv, acc, true);
	tile4x4(xv, xs, kpad, (const int8_t *)wv + 4 * KR, acc + 4, true);
}

static void gemm_neon_single(const void *xv, size_t xs, int kpad, const void *wv, int32_t *acc)
{
	tile4x4(xv, xs, kpad, wv, acc, false);
	tile4x4(xv, xs, kpad, (const int8_t *)wv + 4 * KR, acc + 4, false);
}

static const nn_gemm_ukernel ukernel_neon_pairs = {
	.mr = MR, .nr = NR, .kr = KR, .xfmt = NN_GEMM_S8,
	.gemm = gemm_neon_pairs, .requant = nn_arm_requant_neon,
};

static const nn_gemm_ukernel ukernel_neon_single = {
	.mr = MR, .nr = NR, .kr = KR, .xfmt = NN_GEMM_S8,
	.gemm = gemm_neon_single, .requant = nn_arm_requant_neon,
};

/* Whether some weight is -128 in the signed domain the driver packs. */
static bool has_minus128(const nn_node *node, const nn_prepare_ctx *ctx)
{
	const nn_conv_data *d = node->op_data;
	const nn_tensor *w = nn_input(ctx, node, 1);
	if (d == NULL || d->type == FSNN_FLOAT32 || w == NULL || w->data == NULL)
		return false;
	const uint8_t minus128 = d->type == FSNN_UINT8 ? 0x00 : 0x80;
	for (size_t i = 0; i < w->elems; i++)
		if (w->data[i] == minus128)
			return true;
	return false;
}

static fsnn_status prepare_neon(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	const nn_gemm_ukernel *uk = has_minus128(node, ctx) ? &ukernel_neon_single : &ukernel_neon_pairs;
	return nn_conv_gemm_prepare(ctx, node, uk, accepted);
}

const nn_variant nn_variant_conv_2d_neon = {
	.builtin = NN_OP_CONV_2D, .name = "neon", .requires = NN_CPU_NEON,
	.prepare = prepare_neon, .eval = nn_conv_gemm_eval,
};
