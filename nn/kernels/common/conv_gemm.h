/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver shared by the fast CONV_2D (and FULLY_CONNECTED) variants of
 * every target: 8-bit convolution as a GEMM over blocks of output pixels,
 * without a full im2col. For each block of MR output pixels it gathers
 * their receptive fields into per-thread scratch (in the form the target's
 * microkernel reads), then runs the microkernel against weights packed once
 * at load, NR output channels at a time, and requantises.
 *
 * Exactness: all sums are int32 wrapping (uint32) sums, so their order does
 * not matter. With x_s, w_s the signed 8-bit values (uint8 tensors are
 * shifted by -128) and off the microkernel's input offset,
 *   sum (x_s - xz)(w_s - wz) = sum (x_s + off) w_s - (off + xz) sum w_s
 *                              - wz sum x_s + K xz wz
 * The constant terms go into a per-channel bias at load; the wz sum x_s
 * term (uint8 weights only) is a per-pixel correction. Taps in the padding
 * are gathered as x_s = xz, so they add exactly nothing, as in the
 * reference kernel which skips them.
 */
#ifndef NN_CONV_GEMM_H
#define NN_CONV_GEMM_H

#include "op_data.h"

/* How the microkernel wants gathered inputs and packed weights. */
enum nn_gemm_xfmt {
	NN_GEMM_U8 = 0,   /* x_s + 128 as uint8, weights int8, k in groups of kr (x86 VNNI) */
	NN_GEMM_S8 = 1,   /* x_s as int8, weights int8 (Arm SDOT, NEON widening) */
	NN_GEMM_I16 = 2,  /* x_s as int16, weights int16 (x86 AVX2 vpmaddwd) */
};

/* Where and how a fused microkernel writes one MR x NR block. */
typedef struct nn_gemm_out {
	const int32_t *bias;     /* nr entries of this block */
	const float *scale;      /* nr entries */
	const int32_t *corr;     /* mr per-pixel corrections (added to every channel), NULL = none */
	int32_t zp;
	float lo, hi;            /* float(qmin - zp), float(qmax - zp): nn_requant_fp32's clamp */
	bool u8;                 /* store uint8 (else int8) */
	int m_valid, n;          /* rows and channels to store */
	uint8_t *out;            /* first pixel's first channel of the block */
	size_t out_stride;       /* bytes from one pixel to the next */
} nn_gemm_out;

/* A target's microkernel. Packed weights of one block of nr channels are
 * laid out [kpad / kr][nr][kr] (element type per xfmt), zero-filled past K
 * and past the last channel. */
typedef struct nn_gemm_ukernel {
	int mr, nr, kr;
	enum nn_gemm_xfmt xfmt;
	/* acc[m * nr + j] = sum over k < kpad of x[m * x_stride + k] * w[k][j]
	 * for m < mr (rows of x past the valid pixels hold copies of a valid
	 * one). x_stride and kpad are in elements, multiples of kr. */
	void (*gemm)(const void *x, size_t x_stride, int kpad, const void *w, int32_t *acc);
	/* out[j] = clamp(round_half_even(float(acc[j] + bias[j] + corr) * scale[j]) + zp)
	 * for j < n (n <= nr), stored as int8 or uint8: exactly nn_requant_fp32.
	 * May be NULL when gemm_requant is given. */
	void (*requant)(const int32_t *acc, const int32_t *bias, int32_t corr, const float *scale,
			int32_t zp, int32_t qmin, int32_t qmax, int n, bool out_u8, void *out);
	/* Optional: gemm and fp32 requantisation in one pass, straight from
	 * registers (small K makes the separate store and reload dominate). */
	void (*gemm_requant)(const void *x, size_t x_stride, int kpad, const void *w,
			     const nn_gemm_out *o);
} nn_gemm_ukernel;

/* Prepares node (a CONV_2D whose reference prepare already ran) for ukernel
 * uk: sets *accepted unless the op is not one it handles (float32,
 * groups > 1), packs the weights into node->variant_data and sets the
 * per-thread scratch. */
fsnn_status nn_conv_gemm_prepare(nn_prepare_ctx *ctx, nn_node *node, const nn_gemm_ukernel *uk,
				 bool *accepted);
/* Eval of a node prepared by nn_conv_gemm_prepare (splits output rows over
 * the context's threads). */
fsnn_status nn_conv_gemm_eval(const nn_eval_ctx *ec, const nn_node *node);

#endif
