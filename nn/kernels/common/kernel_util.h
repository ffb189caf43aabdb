/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the reference kernels (nn/kernels/ref/): padding,
 * fused-activation clamps, fixed-point requantisation, broadcasting and
 * per-channel scales. Everything here is pure arithmetic on its arguments
 * (no allocation, no global state) except the nn_ku_*_prep helpers, which
 * report errors through the prepare context.
 */
#ifndef NN_KERNEL_UTIL_H
#define NN_KERNEL_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "../../src/nn_internal.h"

/* ---- schema enums ------------------------------------------------------- */
/* schema.fbs Padding */
enum nn_padding { NN_PAD_SAME = 0, NN_PAD_VALID = 1 };

/* schema.fbs ActivationFunctionType */
enum nn_activation {
	NN_ACT_NONE = 0, NN_ACT_RELU = 1, NN_ACT_RELU_N1_TO_1 = 2, NN_ACT_RELU6 = 3,
	NN_ACT_TANH = 4, NN_ACT_SIGN_BIT = 5,
};

/* Printable name of an activation ("RELU6"), "?" for unknown codes. */
const char *nn_activation_name(int act);

/* ---- types and quantisation parameters ---------------------------------- */
/* Representable range of an integer dtype (int8: -128..127, uint8: 0..255,
 * int16, int32). Returns false for other types. */
bool nn_dtype_range(fsnn_dtype type, int32_t *qmin, int32_t *qmax);

/* Scale / zero point of channel c, or of the tensor when per-tensor
 * (num_quant == 1). 0 / 0 when the tensor is not quantised. */
static inline float nn_q_scale(const nn_tensor *t, int c)
{
	if (t->num_quant <= 0)
		return 0.0f;
	return t->scale[t->num_quant == 1 ? 0 : c];
}
static inline int32_t nn_q_zp(const nn_tensor *t, int c)
{
	if (t->num_quant <= 0)
		return 0;
	return t->zero_point[t->num_quant == 1 ? 0 : c];
}

/* Prepare-time check that t carries quantisation parameters: exactly one
 * (per-tensor) or, when per_channel_dim >= 0, either one or one per entry
 * of that dimension with quantized_dimension == per_channel_dim. Scales
 * must be finite and > 0. Fails naming op, role and tensor. */
fsnn_status nn_ku_check_quant(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor *t,
			      const char *role, int per_channel_dim);

/* ---- padding ------------------------------------------------------------ */
/* Output size and leading padding of one spatial dimension, as TFLite
 * computes them (ComputePaddingHeightWidth): the effective filter is
 * (filter - 1) * dilation + 1; SAME gives ceil(in / stride) outputs, VALID
 * gives ceil((in - eff + 1) / stride); the total padding
 * max((out - 1) * stride + eff - in, 0) is split with the smaller half in
 * front. Returns false on nonsensical arguments or an empty output. */
bool nn_compute_padding(int padding, int32_t in, int32_t filter, int32_t stride,
			int32_t dilation, int32_t *out, int32_t *pad_before);

/* ---- fused activations -------------------------------------------------- */
/* Float clamp range of a fused activation (NONE: -inf..+inf, RELU: 0..+inf,
 * RELU_N1_TO_1: -1..1, RELU6: 0..6). Returns false for TANH/SIGN_BIT and
 * unknown codes, which no kernel here supports fused. */
bool nn_activation_range_f32(int act, float *lo, float *hi);

/* Clamp range in the quantised domain of an output with scale/zp of the
 * given type. Two roundings exist in the runtimes we match:
 *  - NN_ROUND_HALF_EVEN: XNNPACK (lrintf(v / scale) + zp, then clamped to
 *    the type range) — used by ops the delegate runs;
 *  - NN_ROUND_HALF_AWAY: TFLite builtin kernels
 *    (CalculateActivationRangeQuantized: zp + round(v / scale)).
 * Returns false for unsupported activations or types. */
enum nn_rounding { NN_ROUND_HALF_EVEN = 0, NN_ROUND_HALF_AWAY = 1 };
bool nn_activation_range_q(int act, float scale, int32_t zero_point, fsnn_dtype type,
			   enum nn_rounding rounding, int32_t *qmin, int32_t *qmax);

/* Prepare-time wrapper: the quantised range for output 0 of node, or a
 * FSNN_E_UNSUPPORTED error naming the op and activation. */
fsnn_status nn_ku_activation_q(nn_prepare_ctx *ctx, const nn_node *node, int act,
			       const nn_tensor *out, enum nn_rounding rounding,
			       int32_t *qmin, int32_t *qmax);

/* ---- TFLite fixed-point requantisation ---------------------------------- *
 * For ops that run as TFLite builtin kernels (outside XNNPACK). The real
 * multiplier m is represented as q * 2^(shift - 31), q in [2^30, 2^31). */
typedef struct nn_qmul {
	int32_t multiplier;
	int shift;           /* > 0: left shift, < 0: right shift */
} nn_qmul;

/* QuantizeMultiplier (tensorflow/lite/kernels/internal/quantization_util.cc):
 * frexp, round the mantissa * 2^31 half away from zero, renormalise. A
 * multiplier of 0 gives {0, 0}; shifts below -31 flush to {0, 0}. */
nn_qmul nn_quantize_multiplier(double real);

/* gemmlowp SaturatingRoundingDoublingHighMul: (a * b * 2 + nudge) >> 32,
 * saturating the single overflow case a == b == INT32_MIN. */
int32_t nn_srdhm(int32_t a, int32_t b);
/* gemmlowp RoundingDivideByPOT: x / 2^exponent rounding half away from 0. */
int32_t nn_rdbpot(int32_t x, int exponent);
/* MultiplyByQuantizedMultiplier (the default double-rounding form):
 * RoundingDivideByPOT(SRDHM(x << left, q), right). */
int32_t nn_mul_by_qmul(int32_t x, nn_qmul m);

/* Round half away from zero, as std::round / TfLiteRound. */
static inline float nn_round_away_f(float v)
{
	return v < 0.0f ? -__builtin_floorf(-v + 0.5f) : __builtin_floorf(v + 0.5f);
}

static inline int32_t nn_clamp_i32(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

/* ---- per-channel float requantisation scales ---------------------------- *
 * XNNPACK's conv/fc/dwconv requantisation scale per output channel c,
 * computed in float32 exactly as xnnpack does: in_scale * w_scale[c] /
 * out_scale. n entries are written to scales (per-tensor weights repeat
 * their single scale). */
void nn_requant_scales(float in_scale, const nn_tensor *w, float out_scale, int n,
		       float *scales);

/* ---- conv-like output requantisation ------------------------------------ *
 * CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV and FULLY_CONNECTED share this:
 * an int32 accumulator per output channel becomes an output value. Two
 * arithmetics exist in the runtime we match:
 *  - fp32 (XNNPACK, which runs these ops when it accepts them): float32
 *    scale per channel, round half to even, clamp;
 *  - fixed point (TFLite builtin kernels, used when XNNPACK declines the
 *    op, e.g. a quantised CONV_2D without bias): QuantizeMultiplier of the
 *    double-precision scale + MultiplyByQuantizedMultiplier. */
typedef struct nn_ku_requant {
	bool fixed_point;
	const float *scale;      /* n entries (fp32 mode) */
	const nn_qmul *mult;     /* n entries (fixed-point mode) */
	int32_t out_zp, qmin, qmax;
} nn_ku_requant;

/* Prepares rq for n output channels of output 0 with fused activation act:
 * scales from in (per-tensor), w (per-tensor or per-channel) and out.
 * Arrays come from nn_persistent_alloc. */
fsnn_status nn_ku_requant_prepare(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor *in,
				  const nn_tensor *w, const nn_tensor *out, int act, int n,
				  bool fixed_point, nn_ku_requant *rq);

/* Whether LiteRT's XNNPACK delegate accepts these quantised tensors of a
 * conv-like op: it rejects uint8 tensors whose quantized_dimension is not
 * 0 (even with a single scale), and TFLite's builtin kernel runs instead. */
static inline bool nn_ku_xnn_accepts_q(const nn_tensor *in, const nn_tensor *w,
				       const nn_tensor *out)
{
	if (in->type != FSNN_UINT8)
		return true;
	return in->quantized_dimension == 0 && w->quantized_dimension == 0 &&
	       out->quantized_dimension == 0;
}

static inline int32_t nn_ku_requant_apply(const nn_ku_requant *rq, int c, int32_t acc)
{
	if (rq->fixed_point)
		return nn_clamp_i32(nn_mul_by_qmul(acc, rq->mult[c]) + rq->out_zp, rq->qmin, rq->qmax);
	return nn_requant_fp32(acc, rq->scale[c], rq->out_zp, rq->qmin, rq->qmax);
}

/* ---- conv-like ops: shared shape checks --------------------------------- */
/* Inputs of CONV_2D and DEPTHWISE_CONV_2D: input (rank 4), filter (rank 4)
 * of the input's type, optional bias (float32 for float, else int32) and
 * an output of the input's type; float32, int8 or uint8. *bias may be NULL. */
fsnn_status nn_ku_conv_tensors(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor **in,
			       const nn_tensor **w, const nn_tensor **bias,
			       const nn_tensor **out);

/* A present bias must be a rank-1 constant of n elements. */
fsnn_status nn_ku_check_bias(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor *bias,
			     int32_t n);

/* Sliding-window geometry of a conv: strides and dilations from the
 * options, leading paddings computed by nn_ku_conv_output. */
typedef struct nn_ku_window {
	int32_t stride_h, stride_w, dil_h, dil_w;
	int32_t pad_top, pad_left;
} nn_ku_window;

/* Output size of a conv of NHWC input in with a kh x kw filter (strides and
 * dilations already in win): fills win's paddings and *oh, *ow, and checks
 * the declared output shape is [N, oh, ow, cout]. */
fsnn_status nn_ku_conv_output(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor *in,
			      int padding, int32_t kh, int32_t kw, int32_t cout,
			      nn_ku_window *win, int32_t *oh, int32_t *ow);

/* ---- weighted ops: shared prepare --------------------------------------- *
 * CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV and FULLY_CONNECTED all need,
 * once their shapes are checked, the same per-type state: a float clamp and
 * float bias, or zero points, an int32 bias and the output requantisation. */
typedef struct nn_ku_weighted {
	int32_t in_zp, w_zp;     /* quantised; w_zp is 0 for int8 weights */
	const int32_t *bias;     /* quantised: n entries, zeros when absent */
	const float *bias_f;     /* float32: n entries, zeros when absent */
	nn_ku_requant rq;        /* quantised */
	float fmin, fmax;        /* float32: fused activation clamp */
} nn_ku_weighted;

/* Fills wt for n output channels with fused activation act. in, w and out
 * share one type (checked by the caller), bias is NULL or a constant of n
 * elements. Quantised: w may be per-channel along w_channel_dim (int8 only)
 * and int8 weights must have zero points 0 (w_role names w in messages).
 * xnn_needs_bias: XNNPACK declines the op without a bias (CONV_2D and
 * DEPTHWISE_CONV_2D), so TFLite's fixed-point requantisation applies then. */
fsnn_status nn_ku_weighted_prepare(nn_prepare_ctx *ctx, const nn_node *node,
				   const nn_tensor *in, const nn_tensor *w, const char *w_role,
				   int w_channel_dim, const nn_tensor *bias, const nn_tensor *out,
				   int act, int n, bool xnn_needs_bias, nn_ku_weighted *wt);

/* ---- broadcasting ------------------------------------------------------- */
#define NN_BCAST_MAX_RANK FSNN_MAX_RANK

/* NumPy-style broadcast shape of a and b (right-aligned; each pair of
 * dimensions equal or one of them 1). Returns false if incompatible. */
bool nn_broadcast_shape(int a_rank, const int32_t *a_dims, int b_rank, const int32_t *b_dims,
			int *out_rank, int32_t *out_dims);

/* Element strides of a tensor of shape (rank, dims) read as if it had the
 * broadcast shape (out_rank, out_dims): 0 on broadcast dimensions. Writes
 * out_rank entries. The shapes must be compatible. */
void nn_broadcast_strides(int rank, const int32_t *dims, int out_rank, const int32_t *out_dims,
			  int32_t *strides);

/* A prepared elementwise broadcast over up to NN_BCAST_MAX_RANK dims:
 * shape of the output and the strides of each of two inputs. Adjacent
 * dimensions that broadcast the same way are merged, so the common cases
 * (same shape, scalar, per-channel vector) become one or two loops. */
typedef struct nn_bcast {
	int rank;                               /* >= 1 after nn_bcast_init */
	int32_t dims[NN_BCAST_MAX_RANK];
	int32_t stride_a[NN_BCAST_MAX_RANK];
	int32_t stride_b[NN_BCAST_MAX_RANK];
} nn_bcast;

/* Fills bc for inputs a, b and the broadcast output shape. Returns false if
 * the shapes are incompatible. */
bool nn_bcast_init(nn_bcast *bc, int a_rank, const int32_t *a_dims, int b_rank,
		   const int32_t *b_dims);

/* Visits every output element in row-major order, calling
 * fn(user, out_index, a_index, b_index) with the flat element indices. */
typedef void (*nn_bcast_fn)(void *user, size_t o, size_t a, size_t b);
void nn_bcast_for_each(const nn_bcast *bc, nn_bcast_fn fn, void *user);

/* Same walk, but calls row(user, out_index, a_index, b_index, n, sa, sb)
 * once per innermost row of n elements with input strides sa, sb (0 or 1
 * for a merged innermost dimension): faster for kernels with an inner loop. */
typedef void (*nn_bcast_row_fn)(void *user, size_t o, size_t a, size_t b, int32_t n,
				int32_t sa, int32_t sb);
void nn_bcast_for_each_row(const nn_bcast *bc, nn_bcast_row_fn row, void *user);

/* ---- shapes ------------------------------------------------------------- */
/* Whether a and b have the same rank and dimensions. */
static inline bool nn_ku_same_shape(const nn_tensor *a, const nn_tensor *b)
{
	if (a->rank != b->rank)
		return false;
	for (int d = 0; d < a->rank; d++)
		if (a->dims[d] != b->dims[d])
			return false;
	return true;
}

/* Product of dims[from..to), 1 when empty. */
int64_t nn_dims_product(const int32_t *dims, int from, int to);

/* Fails (FSNN_E_SHAPE) unless t has the given rank; role names the tensor's
 * role in messages ("input", "filter"). */
fsnn_status nn_ku_check_rank(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor *t,
			     const char *role, int rank);

/* Prepare-time input/output fetch that fails cleanly instead of returning
 * NULL: input i must be present (not omitted) and the node must have at
 * least that many inputs/outputs. */
fsnn_status nn_ku_inputs(nn_prepare_ctx *ctx, const nn_node *node, int min_in, int max_in,
			 int num_out);
const nn_tensor *nn_ku_input_required(nn_prepare_ctx *ctx, const nn_node *node, int i,
				      const char *role);

/* ---- elementwise unary ops ---------------------------------------------- */
/* The checks every one-input elementwise op (LOGISTIC, TANH, HARD_SWISH,
 * LEAKY_RELU, RELU*, SOFTMAX) starts with: one input, one output, float32,
 * int8 or uint8, the output of the input's type and shape. */
fsnn_status nn_ku_unary_prepare(nn_prepare_ctx *ctx, const nn_node *node,
				const nn_tensor **in, const nn_tensor **out);

/* 8-bit ops that are a pure function of the input byte run as a table
 * lookup. nn_ku_lut8_alloc gives a persistent 256-entry table indexed by
 * the raw input byte and makes it node->op_data (NULL + error on failure);
 * nn_ku_lut8_eval maps input 0 through it into output 0. */
uint8_t *nn_ku_lut8_alloc(nn_prepare_ctx *ctx, nn_node *node);
void nn_ku_lut8_eval(const nn_eval_ctx *ec, const nn_node *node);
/* Same lookup through a table kept elsewhere (inside an op's own data). */
void nn_ku_lut8_apply(const nn_eval_ctx *ec, const nn_node *node, const uint8_t *lut);

/* Fills such a table the way XNNPACK's reference LUT kernels do (which
 * LiteRT runs for quantised LOGISTIC and TANH): dequantise in float32,
 * apply f, then nearbyint(y / out_scale + out_zp) clamped to the type. */
fsnn_status nn_ku_lut8_from_float(nn_prepare_ctx *ctx, nn_node *node, const nn_tensor *in,
				  const nn_tensor *out, float (*f)(float));

/* Whole prepare of LOGISTIC and TANH: unary checks, and for 8-bit tensors
 * the fixed output quantisation TFLite's builtin kernel demands (scale
 * out_scale, zero point zp_int8 or zp_uint8) and the table of f. */
fsnn_status nn_ku_lut8_fixed_prepare(nn_prepare_ctx *ctx, nn_node *node, float (*f)(float),
				     float out_scale, const char *out_scale_text,
				     int32_t zp_int8, int32_t zp_uint8);

/* Eval of such ops: f on each float32 element, else the table. */
fsnn_status nn_ku_unary_eval(const nn_eval_ctx *ec, const nn_node *node, float (*f)(float));

/* ---- shape-only ops ------------------------------------------------------ */
/* Eval of RESHAPE, SQUEEZE and EXPAND_DIMS (aliases_input kernels): the
 * planner usually gives the output the input's buffer; when it could not
 * (e.g. a graph input or constant), copy the bytes. */
fsnn_status nn_ku_alias_eval(const nn_eval_ctx *ec, const nn_node *node);

/* ---- resize ops ----------------------------------------------------------- */
/* Common prepare of RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR: NHWC input
 * (float32, int8, uint8, and int32 when int32_ok), a constant int32 size
 * [height, width] of positive values, output [N, height, width, C] of the
 * input's type. */
fsnn_status nn_ku_resize_prepare(nn_prepare_ctx *ctx, const nn_node *node, bool int32_ok,
				 const nn_tensor **in, const nn_tensor **out);

#endif /* NN_KERNEL_UTIL_H */
