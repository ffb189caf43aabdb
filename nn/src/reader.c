/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The .tflite reader: turns model->file into tensors, nodes, inputs and
 * outputs, trusting nothing in the file.
 *
 * Field ids follow tensorflow/compiler/mlir/lite/schema/schema.fbs (a
 * union field takes two ids: its type byte, then its value). Only
 * subgraph 0 is read; further subgraphs are ignored here (ops that call
 * them are refused later, as unsupported kernels).
 *
 * Every failure names the file and the table/field/index involved. The
 * reader follows offsets only along the fixed schema path
 * Model > SubGraph > Tensor/Operator > QuantizationParameters/Buffer and
 * never recurses, so nesting depth is bounded at four tables by
 * construction: a deeply nested or self-referencing file costs nothing
 * extra. Allocation is bounded by a budget proportional to the file, so
 * tables that all share one large sub-table cannot blow up memory.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flatbuf_priv.h"
#include "graph.h"

/* schema.fbs field ids */
enum { MODEL_VERSION = 0, MODEL_OPERATOR_CODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
enum { TENSOR_SHAPE = 0, TENSOR_TYPE = 1, TENSOR_BUFFER = 2, TENSOR_NAME = 3,
       TENSOR_QUANT = 4, TENSOR_IS_VARIABLE = 5, TENSOR_SPARSITY = 6 };
enum { BUFFER_DATA = 0, BUFFER_OFFSET = 1, BUFFER_SIZE = 2 };
enum { QUANT_SCALE = 2, QUANT_ZERO_POINT = 3, QUANT_DETAILS_TYPE = 4, QUANT_DIM = 6 };
enum { OPCODE_DEPRECATED_BUILTIN = 0, OPCODE_CUSTOM = 1, OPCODE_VERSION = 2, OPCODE_BUILTIN = 3 };
enum { OP_OPCODE_INDEX = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPTIONS_TYPE = 3,
       OP_OPTIONS = 4, OP_CUSTOM_OPTIONS = 5, OP_LARGE_CUSTOM_OFFSET = 9,
       OP_LARGE_CUSTOM_SIZE = 10 };

#define TFLITE_SCHEMA_VERSION 3
/* No real tensor comes near this; it keeps size arithmetic far from
 * overflow and refuses absurd shapes before anything is allocated. */

typedef struct reader {
	fsnn_model *m;
	fsnn_error *err;
	const char *src;
	size_t budget;          /* bytes the reader may still allocate */
	nn_fb_vec opcodes, buffers;
} reader;

static fsnn_status fail(reader *r, fsnn_status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static fsnn_status fail(reader *r, fsnn_status code, const char *fmt, ...)
{
	char msg[FSNN_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return nn_set_error(r->err, code, "%s: %s", r->src, msg);
}

/* calloc within the reader's budget. */
static void *rd_calloc(reader *r, size_t n, size_t size, const char *what)
{
	if (n == 0)
		n = 1;   /* a valid pointer even for empty lists */
	if (size && n > r->budget / size) {
		fail(r, FSNN_E_NOMEM, "%s: %zu x %zu bytes exceeds the reader's memory budget "
		     "for a %zu-byte file", what, n, size, r->m->file_size);
		return NULL;
	}
	void *p = calloc(n, size);
	if (!p) {
		fail(r, FSNN_E_NOMEM, "%s: out of memory allocating %zu x %zu bytes", what, n, size);
		return NULL;
	}
	r->budget -= n * size;
	return p;
}

static char *rd_strdup(reader *r, const char *s, uint32_t len, const char *what)
{
	char *d = rd_calloc(r, (size_t)len + 1, 1, what);
	if (d && len)
		memcpy(d, s, len);
	return d;
}

/* ---- checked field access -------------------------------------------- */

/* Scalar field that must fit in its table when present. */
static fsnn_status scalar(reader *r, const nn_fb_table *t, int id, size_t width,
			  const char *what, uint32_t *pos, bool *present)
{
	int k = nn_fb_field_pos(t, id, width, pos);
	if (k < 0)
		return fail(r, FSNN_E_FORMAT, "%s: field %d lies outside its table", what, id);
	*present = k == 1;
	return FSNN_OK;
}

static fsnn_status get_u32(reader *r, const nn_fb_table *t, int id, uint32_t def,
			   const char *what, uint32_t *out)
{
	uint32_t pos;
	bool present = false;
	fsnn_status s = scalar(r, t, id, 4, what, &pos, &present);
	*out = present ? nn_fb_load_u32(t->buf, pos) : def;
	return s;
}

static fsnn_status get_i32(reader *r, const nn_fb_table *t, int id, int32_t def,
			   const char *what, int32_t *out)
{
	uint32_t u;
	fsnn_status s = get_u32(r, t, id, 0, what, &u);
	int32_t v;
	memcpy(&v, &u, sizeof v);   /* two's complement, no implementation-defined cast */
	*out = nn_fb_has_field(t, id) ? v : def;
	return s;
}

static fsnn_status get_u8(reader *r, const nn_fb_table *t, int id, uint8_t def,
			  const char *what, uint8_t *out)
{
	uint32_t pos;
	bool present = false;
	fsnn_status s = scalar(r, t, id, 1, what, &pos, &present);
	*out = present ? t->buf[pos] : def;
	return s;
}

static fsnn_status get_u64(reader *r, const nn_fb_table *t, int id, const char *what,
			   uint64_t *out)
{
	uint32_t pos;
	bool present = false;
	fsnn_status s = scalar(r, t, id, 8, what, &pos, &present);
	*out = present ? nn_fb_load_u64(t->buf, pos) : 0;
	return s;
}

static fsnn_status get_vec(reader *r, const nn_fb_table *t, int id, uint32_t elem,
			   const char *what, nn_fb_vec *v)
{
	if (nn_fb_vector(t, id, elem, v) < 0)
		return fail(r, FSNN_E_FORMAT, "%s: vector offset or length points past the end "
			    "of the file (%zu bytes)", what, t->buf_size);
	return FSNN_OK;
}

static fsnn_status get_table(reader *r, const nn_fb_table *t, int id, const char *what,
			     nn_fb_table *out)
{
	if (nn_fb_table_field(t, id, out) < 0)
		return fail(r, FSNN_E_FORMAT, "%s: table offset or vtable lies outside the file "
			    "(%zu bytes)", what, t->buf_size);
	return FSNN_OK;
}

static fsnn_status vec_table(reader *r, const nn_fb_vec *v, uint32_t i, const char *what,
			     nn_fb_table *out)
{
	if (nn_fb_vec_table(v, i, out) < 0)
		return fail(r, FSNN_E_FORMAT, "%s: table offset or vtable lies outside the file "
			    "(%zu bytes)", what, v->buf_size);
	return FSNN_OK;
}

static fsnn_status get_string(reader *r, const nn_fb_table *t, int id, const char *what,
			      const char **s, uint32_t *len)
{
	if (nn_fb_string(t, id, s, len) < 0)
		return fail(r, FSNN_E_FORMAT, "%s: string runs past the end of the file or "
			    "lacks its NUL terminator", what);
	return FSNN_OK;
}

/* ---- tensors ----------------------------------------------------------- */

static const char *tensor_type_name(int type)
{
	static const char *const names[] = {
		"FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL",
		"INT16", "COMPLEX64", "INT8", "FLOAT64", "COMPLEX128", "UINT64",
		"RESOURCE", "VARIANT", "UINT32", "UINT16", "INT4", "BFLOAT16",
	};
	if (type >= 0 && (size_t)type < sizeof names / sizeof names[0])
		return names[type];
	return "unknown";
}

static bool dtype_supported(int type)
{
	switch (type) {
	case FSNN_FLOAT32: case FSNN_FLOAT16: case FSNN_INT32: case FSNN_UINT8:
	case FSNN_INT64: case FSNN_BOOL: case FSNN_INT16: case FSNN_INT8:
		return true;
	default:
		return false;   /* STRING has no fixed element size */
	}
}

static int shape_text(const nn_tensor *t, char *buf, size_t size)
{
	int n = snprintf(buf, size, "[");
	for (int d = 0; d < t->rank && n > 0 && (size_t)n < size; d++)
		n += snprintf(buf + n, size - (size_t)n, "%s%d", d ? "," : "", (int)t->dims[d]);
	if (n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "]");
	return n;
}

static fsnn_status read_quant(reader *r, int idx, const nn_fb_table *qt, nn_tensor *t)
{
	char what[96];
	snprintf(what, sizeof what, "tensor %d quantization", idx);
	uint8_t details;
	int32_t qdim;
	nn_fb_vec sv, zv;
	fsnn_status s;
	if ((s = get_u8(r, qt, QUANT_DETAILS_TYPE, 0, what, &details)) ||
	    (s = get_i32(r, qt, QUANT_DIM, 0, what, &qdim)) ||
	    (s = get_vec(r, qt, QUANT_SCALE, 4, what, &sv)) ||
	    (s = get_vec(r, qt, QUANT_ZERO_POINT, 8, what, &zv)))
		return s;
	if (details != 0)
		return fail(r, FSNN_E_UNSUPPORTED, "tensor %d '%s': custom quantization "
			    "(details type %u) is not supported", idx, t->name, details);
	uint32_t n = sv.len;
	if (n == 0)
		return FSNN_OK;     /* no scale: not quantised */
	/* TFLM accepts one zero point shared by every channel (weights are
	 * symmetric, so converters may store a single 0). */
	if (zv.len != 0 && zv.len != n && zv.len != 1)
		return fail(r, FSNN_E_FORMAT, "tensor %d '%s': %u scales but %u zero points "
			    "(expected %u, 1 or none)", idx, t->name, n, zv.len, n);
	if (n > 1) {
		bool ok = qdim >= 0 && qdim < t->rank && (uint32_t)t->dims[qdim] == n;
		/* TFLM copies quantized_dimension without checking it; converters
		 * emit rank-1 biases with the filter's dimension (3), and the
		 * per-channel vector then runs along the only dimension. */
		if (!ok && t->rank == 1 && (uint32_t)t->dims[0] == n &&
		    (qdim < 0 || qdim >= t->rank)) {
			qdim = 0;
			ok = true;
		}
		if (!ok) {
			char sh[96];
			shape_text(t, sh, sizeof sh);
			if (qdim < 0 || qdim >= t->rank)
				return fail(r, FSNN_E_FORMAT, "tensor %d '%s': quantized_dimension %d "
					    "is outside shape %s", idx, t->name, (int)qdim, sh);
			return fail(r, FSNN_E_FORMAT, "tensor %d '%s': %u per-channel scales but "
				    "dimension %d of shape %s is %d", idx, t->name, n, (int)qdim, sh,
				    (int)t->dims[qdim]);
		}
	} else if (qdim < 0 || qdim >= t->rank) {
		qdim = 0;   /* meaningless for one scale */
	}
	t->scale = rd_calloc(r, n, sizeof *t->scale, what);
	t->zero_point = rd_calloc(r, n, sizeof *t->zero_point, what);
	if (!t->scale || !t->zero_point)
		return FSNN_E_NOMEM;
	t->num_quant = (int)n;
	t->quantized_dimension = qdim;
	/* A zero point must be a value of the tensor's own type; kernels
	 * build tables and multipliers from it and may assume so. */
	int64_t zmin = INT32_MIN, zmax = INT32_MAX;
	if (t->type == FSNN_INT8)
		zmin = INT8_MIN, zmax = INT8_MAX;
	else if (t->type == FSNN_UINT8)
		zmin = 0, zmax = UINT8_MAX;
	else if (t->type == FSNN_INT16)
		zmin = INT16_MIN, zmax = INT16_MAX;
	for (uint32_t i = 0; i < n; i++) {
		float sc = nn_fb_vec_get_f32(&sv, i);
		/* Scales divide and multiply everywhere; XNNPACK (the reference
		 * runtime) refuses non-positive ones too. */
		if (!isfinite(sc) || !(sc > 0.0f))
			return fail(r, FSNN_E_FORMAT, "tensor %d '%s': scale %u is %g, expected a "
				    "positive finite number", idx, t->name, i, (double)sc);
		int64_t zp = zv.len == 0 ? 0 : nn_fb_vec_get_i64(&zv, zv.len == 1 ? 0 : i);
		if (zp < zmin || zp > zmax)
			return fail(r, FSNN_E_FORMAT, "tensor %d '%s': zero point %u is %lld, outside "
				    "the %s range [%lld, %lld]", idx, t->name, i, (long long)zp,
				    tensor_type_name(t->type), (long long)zmin, (long long)zmax);
		t->scale[i] = sc;
		t->zero_point[i] = (int32_t)zp;
	}
	return FSNN_OK;
}

/* Constant data of tensor t from buffers[bi]: inline data or, for models
 * over 2 GB, an (offset, size) range of the file. */
static fsnn_status read_buffer(reader *r, int idx, uint32_t bi, nn_tensor *t)
{
	char what[96];
	snprintf(what, sizeof what, "buffer %u (of tensor %d)", bi, idx);
	nn_fb_table bt;
	nn_fb_vec dv;
	uint64_t off, size;
	fsnn_status s;
	if ((s = vec_table(r, &r->buffers, bi, what, &bt)) ||
	    (s = get_vec(r, &bt, BUFFER_DATA, 1, what, &dv)) ||
	    (s = get_u64(r, &bt, BUFFER_OFFSET, what, &off)) ||
	    (s = get_u64(r, &bt, BUFFER_SIZE, what, &size)))
		return s;
	const uint8_t *data = NULL;
	uint64_t len = 0;
	if (dv.len) {
		data = r->m->file + dv.pos;
		len = dv.len;
	} else if (off > 1) {   /* schema: offset is only valid if > 1 */
		if (off > r->m->file_size || size > r->m->file_size - off)
			return fail(r, FSNN_E_FORMAT, "%s: external data [%llu, +%llu) lies outside "
				    "the file (%zu bytes)", what, (unsigned long long)off,
				    (unsigned long long)size, r->m->file_size);
		data = r->m->file + off;
		len = size;
	}
	if (len == 0)
		return FSNN_OK;
	if (len != t->bytes) {
		char sh[96];
		shape_text(t, sh, sizeof sh);
		return fail(r, FSNN_E_FORMAT, "tensor %d '%s': buffer %u holds %llu bytes but "
			    "shape %s of %s needs %zu", idx, t->name, bi, (unsigned long long)len,
			    sh, tensor_type_name(t->type), t->bytes);
	}
	t->data = data;
	return FSNN_OK;
}

static fsnn_status read_tensor(reader *r, const nn_fb_vec *tv, int idx, nn_tensor *t)
{
	char what[64];
	snprintf(what, sizeof what, "tensor %d", idx);
	nn_fb_table tt, qt, sp;
	nn_fb_vec shape;
	const char *name;
	uint32_t name_len, bi;
	uint8_t type, is_var;
	fsnn_status s;
	t->alias_of = -1;
	t->first_op = t->last_op = -1;
	if ((s = vec_table(r, tv, (uint32_t)idx, what, &tt)) ||
	    (s = get_string(r, &tt, TENSOR_NAME, what, &name, &name_len)))
		return s;
	if (!(t->name = rd_strdup(r, name ? name : "", name_len, what)))
		return FSNN_E_NOMEM;
	if ((s = get_u8(r, &tt, TENSOR_TYPE, 0, what, &type)) ||
	    (s = get_u32(r, &tt, TENSOR_BUFFER, 0, what, &bi)) ||
	    (s = get_u8(r, &tt, TENSOR_IS_VARIABLE, 0, what, &is_var)) ||
	    (s = get_vec(r, &tt, TENSOR_SHAPE, 4, what, &shape)) ||
	    (s = get_table(r, &tt, TENSOR_QUANT, what, &qt)) ||
	    (s = get_table(r, &tt, TENSOR_SPARSITY, what, &sp)))
		return s;
	/* TensorType is a signed byte in the schema. A type the engine cannot
	 * store (STRING, UINT32, COMPLEX64 ...) is kept, with no size and no
	 * data, so that files carrying such tensors still load for inspection;
	 * the model checks later refuse to run any op that touches one. */
	int ty = type < 128 ? type : (int)type - 256;
	bool storable = dtype_supported(ty);
	if (!storable && strcmp(tensor_type_name(ty), "unknown") == 0)
		return fail(r, FSNN_E_UNSUPPORTED, "tensor %d '%s': element type %s (%d) is not "
			    "supported", idx, t->name, tensor_type_name(ty), ty);
	t->type = (fsnn_dtype)ty;
	t->is_variable = is_var != 0;
	if (nn_fb_present(&sp))
		return fail(r, FSNN_E_UNSUPPORTED, "tensor %d '%s': sparse tensors are not "
			    "supported", idx, t->name);
	if (shape.len > FSNN_MAX_RANK)
		return fail(r, FSNN_E_UNSUPPORTED, "tensor %d '%s': rank %u exceeds the "
			    "supported maximum %d", idx, t->name, shape.len, FSNN_MAX_RANK);
	t->rank = (int)shape.len;
	/* span is the product of the dimensions with zeros read as one: it
	 * bounds every partial product a kernel may form (strides, row
	 * sizes), so an empty tensor cannot hide a 2^31 x 2^31 shape. */
	size_t elems = 1, span = 1;
	bool too_big = false;
	for (int d = 0; d < t->rank; d++) {
		int32_t v = nn_fb_vec_get_i32(&shape, (uint32_t)d);
		if (v < 0)
			return fail(r, FSNN_E_FORMAT, "tensor %d '%s': dimension %d is %d; shapes "
				    "must be static and non-negative", idx, t->name, d, (int)v);
		t->dims[d] = v;
		t->file_dims[d] = v;
		size_t f = v ? (size_t)v : 1;
		if (!too_big && span > NN_MAX_TENSOR_BYTES / f)
			too_big = true;   /* report once, after the whole shape is read */
		if (!too_big) {
			span *= f;
			elems *= (size_t)v;
		}
	}
	/* Unstorable types count one byte per element for the size bound. */
	size_t esize = storable ? fsnn_dtype_size(t->type) : 1;
	if (too_big || span > NN_MAX_TENSOR_BYTES / esize) {
		char sh[96];
		shape_text(t, sh, sizeof sh);
		return fail(r, FSNN_E_NOMEM, "tensor %d '%s': shape %s of %s exceeds the %zu-byte "
			    "limit per tensor", idx, t->name, sh, tensor_type_name(ty),
			    NN_MAX_TENSOR_BYTES);
	}
	t->elems = elems;
	t->bytes = storable ? elems * esize : 0;
	if (!storable)
		return FSNN_OK;   /* no buffer or quantisation to read for it */
	if (bi >= r->buffers.len && !(bi == 0 && r->buffers.len == 0))
		return fail(r, FSNN_E_FORMAT, "tensor %d '%s': buffer index %u out of range "
			    "(model has %u buffers)", idx, t->name, bi, r->buffers.len);
	/* Buffer 0 is the empty sentinel: no constant data. */
	if (bi != 0 && (s = read_buffer(r, idx, bi, t)))
		return s;
	if (nn_fb_present(&qt) && (s = read_quant(r, idx, &qt, t)))
		return s;
	return FSNN_OK;
}

/* ---- operators --------------------------------------------------------- */

static fsnn_status read_index_list(reader *r, const nn_fb_table *t, int id, bool optional_ok,
				   const char *what, int *count, int32_t **out)
{
	nn_fb_vec v;
	fsnn_status s = get_vec(r, t, id, 4, what, &v);
	if (s)
		return s;
	if (v.len > INT_MAX / 2)
		return fail(r, FSNN_E_FORMAT, "%s list has %u entries", what, v.len);
	if (!(*out = rd_calloc(r, v.len, sizeof **out, what)))
		return FSNN_E_NOMEM;
	*count = (int)v.len;
	for (uint32_t i = 0; i < v.len; i++) {
		int32_t k = nn_fb_vec_get_i32(&v, i);
		if ((k < 0 && !(optional_ok && k == -1)) || k >= r->m->num_tensors)
			return fail(r, FSNN_E_FORMAT, "%s %u: tensor index %d out of range "
				    "(subgraph has %d tensors%s)", what, i, (int)k, r->m->num_tensors,
				    optional_ok ? "; -1 marks an omitted input" : "");
		(*out)[i] = k;
	}
	return FSNN_OK;
}

static fsnn_status read_opcode(reader *r, int op, uint32_t oi, nn_node *n)
{
	char what[64];
	snprintf(what, sizeof what, "operator code %u (of op %d)", oi, op);
	nn_fb_table ct;
	uint8_t dep;
	int32_t code, version;
	const char *custom;
	uint32_t custom_len;
	fsnn_status s;
	if ((s = vec_table(r, &r->opcodes, oi, what, &ct)) ||
	    (s = get_u8(r, &ct, OPCODE_DEPRECATED_BUILTIN, 0, what, &dep)) ||
	    (s = get_i32(r, &ct, OPCODE_BUILTIN, 0, what, &code)) ||
	    (s = get_i32(r, &ct, OPCODE_VERSION, 1, what, &version)) ||
	    (s = get_string(r, &ct, OPCODE_CUSTOM, what, &custom, &custom_len)))
		return s;
	/* deprecated_builtin_code is a signed byte; 127 means "see builtin_code". */
	int dep_code = dep < 128 ? dep : (int)dep - 256;
	n->builtin = dep_code > code ? dep_code : code;
	n->version = version;
	if (n->builtin < 0)
		return fail(r, FSNN_E_FORMAT, "%s: builtin code %d is negative", what, n->builtin);
	if (n->builtin == NN_OP_CUSTOM) {
		if (!custom)
			return fail(r, FSNN_E_FORMAT, "%s: CUSTOM operator without a custom_code",
				    what);
		if (!(n->custom_code = rd_strdup(r, custom, custom_len, what)))
			return FSNN_E_NOMEM;
	}
	return FSNN_OK;
}

static fsnn_status read_op(reader *r, const nn_fb_vec *ov, int idx, nn_node *n)
{
	char what[64], in_what[80], out_what[80];
	snprintf(what, sizeof what, "op %d", idx);
	nn_fb_table ot;
	nn_fb_vec cv;
	uint32_t oi;
	uint8_t opt_type;
	uint64_t large_off, large_size;
	fsnn_status s;
	n->index = idx;
	if ((s = vec_table(r, ov, (uint32_t)idx, what, &ot)) ||
	    (s = get_u32(r, &ot, OP_OPCODE_INDEX, 0, what, &oi)))
		return s;
	if (oi >= r->opcodes.len)
		return fail(r, FSNN_E_FORMAT, "op %d: opcode_index %u out of range (model has %u "
			    "operator codes)", idx, oi, r->opcodes.len);
	if ((s = read_opcode(r, idx, oi, n)))
		return s;
	char nb[32];
	const char *opname = n->custom_code ? n->custom_code : nn_builtin_name(n->builtin, nb, sizeof nb);
	snprintf(what, sizeof what, "op %d (%.40s)", idx, opname);
	snprintf(in_what, sizeof in_what, "%s input", what);
	snprintf(out_what, sizeof out_what, "%s output", what);
	if ((s = read_index_list(r, &ot, OP_INPUTS, true, in_what, &n->num_inputs, &n->inputs)) ||
	    (s = read_index_list(r, &ot, OP_OUTPUTS, false, out_what, &n->num_outputs, &n->outputs)) ||
	    (s = get_u8(r, &ot, OP_OPTIONS_TYPE, 0, what, &opt_type)) ||
	    (s = get_table(r, &ot, OP_OPTIONS, what, &n->options)) ||
	    (s = get_vec(r, &ot, OP_CUSTOM_OPTIONS, 1, what, &cv)) ||
	    (s = get_u64(r, &ot, OP_LARGE_CUSTOM_OFFSET, what, &large_off)) ||
	    (s = get_u64(r, &ot, OP_LARGE_CUSTOM_SIZE, what, &large_size)))
		return s;
	n->options_type = opt_type;
	if (cv.len) {
		n->custom_options = r->m->file + cv.pos;
		n->custom_options_size = cv.len;
	} else if (large_off > 1) {   /* schema: valid only if > 1 */
		if (large_off > r->m->file_size || large_size > r->m->file_size - large_off)
			return fail(r, FSNN_E_FORMAT, "%s: large custom options [%llu, +%llu) lie "
				    "outside the file (%zu bytes)", what,
				    (unsigned long long)large_off, (unsigned long long)large_size,
				    r->m->file_size);
		n->custom_options = r->m->file + large_off;
		n->custom_options_size = (size_t)large_size;
	}
	return FSNN_OK;
}

/* Ops must run in file order: each tensor has at most one producer, which
 * comes before every consumer; graph inputs and constants have none. */
static fsnn_status check_order(reader *r)
{
	fsnn_model *m = r->m;
	enum { NO_WRITER = -1, GRAPH_INPUT = -2 };
	int *writer = rd_calloc(r, (size_t)m->num_tensors, sizeof *writer, "tensor producers");
	if (!writer)
		return FSNN_E_NOMEM;
	fsnn_status s = FSNN_OK;
	char b1[32], b2[32];
	for (int t = 0; t < m->num_tensors; t++)
		writer[t] = NO_WRITER;
	for (int i = 0; i < m->num_inputs; i++)
		writer[m->inputs[i]] = GRAPH_INPUT;
	for (int i = 0; i < m->num_nodes && !s; i++) {
		const nn_node *n = &m->nodes[i];
		const char *name = n->custom_code ? n->custom_code : nn_builtin_name(n->builtin, b1, sizeof b1);
		for (int k = 0; k < n->num_outputs && !s; k++) {
			int t = n->outputs[k];
			const nn_tensor *tt = &m->tensors[t];
			int w = writer[t];
			if (w == GRAPH_INPUT)
				s = fail(r, FSNN_E_FORMAT, "op %d (%.40s) writes tensor %d '%s', which is "
					 "a graph input", i, name, t, tt->name);
			else if (tt->data)
				s = fail(r, FSNN_E_FORMAT, "op %d (%.40s) writes tensor %d '%s', which is "
					 "constant data from the file", i, name, t, tt->name);
			else if (w >= 0) {
				const nn_node *o = &m->nodes[w];
				s = fail(r, FSNN_E_FORMAT, "tensor %d '%s' is written by both op %d "
					 "(%.40s) and op %d (%.40s)", t, tt->name, w,
					 o->custom_code ? o->custom_code : nn_builtin_name(o->builtin, b2, sizeof b2),
					 i, name);
			} else
				writer[t] = i;
		}
	}
	for (int i = 0; i < m->num_nodes && !s; i++) {
		const nn_node *n = &m->nodes[i];
		for (int k = 0; k < n->num_inputs && !s; k++) {
			int t = n->inputs[k];
			if (t < 0 || writer[t] < i)
				continue;
			const nn_node *o = &m->nodes[writer[t]];
			s = fail(r, FSNN_E_FORMAT, "op %d (%.40s) reads tensor %d '%s' before op %d "
				 "(%.40s) writes it (operators out of order, or a cycle)", i,
				 n->custom_code ? n->custom_code : nn_builtin_name(n->builtin, b1, sizeof b1),
				 t, m->tensors[t].name, writer[t],
				 o->custom_code ? o->custom_code : nn_builtin_name(o->builtin, b2, sizeof b2));
		}
	}
	free(writer);
	r->budget += (size_t)(m->num_tensors ? m->num_tensors : 1) * sizeof *writer;
	return s;
}

/* ---- model ------------------------------------------------------------- */

static fsnn_status read_model(reader *r)
{
	fsnn_model *m = r->m;
	const uint8_t *f = m->file;
	nn_fb_table root, sg;
	nn_fb_vec subgraphs, tensors, ops;
	uint32_t version;
	fsnn_status s;

	if (!f || m->file_size < 8)
		return fail(r, FSNN_E_FORMAT, "file is %zu bytes, too short for a .tflite model "
			    "(at least 8)", m->file_size);
	if (memcmp(f + 4, "TFL3", 4) != 0) {
		char id[5];
		for (int i = 0; i < 4; i++)
			id[i] = f[4 + i] >= 0x20 && f[4 + i] < 0x7f ? (char)f[4 + i] : '?';
		id[4] = 0;
		return fail(r, FSNN_E_FORMAT, "file identifier at bytes 4..7 is '%s' (%02x %02x "
			    "%02x %02x), expected 'TFL3': not a TFLite model", id, f[4], f[5],
			    f[6], f[7]);
	}
	if (nn_fb_root(f, m->file_size, &root) < 0)
		return fail(r, FSNN_E_FORMAT, "root table (offset %u) or its vtable lies outside "
			    "the file (%zu bytes)", nn_fb_load_u32(f, 0), m->file_size);
	if ((s = get_u32(r, &root, MODEL_VERSION, 0, "model", &version)))
		return s;
	m->version = version;
	if (version != TFLITE_SCHEMA_VERSION)
		return fail(r, FSNN_E_UNSUPPORTED, "model schema version is %u, fsnn reads "
			    "version %d", version, TFLITE_SCHEMA_VERSION);
	if ((s = get_vec(r, &root, MODEL_OPERATOR_CODES, 4, "model operator_codes", &r->opcodes)) ||
	    (s = get_vec(r, &root, MODEL_SUBGRAPHS, 4, "model subgraphs", &subgraphs)) ||
	    (s = get_vec(r, &root, MODEL_BUFFERS, 4, "model buffers", &r->buffers)))
		return s;
	if (subgraphs.len == 0)
		return fail(r, FSNN_E_FORMAT, "model has no subgraphs");
	if ((s = vec_table(r, &subgraphs, 0, "subgraph 0", &sg)))
		return s;
	if ((s = get_vec(r, &sg, SG_TENSORS, 4, "subgraph 0 tensors", &tensors)) ||
	    (s = get_vec(r, &sg, SG_OPERATORS, 4, "subgraph 0 operators", &ops)))
		return s;
	if (tensors.len > INT_MAX / 2 || ops.len > INT_MAX / 2)
		return fail(r, FSNN_E_FORMAT, "subgraph 0 lists %u tensors and %u operators",
			    tensors.len, ops.len);

	if (!(m->tensors = rd_calloc(r, tensors.len, sizeof *m->tensors, "tensors")))
		return FSNN_E_NOMEM;
	for (uint32_t i = 0; i < tensors.len; i++) {
		/* Counted as it is filled, so nn_free_parsed frees exactly what exists. */
		m->num_tensors = (int)i + 1;
		if ((s = read_tensor(r, &tensors, (int)i, &m->tensors[i])))
			return s;
	}
	if ((s = read_index_list(r, &sg, SG_INPUTS, false, "subgraph 0 input", &m->num_inputs,
				 &m->inputs)) ||
	    (s = read_index_list(r, &sg, SG_OUTPUTS, false, "subgraph 0 output", &m->num_outputs,
				 &m->outputs)))
		return s;
	if (!(m->nodes = rd_calloc(r, ops.len, sizeof *m->nodes, "operators")))
		return FSNN_E_NOMEM;
	for (uint32_t i = 0; i < ops.len; i++) {
		m->num_nodes = (int)i + 1;
		if ((s = read_op(r, &ops, (int)i, &m->nodes[i])))
			return s;
	}
	return check_order(r);
}

fsnn_status nn_read_tflite(fsnn_model *model, fsnn_error *err)
{
	if (!model)
		return nn_set_error(err, FSNN_E_ARG, "nn_read_tflite: model is NULL");
	reader r = {
		.m = model,
		.err = err,
		.src = model->source ? model->source : "model",
	};
	/* Generous for real models (which need far less than their file
	 * size), but stops a small hostile file whose tables all share one
	 * large sub-table from asking for gigabytes. */
	size_t cap = SIZE_MAX / 2;
	r.budget = (size_t)64 << 20;
	r.budget += model->file_size < cap / 16 ? model->file_size * 16 : cap;
	fsnn_status s = read_model(&r);
	if (s != FSNN_OK)
		nn_free_parsed(model);
	return s;
}

void nn_free_parsed(fsnn_model *model)
{
	if (!model)
		return;
	for (int i = 0; model->tensors && i < model->num_tensors; i++) {
		free(model->tensors[i].name);
		free(model->tensors[i].scale);
		free(model->tensors[i].zero_point);
	}
	free(model->tensors);
	for (int i = 0; model->nodes && i < model->num_nodes; i++) {
		free(model->nodes[i].custom_code);
		free(model->nodes[i].inputs);
		free(model->nodes[i].outputs);
	}
	free(model->nodes);
	free(model->inputs);
	free(model->outputs);
	model->tensors = NULL;
	model->nodes = NULL;
	model->inputs = model->outputs = NULL;
	model->num_tensors = model->num_nodes = 0;
	model->num_inputs = model->num_outputs = 0;
}
