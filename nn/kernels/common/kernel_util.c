/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the reference kernels; see kernel_util.h. */
#include "../common/kernel_util.h"

#include <math.h>
#include <string.h>

const char *nn_activation_name(int act)
{
	switch (act) {
	case NN_ACT_NONE: return "NONE";
	case NN_ACT_RELU: return "RELU";
	case NN_ACT_RELU_N1_TO_1: return "RELU_N1_TO_1";
	case NN_ACT_RELU6: return "RELU6";
	case NN_ACT_TANH: return "TANH";
	case NN_ACT_SIGN_BIT: return "SIGN_BIT";
	default: return "?";
	}
}

bool nn_dtype_range(fsnn_dtype type, int32_t *qmin, int32_t *qmax)
{
	switch (type) {
	case FSNN_INT8: *qmin = INT8_MIN; *qmax = INT8_MAX; return true;
	case FSNN_UINT8: *qmin = 0; *qmax = UINT8_MAX; return true;
	case FSNN_INT16: *qmin = INT16_MIN; *qmax = INT16_MAX; return true;
	case FSNN_INT32: *qmin = INT32_MIN; *qmax = INT32_MAX; return true;
	default: return false;
	}
}

fsnn_status nn_ku_check_quant(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor *t,
			      const char *role, int per_channel_dim)
{
	if (t->num_quant < 1 || t->scale == NULL || t->zero_point == NULL)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "%s '%s' (%s) has no quantisation parameters; expected a scale and zero point",
				    role, t->name, fsnn_dtype_name(t->type));
	if (t->num_quant > 1) {
		int d = t->quantized_dimension;
		if (per_channel_dim < 0 || d != per_channel_dim || d >= t->rank ||
		    t->dims[d] != t->num_quant)
			return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
					    "%s '%s' has %d scales on dimension %d; expected %s",
					    role, t->name, t->num_quant, d,
					    per_channel_dim < 0 ? "one (per-tensor)"
								: "one or one per channel of the channel dimension");
	}
	for (int i = 0; i < t->num_quant; i++) {
		float s = t->scale[i];
		if (!(s > 0.0f) || !isfinite(s))
			return nn_prep_fail(ctx, node, FSNN_E_FORMAT,
					    "%s '%s' scale[%d] is %g; expected a finite value > 0",
					    role, t->name, i, (double)s);
	}
	return FSNN_OK;
}

bool nn_compute_padding(int padding, int32_t in, int32_t filter, int32_t stride,
			int32_t dilation, int32_t *out, int32_t *pad_before)
{
	if (in < 1 || filter < 1 || stride < 1 || dilation < 1)
		return false;
	int64_t eff = (int64_t)(filter - 1) * dilation + 1;
	int64_t o;
	if (padding == NN_PAD_SAME)
		o = ((int64_t)in + stride - 1) / stride;
	else if (padding == NN_PAD_VALID)
		o = ((int64_t)in - eff + stride) / stride;
	else
		return false;
	if (o < 1)
		return false;
	int64_t total = (o - 1) * stride + eff - in;
	if (total < 0)
		total = 0;
	*out = (int32_t)o;
	*pad_before = (int32_t)(total / 2);
	return true;
}

bool nn_activation_range_f32(int act, float *lo, float *hi)
{
	switch (act) {
	case NN_ACT_NONE: *lo = -INFINITY; *hi = INFINITY; return true;
	case NN_ACT_RELU: *lo = 0.0f; *hi = INFINITY; return true;
	case NN_ACT_RELU_N1_TO_1: *lo = -1.0f; *hi = 1.0f; return true;
	case NN_ACT_RELU6: *lo = 0.0f; *hi = 6.0f; return true;
	default: return false;
	}
}

/* One float bound in the quantised domain, clamped to [tmin, tmax]. */
static int32_t quantize_bound(float v, float scale, int32_t zp, int32_t tmin, int32_t tmax,
			      enum nn_rounding rounding)
{
	float q;
	if (rounding == NN_ROUND_HALF_EVEN) {
		/* xnn_qs8_quantize: lrintf(clamp(v / scale + zp)). */
		q = v / scale + (float)zp;
		q = fminf(fmaxf(q, (float)tmin), (float)tmax);
		return (int32_t)lrintf(q);
	}
	/* CalculateActivationRangeQuantized: zp + round(v / scale), then
	 * clamped to the type range. Infinite bounds mean "no clamp". */
	if (isinf(v))
		return v > 0 ? tmax : tmin;
	q = nn_round_away_f(v / scale);
	double r = (double)zp + (double)q;
	if (r < tmin)
		return tmin;
	if (r > tmax)
		return tmax;
	return (int32_t)r;
}

bool nn_activation_range_q(int act, float scale, int32_t zero_point, fsnn_dtype type,
			   enum nn_rounding rounding, int32_t *qmin, int32_t *qmax)
{
	int32_t tmin, tmax;
	float lo, hi;
	if (!nn_dtype_range(type, &tmin, &tmax) || !nn_activation_range_f32(act, &lo, &hi))
		return false;
	if (act == NN_ACT_NONE) {
		*qmin = tmin;
		*qmax = tmax;
		return true;
	}
	*qmin = quantize_bound(lo, scale, zero_point, tmin, tmax, rounding);
	*qmax = quantize_bound(hi, scale, zero_point, tmin, tmax, rounding);
	return true;
}

fsnn_status nn_ku_activation_q(nn_prepare_ctx *ctx, const nn_node *node, int act,
			       const nn_tensor *out, enum nn_rounding rounding,
			       int32_t *qmin, int32_t *qmax)
{
	if (!nn_activation_range_q(act, nn_q_scale(out, 0), nn_q_zp(out, 0), out->type, rounding,
				   qmin, qmax))
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "fused activation %s (%d) on output '%s' (%s) is not supported; "
				    "expected NONE, RELU, RELU_N1_TO_1 or RELU6",
				    nn_activation_name(act), act, out->name, fsnn_dtype_name(out->type));
	return FSNN_OK;
}

nn_qmul nn_quantize_multiplier(double real)
{
	nn_qmul m = { 0, 0 };
	if (real == 0.0 || !isfinite(real))
		return m;
	int shift;
	double q = frexp(real, &shift);
	int64_t q_fixed = (int64_t)round(q * (double)(1LL << 31));
	if (q_fixed == (1LL << 31)) {
		q_fixed /= 2;
		shift++;
	}
	if (shift < -31) {
		/* Too small to represent: TFLite flushes it to zero. */
		return m;
	}
	if (shift > 30) {
		/* TFLite clamps huge multipliers; no real model has them. */
		shift = 30;
		q_fixed = (1LL << 31) - 1;
	}
	m.multiplier = (int32_t)q_fixed;
	m.shift = shift;
	return m;
}

int32_t nn_srdhm(int32_t a, int32_t b)
{
	if (a == b && a == INT32_MIN)
		return INT32_MAX;
	int64_t ab = (int64_t)a * (int64_t)b;
	int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
	/* Division (not a shift) so negative values truncate toward zero,
	 * as gemmlowp does. */
	return (int32_t)((ab + nudge) / (1LL << 31));
}

int32_t nn_rdbpot(int32_t x, int exponent)
{
	if (exponent <= 0)
		return x;
	int32_t mask = (int32_t)((1LL << exponent) - 1);
	int32_t remainder = x & mask;
	int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
	return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t nn_mul_by_qmul(int32_t x, nn_qmul m)
{
	int left = m.shift > 0 ? m.shift : 0;
	int right = m.shift > 0 ? 0 : -m.shift;
	/* x << left in 64 bits, then wrapped like the int32 shift TFLite does
	 * (callers keep |x| small enough for this not to matter). */
	int32_t xs = (int32_t)(uint32_t)((uint64_t)(int64_t)x << left);
	return nn_rdbpot(nn_srdhm(xs, m.multiplier), right);
}

void nn_requant_scales(float in_scale, const nn_tensor *w, float out_scale, int n, float *scales)
{
	for (int c = 0; c < n; c++) {
		/* Same float32 operation order as XNNPACK's
		 * "input_scale * kernel_scale[c] / output_scale". */
		float s = in_scale * nn_q_scale(w, c);
		scales[c] = s / out_scale;
	}
}

fsnn_status nn_ku_requant_prepare(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor *in,
				  const nn_tensor *w, const nn_tensor *out, int act, int n,
				  bool fixed_point, nn_ku_requant *rq)
{
	memset(rq, 0, sizeof *rq);
	rq->fixed_point = fixed_point;
	rq->out_zp = nn_q_zp(out, 0);
	fsnn_status st = nn_ku_activation_q(ctx, node, act, out,
					    fixed_point ? NN_ROUND_HALF_AWAY : NN_ROUND_HALF_EVEN,
					    &rq->qmin, &rq->qmax);
	if (st != FSNN_OK)
		return st;
	if (fixed_point) {
		nn_qmul *m = nn_persistent_alloc(ctx, (size_t)n * sizeof *m);
		if (m == NULL)
			return FSNN_E_NOMEM;
		for (int c = 0; c < n; c++)
			m[c] = nn_quantize_multiplier((double)nn_q_scale(in, 0) *
						      (double)nn_q_scale(w, c) /
						      (double)nn_q_scale(out, 0));
		rq->mult = m;
	} else {
		float *s = nn_persistent_alloc(ctx, (size_t)n * sizeof *s);
		if (s == NULL)
			return FSNN_E_NOMEM;
		nn_requant_scales(nn_q_scale(in, 0), w, nn_q_scale(out, 0), n, s);
		for (int c = 0; c < n; c++)
			if (!(s[c] < 256.0f))
				return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
						    "requantisation scale %g of channel %d (input '%s', "
						    "weights '%s', output '%s') is >= 256; expected < 256",
						    (double)s[c], c, in->name, w->name, out->name);
		rq->scale = s;
	}
	return FSNN_OK;
}

fsnn_status nn_ku_conv_tensors(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor **in,
			       const nn_tensor **w, const nn_tensor **bias,
			       const nn_tensor **out)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 3, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *x = nn_ku_input_required(ctx, node, 0, "input");
	const nn_tensor *f = x ? nn_ku_input_required(ctx, node, 1, "filter") : NULL;
	if (f == NULL)
		return FSNN_E_FORMAT;
	const nn_tensor *b = nn_input(ctx, node, 2);
	const nn_tensor *y = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, x, "input", FSNN_INT8, FSNN_UINT8, FSNN_FLOAT32, -1)) ||
	    (st = nn_check_type(ctx, node, f, "filter", x->type, -1)) ||
	    (st = nn_check_type(ctx, node, y, "output", x->type, -1)))
		return st;
	if (b && (st = nn_check_type(ctx, node, b, "bias",
				     x->type == FSNN_FLOAT32 ? FSNN_FLOAT32 : FSNN_INT32, -1)))
		return st;
	if ((st = nn_ku_check_rank(ctx, node, x, "input", 4)) ||
	    (st = nn_ku_check_rank(ctx, node, f, "filter", 4)))
		return st;
	*in = x;
	*w = f;
	*bias = b;
	*out = y;
	return FSNN_OK;
}

fsnn_status nn_ku_check_bias(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor *bias,
			     int32_t n)
{
	if (bias && (bias->rank != 1 || bias->dims[0] != n))
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "bias '%s' has %d elements (rank %d); expected %d (rank 1)",
				    bias->name, bias->rank ? bias->dims[0] : 0, bias->rank, n);
	/* Prepare copies it once; run-time biases are not supported. */
	if (bias && bias->data == NULL)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "bias '%s' is not a constant; expected constant data", bias->name);
	return FSNN_OK;
}

fsnn_status nn_ku_conv_output(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor *in,
			      int padding, int32_t kh, int32_t kw, int32_t cout,
			      nn_ku_window *win, int32_t *oh, int32_t *ow)
{
	const int32_t sh = win->stride_h, sw = win->stride_w, dh = win->dil_h, dw = win->dil_w;
	if (!nn_compute_padding(padding, in->dims[1], kh, sh, dh, oh, &win->pad_top) ||
	    !nn_compute_padding(padding, in->dims[2], kw, sw, dw, ow, &win->pad_left))
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "input '%s' %dx%d with filter %dx%d, stride %dx%d, dilation %dx%d, "
				    "padding %d gives no output; expected positive strides/dilations and "
				    "a filter that fits", in->name, in->dims[1], in->dims[2], kh, kw,
				    sh, sw, dh, dw, padding);
	const int32_t odims[4] = { in->dims[0], *oh, *ow, cout };
	return nn_check_output_shape(ctx, node, 0, 4, odims);
}

fsnn_status nn_ku_weighted_prepare(nn_prepare_ctx *ctx, const nn_node *node,
				   const nn_tensor *in, const nn_tensor *w, const char *w_role,
				   int w_channel_dim, const nn_tensor *bias, const nn_tensor *out,
				   int act, int n, bool xnn_needs_bias, nn_ku_weighted *wt)
{
	fsnn_status st;
	if (in->type == FSNN_FLOAT32) {
		if (!nn_activation_range_f32(act, &wt->fmin, &wt->fmax))
			return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
					    "fused activation %s (%d) is not supported; expected NONE, "
					    "RELU, RELU_N1_TO_1 or RELU6", nn_activation_name(act), act);
		float *b = nn_persistent_alloc(ctx, (size_t)n * sizeof *b);
		if (b == NULL)
			return FSNN_E_NOMEM;
		if (bias)
			memcpy(b, bias->data, (size_t)n * sizeof *b);
		wt->bias_f = b;
		return FSNN_OK;
	}
	if ((st = nn_ku_check_quant(ctx, node, in, "input", -1)) ||
	    (st = nn_ku_check_quant(ctx, node, w, w_role,
				    in->type == FSNN_INT8 ? w_channel_dim : -1)) ||
	    (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
		return st;
	wt->in_zp = nn_q_zp(in, 0);
	/* The int8 loops skip the weight zero point, so it must really be 0. */
	wt->w_zp = in->type == FSNN_UINT8 ? nn_q_zp(w, 0) : 0;
	if (in->type == FSNN_INT8)
		for (int i = 0; i < w->num_quant; i++)
			if (w->zero_point[i] != 0)
				return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
						    "%s '%s' zero point[%d] is %d; expected 0 for int8 weights",
						    w_role, w->name, i, w->zero_point[i]);
	int32_t *b = nn_persistent_alloc(ctx, (size_t)n * sizeof *b);
	if (b == NULL)
		return FSNN_E_NOMEM;
	if (bias)
		memcpy(b, bias->data, (size_t)n * sizeof *b);
	wt->bias = b;
	/* uint8 with quantized_dimension != 0 (or a missing bias where XNNPACK
	 * needs one): the delegate declines, TFLite's fixed-point kernel runs. */
	bool fixed = (xnn_needs_bias && bias == NULL) || !nn_ku_xnn_accepts_q(in, w, out);
	return nn_ku_requant_prepare(ctx, node, in, w, out, act, n, fixed, &wt->rq);
}

bool nn_broadcast_shape(int a_rank, const int32_t *a_dims, int b_rank, const int32_t *b_dims,
			int *out_rank, int32_t *out_dims)
{
	int r = a_rank > b_rank ? a_rank : b_rank;
	if (r > NN_BCAST_MAX_RANK)
		return false;
	for (int i = 0; i < r; i++) {
		int ia = i - (r - a_rank), ib = i - (r - b_rank);
		int32_t da = ia >= 0 ? a_dims[ia] : 1;
		int32_t db = ib >= 0 ? b_dims[ib] : 1;
		if (da != db && da != 1 && db != 1)
			return false;
		out_dims[i] = da == 1 ? db : da;
	}
	*out_rank = r;
	return true;
}

void nn_broadcast_strides(int rank, const int32_t *dims, int out_rank, const int32_t *out_dims,
			  int32_t *strides)
{
	int32_t s = 1;
	(void)out_dims; /* only its rank matters: a size-1 dim reads stride 0 */
	for (int i = out_rank - 1; i >= 0; i--) {
		int j = i - (out_rank - rank);
		int32_t d = j >= 0 ? dims[j] : 1;
		strides[i] = d == 1 ? 0 : s;
		s *= d;
	}
}

bool nn_bcast_init(nn_bcast *bc, int a_rank, const int32_t *a_dims, int b_rank,
		   const int32_t *b_dims)
{
	int r;
	int32_t dims[NN_BCAST_MAX_RANK], sa[NN_BCAST_MAX_RANK], sb[NN_BCAST_MAX_RANK];
	memset(bc, 0, sizeof *bc);
	if (!nn_broadcast_shape(a_rank, a_dims, b_rank, b_dims, &r, dims))
		return false;
	nn_broadcast_strides(a_rank, a_dims, r, dims, sa);
	nn_broadcast_strides(b_rank, b_dims, r, dims, sb);
	/* Merge adjacent dimensions whose strides continue each other (for both
	 * inputs), dropping size-1 dimensions, innermost first. */
	int n = 0;
	for (int i = r - 1; i >= 0; i--) {
		if (dims[i] == 1)
			continue;
		if (n > 0) {
			int k = n - 1;
			bool a_ok = (sa[i] == 0 && bc->stride_a[k] == 0) ||
				    (sa[i] != 0 && sa[i] == bc->stride_a[k] * bc->dims[k]);
			bool b_ok = (sb[i] == 0 && bc->stride_b[k] == 0) ||
				    (sb[i] != 0 && sb[i] == bc->stride_b[k] * bc->dims[k]);
			if (a_ok && b_ok) {
				bc->dims[k] *= dims[i];
				continue;
			}
		}
		bc->dims[n] = dims[i];
		bc->stride_a[n] = sa[i];
		bc->stride_b[n] = sb[i];
		n++;
	}
	if (n == 0) {
		bc->dims[0] = 1;
		bc->stride_a[0] = bc->stride_b[0] = 1;
		n = 1;
	}
	/* Stored innermost first above; flip to outermost first. */
	for (int i = 0; i < n / 2; i++) {
		int j = n - 1 - i;
		int32_t t;
		t = bc->dims[i]; bc->dims[i] = bc->dims[j]; bc->dims[j] = t;
		t = bc->stride_a[i]; bc->stride_a[i] = bc->stride_a[j]; bc->stride_a[j] = t;
		t = bc->stride_b[i]; bc->stride_b[i] = bc->stride_b[j]; bc->stride_b[j] = t;
	}
	bc->rank = n;
	return true;
}

void nn_bcast_for_each_row(const nn_bcast *bc, nn_bcast_row_fn row, void *user)
{
	int r = bc->rank, last = r - 1;
	int32_t idx[NN_BCAST_MAX_RANK] = { 0 };
	size_t o = 0, a = 0, b = 0;
	int32_t n = bc->dims[last];
	for (;;) {
		row(user, o, a, b, n, bc->stride_a[last], bc->stride_b[last]);
		o += (size_t)n;
		/* Odometer over the outer dimensions. */
		int d = last - 1;
		while (d >= 0) {
			idx[d]++;
			a += (size_t)bc->stride_a[d];
			b += (size_t)bc->stride_b[d];
			if (idx[d] < bc->dims[d])
				break;
			a -= (size_t)bc->stride_a[d] * (size_t)bc->dims[d];
			b -= (size_t)bc->stride_b[d] * (size_t)bc->dims[d];
			idx[d] = 0;
			d--;
		}
		if (d < 0)
			return;
	}
}

struct each_adapter {
	nn_bcast_fn fn;
	void *user;
};

static void each_row(void *user, size_t o, size_t a, size_t b, int32_t n, int32_t sa, int32_t sb)
{
	const struct each_adapter *ad = user;
	for (int32_t i = 0; i < n; i++)
		ad->fn(ad->user, o + (size_t)i, a + (size_t)i * (size_t)sa, b + (size_t)i * (size_t)sb);
}

void nn_bcast_for_each(const nn_bcast *bc, nn_bcast_fn fn, void *user)
{
	struct each_adapter ad = { fn, user };
	nn_bcast_for_each_row(bc, each_row, &ad);
}

int64_t nn_dims_product(const int32_t *dims, int from, int to)
{
	int64_t p = 1;
	for (int i = from; i < to; i++)
		p *= dims[i];
	return p;
}

fsnn_status nn_ku_check_rank(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor *t,
			     const char *role, int rank)
{
	if (t->rank != rank)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "%s '%s' has rank %d; expected rank %d",
				    role, t->name, t->rank, rank);
	return FSNN_OK;
}

fsnn_status nn_ku_inputs(nn_prepare_ctx *ctx, const nn_node *node, int min_in, int max_in,
			 int num_out)
{
	if (node->num_inputs < min_in || node->num_inputs > max_in)
		return nn_prep_fail(ctx, node, FSNN_E_FORMAT,
				    "has %d inputs; expected %d to %d", node->num_inputs, min_in, max_in);
	if (node->num_outputs != num_out)
		return nn_prep_fail(ctx, node, FSNN_E_FORMAT, "has %d outputs; expected %d",
				    node->num_outputs, num_out);
	return FSNN_OK;
}

const nn_tensor *nn_ku_input_required(nn_prepare_ctx *ctx, const nn_node *node, int i,
				      const char *role)
{
	const nn_tensor *t = i < node->num_inputs ? nn_input(ctx, node, i) : NULL;
	if (t == NULL)
		nn_prep_fail(ctx, node, FSNN_E_FORMAT, "required input %d (%s) is missing", i, role);
	return t;
}

fsnn_status nn_ku_unary_prepare(nn_prepare_ctx *ctx, const nn_node *node,
				const nn_tensor **in, const nn_tensor **out)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 1, 1, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *x = nn_ku_input_required(ctx, node, 0, "input");
	if (x == NULL)
		return ctx->err->code;
	const nn_tensor *y = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, x, "input", FSNN_FLOAT32, FSNN_INT8, FSNN_UINT8, -1)) ||
	    (st = nn_check_type(ctx, node, y, "output", x->type, -1)) ||
	    (st = nn_check_output_shape(ctx, node, 0, x->rank, x->dims)))
		return st;
	*in = x;
	*out = y;
	return FSNN_OK;
}

uint8_t *nn_ku_lut8_alloc(nn_prepare_ctx *ctx, nn_node *node)
{
	uint8_t *lut = nn_persistent_alloc(ctx, 256);
	node->op_data = lut;
	return lut;
}

void nn_ku_lut8_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	nn_ku_lut8_apply(ec, node, node->op_data);
}

void nn_ku_lut8_apply(const nn_eval_ctx *ec, const nn_node *node, const uint8_t *lut)
{
	const nn_tensor *in = nn_tensor_of(ec, node->inputs[0]);
	const uint8_t *x = nn_in_data(ec, node, 0);
	uint8_t *y = nn_out_data(ec, node, 0);
	for (size_t i = 0; i < in->elems; i++)
		y[i] = lut[x[i]];
}

fsnn_status nn_ku_lut8_from_float(nn_prepare_ctx *ctx, nn_node *node, const nn_tensor *in,
				  const nn_tensor *out, float (*f)(float))
{
	uint8_t *lut = nn_ku_lut8_alloc(ctx, node);
	if (lut == NULL)
		return ctx->err->code;
	int32_t qmin = 0, qmax = -1;   /* in is int8 or uint8; empty loop otherwise */
	nn_dtype_range(in->type, &qmin, &qmax);
	float in_s = in->scale[0], inv_out = 1.0f / out->scale[0];
	float in_zp = (float)in->zero_point[0], out_zp = (float)out->zero_point[0];
	for (int32_t q = qmin; q <= qmax; q++) {
		float x = ((float)q - in_zp) * in_s;
		float y = nearbyintf(f(x) * inv_out + out_zp);
		y = y < (float)qmin ? (float)qmin : (y > (float)qmax ? (float)qmax : y);
		lut[(uint8_t)q] = (uint8_t)(int32_t)y;
	}
	return FSNN_OK;
}

fsnn_status nn_ku_alias_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	const void *in = nn_in_data(ec, node, 0);
	void *out = nn_out_data(ec, node, 0);
	if (in != out)
		memmove(out, in, nn_tensor_of(ec, node->outputs[0])->bytes);
	return FSNN_OK;
}

fsnn_status nn_ku_resize_prepare(nn_prepare_ctx *ctx, const nn_node *node, bool int32_ok,
				 const nn_tensor **in, const nn_tensor **out)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 2, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *x = nn_ku_input_required(ctx, node, 0, "input");
	const nn_tensor *size = x ? nn_ku_input_required(ctx, node, 1, "size") : NULL;
	if (size == NULL)
		return ctx->err->code;
	const nn_tensor *y = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, x, "input", FSNN_FLOAT32, FSNN_INT8, FSNN_UINT8,
				int32_ok ? (int)FSNN_INT32 : -1, -1)) ||
	    (st = nn_check_type(ctx, node, y, "output", x->type, -1)) ||
	    (st = nn_check_type(ctx, node, size, "size", FSNN_INT32, -1)) ||
	    (st = nn_ku_check_rank(ctx, node, x, "input", 4)))
		return st;
	if (size->data == NULL || size->elems != 2)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "size '%s' must be a constant tensor of 2 values [height, width]", size->name);
	int32_t hw[2];
	memcpy(hw, size->data, sizeof hw);
	if (hw[0] < 1 || hw[1] < 1)
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "size '%s' is [%d, %d]; expected positive values",
				    size->name, (int)hw[0], (int)hw[1]);
	/* At a requested input size the constant size follows the input by the
	 * file's own ratio, when that stays whole (x2 upsampling does). */
	if (ctx->model->input_hw[0] > 0)
		for (int d = 0; d < 2; d++) {
			int64_t num = (int64_t)hw[d] * x->dims[1 + d];
			int32_t den = x->file_dims[1 + d];
			if (den < 1 || num % den != 0 || num / den > INT32_MAX)
				return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
						    "cannot follow the requested input size: size '%s' "
						    "(%d) is not a whole multiple of the input's %d at %d",
						    size->name, (int)hw[d], (int)den, (int)x->dims[1 + d]);
			hw[d] = (int32_t)(num / den);
		}
	int32_t dims[4] = { x->dims[0], hw[0], hw[1], x->dims[3] };
	if ((st = nn_check_output_shape(ctx, node, 0, 4, dims)))
		return st;
	*in = x;
	*out = y;
	return FSNN_OK;
}

fsnn_status nn_ku_lut8_fixed_prepare(nn_prepare_ctx *ctx, nn_node *node, float (*f)(float),
				     float out_scale, const char *out_scale_text,
				     int32_t zp_int8, int32_t zp_uint8)
{
	const nn_tensor *in, *out;
	fsnn_status st = nn_ku_unary_prepare(ctx, node, &in, &out);
	if (st != FSNN_OK)
		return st;
	node->macs = in->elems;
	if (in->type == FSNN_FLOAT32)
		return FSNN_OK;
	if ((st = nn_ku_check_quant(ctx, node, in, "input", -1)) ||
	    (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
		return st;
	int32_t want_zp = in->type == FSNN_INT8 ? zp_int8 : zp_uint8;
	if (out->scale[0] != out_scale || out->zero_point[0] != want_zp)
		return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
				    "output '%s' has scale %g and zero point %d; expected %s and %d",
				    out->name, (double)out->scale[0], (int)out->zero_point[0],
				    out_scale_text, (int)want_zp);
	return nn_ku_lut8_from_float(ctx, node, in, out, f);
}

fsnn_status nn_ku_unary_eval(const nn_eval_ctx *ec, const nn_node *node, float (*f)(float))
{
	const nn_tensor *in = nn_tensor_of(ec, node->inputs[0]);
	if (in->type != FSNN_FLOAT32) {
		nn_ku_lut8_eval(ec, node);
		return FSNN_OK;
	}
	const float *x = nn_in_data(ec, node, 0);
	float *y = nn_out_data(ec, node, 0);
	for (size_t i = 0; i < in->elems; i++)
		y[i] = f(x[i]);
	return FSNN_OK;
}
