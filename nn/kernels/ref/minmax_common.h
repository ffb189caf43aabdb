/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared body of MAXIMUM and MINIMUM (private to maximum.c, minimum.c):
 * elementwise with NumPy broadcasting over up to FSNN_MAX_RANK dims.
 *
 * Oracle behaviour (LiteRT 2.5.3): the XNNPACK delegate takes these ops
 * for float32 only; quantised tensors run TFLite's builtin kernel, which
 * compares the raw stored values and writes the winner unchanged, whatever
 * the scales and zero points (checked: int8 inputs with three different
 * quantisations give exactly the raw maximum). float32 uses std::max /
 * std::min ordering: (a < b) ? b : a and (b < a) ? b : a.
 */
#ifndef NN_MINMAX_COMMON_H
#define NN_MINMAX_COMMON_H

#include "../common/kernel_util.h"

typedef struct minmax_data {
	nn_bcast bc;
	fsnn_dtype type;
	bool is_max;
} minmax_data;

static fsnn_status minmax_prepare(nn_prepare_ctx *ctx, nn_node *node, bool is_max)
{
	fsnn_status st = nn_ku_inputs(ctx, node, 2, 2, 1);
	if (st != FSNN_OK)
		return st;
	const nn_tensor *a = nn_ku_input_required(ctx, node, 0, "input1");
	const nn_tensor *b = a ? nn_ku_input_required(ctx, node, 1, "input2") : NULL;
	if (b == NULL)
		return ctx->err->code;
	const nn_tensor *out = nn_output(ctx, node, 0);
	if ((st = nn_check_type(ctx, node, a, "input1", FSNN_FLOAT32, FSNN_INT8, FSNN_UINT8,
				FSNN_INT16, FSNN_INT32, FSNN_INT64, -1)) ||
	    (st = nn_check_type(ctx, node, b, "input2", a->type, -1)) ||
	    (st = nn_check_type(ctx, node, out, "output", a->type, -1)))
		return st;
	minmax_data *d = nn_persistent_alloc(ctx, sizeof *d);
	if (d == NULL)
		return ctx->err->code;
	if (!nn_bcast_init(&d->bc, a->rank, a->dims, b->rank, b->dims))
		return nn_prep_fail(ctx, node, FSNN_E_SHAPE, "inputs '%s' and '%s' do not broadcast",
				    a->name, b->name);
	int rank;
	int32_t dims[FSNN_MAX_RANK];
	nn_broadcast_shape(a->rank, a->dims, b->rank, b->dims, &rank, dims);
	if ((st = nn_check_output_shape(ctx, node, 0, rank, dims)))
		return st;
	d->type = a->type;
	d->is_max = is_max;
	node->op_data = d;
	return FSNN_OK;
}

typedef struct minmax_run {
	const minmax_data *d;
	const void *a, *b;
	void *out;
} minmax_run;

#define NN_MINMAX_ROW(T)                                                             \
	{                                                                            \
		const T *x = (const T *)r->a + ia, *y = (const T *)r->b + ib;        \
		T *z = (T *)r->out + o;                                              \
		if (r->d->is_max)                                                    \
			for (int32_t k = 0; k < n; k++) {                            \
				T p = x[k * sa], q = y[k * sb];                      \
				z[k] = p < q ? q : p;                                \
			}                                                            \
		else                                                                 \
			for (int32_t k = 0; k < n; k++) {                            \
				T p = x[k * sa], q = y[k * sb];                      \
				z[k] = q < p ? q : p;                                \
			}                                                            \
	}

static void minmax_row(void *user, size_t o, size_t ia, size_t ib, int32_t n, int32_t sa,
		       int32_t sb)
{
	const minmax_run *r = user;
	switch (r->d->type) {
	case FSNN_FLOAT32: NN_MINMAX_ROW(float) break;
	case FSNN_INT8: NN_MINMAX_ROW(int8_t) break;
	case FSNN_UINT8: NN_MINMAX_ROW(uint8_t) break;
	case FSNN_INT16: NN_MINMAX_ROW(int16_t) break;
	case FSNN_INT32: NN_MINMAX_ROW(int32_t) break;
	case FSNN_INT64: NN_MINMAX_ROW(int64_t) break;
	default: break;
	}
}

static fsnn_status minmax_eval(const nn_eval_ctx *ctx, const nn_node *node)
{
	minmax_run r = { node->op_data, nn_in_data(ctx, node, 0), nn_in_data(ctx, node, 1),
			 nn_out_data(ctx, node, 0) };
	if (nn_tensor_of(ctx, node->outputs[0])->elems != 0)
		nn_bcast_for_each_row(&r.d->bc, minmax_row, &r);
	return FSNN_OK;
}

#endif /* NN_MINMAX_COMMON_H */
