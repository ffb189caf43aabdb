/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Typed op data of the reference kernels that faster variants reuse. The
 * reference prepare (nn/kernels/ref/) fills these and stores them in
 * node->op_data; a variant's prepare (nn/kernels/x86/, nn/kernels/arm/)
 * reads them instead of parsing the options again, as TFLite Micro's
 * optimised kernels reuse the reference Prepare.
 */
#ifndef NN_OP_DATA_H
#define NN_OP_DATA_H

#include "kernel_util.h"

/* CONV_2D */
typedef struct nn_conv_data {
	fsnn_dtype type;
	nn_ku_window win;
	int32_t groups;
	nn_ku_weighted wt;       /* zero points, bias, requantisation or clamp */
} nn_conv_data;

/* DEPTHWISE_CONV_2D */
typedef struct nn_dw_data {
	fsnn_dtype type;
	nn_ku_window win;
	int32_t mult;            /* depth multiplier */
	nn_ku_weighted wt;
} nn_dw_data;

/* RESIZE_BILINEAR: per output row and column, the two source indices and
 * the weight of the second (float32 and XNNPACK's 11-bit fixed point). */
typedef struct nn_bilinear_tap {
	int32_t i0, i1;    /* the two source indices */
	float frac;        /* float32 weight of i1 */
	int32_t w11;       /* 11-bit fixed-point weight of i1 */
} nn_bilinear_tap;

typedef struct nn_resize_bilinear_data {
	int32_t n, in_h, in_w, out_h, out_w, c;
	fsnn_dtype type;
	nn_bilinear_tap *ty, *tx;
} nn_resize_bilinear_data;

/* ADD, SUB, MUL (nn/kernels/ref/binary_ops.c has the arithmetic) */
typedef struct nn_bin_data {
	int builtin;
	fsnn_dtype type;
	nn_bcast bc;
	/* quantised ADD/SUB */
	int32_t a_mult, b_mult, bias, shift;
	/* quantised MUL */
	int32_t a_zp, b_zp;
	float scale;
	int32_t out_zp, qmin, qmax;   /* clamp after requant (type range ∩ activation) */
	float fmin, fmax;
} nn_bin_data;

/* CONCATENATION: per outer index, each input's bytes in turn (copied, or
 * requantised when its quantisation differs from the output's) */
typedef struct nn_concat_input {
	size_t copy_bytes;     /* bytes of this input per outer index */
	bool requant;
	float scale, bias;
} nn_concat_input;

typedef struct nn_concat_data {
	size_t outer;
	int32_t out_zp, qmin, qmax;
	float lo, hi;           /* float32 fused activation */
	bool is_float;
	int n;
	nn_concat_input in[];
} nn_concat_data;

/* PAD and PADV2: constant padding of up to FSNN_MAX_RANK dims */
typedef struct nn_pad_data {
	int64_t in_dims[FSNN_MAX_RANK], out_dims[FSNN_MAX_RANK];  /* leading 1s */
	int64_t before[FSNN_MAX_RANK];
	size_t elem_size;
	uint8_t value[8];   /* one element of the pad value, raw bytes */
} nn_pad_data;

/* QUANTIZE */
typedef struct nn_quantize_data {
	float inv_scale, lo, hi;   /* float input: clamp range, zp-relative */
	int32_t zero_point;
	uint8_t lut[256];          /* 8-bit input: indexed by the raw byte */
} nn_quantize_data;

/* ARG_MAX: input viewed as [outer, axis_len, inner] */
typedef struct nn_arg_max_data {
	size_t outer, axis_len, inner;
	fsnn_dtype in_type, out_type;
} nn_arg_max_data;

/* FULLY_CONNECTED: rows of k inputs against weights [n, k] */
typedef struct nn_fc_data {
	fsnn_dtype type;
	int32_t rows, k, n;
	nn_ku_weighted wt;       /* zero points, bias, requantisation or clamp */
} nn_fc_data;

#endif
