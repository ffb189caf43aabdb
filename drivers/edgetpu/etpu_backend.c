/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fsnn backend for "edgetpu-custom-op": the engine runs the CPU ops
 * around the node and hands the node's tensors here. One stick serves all
 * nodes and contexts, so calls are serialised by a mutex (the engine may
 * call from several threads). The stick opens at the first prepare (unless
 * cfg.lazy_open), so a model load fails with a clear message when none is
 * plugged in; after a failure the next eval reopens it (see etpu_run).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "etpu_priv.h"

#define MAX_IO 64

typedef struct etpu_be {
	fsnn_backend b;         /* first: the public handle points here */
	etpu_device *dev;
	pthread_mutex_t mu;
} etpu_be;

static fsnn_status be_prepare(void *user, const fsnn_custom_node *node, void **state,
			      fsnn_error *err)
{
	etpu_be *be = user;
	etpu_model *m = NULL;
	fsnn_status st = etpu_model_from_options(node->custom_options, node->custom_options_size, &m, err);
	if (st)
		return st;
	if (node->num_inputs != etpu_model_num_inputs(m) || node->num_outputs != etpu_model_num_outputs(m) ||
	    node->num_inputs > MAX_IO || node->num_outputs > MAX_IO) {
		st = etpu_err(err, FSNN_E_FORMAT, "the node has %d inputs/%d outputs, its program %d/%d",
			      node->num_inputs, node->num_outputs, etpu_model_num_inputs(m),
			      etpu_model_num_outputs(m));
		etpu_model_free(m);
		return st;
	}
	/* Tensors map to the program's layers by index; sizes must agree. */
	for (int i = 0; i < node->num_inputs + node->num_outputs && st == FSNN_OK; i++) {
		bool in = i < node->num_inputs;
		int k = in ? i : i - node->num_inputs;
		const fsnn_tensor_info *t = in ? &node->inputs[k] : &node->outputs[k];
		etpu_layer_info li;
		if (in)
			etpu_model_input(m, k, &li);
		else
			etpu_model_output(m, k, &li);
		if (t->bytes != li.bytes)
			st = etpu_err(err, FSNN_E_SHAPE, "%s %d '%s' is %zu bytes, the compiled layer '%s' %zu",
				      in ? "input" : "output", k, t->name ? t->name : "", t->bytes, li.name,
				      li.bytes);
	}
	if (st == FSNN_OK && !be->dev->cfg.lazy_open) {
		pthread_mutex_lock(&be->mu);
		st = etpu_device_open(be->dev, err);
		pthread_mutex_unlock(&be->mu);
	}
	if (st) {
		etpu_model_free(m);
		return st;
	}
	*state = m;
	return FSNN_OK;
}

static fsnn_status be_eval(void *user, void *state, const fsnn_tensor_view *inputs, int num_inputs,
			   fsnn_tensor_view *outputs, int num_outputs, fsnn_error *err)
{
	etpu_be *be = user;
	etpu_model *m = state;
	if (num_inputs != etpu_model_num_inputs(m) || num_outputs != etpu_model_num_outputs(m))
		return etpu_err(err, FSNN_E_ARG, "edgetpu: %d inputs/%d outputs given", num_inputs,
				num_outputs);
	const void *in[MAX_IO];
	size_t in_n[MAX_IO], out_n[MAX_IO];
	void *out[MAX_IO];
	for (int i = 0; i < num_inputs; i++) {
		in[i] = inputs[i].data;
		in_n[i] = inputs[i].info.bytes;
	}
	for (int i = 0; i < num_outputs; i++) {
		out[i] = outputs[i].data;
		out_n[i] = outputs[i].info.bytes;
	}
	pthread_mutex_lock(&be->mu);
	fsnn_status st = etpu_run(be->dev, m, in, in_n, out, out_n, err);
	pthread_mutex_unlock(&be->mu);
	return st;
}

static void be_release(void *user, void *state)
{
	etpu_be *be = user;
	pthread_mutex_lock(&be->mu);
	/* The chip may hold this model's parameters: forget them with it. */
	if (be->dev->cached_model == state) {
		be->dev->cached_model = NULL;
		be->dev->cached_token = 0;
	}
	pthread_mutex_unlock(&be->mu);
	etpu_model_free(state);
}

fsnn_status etpu_backend_new(const etpu_config *cfg, fsnn_backend **out, fsnn_error *err)
{
	etpu_be *be = calloc(1, sizeof *be);
	if (be == NULL)
		return etpu_err(err, FSNN_E_NOMEM, "edgetpu: out of memory");
	fsnn_status st = etpu_device_new(cfg, &be->dev, err);
	if (st) {
		free(be);
		return st;
	}
	pthread_mutex_init(&be->mu, NULL);
	be->b = (fsnn_backend){
		.name = "edgetpu",
		.custom_code = "edgetpu-custom-op",
		.user = be,
		.prepare = be_prepare,
		.eval = be_eval,
		.release = be_release,
	};
	*out = &be->b;
	return FSNN_OK;
}

void etpu_backend_free(fsnn_backend *b)
{
	if (b == NULL)
		return;
	etpu_be *be = b->user;
	etpu_device_free(be->dev);
	pthread_mutex_destroy(&be->mu);
	free(be);
}

etpu_device *etpu_backend_device(const fsnn_backend *b)
{
	return ((const etpu_be *)b->user)->dev;
}
