/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Contexts: everything one invoke needs that is not read-only — the arena,
 * the scratch buffer, the per-tensor data pointers and, for delegated ops,
 * the tensor views handed to backends. All of it is allocated here, once,
 * so fsnn_invoke never allocates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph.h"
#include "pool.h"

struct fsnn_context {
	const fsnn_model *model;
	uint8_t *arena;
	void *scratch;
	void **tensor_data;
	/* Per node: its backend's views (inputs then outputs) or NULL. */
	fsnn_tensor_view **views;
	fsnn_tensor_view *view_store;
	nn_pool *pool;              /* NULL with one thread */
	int num_threads;
	uint64_t *op_ns;            /* per op, when profiling */
};

void fsnn_context_free(fsnn_context *ctx)
{
	if (ctx == NULL)
		return;
	nn_pool_free(ctx->pool);
	free(ctx->op_ns);
	free(ctx->arena);
	free(ctx->scratch);
	free(ctx->tensor_data);
	free(ctx->views);
	free(ctx->view_store);
	free(ctx);
}

static fsnn_status unrunnable(const fsnn_model *m, fsnn_error *err)
{
	fsnn_status code = FSNN_E_UNSUPPORTED;
	for (int n = 0; n < m->num_nodes; n++)
		if (m->nodes[n].builtin == NN_OP_CUSTOM && m->nodes[n].backend == NULL)
			code = FSNN_E_BACKEND;
	return nn_set_error(err, code, "%s: cannot run this model: %s", m->source,
			    m->unrunnable_reason[0] ? m->unrunnable_reason : "it was loaded for inspection only");
}

static fsnn_status build_views(fsnn_context *ctx, fsnn_error *err)
{
	const fsnn_model *m = ctx->model;
	size_t total = 0;
	for (int n = 0; n < m->num_nodes; n++)
		if (m->nodes[n].backend != NULL)
			total += (size_t)m->nodes[n].num_inputs + (size_t)m->nodes[n].num_outputs;
	if (total == 0)
		return FSNN_OK;
	ctx->views = calloc((size_t)m->num_nodes, sizeof *ctx->views);
	ctx->view_store = calloc(total, sizeof *ctx->view_store);
	if (ctx->views == NULL || ctx->view_store == NULL)
		return nn_set_error(err, FSNN_E_NOMEM, "%s: out of memory for backend views", m->source);
	fsnn_tensor_view *v = ctx->view_store;
	for (int n = 0; n < m->num_nodes; n++) {
		const nn_node *node = &m->nodes[n];
		if (node->backend == NULL)
			continue;
		ctx->views[n] = v;
		for (int i = 0; i < node->num_inputs; i++, v++)
			if (node->inputs[i] >= 0) {
				nn_tensor_info_of(&m->tensors[node->inputs[i]], &v->info);
				v->data = ctx->tensor_data[node->inputs[i]];
			}
		for (int o = 0; o < node->num_outputs; o++, v++) {
			nn_tensor_info_of(&m->tensors[node->outputs[o]], &v->info);
			v->data = ctx->tensor_data[node->outputs[o]];
		}
	}
	return FSNN_OK;
}

fsnn_status fsnn_context_new(const fsnn_model *m, fsnn_context **out, fsnn_error *err)
{
	return fsnn_context_new_opts(m, NULL, out, err);
}

/* More threads than this only add overhead to ops of a few rows. */
#define NN_MAX_THREADS 64

fsnn_status fsnn_context_new_opts(const fsnn_model *m, const fsnn_context_options *opts,
				  fsnn_context **out, fsnn_error *err)
{
	if (m == NULL || out == NULL)
		return nn_set_error(err, FSNN_E_ARG, "fsnn_context_new: model and out must not be NULL");
	*out = NULL;
	int threads = opts != NULL && opts->num_threads != 0 ? opts->num_threads : 1;
	if (threads < 1 || threads > NN_MAX_THREADS)
		return nn_set_error(err, FSNN_E_ARG, "context options: num_threads is %d; expected "
				    "1 to %d", threads, NN_MAX_THREADS);
	if (!m->runnable)
		return unrunnable(m, err);
	fsnn_context *ctx = calloc(1, sizeof *ctx);
	if (ctx == NULL)
		return nn_set_error(err, FSNN_E_NOMEM, "%s: out of memory for a context", m->source);
	ctx->model = m;
	ctx->num_threads = threads;
	/* calloc-like zero fill: tensors nobody writes read as zero. */
	size_t arena = m->arena_bytes > 0 ? m->arena_bytes : NN_ARENA_ALIGN;
	ctx->arena = aligned_alloc(NN_ARENA_ALIGN, arena);
	/* Scratch is per thread; the planner keeps scratch_bytes aligned. */
	if (m->scratch_bytes > 0)
		ctx->scratch = aligned_alloc(NN_ARENA_ALIGN, m->scratch_bytes * (size_t)threads);
	ctx->tensor_data = calloc((size_t)(m->num_tensors > 0 ? m->num_tensors : 1),
				  sizeof *ctx->tensor_data);
	if (ctx->arena == NULL || (m->scratch_bytes > 0 && ctx->scratch == NULL) ||
	    ctx->tensor_data == NULL) {
		fsnn_context_free(ctx);
		return nn_set_error(err, FSNN_E_NOMEM,
				    "%s: cannot allocate a context (arena %zu bytes, scratch %zu bytes)",
				    m->source, m->arena_bytes, m->scratch_bytes);
	}
	memset(ctx->arena, 0, arena);
	for (int t = 0; t < m->num_tensors; t++) {
		const nn_tensor *ten = &m->tensors[t];
		switch (ten->alloc) {
		case NN_ALLOC_CONST:
			ctx->tensor_data[t] = (void *)ten->data;
			break;
		case NN_ALLOC_ARENA:
			ctx->tensor_data[t] = ctx->arena + ten->offset;
			/* Variables start from their initial value in the file. */
			if (ten->is_variable && ten->data != NULL)
				memcpy(ctx->tensor_data[t], ten->data, ten->bytes);
			break;
		default:
			break;
		}
	}
	for (int t = 0; t < m->num_tensors; t++)
		if (m->tensors[t].alloc == NN_ALLOC_ALIAS)
			ctx->tensor_data[t] = ctx->tensor_data[nn_alias_root(m, t)];
	if (opts != NULL && opts->profile &&
	    (ctx->op_ns = calloc((size_t)(m->num_nodes > 0 ? m->num_nodes : 1), sizeof *ctx->op_ns)) == NULL) {
		fsnn_context_free(ctx);
		return nn_set_error(err, FSNN_E_NOMEM, "%s: out of memory for the op profile", m->source);
	}
	fsnn_status st = build_views(ctx, err);
	if (st == FSNN_OK && threads > 1 && (ctx->pool = nn_pool_new(threads, err)) == NULL)
		st = err != NULL ? err->code : FSNN_E_NOMEM;
	if (st != FSNN_OK) {
		fsnn_context_free(ctx);
		return st;
	}
	*out = ctx;
	return FSNN_OK;
}

void *fsnn_context_input(fsnn_context *ctx, int i)
{
	if (ctx == NULL || i < 0 || i >= ctx->model->num_inputs)
		return NULL;
	return ctx->tensor_data[ctx->model->inputs[i]];
}

fsnn_status fsnn_context_op_times(const fsnn_context *ctx, uint64_t *ns, int n)
{
	if (ctx == NULL || ns == NULL || n < 0)
		return FSNN_E_ARG;
	if (ctx->op_ns == NULL)
		return FSNN_E_ARG;   /* not created with profile */
	for (int i = 0; i < n && i < ctx->model->num_nodes; i++)
		ns[i] = ctx->op_ns[i];
	return FSNN_OK;
}

const void *fsnn_context_output(const fsnn_context *ctx, int i)
{
	if (ctx == NULL || i < 0 || i >= ctx->model->num_outputs)
		return NULL;
	return ctx->tensor_data[ctx->model->outputs[i]];
}

/* "op 12 (CONV_2D): " in front of a kernel's message, once. */
static fsnn_status eval_failed(const nn_node *node, fsnn_status st, fsnn_error *err,
			       const char *via)
{
	if (err == NULL)
		return st;
	char nb[32], head[32];
	snprintf(head, sizeof head, "op %d (", node->index);
	if (err->msg[0] == '\0')
		snprintf(err->msg, sizeof err->msg, "%s", fsnn_strerror(st));
	if (strncmp(err->msg, head, strlen(head)) != 0)
		nn_error_prefix(err, "op %d (%s)%s: ", node->index, nn_node_name(node, nb, sizeof nb), via);
	return err->code = st;
}

fsnn_status fsnn_invoke(fsnn_context *ctx, fsnn_error *err)
{
	if (ctx == NULL)
		return nn_set_error(err, FSNN_E_ARG, "fsnn_invoke: context is NULL");
	const fsnn_model *m = ctx->model;
	if (err != NULL)
		err->msg[0] = '\0';
	nn_eval_ctx ec = {
		.model = m,
		.tensor_data = ctx->tensor_data,
		.scratch = ctx->scratch,
		.err = err,
		.pool = ctx->pool,
		.num_threads = ctx->num_threads,
	};
	for (int n = 0; n < m->num_nodes; n++) {
		const nn_node *node = &m->nodes[n];
		fsnn_status st;
		struct timespec t0;
		if (ctx->op_ns != NULL)
			clock_gettime(CLOCK_MONOTONIC, &t0);
		if (node->backend != NULL) {
			fsnn_tensor_view *v = ctx->views[n];
			st = node->backend->eval(node->backend->user, node->backend_state, v,
						 node->num_inputs, v + node->num_inputs,
						 node->num_outputs, err);
			if (st != FSNN_OK) {
				char via[80];
				snprintf(via, sizeof via, " on backend \"%s\"",
					 node->backend->name ? node->backend->name : "?");
				return eval_failed(node, st, err, via);
			}
		} else {
			st = node->eval(&ec, node);
			if (st != FSNN_OK)
				return eval_failed(node, st, err, "");
		}
		if (ctx->op_ns != NULL) {
			struct timespec t1;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			ctx->op_ns[n] += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
		}
	}
	if (err != NULL)
		err->code = FSNN_OK;
	return FSNN_OK;
}
