/*
 * Private to firmware/loop: the state of one run and the stages that
 * share it. Each stage file takes what it needs from here:
 *   queue.c       bounded queues of slot indexes between the threads
 *   fov.c         one FOV's analysis buffers and result files (the FOV
 *                 pipeline used by both `fieldscope run` and `segment`)
 *   selftest.c    boot checks: LEDs, camera, models, storage
 *   record.c      status, audit lines, run.json, the run's COMPLETE
 *   capture.c     trigger, LEDs, camera (with reopen), DPC
 *   infer.c       segmentation with accelerator fault handling, analysis
 *   write.c       the FOV folder and its COMPLETE marker
 *   supervisor.c  signals, sd_notify, watchdog, blink codes, board hooks
 *   simboard.c    what only the simulated board does (hooks.h)
 *   loop.c        fw_run / fw_selftest / fw_segment_file
 */
#ifndef FW_LOOP_RUN_H
#define FW_LOOP_RUN_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "accel/accel.h"
#include "camera/camera.h"
#include "image/image.h"
#include "leds/leds.h"
#include "loop.h"
#include "proc/proc.h"
#include "segment/segment.h"
#include "store/store.h"
#include "util/util.h"

/* Three slots: one being captured, one in inference, one being written. */
#define NSLOTS 3
#define MAX_CELLS 65535
#define MAX_RECORDS 4096

/* ---- queue.c -------------------------------------------------------------- */

typedef struct queue {
	int items[NSLOTS];
	int head, count, closed;
	pthread_mutex_t mu;
	pthread_cond_t cv;
} queue;

void q_init(queue *q);
void q_destroy(queue *q);
void q_push(queue *q, int v);   /* never blocks: NSLOTS slots in all */
int q_pop(queue *q);            /* waits; -1 once closed and empty */
void q_close(queue *q);

/* ---- fov.c: the FOV pipeline ------------------------------------------- */

typedef struct fov {
	fs_image seg;            /* the analysed 8-bit image (DPC or one step) */
	uint8_t *mask;
	uint32_t *labels;
	fw_cell *cells;
	int ncells;
	double focus, confluence;
	int blurred, tiles;
	double t_infer, t_segment, t_analysis;
} fov;

/* File hashes collected for a FOV's COMPLETE marker. */
typedef struct fov_hashes {
	char name[8][80];
	char sha256[8][65];
	int n;
} fov_hashes;

/* Buffers for a w x h FOV; alloc_seg: also the 8-bit analysed image. */
int fov_alloc(fov *f, int w, int h, int alloc_seg, fs_err *err);
void fov_free(fov *f);
fw_output_kind fov_output_kind(const char *model_output);
/* Mask -> labels -> per-cell measures, confluence, focus. */
int fov_analyse(fov *f, fw_proc *proc, const fw_config *cfg, fs_err *err);
/* Writes DIR/name durably and adds its hash to h (may be NULL). */
int fov_write_png(const char *dir, const char *name, const fs_image *img, int compression, fov_hashes *h,
		  fs_err *err);
/* labels.png, overlay.png and cells.csv; label16/overlay are scratch. */
int fov_write_results(const fov *f, const char *dir, const fw_config *cfg, fs_image *label16, fs_image *overlay,
		      fov_hashes *h, fs_err *err);

/* ---- run state ------------------------------------------------------------ */

typedef struct slot {
	int fov;
	int abandoned;
	fs_image frames[FW_MAX_STEPS];
	fs_frame_meta meta[FW_MAX_STEPS];
	fov f;
	char backend[32];
	char why[512];
	double t_capture, t_write;
} slot;

typedef struct fov_record {
	int fov, cells, blurred, tiles;
	double focus, confluence;
	char backend[32];
	char why[512];
	double t_capture, t_infer, t_segment, t_analysis, t_write;
} fov_record;

typedef struct check {
	char name[24];
	int ok;
	char detail[400];
} check;

struct fw_board_hooks;

typedef struct run {
	const fw_config *cfg;
	FILE *log;
	const struct fw_board_hooks *hooks;   /* the LED backend's board extras */
	fs_leds *leds;
	fs_camera *cam;
	fs_camera_config camcfg;
	int width, height, depth;
	fw_engine *cpu, *accel;
	fw_accel *accel_dev;
	char accel_note[400];
	fw_proc *proc;

	slot slots[NSLOTS];
	queue freeq, inferq, writeq;
	fs_image label16, overlay;

	char run_dir[600];
	int run_no;
	fw_audit audit;
	int audit_ok;
	char started[32], ended[32];

	atomic_int stop;         /* no new FOVs */
	atomic_int abandon;      /* drop FOVs not finished (also cancels tiles) */
	atomic_int threads_done;
	pthread_mutex_t mu;      /* guards the status fields below */
	char status[600];
	int failed, blink;

	/* Inference thread; fell_back and fallback_why change under mu. */
	int fell_back, consecutive_failures;
	char fallback_why[320];

	/* Writer thread only (main reads after join). */
	fov_record *records;
	int nrec, fovs_done, cells_total;
	double infer_ms_total, t_first, t_last;

	check checks[8];
	int nchecks;
} run;

/* ---- record.c ------------------------------------------------------------- */

/* First fatal problem wins; later ones are logged only. Sets stop. */
void set_failure(run *r, int blink, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The end status, unless one is set already. */
void set_status(run *r, const char *msg);
void audit(run *r, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void add_check(run *r, const char *name, int ok, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int write_run_json(run *r, fs_err *err);
/* run-NNNN, audit.log with the self-test, first run.json. */
int start_run_dir(run *r, fs_err *err);
/* Writer thread: the FOV's line in run.json and the totals. */
void record_fov(run *r, const slot *s);
/* run_end audit line, final run.json, COMPLETE when the run ended well. */
void finish_run_record(run *r);
void run_summary(const run *r, fw_run_summary *sum);

/* ---- selftest.c ----------------------------------------------------------- */

/* Every check in order; stops at the first failure with r->blink set. */
int selftest(run *r, fs_err *err);
/* Buffers for NSLOTS FOVs of the camera's size. */
int alloc_buffers(run *r, fs_err *err);
/* Frees everything selftest and alloc_buffers made; LEDs dark first. */
void free_run(run *r);

/* ---- stage threads ---------------------------------------------------------- */

void *capture_main(void *arg);   /* capture.c */
void *infer_main(void *arg);     /* infer.c */
void *write_main(void *arg);     /* write.c */

/* ---- supervisor.c ------------------------------------------------------------ */

/* Blocks the signals the supervisor takes (SIGINT, SIGTERM and the board
 * hooks' signal) in the calling thread; *old receives the previous mask. */
void supervisor_block(const run *r, sigset_t *sigs, sigset_t *old);
/* Until every one of `threads` stage threads is done: signals, watchdog,
 * board hooks. */
void supervise(run *r, int threads, const sigset_t *sigs);
/* N short pulses, pause, repeat for `seconds` (a stop signal ends it). */
void blink_code(run *r, int code, int seconds, const sigset_t *sigs);

/* ---- hooks.h (simboard.c) ------------------------------------------------- */

#include "hooks.h"

#endif
