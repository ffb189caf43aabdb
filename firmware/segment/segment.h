/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * segment — runs the segmentation model over an image of any size.
 *
 * fw_engine (engine.c): one loaded model, pinned by its SHA-256, and its
 * context. An engine for an accelerator invokes in its own worker thread
 * so that the caller can abandon an invoke that passes its deadline, reset
 * the backend and retry; what the accelerator does is its
 * fw_engine_backend (firmware/accel/ fills one per accelerator). A CPU
 * engine runs tiles on cpu_threads contexts at once (pool.c).
 *
 * fw_segment (tiling.c): cuts the image into model-sized tiles that overlap, runs
 * each and keeps only the centre of every tile (half the overlap is
 * discarded on each inner edge), so the stitched mask has no seams. Tile
 * origins stay on multiples of the model's likely stride (up to 32 px) so
 * that interior tiles see the same pixel grid as one whole-image pass.
 * Outside the image the model sees real value 0, as a whole-image pass
 * with SAME padding would.
 */
#ifndef FW_SEGMENT_H
#define FW_SEGMENT_H

#include <stdatomic.h>
#include <stdint.h>

#include "err/fs_err.h"
#include "fsnn.h"
#include "image/image.h"

typedef struct fw_engine fw_engine;

/* An accelerator as the engine drives it. Every member may be zero. */
typedef struct fw_engine_backend {
	const fsnn_backend *const *backends; /* custom ops it claims at load */
	int num_backends;
	/* Runs one invoke of ctx (in the engine's worker thread); NULL =
	 * fsnn_invoke. Errors name the backend. */
	int (*invoke)(void *user, fsnn_context *ctx, fs_err *err);
	/* Unblocks a hung invoke: called by fw_engine_reset, and by
	 * fw_engine_close while an invoke is still out. */
	void (*reset)(void *user);
	void *user;
} fw_engine_backend;

typedef struct fw_engine_opts {
	const char *name;                    /* "cpu", "edgetpu", "sim": for messages */
	const char *path;                    /* .tflite */
	const char *expect_sha256;           /* "" or NULL = not checked */
	const fw_engine_backend *backend;    /* NULL = the CPU kernels; copied */
	int threaded;                        /* invoke in a worker with a deadline */
	int cpu_threads;                     /* !threaded: tiles run on this many
	                                        contexts in parallel (<= 1: one) */
	int op_threads;                      /* > 1: threads inside each invoke (one
	                                        context; cpu_threads is then ignored) */
	/* Input size planning (CPU engines of fully convolutional models): the
	 * model runs at the tile size with the least computation for frames of
	 * fov_w x fov_h with this overlap whose arena fits max_arena_bytes
	 * (whole FOV in one pass when it fits). 0 = the file's input size. */
	int fov_w, fov_h, overlap;
	size_t max_arena_bytes;
} fw_engine_opts;

/* Hashes, loads and prepares the model. A hash mismatch is -EBADMSG with a
 * message giving both hashes. */
int fw_engine_open(const fw_engine_opts *opts, fw_engine **out, fs_err *err);
void fw_engine_close(fw_engine *e);

const char *fw_engine_name(const fw_engine *e);
const char *fw_engine_sha256(const fw_engine *e); /* 64 hex digits */
const char *fw_engine_path(const fw_engine *e);
void fw_engine_tile_size(const fw_engine *e, int *w, int *h);

/* One invoke. threaded engines: waits at most deadline_ms (<= 0 = no
 * limit) and returns -ETIMEDOUT when it passes; the invoke is then still
 * running and the engine must be reset before it is used again. */
int fw_engine_invoke(fw_engine *e, int deadline_ms, fs_err *err);
/* Unblocks a hung invoke and waits for the worker. -EIO if it will not
 * come back: the engine is then unusable. */
int fw_engine_reset(fw_engine *e, fs_err *err);
/* Invokes started so far (threaded engines count hangs too). */
long fw_engine_invocations(const fw_engine *e);

typedef enum fw_output_kind {
	FW_OUTPUT_AUTO = 0,
	FW_OUTPUT_PROBABILITY = 1,
	FW_OUTPUT_LOGIT = 2,
} fw_output_kind;

typedef struct fw_seg_opts {
	int overlap;          /* pixels */
	double threshold;     /* probability */
	fw_output_kind kind;
	int deadline_ms;      /* per invoke (threaded engines) */
	/* When it becomes non-zero, no further tile starts and fw_segment
	 * returns -ECANCELED (a stop request abandoning the FOV). May be NULL. */
	const atomic_int *cancel;
	/* Set to fw_now_ms() after each tile (the supervisor's heartbeat of a
	 * long CPU inference). May be NULL. */
	atomic_llong *progress;
} fw_seg_opts;

typedef struct fw_seg_stats {
	int tiles;
	double infer_ms;      /* time inside invokes */
	double total_ms;
} fw_seg_stats;

/* Segments an 8-bit grey image into mask (w*h bytes, 1 = foreground).
 * Errors from the engine (including -ETIMEDOUT) are passed up. */
int fw_segment(fw_engine *e, const fs_image *grey8, const fw_seg_opts *opts, uint8_t *mask,
	       fw_seg_stats *stats, fs_err *err);

/* The tile grid for one axis (exposed for tests): n tiles whose core
 * (kept) ranges are [core0[i], core1[i]) and whose input starts at
 * origin[i]. Returns n, at most max. */
int fw_tile_axis(int size, int tile, int overlap, int *origin, int *core0, int *core1, int max);

#endif
