/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to nn/: the parsed model, the kernel interface and the helpers
 * kernels share. Not installed, not included outside nn/ (tests may).
 */
#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsnn.h"

/* ---- TFLite builtin operator codes (schema.fbs BuiltinOperator) -------- */
enum nn_builtin {
	NN_OP_ADD = 0, NN_OP_AVERAGE_POOL_2D = 1, NN_OP_CONCATENATION = 2,
	NN_OP_CONV_2D = 3, NN_OP_DEPTHWISE_CONV_2D = 4, NN_OP_DEPTH_TO_SPACE = 5,
	NN_OP_DEQUANTIZE = 6, NN_OP_FULLY_CONNECTED = 9, NN_OP_LOGISTIC = 14,
	NN_OP_MAX_POOL_2D = 17, NN_OP_MUL = 18, NN_OP_RELU = 19,
	NN_OP_RELU_N1_TO_1 = 20, NN_OP_RELU6 = 21, NN_OP_RESHAPE = 22,
	NN_OP_RESIZE_BILINEAR = 23, NN_OP_SOFTMAX = 25, NN_OP_SPACE_TO_DEPTH = 26,
	NN_OP_TANH = 28, NN_OP_CUSTOM = 32, NN_OP_PAD = 34, NN_OP_TRANSPOSE = 39,
	NN_OP_MEAN = 40, NN_OP_SUB = 41, NN_OP_SQUEEZE = 43, NN_OP_PRELU = 54,
	NN_OP_ARG_MAX = 56, NN_OP_PADV2 = 60, NN_OP_TRANSPOSE_CONV = 67,
	NN_OP_TILE = 69, NN_OP_RESIZE_NEAREST_NEIGHBOR = 97, NN_OP_LEAKY_RELU = 98,
	NN_OP_QUANTIZE = 114, NN_OP_HARD_SWISH = 117,
	NN_OP_STRIDED_SLICE = 45, NN_OP_SPLIT = 49, NN_OP_MAXIMUM = 55, NN_OP_MINIMUM = 57,
	NN_OP_SLICE = 65, NN_OP_SPLIT_V = 102, NN_OP_EXPAND_DIMS = 70, NN_OP_PACK = 83,
	NN_OP_UNPACK = 88,
};

/* Name of any builtin code ("CONV_2D"), "UNKNOWN_<n>" style text is
 * written into buf for codes outside the table. */
const char *nn_builtin_name(int code, char *buf, size_t buf_size);

/* ---- read-only FlatBuffers access -------------------------------------- *
 * A table handle whose vtable and inline object were bounds-checked when
 * the handle was made; accessors check each field against the object size
 * and return the default when a field is absent or does not fit. */
typedef struct nn_fb_table {
	const uint8_t *buf;  /* whole file */
	size_t buf_size;
	uint32_t pos;        /* table position; 0 = absent table */
	uint32_t vt_pos;     /* vtable position */
	uint16_t vt_size;    /* vtable bytes */
	uint16_t obj_size;   /* inline object bytes */
} nn_fb_table;

bool nn_fb_present(const nn_fb_table *t);
bool nn_fb_has_field(const nn_fb_table *t, int field_id);
int32_t nn_fb_i32(const nn_fb_table *t, int field_id, int32_t def);
int64_t nn_fb_i64(const nn_fb_table *t, int field_id, int64_t def);
uint8_t nn_fb_u8(const nn_fb_table *t, int field_id, uint8_t def);   /* also bool/byte enums */
float nn_fb_f32(const nn_fb_table *t, int field_id, float def);
/* Vector of int32 at field_id: returns element count (0 if absent) or -1
 * if malformed; copies at most max_n elements into out (out may be NULL). */
int nn_fb_vec_i32(const nn_fb_table *t, int field_id, int32_t *out, int max_n);

/* ---- the parsed graph -------------------------------------------------- */
enum nn_alloc {
	NN_ALLOC_NONE = 0,   /* unused by the graph */
	NN_ALLOC_CONST,      /* data points into the model file */
	NN_ALLOC_ARENA,      /* activation at arena offset */
	NN_ALLOC_ALIAS,      /* shares storage with tensor alias_of (RESHAPE, SQUEEZE) */
};

typedef struct nn_tensor {
	char *name;                 /* owned, NUL-terminated */
	fsnn_dtype type;
	int rank;
	int32_t dims[FSNN_MAX_RANK];
	int32_t file_dims[FSNN_MAX_RANK]; /* as in the file (dims may be re-planned) */
	size_t elems, bytes;        /* checked for overflow at load */
	int num_quant;
	float *scale;               /* owned, num_quant entries */
	int32_t *zero_point;        /* owned, num_quant entries */
	int quantized_dimension;
	const uint8_t *data;        /* constant data inside the file, or NULL */
	bool is_variable;
	/* memory plan */
	enum nn_alloc alloc;
	int alias_of;
	size_t offset;
	int first_op, last_op;      /* lifetime in op order; -1 = graph input/output edge */
} nn_tensor;

struct nn_kernel;
struct nn_eval_ctx;
struct nn_node;
typedef fsnn_status (*nn_eval_fn)(const struct nn_eval_ctx *ctx, const struct nn_node *node);

typedef struct nn_node {
	int index;
	int builtin;                /* max(deprecated_builtin_code, builtin_code) */
	char *custom_code;          /* owned; NULL unless builtin == NN_OP_CUSTOM */
	int version;
	int num_inputs, num_outputs;
	int32_t *inputs, *outputs;  /* owned; -1 marks an omitted optional input */
	int options_type;           /* BuiltinOptions union type */
	nn_fb_table options;        /* builtin options table (may be absent) */
	const uint8_t *custom_options;
	size_t custom_options_size;
	/* filled by prepare */
	const struct nn_kernel *kernel;
	void *op_data;              /* kernel-owned constants, persistent */
	nn_eval_fn eval;            /* kernel->eval or the chosen variant's */
	const char *variant;        /* "ref" or the variant's name, for fsnn info */
	void *variant_data;         /* the variant's own constants (packed weights) */
	size_t scratch_bytes;
	uint64_t macs;
	const fsnn_backend *backend;
	void *backend_state;
} nn_node;

/* CPU features a kernel variant may require (nn/src/cpu.c detects them at
 * run time: cpuid on x86, getauxval(AT_HWCAP) on aarch64). NN_CPU_GENERIC is
 * "fast portable C": present unless the reference kernels are forced. */
enum nn_cpu_feature {
	NN_CPU_GENERIC = 1u << 0,
	NN_CPU_AVX2 = 1u << 1,        /* with FMA-free integer AVX2 */
	NN_CPU_AVXVNNI = 1u << 2,     /* VEX vpdpbusd on 256-bit vectors */
	NN_CPU_AVX512VNNI = 1u << 3,  /* with AVX-512 F/BW/VL */
	NN_CPU_NEON = 1u << 8,
	NN_CPU_DOTPROD = 1u << 9,     /* Armv8.2 SDOT/UDOT */
};
/* Features of this CPU. */
unsigned nn_cpu_detect(void);
/* Parses a FSNN_KERNELS-style selection: NULL, "" or "auto" = every
 * detected feature; "ref" = none (reference kernels only); otherwise a
 * comma-separated list of feature names ("generic,avx2", "neon") that is
 * intersected with the detected ones. Returns false on an unknown name
 * and names it in err_name (may be NULL). */
bool nn_cpu_parse(const char *spec, unsigned detected, unsigned *mask, char *err_name,
		  size_t err_name_size);

typedef struct nn_persistent_block {
	struct nn_persistent_block *next;
	max_align_t align[];
} nn_persistent_block;

struct fsnn_model {
	char *source;               /* file name, for messages */
	uint8_t *file;              /* whole file (mapped or copied) */
	size_t file_size;
	bool mapped;
	uint32_t version;
	int num_tensors;
	nn_tensor *tensors;
	int num_nodes;
	nn_node *nodes;
	int num_inputs, num_outputs;
	int32_t *inputs, *outputs;  /* owned tensor indices */
	fsnn_backend const **backends;
	int num_backends;
	bool inspect_only;
	bool runnable;              /* false when a custom op is unclaimed */
	char unrunnable_reason[FSNN_ERROR_MSG_MAX];
	/* memory plan */
	size_t arena_bytes, lower_bound_bytes, scratch_bytes;
	size_t persistent_bytes, weights_bytes;
	nn_persistent_block *persistent;
	unsigned cpu_features;      /* what kernel variants may use */
	int32_t input_hw[2];        /* requested input height/width, 0 = as in file */
};

/* ---- kernel interface (TFLite Micro style) ------------------------------ */
typedef struct nn_prepare_ctx {
	fsnn_model *model;
	fsnn_error *err;
} nn_prepare_ctx;

struct nn_pool;

typedef struct nn_eval_ctx {
	const fsnn_model *model;
	void *const *tensor_data;   /* per tensor: arena, alias or constant data */
	void *scratch;              /* model->scratch_bytes per thread, reused by every op */
	fsnn_error *err;
	struct nn_pool *pool;       /* the context's threads, NULL = run inline */
	int num_threads;            /* >= 1 */
} nn_eval_ctx;

/* Scratch of one thread (thread 0 is the caller's): ops that run under
 * nn_parallel_for get model->scratch_bytes each. */
static inline void *nn_thread_scratch(const nn_eval_ctx *ec, int thread)
{
	return (uint8_t *)ec->scratch + (size_t)thread * ec->model->scratch_bytes;
}

/* Runs fn(arg, task, thread) for task = 0 .. num_tasks-1 on the context's
 * threads and returns when all are done. Tasks must write disjoint outputs
 * so results do not depend on the thread count. Never allocates. */
typedef void (*nn_task_fn)(void *arg, int task, int thread);
void nn_parallel_for(const nn_eval_ctx *ec, int num_tasks, nn_task_fn fn, void *arg);

typedef struct nn_kernel {
	int builtin;
	const char *name;
	/* Validates types and shapes (shape mismatches are FSNN_E_SHAPE naming
	 * the op and tensor), computes every constant into node->op_data via
	 * nn_persistent_alloc, sets node->scratch_bytes and node->macs. */
	fsnn_status (*prepare)(nn_prepare_ctx *ctx, nn_node *node);
	/* Computes only. Must not allocate. */
	fsnn_status (*eval)(const nn_eval_ctx *ctx, const nn_node *node);
	/* Output aliases input 0 (no copy, RESHAPE/SQUEEZE). */
	bool aliases_input;
} nn_kernel;

/* Kernel for a builtin code, or NULL when the engine lacks it. */
const nn_kernel *nn_kernel_find(int builtin);

/* A faster implementation of a builtin op for some CPUs (nn/kernels/x86/,
 * nn/kernels/arm/, nn/kernels/generic/). It reuses the reference kernel's
 * prepare (node->op_data, see nn/kernels/common/op_data.h) and must give
 * bit-identical outputs. */
typedef struct nn_variant {
	int builtin;
	const char *name;           /* shown by fsnn info, e.g. "avx512vnni" */
	unsigned requires;          /* every NN_CPU_* bit it needs */
	/* Called after the reference prepare succeeded. Sets *accepted when it
	 * handles this node (shape, type, options); may then put packed
	 * constants in node->variant_data (nn_persistent_alloc) and raise
	 * node->scratch_bytes (which is per thread). */
	fsnn_status (*prepare)(nn_prepare_ctx *ctx, nn_node *node, bool *accepted);
	nn_eval_fn eval;
} nn_variant;

/* Picks the first variant, in order of preference, whose features are
 * all in model->cpu_features and that accepts the node; otherwise keeps
 * the reference eval. Sets node->eval and node->variant. */
fsnn_status nn_variant_select(nn_prepare_ctx *ctx, nn_node *node);

/* Helpers for prepare. */
void *nn_persistent_alloc(nn_prepare_ctx *ctx, size_t bytes);   /* zeroed; NULL + error on failure */
fsnn_status nn_prep_fail(nn_prepare_ctx *ctx, const nn_node *node, fsnn_status code,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const nn_tensor *nn_input(const nn_prepare_ctx *ctx, const nn_node *node, int i);   /* NULL if omitted */
nn_tensor *nn_output(const nn_prepare_ctx *ctx, const nn_node *node, int i);
/* Checks that the file's declared shape of output i equals dims[0..rank);
 * fails naming op, tensor and both shapes otherwise. */
fsnn_status nn_check_output_shape(nn_prepare_ctx *ctx, const nn_node *node, int i,
				  int rank, const int32_t *dims);
/* Fails unless tensor has one of the listed types (terminated by -1). */
fsnn_status nn_check_type(nn_prepare_ctx *ctx, const nn_node *node, const nn_tensor *t,
			  const char *role, ...);

/* Helpers for eval. */
static inline void *nn_in_data(const nn_eval_ctx *ec, const nn_node *n, int i)
{
	return n->inputs[i] < 0 ? NULL : ec->tensor_data[n->inputs[i]];
}
static inline void *nn_out_data(const nn_eval_ctx *ec, const nn_node *n, int i)
{
	return ec->tensor_data[n->outputs[i]];
}
static inline const nn_tensor *nn_tensor_of(const nn_eval_ctx *ec, int idx)
{
	return &ec->model->tensors[idx];
}

/* Error formatting shared by the whole engine. Returns code. */
fsnn_status nn_set_error(fsnn_error *err, fsnn_status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
fsnn_status nn_set_error_v(fsnn_error *err, fsnn_status code, const char *fmt, va_list ap);

/* ---- reader ------------------------------------------------------------- *
 * Parses model->file/file_size (already set) into tensors, nodes, inputs,
 * outputs, checking every offset, length, string, index and nesting depth
 * against the file. Does not look up kernels or plan memory. */
fsnn_status nn_read_tflite(fsnn_model *model, fsnn_error *err);
/* Frees everything nn_read_tflite allocated (safe on partial results). */
void nn_free_parsed(fsnn_model *model);

/* ---- quantised arithmetic shared by kernels ------------------------------ *
 * XNNPACK-style float32 requantisation, which is what TFLite's default CPU
 * path uses: acc * scale in float32, round half to even, add zero point,
 * clamp. */
static inline int32_t nn_requant_fp32(int32_t acc, float scale, int32_t zero_point,
				      int32_t qmin, int32_t qmax)
{
	float v = (float)acc * scale;
	float lo = (float)(qmin - zero_point), hi = (float)(qmax - zero_point);
	v = v < lo ? lo : (v > hi ? hi : v);
	/* Magic-number rounding: round half to even regardless of fenv. */
	v = (v + 12582912.0f) - 12582912.0f;
	return (int32_t)v + zero_point;
}

#endif /* NN_INTERNAL_H */
