/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fsnn — fieldscope's static-graph 8-bit inference engine.
 *
 * Loads a standard .tflite file, checks and prepares every operator once
 * (output shapes, requantisation constants, packed weights, scratch sizes),
 * plans all activation memory into one arena, and then runs with no
 * allocation per invoke.
 *
 *   fsnn_model   — the loaded, prepared graph. Immutable after load, so any
 *                  number of threads may share one model.
 *   fsnn_context — one arena + scratch; invoke it any number of times.
 *                  One context per thread.
 *
 * Every function that can fail returns an fsnn_status and, when given an
 * fsnn_error, fills it with a message naming the file, operator or tensor
 * and what was expected. Nothing here aborts the process on bad input.
 */
#ifndef FSNN_H
#define FSNN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FSNN_VERSION "0.2.0"

/* Status codes: 0 is success, failures are negative (libusb style). */
typedef enum fsnn_status {
	FSNN_OK = 0,
	FSNN_E_IO = -1,          /* file could not be opened, mapped or read */
	FSNN_E_FORMAT = -2,      /* file is not a well-formed .tflite */
	FSNN_E_UNSUPPORTED = -3, /* valid model using an op, type or feature we lack */
	FSNN_E_SHAPE = -4,       /* shapes or types inconsistent between ops */
	FSNN_E_NOMEM = -5,       /* allocation failed or a size overflowed */
	FSNN_E_ARG = -6,         /* bad argument from the caller */
	FSNN_E_BACKEND = -7,     /* a delegate backend is missing or failed */
	FSNN_E_TIMEOUT = -8,     /* a backend did not answer in time */
} fsnn_status;

#define FSNN_ERROR_MSG_MAX 512

typedef struct fsnn_error {
	fsnn_status code;
	char msg[FSNN_ERROR_MSG_MAX];
} fsnn_error;

/* Short fixed text for a status code, e.g. "malformed model file". */
const char *fsnn_strerror(fsnn_status status);

/* Element types; the values are TFLite's TensorType values. */
typedef enum fsnn_dtype {
	FSNN_FLOAT32 = 0,
	FSNN_FLOAT16 = 1,
	FSNN_INT32 = 2,
	FSNN_UINT8 = 3,
	FSNN_INT64 = 4,
	FSNN_STRING = 5,
	FSNN_BOOL = 6,
	FSNN_INT16 = 7,
	FSNN_INT8 = 9,
} fsnn_dtype;

const char *fsnn_dtype_name(fsnn_dtype t);   /* "INT8", "UINT8", ... or "?" */
size_t fsnn_dtype_size(fsnn_dtype t);        /* bytes per element, 0 if unknown */

#define FSNN_MAX_RANK 6

/* Description of a graph input or output. Pointers stay valid while the
 * model is loaded. */
typedef struct fsnn_tensor_info {
	const char *name;
	fsnn_dtype type;
	int rank;
	int32_t dims[FSNN_MAX_RANK];
	size_t bytes;
	int num_quant;             /* 0 when not quantised, 1 per-tensor, >1 per-channel */
	const float *scale;        /* num_quant entries */
	const int32_t *zero_point; /* num_quant entries */
	int quantized_dimension;
} fsnn_tensor_info;

/* ---- delegated sub-graphs (Edge TPU and friends) ------------------------ */

/* A tensor as a backend sees it during eval: shape, type and data. */
typedef struct fsnn_tensor_view {
	fsnn_tensor_info info;
	void *data;
} fsnn_tensor_view;

/* What a backend is told about a custom op it is asked to claim. */
typedef struct fsnn_custom_node {
	int op_index;
	const char *custom_code;       /* e.g. "edgetpu-custom-op" */
	const uint8_t *custom_options; /* opaque bytes from the file (e.g. the compiled program) */
	size_t custom_options_size;
	int num_inputs, num_outputs;
	const fsnn_tensor_info *inputs;
	const fsnn_tensor_info *outputs;
} fsnn_custom_node;

/* A backend claims custom ops by custom_code. All callbacks may be called
 * from any thread; `user` is the backend's own state. */
typedef struct fsnn_backend {
	const char *name;        /* e.g. "edgetpu" — used in error messages */
	const char *custom_code; /* the custom op it runs */
	void *user;
	/* Called once at load. May keep a per-node state in *node_state. */
	fsnn_status (*prepare)(void *user, const fsnn_custom_node *node,
			       void **node_state, fsnn_error *err);
	/* Runs the node. Must not allocate per call where avoidable. */
	fsnn_status (*eval)(void *user, void *node_state,
			    const fsnn_tensor_view *inputs, int num_inputs,
			    fsnn_tensor_view *outputs, int num_outputs,
			    fsnn_error *err);
	void (*release)(void *user, void *node_state);
} fsnn_backend;

/* ---- loading ------------------------------------------------------------ */

typedef struct fsnn_load_options {
	const fsnn_backend *const *backends; /* may be NULL */
	int num_backends;
	/* Load custom ops no backend claims, for inspection only: contexts
	 * cannot be created from such a model (fsnn info uses this). */
	int inspect_only;
	/* Which kernels may run: NULL = the FSNN_KERNELS environment variable,
	 * else "auto" (the fastest variant this CPU runs, chosen per op at
	 * load), "ref" (the readable reference kernels only), or a comma list
	 * of CPU features to allow ("generic,avx2", "neon"). All give
	 * bit-identical outputs. */
	const char *kernels;
	/* When > 0: run a fully convolutional model at this input height and
	 * width instead of the file's (like TFLite's ResizeInputTensor); every
	 * shape and the arena are planned again. Models whose ops cannot
	 * follow are refused naming the op. Needs exactly one rank-4 input. */
	int32_t input_height, input_width;
} fsnn_load_options;

typedef struct fsnn_model fsnn_model;
typedef struct fsnn_context fsnn_context;

/* Maps the file read-only and prepares it. opts may be NULL. */
fsnn_status fsnn_model_load_file(const char *path, const fsnn_load_options *opts,
				 fsnn_model **out, fsnn_error *err);
/* Same from memory; the bytes are copied, so the caller may free them. */
fsnn_status fsnn_model_load_buffer(const void *data, size_t size,
				   const fsnn_load_options *opts,
				   fsnn_model **out, fsnn_error *err);
void fsnn_model_free(fsnn_model *model);

int fsnn_model_num_inputs(const fsnn_model *model);
int fsnn_model_num_outputs(const fsnn_model *model);
fsnn_status fsnn_model_input_info(const fsnn_model *model, int i, fsnn_tensor_info *info);
fsnn_status fsnn_model_output_info(const fsnn_model *model, int i, fsnn_tensor_info *info);

/* Per-operator description, for `fsnn info`. */
typedef struct fsnn_op_info {
	int index;
	const char *name;        /* "CONV_2D", or the custom code for custom ops */
	int builtin_code;        /* TFLite BuiltinOperator, 32 (CUSTOM) for custom ops */
	int is_custom;
	const char *backend;     /* backend that claimed it, or NULL (CPU) */
	uint64_t macs;           /* multiply-accumulates per invoke (0 if not applicable) */
	const char *variant;     /* CPU kernel variant ("ref", "avx512vnni", ...), NULL for backends */
} fsnn_op_info;

int fsnn_model_num_ops(const fsnn_model *model);
fsnn_status fsnn_model_op_info(const fsnn_model *model, int i, fsnn_op_info *info);

/* Memory plan: arena bytes each context needs, and the lower bound (largest
 * sum of simultaneously live activation tensors). */
typedef struct fsnn_memory_info {
	size_t arena_bytes;
	size_t lower_bound_bytes;
	size_t scratch_bytes;      /* largest per-op scratch, allocated per context */
	size_t persistent_bytes;   /* prepared constants held by the model */
	size_t weights_bytes;      /* constant tensors in the file */
} fsnn_memory_info;

void fsnn_model_memory_info(const fsnn_model *model, fsnn_memory_info *info);

/* ---- running ------------------------------------------------------------ */

/* Allocates the arena and scratch once. Fails for inspect_only models.
 * Runs every op on the calling thread. */
fsnn_status fsnn_context_new(const fsnn_model *model, fsnn_context **out, fsnn_error *err);

typedef struct fsnn_context_options {
	/* Threads each invoke splits its ops over (output rows or channels),
	 * counting the caller's: 1 = none started. Results are identical for
	 * any count. The threads are started here and live with the context. */
	int num_threads;
	/* Non-zero: time every op of every invoke (fsnn_context_op_times). */
	int profile;
} fsnn_context_options;

/* Same with options (NULL = defaults). */
fsnn_status fsnn_context_new_opts(const fsnn_model *model, const fsnn_context_options *opts,
				  fsnn_context **out, fsnn_error *err);
void fsnn_context_free(fsnn_context *ctx);

/* Data of graph input/output i inside the context's arena (or NULL if i is
 * out of range). Write inputs, invoke, read outputs. */
void *fsnn_context_input(fsnn_context *ctx, int i);
const void *fsnn_context_output(const fsnn_context *ctx, int i);

/* With fsnn_context_options.profile: nanoseconds spent in each op, summed
 * over every invoke so far, into ns[0 .. n) (n = fsnn_model_num_ops). */
fsnn_status fsnn_context_op_times(const fsnn_context *ctx, uint64_t *ns, int n);

/* Runs the graph once. No allocation happens here. */
fsnn_status fsnn_invoke(fsnn_context *ctx, fsnn_error *err);

#ifdef __cplusplus
}
#endif
#endif /* FSNN_H */
