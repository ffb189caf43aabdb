/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ADD / SUB / MUL arithmetic, matching LiteRT 2.5.3:
 *  - int8/uint8 run in XNNPACK when its scale limits hold (ADD/SUB: each
 *    in_s/out_s in [2^-10, 2^8); MUL: in1_s*in2_s/out_s in [2^-16, 2^8)).
 *    ADD/SUB (SUB is ADD with the second scale negated): integer
 *    multipliers with 21 significant bits, m = lrintf(s * 2^shift) with
 *    shift = 20 - exponent(max |s|), acc = bias + a*m_a + b*m_b where bias
 *    folds the zero points and 2^(shift-1), then an arithmetic shift right,
 *    + out_zp, saturate. MUL: (a-za)*(b-zb) * float(s_a*s_b/s_o), round half
 *    to even. The fused activation is a separate XNNPACK clamp whose bounds
 *    are lrintf(bound / out_s + out_zp).
 *  - int32 runs TFLite's builtin kernel: plain integer op, then clamp.
 *  - float32: a op b in float, then clamp.
 */
#include <math.h>
#include <string.h>

#include "binary_ops.h"
#include "../common/op_data.h"

typedef nn_bin_data bin_data;

static uint32_t f32_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

static float bits_f32(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

fsnn_status nn_binary_prepare(nn_prepare_ctx *ctx, nn_node *node, int builtin)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 2, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *a = nn_ku_input_required(ctx, node, 0, "input1");
	const nn_tensor *b = a ? nn_ku_input_required(ctx, node, 1, "input2") : NULL;
	if (b == NULL)
		return FSNN_E_FORMAT;
	nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, a, "input1", FSNN_INT8, FSNN_UINT8, FSNN_INT32,
				FSNN_FLOAT32, -1)) ||
	    (st = nn_check_type(ctx, node, b, "input2", a->type, -1)) ||
	    (st = nn_check_type(ctx, node, out, "output", a->type, -1)))
		return st;

	bin_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return FSNN_E_NOMEM;
	d->builtin = builtin;
	d->type = a->type;
	if (!nn_bcast_init(&d->bc, a->rank, a->dims, b->rank, b->dims))
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
				    "inputs '%s' (rank %d) and '%s' (rank %d) do not broadcast; expected "
				    "each pair of trailing dimensions equal or 1", a->name, a->rank,
				    b->name, b->rank);
	int orank;
	int32_t odims[FSNN_MAX_RANK];
	nn_broadcast_shape(a->rank, a->dims, b->rank, b->dims, &orank, odims);
	if ((st = nn_check_output_shape(ctx, node, 0, orank, odims)))
		return st;

	int act = nn_fb_u8(&node->options, 0, NN_ACT_NONE);
	const char *opname = builtin == NN_OP_ADD ? "ADD" : builtin == NN_OP_SUB ? "SUB" : "MUL";
	if (a->type == FSNN_FLOAT32) {
		if (!nn_activation_range_f32(act, &d->fmin, &d->fmax))
			goto bad_act;
	} else if (a->type == FSNN_INT32) {
		/* TFLite CalculateActivationRange<int32_t>. */
		float lo, hi;
		if (!nn_activation_range_f32(act, &lo, &hi))
			goto bad_act;
		d->qmin = isinf(lo) ? INT32_MIN : (int32_t)lo;
		d->qmax = isinf(hi) ? INT32_MAX : (int32_t)hi;
	} else {
		if ((st = nn_ku_check_quant(ctx, node, a, "input1", -1)) ||
		    (st = nn_ku_check_quant(ctx, node, b, "input2", -1)) ||
		    (st = nn_ku_check_quant(ctx, node, out, "output", -1)))
			return st;
		if ((st = nn_ku_activation_q(ctx, node, act, out, NN_ROUND_HALF_EVEN, &d->qmin, &d->qmax)))
			return st;
		const float sa = nn_q_scale(a, 0), sb = nn_q_scale(b, 0), so = nn_q_scale(out, 0);
		d->a_zp = nn_q_zp(a, 0);
		d->b_zp = nn_q_zp(b, 0);
		d->out_zp = nn_q_zp(out, 0);
		if (builtin == NN_OP_MUL) {
			d->scale = sa * sb / so;
			if (!(d->scale >= 0x1.0p-16f && d->scale < 0x1.0p+8f))
				return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
						    "%s scale ratio %g (inputs '%s', '%s', output '%s') is outside "
						    "[2^-16, 2^8), which only TFLite's builtin kernel handles",
						    opname, (double)d->scale, a->name, b->name, out->name);
		} else {
			float ra = sa / so, rb = sb / so;
			if (!(ra >= 0x1.0p-10f && ra < 0x1.0p+8f && rb >= 0x1.0p-10f && rb < 0x1.0p+8f))
				return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
						    "%s input/output scale ratios %g, %g (inputs '%s', '%s', "
						    "output '%s') are outside [2^-10, 2^8), which only TFLite's "
						    "builtin kernel handles", opname, (double)ra, (double)rb,
						    a->name, b->name, out->name);
			/* xnn_init_qs8_add_minmax_scalar_params, with b negated for SUB. */
			float mx = ra > rb ? ra : rb;
			int32_t exponent = (int32_t)(f32_bits(mx) >> 23) - 127;
			uint32_t shift = (uint32_t)(20 - exponent);
			int32_t am = (int32_t)lrintf(bits_f32(f32_bits(ra) + (shift << 23)));
			int32_t bm = (int32_t)lrintf(bits_f32(f32_bits(rb) + (shift << 23)));
			if (builtin == NN_OP_SUB)
				bm = -bm;
			d->a_mult = am;
			d->b_mult = bm;
			d->shift = (int32_t)shift;
			d->bias = (int32_t)(1u << (shift - 1)) - am * d->a_zp - bm * d->b_zp;
		}
	}
	node->op_data = d;
	node->macs = 0;
	return FSNN_OK;
bad_act:
	return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED,
			    "fused activation %s (%d) is not supported; expected NONE, RELU, "
			    "RELU_N1_TO_1 or RELU6", nn_activation_name(act), act);
}

typedef struct bin_run {
	const bin_data *d;
	const void *a, *b;
	void *y;
} bin_run;

static int32_t ld_q(fsnn_dtype t, const void *p, size_t i)
{
	return t == FSNN_UINT8 ? (int32_t)((const uint8_t *)p)[i] : (int32_t)((const int8_t *)p)[i];
}

static void bin_row(void *user, size_t o, size_t ia, size_t ib, int32_t n, int32_t sa, int32_t sb)
{
	const bin_run *r = user;
	const bin_data *d = r->d;
	for (int32_t i = 0; i < n; i++, o++, ia += (size_t)sa, ib += (size_t)sb) {
		if (d->type == FSNN_FLOAT32) {
			float x = ((const float *)r->a)[ia], z = ((const float *)r->b)[ib], v;
			v = d->builtin == NN_OP_ADD ? x + z : d->builtin == NN_OP_SUB ? x - z : x * z;
			v = v < d->fmin ? d->fmin : (v > d->fmax ? d->fmax : v);
			((float *)r->y)[o] = v;
			continue;
		}
		if (d->type == FSNN_INT32) {
			/* Wrapping arithmetic, as TFLite's int32 kernels do on overflow. */
			uint32_t x = (uint32_t)((const int32_t *)r->a)[ia];
			uint32_t z = (uint32_t)((const int32_t *)r->b)[ib];
			uint32_t v = d->builtin == NN_OP_ADD ? x + z : d->builtin == NN_OP_SUB ? x - z : x * z;
			((int32_t *)r->y)[o] = nn_clamp_i32((int32_t)v, d->qmin, d->qmax);
			continue;
		}
		int32_t x = ld_q(d->type, r->a, ia), z = ld_q(d->type, r->b, ib), v;
		if (d->builtin == NN_OP_MUL) {
			v = nn_requant_fp32((x - d->a_zp) * (z - d->b_zp), d->scale, d->out_zp,
					    d->qmin, d->qmax);
		} else {
			int64_t acc = (int64_t)d->bias + (int64_t)x * d->a_mult + (int64_t)z * d->b_mult;
			v = (int32_t)(acc >> d->shift) + d->out_zp;   /* arithmetic shift: floor */
			v = nn_clamp_i32(v, d->qmin, d->qmax);
		}
		if (d->type == FSNN_UINT8)
			((uint8_t *)r->y)[o] = (uint8_t)v;
		else
			((int8_t *)r->y)[o] = (int8_t)v;
	}
}

fsnn_status nn_binary_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	bin_run r = { node->op_data, nn_in_data(ec, node, 0), nn_in_data(ec, node, 1),
		      nn_out_data(ec, node, 0) };
	nn_bcast_for_each_row(&r.d->bc, bin_row, &r);
	return FSNN_OK;
}
