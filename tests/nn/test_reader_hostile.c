/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The .tflite reader against hostile input: every truncation of a real
 * model, thousands of seeded random byte changes, and targeted patches
 * (offsets past the end, bad identifiers, overflowing shapes, bad
 * indices, cycles, self-referencing tables) found by walking the
 * FlatBuffer with the reader's own accessors. Each must give an error
 * value with a message, never a crash (this also runs under ASan/UBSan;
 * every parse sees an exactly sized heap copy, so any over-read shows).
 * Then every real model in $FS_SHARED/models/tflite must parse, with a
 * few known facts checked.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../nn/src/flatbuf_priv.h"

typedef struct blob {
	uint8_t *b;
	size_t n;
} blob;

static blob load(const char *path)
{
	blob r = { NULL, 0 };
	FILE *f = fopen(path, "rb");
	if (!f)
		return r;
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		if (n > 0 && fseek(f, 0, SEEK_SET) == 0) {
			r.b = malloc((size_t)n);
			if (r.b && fread(r.b, 1, (size_t)n, f) == (size_t)n)
				r.n = (size_t)n;
			else {
				free(r.b);
				r.b = NULL;
			}
		}
	}
	fclose(f);
	return r;
}

static blob load_data(const char *name)
{
	char path[1024];
	const char *top = getenv("FS_TOP");
	snprintf(path, sizeof path, "%s/tests/data/models/%s", top && *top ? top : ".", name);
	return load(path);
}

static blob dup_blob(blob in)
{
	blob r = { malloc(in.n ? in.n : 1), in.n };
	if (r.b && in.n)
		memcpy(r.b, in.b, in.n);
	return r;
}

/* Invariants every successful parse must give the rest of the engine. */
static const char *check_parsed(const fsnn_model *m)
{
	for (int i = 0; i < m->num_tensors; i++) {
		const nn_tensor *t = &m->tensors[i];
		if (!t->name)
			return "tensor without name";
		if (t->rank < 0 || t->rank > FSNN_MAX_RANK)
			return "rank out of range";
		if (t->data && (t->data < m->file || t->bytes > m->file_size ||
				(size_t)(t->data - m->file) > m->file_size - t->bytes))
			return "constant data outside the file";
		if (t->num_quant && (!t->scale || !t->zero_point))
			return "quantization arrays missing";
		if (t->num_quant > 1 && (t->quantized_dimension < 0 ||
					 t->quantized_dimension >= t->rank ||
					 t->dims[t->quantized_dimension] != t->num_quant))
			return "per-channel count does not match the quantized dimension";
		if (t->bytes > ((size_t)1 << 30))
			return "tensor over the size cap";
	}
	for (int i = 0; i < m->num_nodes; i++) {
		const nn_node *n = &m->nodes[i];
		for (int k = 0; k < n->num_inputs; k++)
			if (n->inputs[k] < -1 || n->inputs[k] >= m->num_tensors)
				return "op input out of range";
		for (int k = 0; k < n->num_outputs; k++)
			if (n->outputs[k] < 0 || n->outputs[k] >= m->num_tensors)
				return "op output out of range";
		if (n->builtin == NN_OP_CUSTOM && !n->custom_code)
			return "custom op without code";
		if (n->custom_options && (n->custom_options < m->file ||
					  n->custom_options_size > m->file_size ||
					  (size_t)(n->custom_options - m->file) >
						  m->file_size - n->custom_options_size))
			return "custom options outside the file";
	}
	for (int i = 0; i < m->num_inputs; i++)
		if (m->inputs[i] < 0 || m->inputs[i] >= m->num_tensors)
			return "graph input out of range";
	for (int i = 0; i < m->num_outputs; i++)
		if (m->outputs[i] < 0 || m->outputs[i] >= m->num_tensors)
			return "graph output out of range";
	return NULL;
}

/* Parses an exactly sized copy; msg gets the error (or invariant) text. */
static fsnn_status parse(const uint8_t *b, size_t n, char *msg, size_t msg_size)
{
	fsnn_model m;
	fsnn_error err;
	memset(&m, 0, sizeof m);
	memset(&err, 0, sizeof err);
	m.file = n ? malloc(n) : NULL;
	if (n && !m.file)
		return FSNN_E_NOMEM;
	if (n)
		memcpy(m.file, b, n);
	m.file_size = n;
	m.source = "hostile.tflite";
	fsnn_status s = nn_read_tflite(&m, &err);
	if (msg) {
		const char *bad = s == FSNN_OK ? check_parsed(&m) : NULL;
		snprintf(msg, msg_size, "%s", s == FSNN_OK ? (bad ? bad : "") : err.msg);
		if (bad)
			s = (fsnn_status)1;   /* invariant broken: a test failure */
	}
	nn_free_parsed(&m);
	nn_free_parsed(&m);   /* must be idempotent */
	free(m.file);
	return s;
}

static bool valid_error(fsnn_status s)
{
	return s == FSNN_E_FORMAT || s == FSNN_E_UNSUPPORTED || s == FSNN_E_NOMEM;
}

/* ---- walking the file to find what to patch ----------------------------- */

typedef struct walk {
	nn_fb_table root, sg;
	nn_fb_vec tensors, ops, buffers;
} walk;

static bool walk_init(blob f, walk *w)
{
	memset(w, 0, sizeof *w);
	nn_fb_vec sgs;
	return nn_fb_root(f.b, f.n, &w->root) == 1 &&
	       nn_fb_vector(&w->root, 2, 4, &sgs) == 1 && nn_fb_vec_table(&sgs, 0, &w->sg) == 1 &&
	       nn_fb_vector(&w->sg, 0, 4, &w->tensors) == 1 &&
	       nn_fb_vector(&w->sg, 3, 4, &w->ops) == 1 &&
	       nn_fb_vector(&w->root, 4, 4, &w->buffers) == 1;
}

static nn_fb_table tensor_of(const walk *w, int i)
{
	nn_fb_table t;
	nn_fb_vec_table(&w->tensors, (uint32_t)i, &t);
	return t;
}

static nn_fb_table op_of(const walk *w, int i)
{
	nn_fb_table t;
	nn_fb_vec_table(&w->ops, (uint32_t)i, &t);
	return t;
}

/* Position of a scalar field's bytes, 0 if absent. */
static uint32_t field_at(const nn_fb_table *t, int id, size_t width)
{
	uint32_t pos = 0;
	return nn_fb_field_pos(t, id, width, &pos) == 1 ? pos : 0;
}

/* Position of a vector's length word, 0 if absent. */
static uint32_t vec_at(const nn_fb_table *t, int id)
{
	nn_fb_vec v;
	return nn_fb_vector(t, id, 1, &v) == 1 ? v.pos - 4 : 0;
}

static void put_u32(uint8_t *b, uint32_t pos, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[pos + (uint32_t)i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *b, uint32_t pos, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[pos + (uint32_t)i] = (uint8_t)(v >> (8 * i));
}

/* One patched-model case: patch a copy, parse, expect code and text. */
typedef void (*patch_fn)(blob f, const walk *w, void *arg);

static void expect_case(check_state *cs, const char *name, blob base, patch_fn patch, void *arg,
			fsnn_status want, const char *want_text)
{
	check_begin(cs, name);
	blob f = dup_blob(base);
	walk w;
	CHECK(cs, walk_init(f, &w), "cannot walk the base model");
	if (!cs->failed_in_case) {
		patch(f, &w, arg);
		char msg[FSNN_ERROR_MSG_MAX];
		fsnn_status s = parse(f.b, f.n, msg, sizeof msg);
		CHECK(cs, s == want, "status %d, expected %d (%s)", s, want, msg);
		if (want != FSNN_OK) {
			CHECK(cs, strncmp(msg, "hostile.tflite: ", 16) == 0,
			      "message does not name the file: %s", msg);
			CHECK(cs, !want_text || strstr(msg, want_text),
			      "message lacks '%s': %s", want_text, msg);
		}
	}
	free(f.b);
	check_end(cs);
}

/* ---- patches (hello_world_int8: t0 input, t6 [16,1] weights in buffer,
 *      op0 FC 0,6,5 -> 7, op1 7,4,3 -> 8, op2 8,2,1 -> 9) ------------------ */

static void p_identifier(blob f, const walk *w, void *a) { (void)w; (void)a; memcpy(f.b + 4, "TFL2", 4); }
static void p_root_past_end(blob f, const walk *w, void *a) { (void)w; (void)a; put_u32(f.b, 0, (uint32_t)f.n + 16); }
static void p_root_huge(blob f, const walk *w, void *a) { (void)w; (void)a; put_u32(f.b, 0, 0xfffffffcu); }
static void p_version(blob f, const walk *w, void *a) { (void)a; put_u32(f.b, field_at(&w->root, 0, 4), 2); }

static void p_vtable_out(blob f, const walk *w, void *a)
{
	(void)a;
	nn_fb_table t = tensor_of(w, 0);
	put_u32(f.b, t.pos, 0x80000000u);   /* vtable at pos + 2^31 */
}

static void p_vtable_neg(blob f, const walk *w, void *a)
{
	(void)a;
	nn_fb_table t = tensor_of(w, 0);
	put_u32(f.b, t.pos, t.pos + 100);   /* vtable before the file start */
}

static void p_tensors_len(blob f, const walk *w, void *a)
{
	put_u32(f.b, w->tensors.pos - 4, *(uint32_t *)a);
}

static void p_tensor_offset_past_end(blob f, const walk *w, void *a)
{
	(void)a;
	put_u32(f.b, w->tensors.pos + 4, (uint32_t)f.n);   /* element 1 */
}

static void p_name_len(blob f, const walk *w, void *a)
{
	nn_fb_table t = tensor_of(w, 0);
	uint32_t v = vec_at(&t, 3);
	uint32_t len = *(uint32_t *)a ? *(uint32_t *)a : (uint32_t)f.n - v - 4;
	put_u32(f.b, v, len);
}

static void p_shape_dims(blob f, const walk *w, void *a)
{
	const int32_t *d = a;   /* tensor, then up to 4 dims; INT32_MIN = leave */
	nn_fb_table t = tensor_of(w, d[0]);
	uint32_t v = vec_at(&t, 0);
	for (int i = 0; i < 4; i++)
		if (d[1 + i] != INT32_MIN)
			put_u32(f.b, v + 4 + 4 * (uint32_t)i, (uint32_t)d[1 + i]);
}

static void p_shape_len(blob f, const walk *w, void *a)
{
	nn_fb_table t = tensor_of(w, 2);
	put_u32(f.b, vec_at(&t, 0), *(uint32_t *)a);
}

static void p_tensor_field_u32(blob f, const walk *w, void *a)
{
	const uint32_t *d = a;   /* tensor, field id, value */
	nn_fb_table t = tensor_of(w, (int)d[0]);
	put_u32(f.b, field_at(&t, (int)d[1], 4), d[2]);
}

static void p_tensor_type(blob f, const walk *w, void *a)
{
	nn_fb_table t = tensor_of(w, 0);
	f.b[field_at(&t, 1, 1)] = *(uint8_t *)a;
}

static void p_op_index(blob f, const walk *w, void *a)
{
	const int32_t *d = a;   /* op, field id (1 in, 2 out), element, value */
	nn_fb_table o = op_of(w, d[0]);
	put_u32(f.b, vec_at(&o, d[1]) + 4 + 4 * (uint32_t)d[2], (uint32_t)d[3]);
}

static void p_sg_index(blob f, const walk *w, void *a)
{
	const int32_t *d = a;   /* field id (1 in, 2 out), value */
	put_u32(f.b, vec_at(&w->sg, d[0]) + 4, (uint32_t)d[1]);
}

static void p_opcode_index(blob f, const walk *w, void *a)
{
	nn_fb_table o = op_of(w, 0);
	put_u32(f.b, field_at(&o, 0, 4), *(uint32_t *)a);
}

static nn_fb_table quant_of(const walk *w, int tensor)
{
	nn_fb_table t = tensor_of(w, tensor), q;
	nn_fb_table_field(&t, 4, &q);
	return q;
}

static void p_zero_point(blob f, const walk *w, void *a)
{
	(void)a;
	nn_fb_table q = quant_of(w, 0);
	put_u64(f.b, vec_at(&q, 3) + 4, (uint64_t)1 << 40);
}

static void p_scale_nan(blob f, const walk *w, void *a)
{
	(void)a;
	nn_fb_table q = quant_of(w, 0);
	put_u32(f.b, vec_at(&q, 2) + 4, 0x7fc00000u);
}

static void p_scale_count(blob f, const walk *w, void *a)
{
	nn_fb_table q = quant_of(w, 8);   /* micro_speech per-channel weights */
	put_u32(f.b, vec_at(&q, 2), *(uint32_t *)a);
}

static void p_qdim(blob f, const walk *w, void *a)
{
	nn_fb_table q = quant_of(w, 8);
	put_u32(f.b, field_at(&q, 6, 4), *(uint32_t *)a);
}

/* Sub-table offsets pointing back at their parents: a cycle a recursive
 * reader would follow forever. */
static void p_quant_self(blob f, const walk *w, void *a)
{
	(void)a;
	for (uint32_t i = 0; i < w->tensors.len; i++) {
		nn_fb_table t = tensor_of(w, (int)i);
		uint32_t pos = field_at(&t, 4, 4);
		if (pos)
			put_u32(f.b, pos, t.pos - pos);   /* never negative: uoffset wraps */
	}
}

static void p_subgraph_is_root(blob f, const walk *w, void *a)
{
	(void)a;
	nn_fb_vec sgs;
	nn_fb_vector(&w->root, 2, 4, &sgs);
	/* Only forward offsets exist, so point the element at itself. */
	put_u32(f.b, sgs.pos, 0);
}

static void p_all_tensors_same(blob f, const walk *w, void *a)
{
	(void)a;
	nn_fb_table t0 = tensor_of(w, 0);
	for (uint32_t i = 1; i < w->tensors.len; i++) {
		uint32_t epos = w->tensors.pos + 4 * i;
		if (t0.pos > epos)
			put_u32(f.b, epos, t0.pos - epos);
	}
}

/* ---- cases --------------------------------------------------------------- */

static void case_real_models(check_state *cs, blob hello, blob speech)
{
	check_begin(cs, "reader_committed_models");
	fsnn_model m;
	fsnn_error err;
	memset(&m, 0, sizeof m);
	memset(&err, 0, sizeof err);
	m.file = hello.b;
	m.file_size = hello.n;
	fsnn_status s = nn_read_tflite(&m, &err);
	CHECK(cs, s == FSNN_OK, "hello_world: %s", err.msg);
	if (s == FSNN_OK) {
		CHECK(cs, m.version == 3 && m.num_tensors == 10 && m.num_nodes == 3, "hello_world: "
		      "version %u, %d tensors, %d ops", m.version, m.num_tensors, m.num_nodes);
		CHECK(cs, m.num_inputs == 1 && m.inputs[0] == 0 && m.num_outputs == 1 &&
		      m.outputs[0] == 9, "hello_world graph inputs/outputs");
		const nn_tensor *t = &m.tensors[0];
		CHECK(cs, t->type == FSNN_INT8 && t->rank == 2 && t->dims[0] == 1 && t->dims[1] == 1 &&
		      t->num_quant == 1 && t->zero_point[0] == -128 && fabsf(t->scale[0] - 0.0244801f) < 1e-6f,
		      "hello_world input tensor");
		CHECK(cs, !strcmp(t->name, "serving_default_dense_input:0"), "name %s", t->name);
		const nn_node *n = &m.nodes[0];
		CHECK(cs, n->builtin == NN_OP_FULLY_CONNECTED && n->version == 4 && n->num_inputs == 3 &&
		      n->inputs[0] == 0 && n->inputs[1] == 6 && n->inputs[2] == 5 && n->num_outputs == 1 &&
		      n->outputs[0] == 7 && nn_fb_present(&n->options) && n->options_type == 8,
		      "hello_world op 0");
		CHECK(cs, m.tensors[6].data && m.tensors[6].bytes == 16 && !m.tensors[7].data,
		      "constant vs activation data");
		CHECK(cs, check_parsed(&m) == NULL, "%s", check_parsed(&m));
	}
	nn_free_parsed(&m);
	memset(&m, 0, sizeof m);
	m.file = speech.b;
	m.file_size = speech.n;
	s = nn_read_tflite(&m, &err);
	CHECK(cs, s == FSNN_OK, "micro_speech: %s", err.msg);
	if (s == FSNN_OK) {
		CHECK(cs, m.num_tensors == 10 && m.num_nodes == 4, "micro_speech counts");
		const nn_tensor *w = &m.tensors[8];
		CHECK(cs, w->num_quant == 8 && w->quantized_dimension == 3 && w->dims[3] == 8,
		      "micro_speech per-channel depthwise weights: %d scales, dim %d", w->num_quant,
		      w->quantized_dimension);
		CHECK(cs, m.nodes[0].builtin == NN_OP_RESHAPE && m.nodes[1].builtin == NN_OP_DEPTHWISE_CONV_2D &&
		      m.nodes[3].builtin == NN_OP_SOFTMAX, "micro_speech op codes");
	}
	nn_free_parsed(&m);
	char buf[32];
	CHECK(cs, !strcmp(nn_builtin_name(3, buf, sizeof buf), "CONV_2D") &&
	      !strcmp(nn_builtin_name(117, buf, sizeof buf), "HARD_SWISH") &&
	      !strcmp(nn_builtin_name(207, buf, sizeof buf), "COMPLEX") &&
	      !strcmp(nn_builtin_name(5000, buf, sizeof buf), "BUILTIN_5000") &&
	      !strcmp(nn_builtin_name(-1, buf, sizeof buf), "BUILTIN_-1"), "op names");
	check_end(cs);
}

static void case_truncated(check_state *cs, const char *name, blob f)
{
	check_begin(cs, name);
	char msg[FSNN_ERROR_MSG_MAX];
	for (size_t len = 0; len < f.n && !cs->failed_in_case; len++) {
		fsnn_status s = parse(f.b, len, msg, sizeof msg);
		CHECK(cs, valid_error(s) && msg[0], "truncated to %zu of %zu bytes: status %d (%s)",
		      len, f.n, s, msg);
	}
	check_end(cs);
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: reproducible across platforms for a fixed seed */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void case_random(check_state *cs, const char *name, blob base, int iters, uint64_t seed)
{
	check_begin(cs, name);
	static const uint8_t special[] = { 0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe };
	blob f = dup_blob(base);
	char msg[FSNN_ERROR_MSG_MAX];
	int ok = 0, bad = 0;
	for (int it = 0; it < iters && !cs->failed_in_case; it++) {
		memcpy(f.b, base.b, base.n);
		int k = 1 + (int)(rng_next(&seed) % 4);
		for (int j = 0; j < k; j++) {
			uint64_t r = rng_next(&seed);
			size_t pos = (size_t)(r % f.n);
			uint8_t v = (r >> 40) & 1 ? special[(r >> 48) % sizeof special] : (uint8_t)(r >> 32);
			f.b[pos] = v;
		}
		fsnn_status s = parse(f.b, f.n, msg, sizeof msg);
		if (s == FSNN_OK)
			ok++;
		else
			bad++;
		CHECK(cs, s == FSNN_OK || (valid_error(s) && msg[0]),
		      "iteration %d (seed %llu): status %d (%s)", it, (unsigned long long)seed, s, msg);
	}
	printf("# %s: %d mutants, %d parsed, %d refused\n", name, iters, ok, bad);
	free(f.b);
	check_end(cs);
}

static void case_tiny(check_state *cs)
{
	check_begin(cs, "reader_tiny_files");
	uint8_t b[16] = { 0 };
	char msg[FSNN_ERROR_MSG_MAX];
	CHECK(cs, parse(NULL, 0, msg, sizeof msg) == FSNN_E_FORMAT && strstr(msg, "0 bytes"), "%s", msg);
	memcpy(b + 4, "TFL3", 4);
	CHECK(cs, parse(b, 8, msg, sizeof msg) == FSNN_E_FORMAT && strstr(msg, "root table"), "%s", msg);
	put_u32(b, 0, 8);   /* root table at 8 whose vtable offset 0 points at itself */
	CHECK(cs, parse(b, 16, msg, sizeof msg) == FSNN_E_FORMAT, "%s", msg);
	put_u32(b, 8, 0xfffffff8u);   /* vtable at 16: past the end */
	CHECK(cs, parse(b, 16, msg, sizeof msg) == FSNN_E_FORMAT, "%s", msg);
	fsnn_error err;
	CHECK(cs, nn_read_tflite(NULL, &err) == FSNN_E_ARG, "NULL model");
	nn_free_parsed(NULL);
	check_end(cs);
}

static void cases_patched(check_state *cs, blob hello, blob speech)
{
	uint32_t u;
	int32_t d[5];
	uint8_t ty;

	expect_case(cs, "reader_wrong_identifier", hello, p_identifier, NULL, FSNN_E_FORMAT, "expected 'TFL3'");
	expect_case(cs, "reader_root_offset_past_end", hello, p_root_past_end, NULL, FSNN_E_FORMAT, "root table");
	expect_case(cs, "reader_root_offset_huge", hello, p_root_huge, NULL, FSNN_E_FORMAT, "root table");
	expect_case(cs, "reader_schema_version", hello, p_version, NULL, FSNN_E_UNSUPPORTED, "version is 2");
	expect_case(cs, "reader_vtable_past_end", hello, p_vtable_out, NULL, FSNN_E_FORMAT, "tensor 0");
	expect_case(cs, "reader_vtable_before_start", hello, p_vtable_neg, NULL, FSNN_E_FORMAT, "tensor 0");
	u = 0xffffffffu;
	expect_case(cs, "reader_vector_length_huge", hello, p_tensors_len, &u, FSNN_E_FORMAT, "tensors");
	u = 0x40000001u;   /* len * 4 wraps to 4 in 32-bit arithmetic */
	expect_case(cs, "reader_vector_length_wraps", hello, p_tensors_len, &u, FSNN_E_FORMAT, "tensors");
	expect_case(cs, "reader_table_offset_past_end", hello, p_tensor_offset_past_end, NULL, FSNN_E_FORMAT, "tensor 1");
	u = 0;   /* name reaches exactly the end: no room for the NUL */
	expect_case(cs, "reader_string_past_end", hello, p_name_len, &u, FSNN_E_FORMAT, "NUL");
	u = 3;   /* "ser" is followed by 'v', not NUL */
	expect_case(cs, "reader_string_unterminated", hello, p_name_len, &u, FSNN_E_FORMAT, "NUL");

	d[0] = 6; d[1] = 0x7fffffff; d[2] = 0x7fffffff; d[3] = d[4] = INT32_MIN;
	expect_case(cs, "reader_shape_bytes_overflow", hello, p_shape_dims, d, FSNN_E_NOMEM, "limit per tensor");
	d[0] = 6; d[1] = 1 << 20; d[2] = 1 << 11; d[3] = d[4] = INT32_MIN;   /* exactly 2 GiB */
	expect_case(cs, "reader_shape_over_cap", hello, p_shape_dims, d, FSNN_E_NOMEM, "limit per tensor");
	d[0] = 8; d[1] = 0; d[2] = 0x7fffffff; d[3] = d[4] = INT32_MIN;   /* empty, yet huge strides */
	expect_case(cs, "reader_shape_empty_but_huge", hello, p_shape_dims, d, FSNN_E_NOMEM, "limit per tensor");
	d[0] = 6; d[1] = -1; d[2] = d[3] = d[4] = INT32_MIN;
	expect_case(cs, "reader_shape_negative", hello, p_shape_dims, d, FSNN_E_FORMAT, "dimension 0 is -1");
	d[0] = 6; d[1] = 16; d[2] = 2; d[3] = d[4] = INT32_MIN;
	expect_case(cs, "reader_buffer_size_mismatch", hello, p_shape_dims, d, FSNN_E_FORMAT, "holds 16 bytes");
	d[0] = 8; d[1] = 0; d[2] = 16; d[3] = d[4] = INT32_MIN;   /* an empty activation parses */
	expect_case(cs, "reader_shape_zero_ok", hello, p_shape_dims, d, FSNN_OK, NULL);
	u = 7;
	expect_case(cs, "reader_rank_too_big", hello, p_shape_len, &u, FSNN_E_UNSUPPORTED, "rank 7");
	u = 0x40000000u;
	expect_case(cs, "reader_shape_length_wraps", hello, p_shape_len, &u, FSNN_E_FORMAT, "tensor 2");

	uint32_t bi[3] = { 6, 2, 99 };
	expect_case(cs, "reader_buffer_index_out_of_range", hello, p_tensor_field_u32, bi,
		    FSNN_E_FORMAT, "buffer index 99 out of range (model has");
	/* Schema types fsnn cannot store are kept by the reader (so that
	 * fsnn info shows such files); the model load refuses the ops that
	 * touch them (tests/nn/test_robust.c checks that message). */
	ty = 8;
	expect_case(cs, "reader_dtype_complex64", hello, p_tensor_type, &ty, FSNN_OK, NULL);
	ty = 5;
	expect_case(cs, "reader_dtype_string", hello, p_tensor_type, &ty, FSNN_OK, NULL);
	ty = 200;
	expect_case(cs, "reader_dtype_unknown", hello, p_tensor_type, &ty, FSNN_E_UNSUPPORTED, "(-56)");

	int32_t o[4] = { 0, 1, 0, 10 };
	expect_case(cs, "reader_op_input_out_of_range", hello, p_op_index, o, FSNN_E_FORMAT,
		    "op 0 (FULLY_CONNECTED) input 0: tensor index 10 out of range");
	o[3] = -2;
	expect_case(cs, "reader_op_input_negative", hello, p_op_index, o, FSNN_E_FORMAT, "index -2");
	o[2] = 2; o[3] = -1;   /* omitted optional input (the bias) */
	expect_case(cs, "reader_op_input_optional", hello, p_op_index, o, FSNN_OK, NULL);
	o[1] = 2; o[2] = 0; o[3] = -1;
	expect_case(cs, "reader_op_output_minus_one", hello, p_op_index, o, FSNN_E_FORMAT, "output 0");
	int32_t cyc[4] = { 0, 1, 0, 8 };   /* op 0 reads op 1's output */
	expect_case(cs, "reader_cycle", hello, p_op_index, cyc, FSNN_E_FORMAT, "before op 1");
	cyc[3] = 7;   /* op 0 reads its own output */
	expect_case(cs, "reader_self_loop", hello, p_op_index, cyc, FSNN_E_FORMAT, "before op 0");
	int32_t dw[4] = { 1, 2, 0, 7 };
	expect_case(cs, "reader_two_writers", hello, p_op_index, dw, FSNN_E_FORMAT, "written by both op 0");
	dw[0] = 0; dw[3] = 6;
	expect_case(cs, "reader_writes_constant", hello, p_op_index, dw, FSNN_E_FORMAT, "constant");
	dw[3] = 0;
	expect_case(cs, "reader_writes_graph_input", hello, p_op_index, dw, FSNN_E_FORMAT, "graph input");
	int32_t sgi[2] = { 1, 99 };
	expect_case(cs, "reader_graph_input_out_of_range", hello, p_sg_index, sgi, FSNN_E_FORMAT, "subgraph 0 input");
	sgi[0] = 2; sgi[1] = -1;
	expect_case(cs, "reader_graph_output_negative", hello, p_sg_index, sgi, FSNN_E_FORMAT, "subgraph 0 output");

	expect_case(cs, "reader_zero_point_out_of_type_range", hello, p_zero_point, NULL, FSNN_E_FORMAT, "outside the INT8 range [-128, 127]");
	expect_case(cs, "reader_scale_nan", hello, p_scale_nan, NULL, FSNN_E_FORMAT, "expected a positive finite");
	u = 5;
	expect_case(cs, "reader_scale_count_mismatch", speech, p_scale_count, &u, FSNN_E_FORMAT, "5 scales but 8 zero");
	u = 7;
	expect_case(cs, "reader_quantized_dimension_out_of_range", speech, p_qdim, &u, FSNN_E_FORMAT, "quantized_dimension 7");
	u = 1;   /* shape [1,10,8,8]: 8 scales do not match dimension 1 */
	expect_case(cs, "reader_quantized_dimension_wrong", speech, p_qdim, &u, FSNN_E_FORMAT, "dimension 1 of shape [1,10,8,8] is 10");
	u = 50;
	expect_case(cs, "reader_opcode_index_out_of_range", speech, p_opcode_index, &u, FSNN_E_FORMAT,
		    "opcode_index 50 out of range (model has 4");

	/* Cyclic / self-referencing structure must terminate; the result may
	 * be an error or (when the aliasing happens to be consistent) success. */
	const struct { const char *name; patch_fn fn; } loops[] = {
		{ "reader_quant_points_at_tensor", p_quant_self },
		{ "reader_subgraph_offset_self", p_subgraph_is_root },
		{ "reader_tensors_alias_one_table", p_all_tensors_same },
	};
	for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++) {
		check_begin(cs, loops[i].name);
		blob f = dup_blob(hello);
		walk w;
		CHECK(cs, walk_init(f, &w), "cannot walk");
		if (!cs->failed_in_case) {
			char msg[FSNN_ERROR_MSG_MAX];
			loops[i].fn(f, &w, NULL);
			fsnn_status s = parse(f.b, f.n, msg, sizeof msg);
			CHECK(cs, s == FSNN_OK || (valid_error(s) && msg[0]), "status %d (%s)", s, msg);
		}
		free(f.b);
		check_end(cs);
	}
}

/* The public path: load_buffer (inspect_only) also binds kernels, runs
 * every prepare and plans memory on whatever the reader accepted. */
static fsnn_status load_public(const uint8_t *b, size_t n, char *msg, size_t msg_size)
{
	fsnn_load_options opts = { .backends = NULL, .num_backends = 0, .inspect_only = 1 };
	fsnn_model *m = NULL;
	fsnn_error err;
	memset(&err, 0, sizeof err);
	fsnn_status s = fsnn_model_load_buffer(b, n, &opts, &m, &err);
	snprintf(msg, msg_size, "%s", err.msg);
	if (s == FSNN_OK) {
		fsnn_tensor_info ti;
		fsnn_op_info oi;
		fsnn_memory_info mi;
		for (int i = 0; i < fsnn_model_num_inputs(m); i++)
			fsnn_model_input_info(m, i, &ti);
		for (int i = 0; i < fsnn_model_num_ops(m); i++)
			fsnn_model_op_info(m, i, &oi);
		fsnn_model_memory_info(m, &mi);
		fsnn_model_free(m);
	} else if (m != NULL) {
		s = (fsnn_status)1;   /* a failed load must not hand out a model */
	}
	return s;
}

static void case_load_buffer(check_state *cs, const char *name, blob base, uint64_t seed)
{
	check_begin(cs, name);
	char msg[FSNN_ERROR_MSG_MAX];
	fsnn_status s = load_public(base.b, base.n, msg, sizeof msg);
	CHECK(cs, s == FSNN_OK || s == FSNN_E_UNSUPPORTED, "base model: status %d (%s)", s, msg);
	for (size_t len = 0; len < base.n && !cs->failed_in_case; len += 3) {
		s = load_public(base.b, len, msg, sizeof msg);
		CHECK(cs, s < 0 && msg[0], "truncated to %zu bytes: status %d (%s)", len, s, msg);
	}
	blob f = dup_blob(base);
	for (int it = 0; it < 3000 && !cs->failed_in_case; it++) {
		memcpy(f.b, base.b, base.n);
		for (int j = 0, k = 1 + (int)(rng_next(&seed) % 3); j < k; j++) {
			uint64_t r = rng_next(&seed);
			f.b[r % f.n] = (uint8_t)(r >> 32);
		}
		s = load_public(f.b, f.n, msg, sizeof msg);
		CHECK(cs, s == FSNN_OK || (s < 0 && msg[0]), "mutant %d: status %d (%s)", it, s, msg);
	}
	free(f.b);
	check_end(cs);
}

/* Inputs that once crashed the engine (found by nn/fuzz): each must now
 * load or fail cleanly, both through the reader and the public loader. */
static void case_fuzz_regressions(check_state *cs)
{
	check_begin(cs, "reader_fuzz_regressions");
	char dir[1024];
	const char *top = getenv("FS_TOP");
	snprintf(dir, sizeof dir, "%s/tests/data/fuzz", top && *top ? top : ".");
	DIR *dp = opendir(dir);
	CHECK(cs, dp != NULL, "cannot open %s", dir);
	int count = 0;
	struct dirent *de;
	while (dp && (de = readdir(dp)) != NULL) {
		if (strncmp(de->d_name, "regress_", 8) != 0)
			continue;
		char path[2048], msg[FSNN_ERROR_MSG_MAX];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		blob f = load(path);
		CHECK(cs, f.b != NULL, "cannot read %s", path);
		if (!f.b)
			continue;
		fsnn_status s = parse(f.b, f.n, msg, sizeof msg);
		CHECK(cs, s == FSNN_OK || (valid_error(s) && msg[0]), "%s: reader status %d (%s)",
		      de->d_name, s, msg);
		s = load_public(f.b, f.n, msg, sizeof msg);
		CHECK(cs, s == FSNN_OK || (s < 0 && msg[0]), "%s: load status %d (%s)",
		      de->d_name, s, msg);
		count++;
		free(f.b);
	}
	if (dp)
		closedir(dp);
	printf("# reader_fuzz_regressions: %d inputs\n", count);
	check_end(cs);
}

/* Every real model shipped beside the project parses, with known facts. */
static void case_shared_models(check_state *cs)
{
	const char *shared = check_shared_dir();
	if (!shared) {
		printf("SKIP reader_shared_models: FS_SHARED is not set\n");
		return;
	}
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/models/tflite", shared);
	DIR *dp = opendir(dir);
	if (!dp) {
		printf("SKIP reader_shared_models: %s is missing\n", dir);
		return;
	}
	check_begin(cs, "reader_shared_models");
	int count = 0, facts = 0;
	struct dirent *de;
	while ((de = readdir(dp)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 7 || strcmp(de->d_name + l - 7, ".tflite") != 0)
			continue;
		char path[2048];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		blob f = load(path);
		fsnn_model m;
		fsnn_error err;
		memset(&m, 0, sizeof m);
		memset(&err, 0, sizeof err);
		m.file = f.b;
		m.file_size = f.n;
		m.source = de->d_name;
		fsnn_status s = nn_read_tflite(&m, &err);
		CHECK(cs, s == FSNN_OK, "%s", err.msg);
		count++;
		if (s == FSNN_OK) {
			CHECK(cs, check_parsed(&m) == NULL, "%s: %s", de->d_name, check_parsed(&m));
			if (!strcmp(de->d_name, "mobilenet_v1_0.25_128_quant.tflite")) {
				const nn_tensor *t = &m.tensors[m.inputs[0]];
				CHECK(cs, m.num_tensors == 89 && m.num_nodes == 31, "mobilenet counts %d %d",
				      m.num_tensors, m.num_nodes);
				CHECK(cs, t->type == FSNN_UINT8 && t->rank == 4 && t->dims[0] == 1 &&
				      t->dims[1] == 128 && t->dims[2] == 128 && t->dims[3] == 3 &&
				      t->num_quant == 1 && t->scale[0] == 0.0078125f && t->zero_point[0] == 128,
				      "mobilenet input tensor");
				facts++;
			}
			if (!strcmp(de->d_name, "person_detect.tflite")) {
				const nn_tensor *w = &m.tensors[0];
				CHECK(cs, w->type == FSNN_INT8 && w->num_quant == 8 && w->quantized_dimension == 3,
				      "person_detect conv weights: %d scales on dim %d", w->num_quant,
				      w->quantized_dimension);
				/* Rank-1 biases stored with quantized_dimension 3 (the TFLM
				 * tolerance): per-channel along their only dimension. */
				int biases = 0;
				for (int i = 0; i < m.num_tensors; i++) {
					const nn_tensor *b = &m.tensors[i];
					if (b->rank == 1 && b->num_quant > 1 && b->type == FSNN_INT32) {
						biases++;
						CHECK(cs, b->quantized_dimension == 0 && b->num_quant == b->dims[0],
						      "bias %d", i);
					}
				}
				CHECK(cs, biases >= 14, "only %d per-channel biases", biases);
				facts++;
			}
			if (strstr(de->d_name, "_edgetpu")) {
				bool custom = false;
				for (int i = 0; i < m.num_nodes; i++)
					if (m.nodes[i].custom_code &&
					    !strcmp(m.nodes[i].custom_code, "edgetpu-custom-op") &&
					    m.nodes[i].custom_options_size > 0)
						custom = true;
				CHECK(cs, custom, "%s: no edgetpu-custom-op with options", de->d_name);
			}
		}
		nn_free_parsed(&m);
		free(f.b);
	}
	closedir(dp);
	CHECK(cs, count >= 5 && facts == 2, "%d models, %d fact sets", count, facts);
	printf("# reader_shared_models: %d models parsed\n", count);
	check_end(cs);
}

int main(void)
{
	check_state cs = { 0 };
	blob hello = load_data("hello_world_int8.tflite");
	blob speech = load_data("micro_speech_quantized.tflite");
	check_begin(&cs, "reader_load_test_models");
	CHECK(&cs, hello.b && speech.b, "tests/data/models missing (FS_TOP=%s)", getenv("FS_TOP"));
	check_end(&cs);
	if (!hello.b || !speech.b)
		return 1;
	case_real_models(&cs, hello, speech);
	case_tiny(&cs);
	case_truncated(&cs, "reader_truncated_hello_world", hello);
	case_truncated(&cs, "reader_truncated_micro_speech", speech);
	case_random(&cs, "reader_random_bytes_hello_world", hello, 10000, 0x5eed1234ull);
	case_random(&cs, "reader_random_bytes_micro_speech", speech, 4000, 0xfeedbeefull);
	cases_patched(&cs, hello, speech);
	case_load_buffer(&cs, "reader_load_buffer_hello_world", hello, 0xabad1deaull);
	case_load_buffer(&cs, "reader_load_buffer_micro_speech", speech, 0x0ddba11ull);
	case_fuzz_regressions(&cs);
	case_shared_models(&cs);
	free(hello.b);
	free(speech.b);
	return check_exit(&cs);
}
