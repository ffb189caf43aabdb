/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Model loading: map the file, parse it (reader.c), bind every node to a
 * CPU kernel or a registered backend, prepare it once, then plan memory.
 * After load the model is read-only, so contexts on several threads may
 * share it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph.h"

/* Custom ops we know the hardware for, so a missing backend can be named. */
static const struct {
	const char *custom_code, *backend, *device;
} known_custom_ops[] = {
	{ "edgetpu-custom-op", "edgetpu", "Coral USB Accelerator" },
};

/* Prefixes err->msg with "<source>: " unless it already starts with it. */
static void prefix_source(fsnn_error *err, const char *source)
{
	if (err == NULL || source == NULL)
		return;
	size_t n = strlen(source);
	if (strncmp(err->msg, source, n) == 0 && err->msg[n] == ':')
		return;
	nn_error_prefix(err, "%s: ", source);
}

const char *nn_node_name(const nn_node *node, char *buf, size_t buf_size)
{
	if (node->builtin == NN_OP_CUSTOM && node->custom_code != NULL)
		return node->custom_code;
	if (node->kernel != NULL && node->kernel->name != NULL)
		return node->kernel->name;
	return nn_builtin_name(node->builtin, buf, buf_size);
}

void nn_tensor_info_of(const nn_tensor *t, fsnn_tensor_info *info)
{
	memset(info, 0, sizeof *info);
	info->name = t->name != NULL ? t->name : "";
	info->type = t->type;
	info->rank = t->rank;
	for (int d = 0; d < t->rank && d < FSNN_MAX_RANK; d++)
		info->dims[d] = t->dims[d];
	info->bytes = t->bytes;
	info->num_quant = t->num_quant;
	info->scale = t->scale;
	info->zero_point = t->zero_point;
	info->quantized_dimension = t->quantized_dimension;
}

/* ---- helpers for kernels' prepare (declared in nn_internal.h) ---------- */

void *nn_persistent_alloc(nn_prepare_ctx *ctx, size_t bytes)
{
	if (bytes > SIZE_MAX - sizeof(nn_persistent_block)) {
		nn_set_error(ctx->err, FSNN_E_NOMEM, "persistent allocation of %zu bytes overflows", bytes);
		return NULL;
	}
	nn_persistent_block *b = calloc(1, sizeof *b + bytes);
	if (b == NULL) {
		nn_set_error(ctx->err, FSNN_E_NOMEM, "cannot allocate %zu bytes of prepared constants", bytes);
		return NULL;
	}
	b->next = ctx->model->persistent;
	ctx->model->persistent = b;
	ctx->model->persistent_bytes += bytes;
	return b->align;
}

fsnn_status nn_prep_fail(nn_prepare_ctx *ctx, const nn_node *node, fsnn_status code,
			 const char *fmt, ...)
{
	char name_buf[32], what[FSNN_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return nn_set_error(ctx->err, code, "op %d (%s): %s", node->index,
			    nn_node_name(node, name_buf, sizeof name_buf), what);
}

const nn_tensor *nn_input(const nn_prepare_ctx *ctx, const nn_node *node, int i)
{
	if (i < 0 || i >= node->num_inputs || node->inputs[i] < 0)
		return NULL;
	return &ctx->model->tensors[node->inputs[i]];
}

nn_tensor *nn_output(const nn_prepare_ctx *ctx, const nn_node *node, int i)
{
	if (i < 0 || i >= node->num_outputs || node->outputs[i] < 0)
		return NULL;
	return &ctx->model->tensors[node->outputs[i]];
}

static void format_shape(char *buf, size_t size, int rank, const int32_t *dims)
{
	size_t used = 0;
	used += (size_t)snprintf(buf, size, "[");
	for (int d = 0; d < rank && used < size; d++)
		used += (size_t)snprintf(buf + used, size - used, d ? ",%d" : "%d", (int)dims[d]);
	if (used < size)
		snprintf(buf + used, size - used, "]");
}

/* With a requested input size the file's shapes downstream of the input
 * no longer hold: each op's computed output shape replaces the declared
 * one (TFLite's ResizeInputTensor + AllocateTensors). */
static fsnn_status replan_shape(nn_prepare_ctx *ctx, const nn_node *node, nn_tensor *t,
				const int32_t *dims)
{
	size_t elems = 1, esize = fsnn_dtype_size(t->type);
	for (int d = 0; d < t->rank; d++) {
		if (dims[d] < 0 || (dims[d] > 0 && elems > NN_MAX_TENSOR_BYTES / (size_t)dims[d]))
			return nn_prep_fail(ctx, node, FSNN_E_NOMEM, "output '%s' at the requested "
					    "input size exceeds the %zu-byte limit per tensor",
					    t->name ? t->name : "", (size_t)NN_MAX_TENSOR_BYTES);
		elems *= (size_t)dims[d];
	}
	if (esize == 0 || elems > NN_MAX_TENSOR_BYTES / esize)
		return nn_prep_fail(ctx, node, FSNN_E_NOMEM, "output '%s' at the requested input "
				    "size exceeds the %zu-byte limit per tensor", t->name ? t->name : "",
				    (size_t)NN_MAX_TENSOR_BYTES);
	memcpy(t->dims, dims, (size_t)t->rank * sizeof *dims);
	t->elems = elems;
	t->bytes = elems * esize;
	return FSNN_OK;
}

fsnn_status nn_check_output_shape(nn_prepare_ctx *ctx, const nn_node *node, int i,
				  int rank, const int32_t *dims)
{
	nn_tensor *t = nn_output(ctx, node, i);
	if (t == NULL)
		return nn_prep_fail(ctx, node, FSNN_E_FORMAT, "output %d is missing", i);
	bool same = t->rank == rank;
	for (int d = 0; same && d < rank; d++)
		same = t->dims[d] == dims[d];
	if (same)
		return FSNN_OK;
	if (ctx->model->input_hw[0] > 0 && t->rank == rank && t->data == NULL)
		return replan_shape(ctx, node, t, dims);
	char have[96], want[96];
	format_shape(have, sizeof have, t->rank, t->dims);
	format_shape(want, sizeof want, rank, dims);
	return nn_prep_fail(ctx, node, FSNN_E_SHAPE,
			    "output %d '%s' has shape %s in the file, the inputs give %s",
			    i, t->name ? t->name : "", have, want);
}

fsnn_status nn_check_type(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor *t,
			  const char *role, ...)
{
	if (t == NULL)
		return nn_prep_fail(ctx, node, FSNN_E_FORMAT, "%s tensor is missing", role);
	char allowed[128] = "";
	size_t used = 0;
	bool ok = false;
	va_list ap;
	va_start(ap, role);
	for (int ty = va_arg(ap, int); ty != -1; ty = va_arg(ap, int)) {
		if (ty == (int)t->type)
			ok = true;
		if (used < sizeof allowed)
			used += (size_t)snprintf(allowed + used, sizeof allowed - used, "%s%s",
						 used ? " or " : "", fsnn_dtype_name((fsnn_dtype)ty));
	}
	va_end(ap);
	if (ok)
		return FSNN_OK;
	return nn_prep_fail(ctx, node, FSNN_E_UNSUPPORTED, "%s '%s' is %s, expected %s", role,
			    t->name ? t->name : "", fsnn_dtype_name(t->type), allowed);
}

/* ---- binding and preparing nodes --------------------------------------- */

static fsnn_status prepare_custom(fsnn_model *m, nn_node *node, fsnn_error *err)
{
	const fsnn_backend *be = NULL;
	for (int b = 0; b < m->num_backends && be == NULL; b++)
		if (m->backends[b] != NULL && m->backends[b]->custom_code != NULL &&
		    strcmp(m->backends[b]->custom_code, node->custom_code) == 0)
			be = m->backends[b];
	if (be == NULL) {
		char reason[FSNN_ERROR_MSG_MAX];
		const char *hint = NULL;
		for (size_t k = 0; k < sizeof known_custom_ops / sizeof known_custom_ops[0]; k++)
			if (strcmp(known_custom_ops[k].custom_code, node->custom_code) == 0) {
				snprintf(reason, sizeof reason,
					 "op %d (%s): %s needs the \"%s\" backend (%s); none is registered",
					 node->index, node->custom_code, node->custom_code,
					 known_custom_ops[k].backend, known_custom_ops[k].device);
				hint = reason;
			}
		if (hint == NULL)
			snprintf(reason, sizeof reason,
				 "op %d (%s): custom op \"%s\" needs a backend that claims it; none is registered",
				 node->index, node->custom_code, node->custom_code);
		if (!m->inspect_only)
			return nn_set_error(err, FSNN_E_BACKEND, "%s", reason);
		if (m->runnable)
			snprintf(m->unrunnable_reason, sizeof m->unrunnable_reason, "%s", reason);
		m->runnable = false;
		return FSNN_OK;
	}

	if (be->eval == NULL)
		return nn_set_error(err, FSNN_E_BACKEND, "op %d (%s): backend \"%s\" has no eval function",
				    node->index, node->custom_code, be->name ? be->name : "?");
	/* The backend sees the node's tensors as public infos. */
	int n = node->num_inputs + node->num_outputs;
	fsnn_tensor_info *infos = calloc((size_t)(n > 0 ? n : 1), sizeof *infos);
	if (infos == NULL)
		return nn_set_error(err, FSNN_E_NOMEM, "op %d (%s): out of memory", node->index,
				    node->custom_code);
	for (int i = 0; i < node->num_inputs; i++)
		if (node->inputs[i] >= 0)
			nn_tensor_info_of(&m->tensors[node->inputs[i]], &infos[i]);
	for (int i = 0; i < node->num_outputs; i++)
		nn_tensor_info_of(&m->tensors[node->outputs[i]], &infos[node->num_inputs + i]);
	fsnn_custom_node cn = {
		.op_index = node->index,
		.custom_code = node->custom_code,
		.custom_options = node->custom_options,
		.custom_options_size = node->custom_options_size,
		.num_inputs = node->num_inputs,
		.num_outputs = node->num_outputs,
		.inputs = infos,
		.outputs = infos + node->num_inputs,
	};
	fsnn_error berr = { FSNN_OK, "" };
	void *state = NULL;
	fsnn_status st = be->prepare != NULL ? be->prepare(be->user, &cn, &state, &berr) : FSNN_OK;
	free(infos);
	if (st != FSNN_OK)
		return nn_set_error(err, st == FSNN_E_TIMEOUT ? st : FSNN_E_BACKEND,
				    "op %d (%s): backend \"%s\" could not prepare it: %s", node->index,
				    node->custom_code, be->name ? be->name : "?",
				    berr.msg[0] ? berr.msg : fsnn_strerror(st));
	node->backend = be;
	node->backend_state = state;
	return FSNN_OK;
}

/* False when the node touches a tensor whose element type has no size
 * (kept only for inspection): no kernel is prepared on such tensors. */
static bool node_types_storable(const fsnn_model *m, const nn_node *node)
{
	for (int i = 0; i < node->num_inputs; i++)
		if (node->inputs[i] >= 0 && fsnn_dtype_size(m->tensors[node->inputs[i]].type) == 0)
			return false;
	for (int o = 0; o < node->num_outputs; o++)
		if (node->outputs[o] >= 0 && fsnn_dtype_size(m->tensors[node->outputs[o]].type) == 0)
			return false;
	return true;
}

/* Dynamic-range ("hybrid") quantisation: float activations, 8-bit
 * constant weights. LiteRT quantises the activations on the fly; fsnn
 * runs full-integer or float models only, so such an op gets a message
 * that says what the file is rather than a bare type mismatch. */
static fsnn_status check_hybrid(nn_prepare_ctx *pctx, const nn_node *node)
{
	const fsnn_model *m = pctx->model;
	if (node->num_inputs < 2 || node->inputs[0] < 0 ||
	    m->tensors[node->inputs[0]].type != FSNN_FLOAT32)
		return FSNN_OK;
	for (int i = 1; i < node->num_inputs; i++) {
		const nn_tensor *w = node->inputs[i] < 0 ? NULL : &m->tensors[node->inputs[i]];
		if (w != NULL && w->data != NULL && w->num_quant > 0 &&
		    (w->type == FSNN_INT8 || w->type == FSNN_UINT8))
			return nn_prep_fail(pctx, node, FSNN_E_UNSUPPORTED,
					    "input 0 is FLOAT32 but constant input %d '%s' is %s: a "
					    "dynamic-range (hybrid) quantised model; fsnn runs full-integer "
					    "(int8/uint8 activations) or float32 models", i, w->name,
					    fsnn_dtype_name(w->type));
	}
	return FSNN_OK;
}

static fsnn_status prepare_nodes(fsnn_model *m, fsnn_error *err)
{
	nn_prepare_ctx pctx = { .model = m, .err = err };
	for (int i = 0; i < m->num_nodes; i++) {
		nn_node *node = &m->nodes[i];
		fsnn_status st;
		if (node->builtin == NN_OP_CUSTOM) {
			if (node->custom_code == NULL)
				return nn_set_error(err, FSNN_E_FORMAT, "op %d: custom op without a custom code", i);
			st = prepare_custom(m, node, err);
			if (st != FSNN_OK)
				return st;
			continue;
		}
		const nn_kernel *k = nn_kernel_find(node->builtin);
		if (k != NULL && k->eval == NULL)
			k = NULL;
		if (k == NULL) {
			char nb[32], reason[FSNN_ERROR_MSG_MAX];
			snprintf(reason, sizeof reason, "op %d (%s): operator not supported by fsnn", i,
				 nn_builtin_name(node->builtin, nb, sizeof nb));
			if (!m->inspect_only)
				return nn_set_error(err, FSNN_E_UNSUPPORTED, "%s", reason);
			if (m->runnable)
				snprintf(m->unrunnable_reason, sizeof m->unrunnable_reason, "%s", reason);
			m->runnable = false;
			continue;
		}
		if (!node_types_storable(m, node))
			continue;   /* inspect-only: check_types already said why */
		node->kernel = k;
		st = check_hybrid(&pctx, node);
		if (st == FSNN_OK && k->prepare != NULL)
			st = k->prepare(&pctx, node);
		node->eval = k->eval;
		node->variant = "ref";
		if (st == FSNN_OK)
			st = nn_variant_select(&pctx, node);
		if (st != FSNN_OK) {
			if (err != NULL && err->msg[0] == '\0')
				nn_prep_fail(&pctx, node, st, "prepare failed: %s", fsnn_strerror(st));
			if (!m->inspect_only)
				return st;
			/* Inspection still shows the rest of the graph. */
			if (m->runnable && err != NULL)
				snprintf(m->unrunnable_reason, sizeof m->unrunnable_reason, "%s", err->msg);
			m->runnable = false;
			if (err != NULL)
				err->msg[0] = '\0';
		}
	}
	return FSNN_OK;
}

/* Every graph tensor must have a type we can store; graph inputs and
 * outputs must additionally be plain numbers a caller can fill/read. */
static fsnn_status check_tensor_type(const fsnn_model *m, const nn_node *node, int t,
				     fsnn_error *err)
{
	const nn_tensor *ten = &m->tensors[t];
	if (fsnn_dtype_size(ten->type) != 0)
		return FSNN_OK;
	char where[64] = "graph";
	if (node != NULL) {
		char nb[32];
		snprintf(where, sizeof where, "op %d (%s)", node->index,
			 nn_node_name(node, nb, sizeof nb));
	}
	return nn_set_error(err, FSNN_E_UNSUPPORTED,
			    "%s: tensor %d '%s': element type %s (%d) is not supported by fsnn",
			    where, t, ten->name ? ten->name : "", fsnn_dtype_name(ten->type),
			    (int)ten->type);
}

static fsnn_status check_types(fsnn_model *m, fsnn_error *err)
{
	/* Only tensors the graph touches: files may carry others (metadata). */
	fsnn_status st = FSNN_OK;
	for (int n = 0; n < m->num_nodes && st == FSNN_OK; n++) {
		const nn_node *node = &m->nodes[n];
		for (int i = 0; i < node->num_inputs && st == FSNN_OK; i++)
			if (node->inputs[i] >= 0)
				st = check_tensor_type(m, node, node->inputs[i], err);
		for (int o = 0; o < node->num_outputs && st == FSNN_OK; o++)
			if (node->outputs[o] >= 0)
				st = check_tensor_type(m, node, node->outputs[o], err);
	}
	for (int i = 0; i < m->num_inputs && st == FSNN_OK; i++)
		st = check_tensor_type(m, NULL, m->inputs[i], err);
	for (int i = 0; i < m->num_outputs && st == FSNN_OK; i++)
		st = check_tensor_type(m, NULL, m->outputs[i], err);
	if (st != FSNN_OK) {
		if (!m->inspect_only)
			return st;
		/* Inspection shows the graph anyway; ops touching the tensor
		 * are not prepared (see node_types_storable). */
		snprintf(m->unrunnable_reason, sizeof m->unrunnable_reason, "%s", err->msg);
		m->runnable = false;
		err->msg[0] = '\0';
		err->code = FSNN_OK;
	}
	for (int io = 0; io < 2; io++) {
		int n = io ? m->num_outputs : m->num_inputs;
		const int32_t *idx = io ? m->outputs : m->inputs;
		for (int i = 0; i < n; i++) {
			const nn_tensor *ten = &m->tensors[idx[i]];
			if (ten->type == FSNN_FLOAT16)
				return nn_set_error(err, FSNN_E_UNSUPPORTED,
						    "graph %s %d '%s' is FLOAT16; fsnn takes INT8, UINT8, INT16, INT32, INT64, BOOL or FLOAT32",
						    io ? "output" : "input", i, ten->name ? ten->name : "");
			if (!io && ten->data != NULL && !ten->is_variable)
				return nn_set_error(err, FSNN_E_FORMAT,
						    "graph input %d '%s' is a constant tensor", i,
						    ten->name ? ten->name : "");
		}
	}
	return FSNN_OK;
}

static void release_backends(fsnn_model *m)
{
	for (int i = 0; m->nodes != NULL && i < m->num_nodes; i++) {
		nn_node *node = &m->nodes[i];
		if (node->backend != NULL && node->backend->release != NULL)
			node->backend->release(node->backend->user, node->backend_state);
		node->backend = NULL;
		node->backend_state = NULL;
	}
}

void fsnn_model_free(fsnn_model *m)
{
	if (m == NULL)
		return;
	release_backends(m);
	nn_free_parsed(m);
	for (nn_persistent_block *b = m->persistent; b != NULL;) {
		nn_persistent_block *next = b->next;
		free(b);
		b = next;
	}
	if (m->file != NULL) {
		if (m->mapped)
			munmap(m->file, m->file_size);
		else
			free(m->file);
	}
	free(m->backends);
	free(m->source);
	free(m);
}

/* The requested input size replaces the file's on the single rank-4 (NHWC)
 * input; prepare then re-plans every shape downstream (replan_shape). */
static fsnn_status set_input_size(fsnn_model *m, int32_t h, int32_t w, fsnn_error *err)
{
	if (h < 1 || w < 1)
		return nn_set_error(err, FSNN_E_ARG, "requested input size %dx%d: height and width "
				    "must both be positive", (int)h, (int)w);
	if (m->num_inputs != 1)
		return nn_set_error(err, FSNN_E_UNSUPPORTED, "a new input size needs a model with one "
				    "input; this one has %d", m->num_inputs);
	nn_tensor *t = &m->tensors[m->inputs[0]];
	if (t->rank != 4 || t->data != NULL)
		return nn_set_error(err, FSNN_E_UNSUPPORTED, "a new input size needs an NHWC (rank 4) "
				    "input; input '%s' has rank %d", t->name ? t->name : "", t->rank);
	size_t esize = fsnn_dtype_size(t->type);
	size_t elems = (size_t)t->dims[0] * (size_t)t->dims[3];
	if (esize == 0 || elems == 0 || (size_t)h > NN_MAX_TENSOR_BYTES / esize / elems ||
	    (size_t)w > NN_MAX_TENSOR_BYTES / esize / elems / (size_t)h)
		return nn_set_error(err, FSNN_E_NOMEM, "input '%s' at %dx%d exceeds the %zu-byte limit "
				    "per tensor", t->name ? t->name : "", (int)h, (int)w,
				    (size_t)NN_MAX_TENSOR_BYTES);
	t->dims[1] = h;
	t->dims[2] = w;
	t->elems = elems * (size_t)h * (size_t)w;
	t->bytes = t->elems * esize;
	m->input_hw[0] = h;
	m->input_hw[1] = w;
	return FSNN_OK;
}

/* Everything after the bytes are in place: parse, bind, prepare, plan. */
static fsnn_status finish_load(fsnn_model *m, const fsnn_load_options *opts, fsnn_error *err)
{
	m->runnable = true;
	if (opts != NULL) {
		m->inspect_only = opts->inspect_only != 0;
		if (opts->num_backends < 0 || (opts->num_backends > 0 && opts->backends == NULL))
			return nn_set_error(err, FSNN_E_ARG, "load options: %d backends but no backend array",
					    opts->num_backends);
		if (opts->num_backends > 0) {
			m->backends = calloc((size_t)opts->num_backends, sizeof *m->backends);
			if (m->backends == NULL)
				return nn_set_error(err, FSNN_E_NOMEM, "out of memory");
			memcpy(m->backends, opts->backends, (size_t)opts->num_backends * sizeof *m->backends);
			m->num_backends = opts->num_backends;
		}
	}
	const char *kernels = opts != NULL && opts->kernels != NULL ? opts->kernels : getenv("FSNN_KERNELS");
	char bad[32];
	if (!nn_cpu_parse(kernels, nn_cpu_detect(), &m->cpu_features, bad, sizeof bad))
		return nn_set_error(err, FSNN_E_ARG, "kernel selection '%s' (FSNN_KERNELS or load "
				    "option): unknown name '%s'; expected auto, ref or a comma list of "
				    "generic, avx2, avxvnni, avx512vnni, neon, dotprod", kernels, bad);
	fsnn_status st = nn_read_tflite(m, err);
	if (st == FSNN_OK && opts != NULL && (opts->input_height != 0 || opts->input_width != 0))
		st = set_input_size(m, opts->input_height, opts->input_width, err);
	if (st == FSNN_OK)
		st = check_types(m, err);
	if (st == FSNN_OK)
		st = prepare_nodes(m, err);
	if (st == FSNN_OK)
		st = nn_plan_memory(m, err);
	return st;
}

static fsnn_status load_common(fsnn_model *m, const fsnn_load_options *opts,
			       fsnn_model **out, fsnn_error *err)
{
	/* Prepare needs somewhere to write reasons even when the caller
	 * passes no error (inspect-only keeps them as unrunnable_reason). */
	fsnn_error local = { FSNN_OK, "" };
	if (err == NULL)
		err = &local;
	fsnn_status st = finish_load(m, opts, err);
	if (st != FSNN_OK) {
		prefix_source(err, m->source);
		fsnn_model_free(m);
		return st;
	}
	if (err != NULL) {
		err->code = FSNN_OK;
		err->msg[0] = '\0';
	}
	*out = m;
	return FSNN_OK;
}

fsnn_status fsnn_model_load_file(const char *path, const fsnn_load_options *opts,
				 fsnn_model **out, fsnn_error *err)
{
	if (out == NULL || path == NULL)
		return nn_set_error(err, FSNN_E_ARG, "fsnn_model_load_file: path and out must not be NULL");
	*out = NULL;
	if (err != NULL)
		err->msg[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nn_set_error(err, FSNN_E_IO, "%s: cannot open: %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		int e = errno;
		close(fd);
		return nn_set_error(err, FSNN_E_IO, "%s: cannot stat: %s", path, strerror(e));
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return nn_set_error(err, FSNN_E_IO, "%s: not a regular file", path);
	}
	if (sb.st_size < 8) {
		close(fd);
		return nn_set_error(err, FSNN_E_FORMAT,
				    "%s: %lld bytes is too small for a .tflite file (at least 8 expected)",
				    path, (long long)sb.st_size);
	}
	void *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int map_errno = errno;
	close(fd);
	if (map == MAP_FAILED)
		return nn_set_error(err, FSNN_E_IO, "%s: cannot map %lld bytes: %s", path,
				    (long long)sb.st_size, strerror(map_errno));
	fsnn_model *m = calloc(1, sizeof *m);
	char *source = strdup(path);
	if (m == NULL || source == NULL) {
		munmap(map, (size_t)sb.st_size);
		free(m);
		free(source);
		return nn_set_error(err, FSNN_E_NOMEM, "%s: out of memory", path);
	}
	m->source = source;
	m->file = map;
	m->file_size = (size_t)sb.st_size;
	m->mapped = true;
	return load_common(m, opts, out, err);
}

fsnn_status fsnn_model_load_buffer(const void *data, size_t size, const fsnn_load_options *opts,
				   fsnn_model **out, fsnn_error *err)
{
	if (out == NULL || (data == NULL && size > 0))
		return nn_set_error(err, FSNN_E_ARG, "fsnn_model_load_buffer: data and out must not be NULL");
	*out = NULL;
	if (err != NULL)
		err->msg[0] = '\0';
	if (size < 8)
		return nn_set_error(err, FSNN_E_FORMAT,
				    "<buffer>: %zu bytes is too small for a .tflite file (at least 8 expected)", size);
	/* Aligned like a mapping so constant tensors keep their file alignment. */
	size_t padded = (size + NN_ARENA_ALIGN - 1) / NN_ARENA_ALIGN * NN_ARENA_ALIGN;
	fsnn_model *m = calloc(1, sizeof *m);
	uint8_t *copy = padded >= size ? aligned_alloc(NN_ARENA_ALIGN, padded) : NULL;
	char *source = strdup("<buffer>");
	if (m == NULL || copy == NULL || source == NULL) {
		free(m);
		free(copy);
		free(source);
		return nn_set_error(err, FSNN_E_NOMEM, "<buffer>: cannot copy %zu bytes", size);
	}
	memcpy(copy, data, size);
	m->source = source;
	m->file = copy;
	m->file_size = size;
	m->mapped = false;
	return load_common(m, opts, out, err);
}

/* ---- read-only queries ---------------------------------------------------- */

int fsnn_model_num_inputs(const fsnn_model *m)
{
	return m != NULL ? m->num_inputs : 0;
}

int fsnn_model_num_outputs(const fsnn_model *m)
{
	return m != NULL ? m->num_outputs : 0;
}

fsnn_status fsnn_model_input_info(const fsnn_model *m, int i, fsnn_tensor_info *info)
{
	if (m == NULL || info == NULL || i < 0 || i >= m->num_inputs)
		return FSNN_E_ARG;
	nn_tensor_info_of(&m->tensors[m->inputs[i]], info);
	return FSNN_OK;
}

fsnn_status fsnn_model_output_info(const fsnn_model *m, int i, fsnn_tensor_info *info)
{
	if (m == NULL || info == NULL || i < 0 || i >= m->num_outputs)
		return FSNN_E_ARG;
	nn_tensor_info_of(&m->tensors[m->outputs[i]], info);
	return FSNN_OK;
}

int fsnn_model_num_ops(const fsnn_model *m)
{
	return m != NULL ? m->num_nodes : 0;
}

fsnn_status fsnn_model_op_info(const fsnn_model *m, int i, fsnn_op_info *info)
{
	if (m == NULL || info == NULL || i < 0 || i >= m->num_nodes)
		return FSNN_E_ARG;
	const nn_node *node = &m->nodes[i];
	memset(info, 0, sizeof *info);
	info->index = i;
	/* Builtin names come from the reader's static table; codes outside it
	 * have no stable storage, hence the fixed fallback. */
	char nb[32];
	const char *name = nn_node_name(node, nb, sizeof nb);
	info->name = name == nb ? "UNKNOWN" : name;
	info->builtin_code = node->builtin;
	info->is_custom = node->builtin == NN_OP_CUSTOM;
	info->backend = node->backend != NULL ? node->backend->name : NULL;
	info->macs = node->macs;
	info->variant = node->backend == NULL ? node->variant : NULL;
	return FSNN_OK;
}

void fsnn_model_memory_info(const fsnn_model *m, fsnn_memory_info *info)
{
	if (info == NULL)
		return;
	memset(info, 0, sizeof *info);
	if (m == NULL)
		return;
	info->arena_bytes = m->arena_bytes;
	info->lower_bound_bytes = m->lower_bound_bytes;
	info->scratch_bytes = m->scratch_bytes;
	info->persistent_bytes = m->persistent_bytes;
	info->weights_bytes = m->weights_bytes;
}
