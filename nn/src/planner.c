/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory planner. Every activation gets an offset in one arena, chosen the
 * way TensorFlow Lite Micro's GreedyMemoryPlanner does: tensors in order of
 * decreasing size, each at the lowest aligned offset that does not overlap
 * a tensor already placed whose lifetime (first..last op, inclusive)
 * overlaps its own. RESHAPE/SQUEEZE outputs take no space: they alias their
 * input, whose lifetime is stretched to cover the whole alias chain.
 *
 * Lifetimes: graph outputs and variables live until the last op; graph
 * inputs live through the whole invoke (as in TFLite's ArenaPlanner, not
 * TFLM's), so a caller may invoke again without rewriting its inputs.
 */
#include <stdlib.h>
#include <string.h>

#include "graph.h"

int nn_alias_root(const fsnn_model *m, int t)
{
	/* Alias chains only point backwards in op order, so this ends; the
	 * bound guards against a corrupted plan all the same. */
	for (int hops = 0; hops <= m->num_tensors && m->tensors[t].alloc == NN_ALLOC_ALIAS; hops++)
		t = m->tensors[t].alias_of;
	return t;
}

static size_t align_up(size_t v)
{
	return (v + NN_ARENA_ALIGN - 1) / NN_ARENA_ALIGN * NN_ARENA_ALIGN;
}

static bool is_graph_io(const int32_t *list, int n, int t)
{
	for (int i = 0; i < n; i++)
		if (list[i] == t)
			return true;
	return false;
}

/* Decides storage class for one tensor the graph touches. */
static void mark_used(fsnn_model *m, int t)
{
	nn_tensor *ten = &m->tensors[t];
	if (ten->alloc != NN_ALLOC_NONE)
		return;
	ten->alloc = (ten->data != NULL && !ten->is_variable) ? NN_ALLOC_CONST : NN_ALLOC_ARENA;
}

static void touch(fsnn_model *m, int t, int step)
{
	int r = nn_alias_root(m, t);
	nn_tensor *root = &m->tensors[r];
	if (root->alloc != NN_ALLOC_ARENA)
		return;
	if (step < root->first_op)
		root->first_op = step;
	if (step > root->last_op)
		root->last_op = step;
}

/* Whether output o of node may share its input's storage. */
static bool can_alias(const fsnn_model *m, const nn_node *node)
{
	if (node->kernel == NULL || !node->kernel->aliases_input || node->num_inputs < 1 ||
	    node->num_outputs != 1 || node->inputs[0] < 0 || node->outputs[0] < 0)
		return false;
	const nn_tensor *in = &m->tensors[node->inputs[0]];
	const nn_tensor *out = &m->tensors[node->outputs[0]];
	if (in->bytes != out->bytes || in->is_variable || out->is_variable)
		return false;
	/* A graph input must stay where the caller writes it: it can be the
	 * alias root, but never itself alias another tensor. */
	if (is_graph_io(m->inputs, m->num_inputs, node->outputs[0]))
		return false;
	return out->alloc == NN_ALLOC_NONE;
}

typedef struct placed {
	int tensor;
	size_t offset, size;
	int first, last;
} placed;

static int by_size_desc(const void *a, const void *b)
{
	const placed *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->tensor - y->tensor;
}

static int by_offset(const void *a, const void *b)
{
	const placed *x = *(placed *const *)a, *y = *(placed *const *)b;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->tensor - y->tensor;
}

fsnn_status nn_plan_memory(fsnn_model *m, fsnn_error *err)
{
	int last_step = m->num_nodes > 0 ? m->num_nodes - 1 : 0;
	for (int t = 0; t < m->num_tensors; t++) {
		nn_tensor *ten = &m->tensors[t];
		ten->alloc = NN_ALLOC_NONE;
		ten->alias_of = -1;
		ten->offset = 0;
		ten->first_op = m->num_nodes;
		ten->last_op = -1;
	}

	/* Storage classes, in op order so alias chains form front to back. */
	for (int i = 0; i < m->num_inputs; i++)
		mark_used(m, m->inputs[i]);
	for (int n = 0; n < m->num_nodes; n++) {
		const nn_node *node = &m->nodes[n];
		for (int i = 0; i < node->num_inputs; i++)
			if (node->inputs[i] >= 0)
				mark_used(m, node->inputs[i]);
		if (can_alias(m, node)) {
			nn_tensor *out = &m->tensors[node->outputs[0]];
			out->alloc = NN_ALLOC_ALIAS;
			out->alias_of = nn_alias_root(m, node->inputs[0]);
		}
		for (int o = 0; o < node->num_outputs; o++) {
			int t = node->outputs[o];
			if (t < 0)
				continue;
			mark_used(m, t);
			if (m->tensors[t].alloc == NN_ALLOC_CONST)
				return nn_set_error(err, FSNN_E_FORMAT,
						    "op %d writes tensor %d '%s', which holds constant data",
						    n, t, m->tensors[t].name ? m->tensors[t].name : "");
		}
	}
	for (int i = 0; i < m->num_outputs; i++)
		mark_used(m, m->outputs[i]);

	/* Lifetimes of the storage owners (alias roots). */
	for (int n = 0; n < m->num_nodes; n++) {
		const nn_node *node = &m->nodes[n];
		for (int i = 0; i < node->num_inputs; i++)
			if (node->inputs[i] >= 0)
				touch(m, node->inputs[i], n);
		for (int o = 0; o < node->num_outputs; o++)
			if (node->outputs[o] >= 0)
				touch(m, node->outputs[o], n);
	}
	for (int i = 0; i < m->num_inputs; i++) {
		touch(m, m->inputs[i], 0);
		touch(m, m->inputs[i], last_step);
	}
	for (int i = 0; i < m->num_outputs; i++)
		touch(m, m->outputs[i], last_step);
	for (int t = 0; t < m->num_tensors; t++) {
		nn_tensor *ten = &m->tensors[t];
		if (ten->alloc == NN_ALLOC_ARENA && ten->is_variable) {
			ten->first_op = 0;
			ten->last_op = last_step;
		}
		/* Read but never written (and not an input): live from the start
		 * so it keeps its zero fill. */
		if (ten->alloc == NN_ALLOC_ARENA && ten->first_op > ten->last_op) {
			ten->first_op = 0;
			ten->last_op = last_step;
		}
	}

	/* Greedy placement, largest first. */
	int count = 0;
	for (int t = 0; t < m->num_tensors; t++)
		count += m->tensors[t].alloc == NN_ALLOC_ARENA;
	placed *items = calloc((size_t)(count > 0 ? count : 1), sizeof *items);
	placed **live = calloc((size_t)(count > 0 ? count : 1), sizeof *live);
	if (items == NULL || live == NULL) {
		free(items);
		free(live);
		return nn_set_error(err, FSNN_E_NOMEM, "memory planner: out of memory for %d tensors", count);
	}
	int k = 0;
	for (int t = 0; t < m->num_tensors; t++) {
		const nn_tensor *ten = &m->tensors[t];
		if (ten->alloc == NN_ALLOC_ARENA)
			items[k++] = (placed){ t, 0, ten->bytes, ten->first_op, ten->last_op };
	}
	qsort(items, (size_t)count, sizeof *items, by_size_desc);
	size_t arena = 0;
	for (int i = 0; i < count; i++) {
		placed *p = &items[i];
		int nlive = 0;
		for (int j = 0; j < i; j++)
			if (items[j].first <= p->last && p->first <= items[j].last && items[j].size > 0)
				live[nlive++] = &items[j];
		qsort(live, (size_t)nlive, sizeof *live, by_offset);
		size_t off = 0;
		for (int j = 0; j < nlive && p->size > 0; j++) {
			if (off + p->size <= live[j]->offset)
				break;
			size_t end = align_up(live[j]->offset + live[j]->size);
			if (end > off)
				off = end;
		}
		if (off > SIZE_MAX - p->size - NN_ARENA_ALIGN) {
			free(items);
			free(live);
			return nn_set_error(err, FSNN_E_NOMEM, "memory planner: arena size overflows");
		}
		p->offset = off;
		m->tensors[p->tensor].offset = off;
		if (off + p->size > arena)
			arena = off + p->size;
	}

	/* Lower bound: the most bytes live at any one step. */
	size_t lower = 0;
	for (int s = 0; s <= last_step; s++) {
		size_t sum = 0;
		for (int i = 0; i < count; i++)
			if (items[i].first <= s && s <= items[i].last)
				sum += items[i].size;
		if (sum > lower)
			lower = sum;
	}
	free(items);
	free(live);

	size_t scratch = 0, weights = 0;
	for (int n = 0; n < m->num_nodes; n++)
		if (m->nodes[n].scratch_bytes > scratch)
			scratch = m->nodes[n].scratch_bytes;
	for (int t = 0; t < m->num_tensors; t++) {
		nn_tensor *ten = &m->tensors[t];
		if (ten->alloc == NN_ALLOC_CONST)
			weights += ten->bytes;
		if (ten->alloc == NN_ALLOC_ALIAS) {
			const nn_tensor *root = &m->tensors[ten->alias_of];
			ten->offset = root->offset;
			ten->first_op = root->first_op;
			ten->last_op = root->last_op;
		}
	}
	m->arena_bytes = align_up(arena);
	m->lower_bound_bytes = lower;
	m->scratch_bytes = align_up(scratch);
	m->weights_bytes = weights;
	return FSNN_OK;
}
