/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The 8-bit ops that are a 256-entry table lookup (QUANTIZE between 8-bit
 * types, LOGISTIC and TANH), in portable C: the reference's own table,
 * applied in chunks over the context's threads with the loop unrolled so
 * loads and stores of several bytes overlap. Same bytes as the reference.
 */
#include "../common/op_data.h"

#define CHUNK 65536   /* bytes per task */

typedef struct lut_job {
	const uint8_t *lut, *x;
	uint8_t *y;
	size_t n;
} lut_job;

static void lut_task(void *arg, int task, int thread)
{
	(void)thread;
	const lut_job *j = arg;
	const uint8_t *lut = j->lut;
	const size_t i0 = (size_t)task * CHUNK, i1 = i0 + CHUNK < j->n ? i0 + CHUNK : j->n;
	size_t i = i0;
	for (; i + 8 <= i1; i += 8) {
		const uint8_t *x = j->x + i;
		uint8_t *y = j->y + i;
		y[0] = lut[x[0]]; y[1] = lut[x[1]]; y[2] = lut[x[2]]; y[3] = lut[x[3]];
		y[4] = lut[x[4]]; y[5] = lut[x[5]]; y[6] = lut[x[6]]; y[7] = lut[x[7]];
	}
	for (; i < i1; i++)
		j->y[i] = lut[j->x[i]];
}

static void run(const nn_eval_ctx *ec, const nn_node *node, const uint8_t *lut)
{
	lut_job j = { .lut = lut, .x = nn_in_data(ec, node, 0), .y = nn_out_data(ec, node, 0),
		      .n = nn_tensor_of(ec, node->inputs[0])->elems };
	if (j.n > 0)
		nn_parallel_for(ec, (int)((j.n + CHUNK - 1) / CHUNK), lut_task, &j);
}

static bool in_is_8bit(nn_prepare_ctx *ctx, const nn_node *node)
{
	const nn_tensor *in = nn_input(ctx, node, 0);
	return in != NULL && (in->type == FSNN_INT8 || in->type == FSNN_UINT8);
}

/* LOGISTIC, TANH: the reference prepare made the table node->op_data. */
static fsnn_status act_prepare(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	*accepted = node->op_data != NULL && in_is_8bit(ctx, node);
	return FSNN_OK;
}

static fsnn_status act_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	run(ec, node, node->op_data);
	return FSNN_OK;
}

static fsnn_status quantize_prepare(nn_prepare_ctx *ctx, nn_node *node, bool *accepted)
{
	*accepted = node->op_data != NULL && in_is_8bit(ctx, node);
	return FSNN_OK;
}

static fsnn_status quantize_eval(const nn_eval_ctx *ec, const nn_node *node)
{
	const nn_quantize_data *d = node->op_data;
	run(ec, node, d->lut);
	return FSNN_OK;
}

const nn_variant nn_variant_logistic_generic = {
	.builtin = NN_OP_LOGISTIC, .name = "generic", .requires = NN_CPU_GENERIC,
	.prepare = act_prepare, .eval = act_eval,
};

const nn_variant nn_variant_tanh_generic = {
	.builtin = NN_OP_TANH, .name = "generic", .requires = NN_CPU_GENERIC,
	.prepare = act_prepare, .eval = act_eval,
};

const nn_variant nn_variant_quantize_generic = {
	.builtin = NN_OP_QUANTIZE, .name = "generic", .requires = NN_CPU_GENERIC,
	.prepare = quantize_prepare, .eval = quantize_eval,
};
