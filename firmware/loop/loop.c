#include "loop.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "camera/camera.h"
#include "image/image.h"
#include "leds/leds.h"
#include "leds/leds_sim.h"
#include "proc/proc.h"
#include "segment/segment.h"
#include "store/store.h"

/* Three slots: one being captured, one in inference, one being written. */
#define NSLOTS 3
#define MAX_CELLS 65535
#define MAX_RECORDS 4096

/* ---- small helpers ------------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(double ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = {(time_t)(ms / 1000), (long)(fmod(ms, 1000.0) * 1e6)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void iso_now(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void logf_(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(FILE *log, const char *fmt, ...)
{
	if (!log)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("fieldscope: ", log);
	vfprintf(log, fmt, ap);
	fputc('\n', log);
	fflush(log);
	va_end(ap);
}

/* ---- bounded queue of slot indexes --------------------------------------- */

typedef struct queue {
	int items[NSLOTS];
	int head, count, closed;
	pthread_mutex_t mu;
	pthread_cond_t cv;
} queue;

static void q_init(queue *q)
{
	memset(q, 0, sizeof *q);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
}

static void q_destroy(queue *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
}

/* Never blocks: there are only NSLOTS slots in all queues together. */
static void q_push(queue *q, int v)
{
	pthread_mutex_lock(&q->mu);
	q->items[(q->head + q->count) % NSLOTS] = v;
	q->count++;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* Waits for an item; returns -1 once the queue is closed and empty. */
static int q_pop(queue *q)
{
	pthread_mutex_lock(&q->mu);
	while (!q->count && !q->closed)
		pthread_cond_wait(&q->cv, &q->mu);
	int v = -1;
	if (q->count) {
		v = q->items[q->head];
		q->head = (q->head + 1) % NSLOTS;
		q->count--;
	}
	pthread_mutex_unlock(&q->mu);
	return v;
}

static void q_close(queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* ---- run state ----------------------------------------------------------- */

typedef struct slot {
	int fov;
	int abandoned;
	fs_image frames[FW_MAX_STEPS];
	fs_frame_meta meta[FW_MAX_STEPS];
	fs_image seg;            /* the analysed 8-bit image (DPC or one step) */
	uint8_t *mask;
	uint32_t *labels;
	fw_cell *cells;
	int ncells;
	double focus, confluence;
	int blurred, tiles;
	char backend[32];
	char why[512];
	double t_capture, t_infer, t_segment, t_analysis, t_write;
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

typedef struct run {
	const fw_config *cfg;
	FILE *log;
	fs_leds *leds;
	fs_camera *cam;
	fs_camera_config camcfg;
	int width, height, depth;
	fw_engine *cpu, *accel;
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
	int is_sim_leds;
} run;

/* First fatal problem wins; later ones are logged only. */
static void set_failure(run *r, int blink, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_failure(run *r, int blink, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&r->mu);
	if (!r->failed) {
		r->failed = 1;
		r->blink = blink;
		snprintf(r->status, sizeof r->status, "%s", msg);
	}
	pthread_mutex_unlock(&r->mu);
	atomic_store(&r->stop, 1);
	logf_(r->log, "%s", msg);
}

static void set_status(run *r, const char *msg)
{
	pthread_mutex_lock(&r->mu);
	if (!r->failed && !r->status[0])
		snprintf(r->status, sizeof r->status, "%s", msg);
	pthread_mutex_unlock(&r->mu);
}

static void audit(run *r, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void audit(run *r, const char *event, const char *fmt, ...)
{
	char detail[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	fs_err e;
	/* Three threads log events; the chain needs one writer at a time. */
	pthread_mutex_lock(&r->mu);
	int rc = r->audit_ok ? fw_audit_append(&r->audit, event, detail, &e) : 0;
	if (rc)
		r->audit_ok = 0;
	pthread_mutex_unlock(&r->mu);
	if (rc)
		logf_(r->log, "audit log: %s", e.msg);
}

static void add_check(run *r, const char *name, int ok, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add_check(run *r, const char *name, int ok, const char *fmt, ...)
{
	if (r->nchecks == (int)(sizeof r->checks / sizeof r->checks[0]))
		return;
	check *c = &r->checks[r->nchecks++];
	snprintf(c->name, sizeof c->name, "%s", name);
	c->ok = ok;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof c->detail, fmt, ap);
	va_end(ap);
	logf_(r->log, "self-test %-11s %s: %s", name, ok ? "ok  " : "FAIL", c->detail);
}

/* ---- run.json -------------------------------------------------------------- */

static void write_engine_json(FILE *o, const fw_engine *e)
{
	if (!e) {
		fputs("null", o);
		return;
	}
	int w, h;
	fw_engine_tile_size(e, &w, &h);
	fputs("{\"backend\": ", o);
	fw_json_str(o, fw_engine_name(e));
	fputs(", \"path\": ", o);
	fw_json_str(o, fw_engine_path(e));
	fprintf(o, ", \"sha256\": \"%s\", \"tile\": [%d, %d]}", fw_engine_sha256(e), w, h);
}

static int fill_run_json(FILE *o, void *user)
{
	run *r = user;
	const fw_config *cfg = r->cfg;
	pthread_mutex_lock(&r->mu);
	char status[600];
	snprintf(status, sizeof status, "%s", r->status[0] ? r->status : "running");
	int failed = r->failed, fell_back = r->fell_back;
	char fallback_why[320];
	snprintf(fallback_why, sizeof fallback_why, "%s", r->fallback_why);
	double t_first = r->t_first;
	pthread_mutex_unlock(&r->mu);
	fprintf(o, "{\n  \"firmware\": \"fieldscope\",\n  \"firmware_version\": \"%s\",\n", FW_VERSION);
	fprintf(o, "  \"run\": %d,\n  \"status\": ", r->run_no);
	fw_json_str(o, status);
	fprintf(o, ",\n  \"ok\": %s,\n  \"started\": \"%s\",\n  \"ended\": ", failed ? "false" : "true", r->started);
	if (r->ended[0])
		fprintf(o, "\"%s\"", r->ended);
	else
		fputs("null", o);
	fputs(",\n  \"board\": ", o);
	fw_json_str(o, cfg->board.name[0] ? cfg->board.name : cfg->board_ref);
	fprintf(o, ",\n  \"pixel_size_um\": %.6g,\n  \"image\": {\"width\": %d, \"height\": %d, \"depth\": %d},\n",
		cfg->board.pixel_size_um, r->width, r->height, r->depth);
	fputs("  \"models\": {\"cpu\": ", o);
	write_engine_json(o, r->cpu);
	fputs(", \"accelerator\": ", o);
	write_engine_json(o, r->accel);
	fputs("},\n  \"accelerator\": {\"configured\": ", o);
	fw_json_str(o, cfg->board.accelerator);
	fprintf(o, ", \"present\": %s, \"note\": ", r->accel ? "true" : "false");
	fw_json_str(o, r->accel_note);
	fprintf(o, ", \"fell_back_to_cpu\": %s, \"fallback_reason\": ", fell_back ? "true" : "false");
	fw_json_str(o, fallback_why);
	fputs("},\n  \"selftest\": [", o);
	for (int i = 0; i < r->nchecks; i++) {
		fprintf(o, "%s\n    {\"check\": \"%s\", \"ok\": %s, \"detail\": ", i ? "," : "", r->checks[i].name,
			r->checks[i].ok ? "true" : "false");
		fw_json_str(o, r->checks[i].detail);
		fputs("}", o);
	}
	double wall = r->t_last > t_first ? (r->t_last - t_first) / 1e3 : 0;
	fprintf(o, "],\n  \"led_overtime_cuts\": %u", r->leds ? fs_leds_overtime_count(r->leds) : 0u);
	fprintf(o, ",\n  \"totals\": {\"fovs\": %d, \"cells\": %d, \"wall_s\": %.3f, \"inference_s\": %.3f, "
		   "\"fovs_per_min\": %.3f, \"inference_share\": %.4f},\n",
		r->fovs_done, r->cells_total, wall, r->infer_ms_total / 1e3,
		wall > 0 ? r->fovs_done * 60.0 / wall : 0.0, wall > 0 ? r->infer_ms_total / 1e3 / wall : 0.0);
	fputs("  \"fovs\": [", o);
	for (int i = 0; i < r->nrec; i++) {
		const fov_record *f = &r->records[i];
		fprintf(o, "%s\n    {\"fov\": %d, \"dir\": \"fov-%05d\", \"cells\": %d, \"confluence\": %.5f, "
			   "\"focus\": %.3f, \"blurred\": %s, \"tiles\": %d, \"backend\": ",
			i ? "," : "", f->fov, f->fov, f->cells, f->confluence, f->focus, f->blurred ? "true" : "false",
			f->tiles);
		fw_json_str(o, f->backend);
		fputs(", \"why\": ", o);
		fw_json_str(o, f->why);
		fprintf(o, ", \"timings_ms\": {\"capture\": %.1f, \"inference\": %.1f, \"segment\": %.1f, "
			   "\"analysis\": %.1f, \"write\": %.1f}}",
			f->t_capture, f->t_infer, f->t_segment, f->t_analysis, f->t_write);
	}
	fputs("],\n  \"config\": ", o);
	fw_config_write_json(cfg, o);
	if (r->is_sim_leds && r->leds && r->ended[0]) {
		/* The simulated board's record of every line at exit. */
		fputs(",\n  \"sim_leds_at_exit\": {", o);
		const fs_leds_config *lc = &cfg->board.leds;
		int first = 1;
		for (int i = 0; i < lc->n_lines; i++) {
			fprintf(o, "%s", first ? "" : ", ");
			fw_json_str(o, lc->lines[i].spec);
			fprintf(o, ": %d", fs_leds_sim_lit(r->leds, lc->lines[i].spec));
			first = 0;
		}
		if (lc->status[0]) {
			fprintf(o, "%s", first ? "" : ", ");
			fw_json_str(o, lc->status);
			fprintf(o, ": %d", fs_leds_sim_lit(r->leds, lc->status));
		}
		fprintf(o, "},\n  \"sim_led_changes\": %d", fs_leds_sim_history(r->leds, NULL, 0));
	}
	fputs("\n}\n", o);
	return ferror(o) ? -EIO : 0;
}

static int write_run_json(run *r, fs_err *err)
{
	char path[700];
	snprintf(path, sizeof path, "%s/run.json", r->run_dir);
	return fw_write_text(path, fill_run_json, r, err);
}

/* ---- self-test ----------------------------------------------------------- */

static int open_leds(run *r, fs_err *err)
{
	const fw_config *cfg = r->cfg;
	r->is_sim_leds = !strcmp(cfg->board.leds.backend, "sim");
	int rc = fs_leds_new(&cfg->board.leds, &r->leds, err);
	if (rc) {
		add_check(r, "leds", 0, "%s", err->msg);
		return rc;
	}
	/* Each pattern lights and goes dark again. */
	for (int i = 0; i < cfg->board.leds.n_patterns; i++) {
		const char *name = cfg->board.leds.patterns[i].name;
		rc = fs_leds_set_pattern(r->leds, name, err);
		const char *cur = fs_leds_current(r->leds);
		if (!rc && (!cur || strcmp(cur, name)))
			rc = fs_err_set(err, -EIO, "pattern %s did not read back as lit", name);
		int rc2 = fs_leds_all_off(r->leds, err);
		if (!rc)
			rc = rc2;
		if (!rc && fs_leds_current(r->leds))
			rc = fs_err_set(err, -EIO, "pattern %s did not switch off", name);
		if (rc) {
			add_check(r, "leds", 0, "%s", err->msg);
			return rc;
		}
	}
	if (cfg->board.leds.status[0]) {
		fs_leds_set_status(r->leds, true, NULL);
		sleep_ms(50);
		fs_leds_set_status(r->leds, false, NULL);
	}
	add_check(r, "leds", 1, "%d pattern(s) toggled on %s backend%s", cfg->board.leds.n_patterns,
		  cfg->board.leds.backend, cfg->board.leds.status[0] ? ", status LED toggled" : "");
	return 0;
}

static int open_camera(run *r, int test_frame, fs_err *err)
{
	r->camcfg = r->cfg->board.camera;
	int rc = fs_camera_open(&r->camcfg, &r->cam, err);
	if (rc) {
		if (test_frame)
			add_check(r, "camera", 0, "%s", err->msg);
		return rc;
	}
	fs_camera_info info;
	fs_camera_get_info(r->cam, &info);
	r->width = info.width;
	r->height = info.height;
	r->depth = info.depth ? info.depth : 8;
	if (!test_frame)
		return 0;
	fs_image img = {0};
	rc = fs_camera_alloc_frame(r->cam, &img, err);
	if (!rc) {
		rc = fs_camera_set_step(r->cam, r->cfg->board.steps[0].name, err);
		if (!rc)
			rc = fs_camera_capture(r->cam, r->cfg->board.capture_timeout_ms, &img, NULL, err);
	}
	fs_image_free(&img);
	if (rc) {
		add_check(r, "camera", 0, "%s: no test frame: %s", r->camcfg.device, err->msg);
		return rc;
	}
	add_check(r, "camera", 1, "%s %s: %dx%d %d-bit frame", r->camcfg.backend, info.driver, r->width,
		  r->height, r->depth);
	/* Reopen so that replay and streaming start from a clean state. */
	fs_camera_close(r->cam);
	r->cam = NULL;
	return open_camera(r, 0, err);
}

static int open_models(run *r, fs_err *err)
{
	const fw_config *cfg = r->cfg;
	fw_engine_opts o = {.name = "cpu", .path = cfg->model_cpu, .expect_sha256 = cfg->model_cpu_sha256,
			    .cpu_threads = fw_config_cpu_threads(cfg)};
	int rc = fw_engine_open(&o, &r->cpu, err);
	if (rc) {
		add_check(r, "model", 0, "%s", err->msg);
		return rc;
	}
	int tw, th;
	fw_engine_tile_size(r->cpu, &tw, &th);
	add_check(r, "model", 1, "%s sha256 %s%s, tile %dx%d, %d CPU thread(s)", cfg->model_cpu,
		  fw_engine_sha256(r->cpu), cfg->model_cpu_sha256[0] ? " (matches)" : " (not pinned)", tw, th,
		  fw_config_cpu_threads(cfg));

	const char *acc = cfg->board.accelerator;
	if (!strcmp(acc, "none")) {
		snprintf(r->accel_note, sizeof r->accel_note, "no accelerator configured: CPU");
	} else if (!strcmp(acc, "sim")) {
		/* Simulated accelerator: the fsnn CPU kernels behind a worker
		 * thread with a deadline, plus injectable hangs. */
		fw_engine_opts a = {
			.name = "sim",
			.path = cfg->model_accel[0] ? cfg->model_accel : cfg->model_cpu,
			.expect_sha256 = cfg->model_accel[0] ? cfg->model_accel_sha256 : cfg->model_cpu_sha256,
			.threaded = 1,
			.sim_hang_from = cfg->board.sim_hang_from,
			.sim_hang_count = cfg->board.sim_hang_count,
		};
		rc = fw_engine_open(&a, &r->accel, err);
		if (rc) {
			add_check(r, "model", 0, "accelerator model: %s", err->msg);
			return rc;
		}
		snprintf(r->accel_note, sizeof r->accel_note, "simulated accelerator present");
	} else {
		snprintf(r->accel_note, sizeof r->accel_note,
			 "accelerator '%s' absent: this build has no driver for it; CPU", acc);
	}
	add_check(r, "accelerator", 1, "%s", r->accel_note);
	return 0;
}

static int check_storage(run *r, const char *dir, fs_err *err)
{
	uint64_t free_b;
	int rc = fw_free_bytes(dir, &free_b, err);
	if (!rc && free_b < (uint64_t)r->cfg->min_free_mb << 20)
		rc = fs_err_set(err, -ENOSPC, "%s: only %.1f MiB free, [storage] min_free_mb = %d", dir,
				free_b / 1048576.0, r->cfg->min_free_mb);
	if (!rc) {
		char probe[700];
		snprintf(probe, sizeof probe, "%s/.fieldscope-write-test", dir);
		rc = fw_write_file(probe, "ok\n", 3, err);
		if (!rc)
			unlink(probe);
	}
	if (rc) {
		add_check(r, "storage", 0, "%s", err->msg);
		return rc;
	}
	add_check(r, "storage", 1, "%s writable, %.0f MiB free", dir, free_b / 1048576.0);
	return 0;
}

static int mkdirs(const char *path, fs_err *err)
{
	char tmp[600];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(tmp, 0755);
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return fs_err_set(err, -errno, "%s: cannot create results folder: %s", path, strerror(errno));
	return 0;
}

/* Runs every check in order; stops at the first failure. */
static int selftest(run *r, fs_err *err)
{
	int rc = open_leds(r, err);
	if (rc) {
		r->blink = FW_BLINK_LEDS;
		return rc;
	}
	rc = open_camera(r, 1, err);
	if (rc) {
		r->blink = FW_BLINK_CAMERA;
		return rc;
	}
	rc = open_models(r, err);
	if (rc) {
		r->blink = FW_BLINK_MODEL;
		return rc;
	}
	rc = mkdirs(r->cfg->results_dir, err);
	if (!rc)
		rc = check_storage(r, r->cfg->results_dir, err);
	else
		add_check(r, "storage", 0, "%s", err->msg);
	if (rc) {
		r->blink = FW_BLINK_STORAGE;
		return rc;
	}
	return 0;
}

static void blink_code(run *r, int code, int seconds, const sigset_t *sigs)
{
	if (!r->leds || !r->cfg->board.leds.status[0] || code <= 0 || seconds <= 0)
		return;
	double end = now_ms() + seconds * 1000.0;
	while (now_ms() < end) {
		for (int i = 0; i < code; i++) {
			fs_leds_set_status(r->leds, true, NULL);
			sleep_ms(200);
			fs_leds_set_status(r->leds, false, NULL);
			sleep_ms(200);
		}
		/* The pause between codes doubles as the wait for a stop signal. */
		struct timespec ts = {1, 0};
		int sig = sigs ? sigtimedwait(sigs, NULL, &ts) : (sleep_ms(1000), -1);
		if (sig == SIGINT || sig == SIGTERM)
			break;
	}
	fs_leds_set_status(r->leds, false, NULL);
}

/* The simulated board's record of every line as the program lets go of
 * them, on every exit path (tests read it). */
static void log_sim_leds(const run *r)
{
	if (!r->is_sim_leds || !r->log)
		return;
	const fs_leds_config *lc = &r->cfg->board.leds;
	char line[1024];
	size_t n = 0;
	for (int i = 0; i <= lc->n_lines && n < sizeof line; i++) {
		const char *spec = i < lc->n_lines ? lc->lines[i].spec : lc->status;
		if (!*spec)
			continue;
		n += (size_t)snprintf(line + n, sizeof line - n, " %s=%d", spec, fs_leds_sim_lit(r->leds, spec));
	}
	/* Status LED pulses (self-test toggle + blink codes), from the record. */
	fs_leds_sim_change ch[256];
	int total = fs_leds_sim_history(r->leds, ch, 256), pulses = 0;
	for (int i = 0; i < total && i < 256; i++)
		pulses += ch[i].line == -1 && ch[i].lit;
	logf_(r->log, "sim LEDs at exit:%s (status LED lit %d time(s))", line, pulses);
}

static void free_run(run *r)
{
	for (int i = 0; i < NSLOTS; i++) {
		slot *s = &r->slots[i];
		for (int k = 0; k < FW_MAX_STEPS; k++)
			fs_image_free(&s->frames[k]);
		fs_image_free(&s->seg);
		free(s->mask);
		free(s->labels);
		free(s->cells);
	}
	fs_image_free(&r->label16);
	fs_image_free(&r->overlay);
	free(r->records);
	fw_proc_free(r->proc);
	fw_engine_close(r->accel);
	fw_engine_close(r->cpu);
	fs_camera_close(r->cam);
	if (r->leds) {
		fs_leds_all_off(r->leds, NULL);
		fs_leds_set_status(r->leds, false, NULL);
		log_sim_leds(r);
		fs_leds_free(r->leds);
	}
	fw_audit_close(&r->audit);
	pthread_mutex_destroy(&r->mu);
}

int fw_selftest(const fw_config *cfg, FILE *log, int *blink, fs_err *err)
{
	run *r = calloc(1, sizeof *r);
	if (!r)
		return fs_err_set(err, -ENOMEM, "out of memory");
	r->cfg = cfg;
	r->log = log;
	pthread_mutex_init(&r->mu, NULL);
	int rc = selftest(r, err);
	if (blink)
		*blink = rc ? r->blink : 0;
	if (rc)
		blink_code(r, r->blink, cfg->error_blink_s, NULL);
	free_run(r);
	free(r);
	return rc;
}

/* ---- capture thread ------------------------------------------------------ */

static int step_index(const fw_board *b, const char *name)
{
	for (int i = 0; i < b->n_steps; i++)
		if (!strcmp(b->steps[i].name, name))
			return i;
	return -1;
}

/* Sleeps in small pieces so a stop request is seen quickly. */
static int wait_or_stop(run *r, double ms)
{
	double end = now_ms() + ms;
	while (!atomic_load(&r->stop)) {
		double left = end - now_ms();
		if (left <= 0)
			return 0;
		sleep_ms(left < 50 ? left : 50);
	}
	return 1;
}

/* One FOV: every step lit, settled, captured and switched off. LED
 * errors are fatal (-EPIPE in *led_fault), camera errors are returned. */
static int capture_steps(run *r, slot *s, int *led_fault, fs_err *err)
{
	const fw_board *b = &r->cfg->board;
	*led_fault = 0;
	for (int i = 0; i < b->n_steps; i++) {
		int rc = fs_leds_set_pattern(r->leds, b->steps[i].name, err);
		if (rc) {
			*led_fault = 1;
			fs_leds_all_off(r->leds, NULL);
			return rc;
		}
		rc = fs_camera_set_step(r->cam, b->steps[i].name, err);
		if (!rc) {
			sleep_ms(b->settle_ms);
			rc = fs_camera_capture(r->cam, b->capture_timeout_ms, &s->frames[i], &s->meta[i], err);
		}
		/* Dark between steps and after any failure. */
		int rc2 = fs_leds_all_off(r->leds, NULL);
		if (rc)
			return rc;
		if (rc2) {
			*led_fault = 1;
			return fs_err_set(err, rc2, "LEDs did not switch off after step %s", b->steps[i].name);
		}
	}
	return 0;
}

static int capture_with_recovery(run *r, slot *s, fs_err *err)
{
	const fw_config *cfg = r->cfg;
	for (int attempt = 0;; attempt++) {
		int led_fault = 0, rc = -ENODEV;
		if (r->cam)
			rc = capture_steps(r, s, &led_fault, err);
		if (!rc)
			return 0;
		if (led_fault) {
			set_failure(r, FW_BLINK_LEDS, "LED fault: %s", err->msg);
			return rc;
		}
		if (rc == FS_CAMERA_END)
			return rc;
		if (attempt >= cfg->camera_retries) {
			set_failure(r, FW_BLINK_CAMERA, "camera lost: %s (gave up after %d reopen attempts)", err->msg,
				    attempt);
			audit(r, "camera_lost", "fov=%d attempts=%d error=%s", s->fov, attempt, err->msg);
			return rc;
		}
		double backoff = (double)cfg->camera_backoff_ms * (double)(1 << (attempt < 16 ? attempt : 16));
		logf_(r->log, "camera fault on FOV %d: %s; reopening in %.0f ms (attempt %d of %d)", s->fov,
		      err->msg, backoff, attempt + 1, cfg->camera_retries);
		audit(r, "camera_fault", "fov=%d attempt=%d error=%s", s->fov, attempt + 1, err->msg);
		fs_camera_close(r->cam);
		r->cam = NULL;
		if (wait_or_stop(r, backoff))
			return -ECANCELED;
		fs_err e2;
		if (fs_camera_open(&r->camcfg, &r->cam, &e2) == 0) {
			fs_camera_info info;
			fs_camera_get_info(r->cam, &info);
			if (info.width != r->width || info.height != r->height) {
				fs_camera_close(r->cam);
				r->cam = NULL;
				fs_err_set(err, -EINVAL, "camera came back with %dx%d frames, was %dx%d", info.width,
					   info.height, r->width, r->height);
			} else {
				logf_(r->log, "camera reopened");
			}
		} else {
			*err = e2;
		}
	}
}

/* Bytes one FOV's results need at most, to stop before a write fails. */
static uint64_t fov_bytes(const run *r)
{
	uint64_t px = (uint64_t)r->width * (uint64_t)r->height;
	return px * (uint64_t)(r->cfg->board.n_steps * (r->depth / 8) + 1 + 2 + 3) + (1u << 20);
}

static int wait_trigger(run *r, double *next_tick)
{
	const fw_config *cfg = r->cfg;
	if (cfg->trigger == FW_TRIGGER_INTERVAL) {
		double wait = *next_tick - now_ms();
		if (wait > 0 && wait_or_stop(r, wait))
			return 1;
		*next_tick = fmax(*next_tick + cfg->interval_s * 1000.0, now_ms());
		return atomic_load(&r->stop);
	}
	if (cfg->trigger == FW_TRIGGER_BUTTON) {
		while (!atomic_load(&r->stop)) {
			fs_button_event ev;
			fs_err e;
			int rc = fs_leds_button_wait(r->leds, 100, &ev, &e);
			if (rc < 0) {
				set_failure(r, FW_BLINK_LEDS, "button: %s", e.msg);
				return 1;
			}
			if (rc == 1 && ev.pressed) {
				logf_(r->log, "button pressed");
				return 0;
			}
		}
		return 1;
	}
	return atomic_load(&r->stop);
}

static void *capture_main(void *arg)
{
	run *r = arg;
	const fw_config *cfg = r->cfg;
	const fw_board *b = &cfg->board;
	int dpc = !strcmp(b->segment_input, "dpc");
	int li = dpc ? step_index(b, b->dpc_left) : -1, ri = dpc ? step_index(b, b->dpc_right) : -1;
	int si = dpc ? -1 : step_index(b, b->segment_input);
	double next_tick = now_ms();
	for (int fov = 1; cfg->max_fovs == 0 || fov <= cfg->max_fovs; fov++) {
		if (wait_trigger(r, &next_tick))
			break;
		uint64_t free_b;
		fs_err err;
		if (fw_free_bytes(r->run_dir, &free_b, &err)) {
			set_failure(r, FW_BLINK_STORAGE, "storage: %s", err.msg);
			break;
		}
		uint64_t need = ((uint64_t)cfg->min_free_mb << 20) + fov_bytes(r);
		if (free_b < need) {
			set_failure(r, FW_BLINK_STORAGE,
				    "storage nearly full: %.1f MiB free in %s, FOV %d needs %.1f MiB plus min_free_mb = %d; "
				    "acquisition stopped", free_b / 1048576.0, r->run_dir, fov,
				    fov_bytes(r) / 1048576.0, cfg->min_free_mb);
			audit(r, "storage_full", "fov=%d free_bytes=%llu", fov, (unsigned long long)free_b);
			break;
		}
		int idx = q_pop(&r->freeq);
		if (idx < 0 || atomic_load(&r->stop)) {
			if (idx >= 0)
				q_push(&r->freeq, idx);
			break;
		}
		slot *s = &r->slots[idx];
		s->fov = fov;
		s->abandoned = 0;
		double t0 = now_ms();
		pthread_mutex_lock(&r->mu);
		if (!r->t_first)
			r->t_first = t0;
		pthread_mutex_unlock(&r->mu);
		int rc = capture_with_recovery(r, s, &err);
		if (rc == FS_CAMERA_END) {
			set_status(r, "completed: camera replay finished");
			q_push(&r->freeq, idx);
			break;
		}
		if (rc) {
			q_push(&r->freeq, idx);
			break;
		}
		if (dpc)
			rc = fw_dpc(&s->frames[li], &s->frames[ri], &s->seg, &err);
		else
			rc = fw_to_grey8(&s->frames[si], &s->seg, &err);
		if (rc) {
			set_failure(r, FW_BLINK_CAMERA, "FOV %d: %s", fov, err.msg);
			q_push(&r->freeq, idx);
			break;
		}
		s->t_capture = now_ms() - t0;
		q_push(&r->inferq, idx);
	}
	set_status(r, cfg->max_fovs ? "completed: max_fovs reached" : "completed");
	q_close(&r->inferq);
	atomic_fetch_add(&r->threads_done, 1);
	return NULL;
}

/* ---- inference thread ---------------------------------------------------- */

static fw_output_kind output_kind(const char *s)
{
	return !strcmp(s, "probability") ? FW_OUTPUT_PROBABILITY : !strcmp(s, "logit") ? FW_OUTPUT_LOGIT
										    : FW_OUTPUT_AUTO;
}

/* Segments with the accelerator while it is healthy: a failed or late
 * invoke resets it and retries the FOV up to inference_retries times, then
 * the run continues on the CPU model. */
static int infer_fov(run *r, slot *s, fs_err *err)
{
	const fw_config *cfg = r->cfg;
	fw_seg_opts so = {
		.overlap = cfg->tile_overlap,
		.threshold = cfg->threshold,
		.kind = output_kind(cfg->model_output),
		.deadline_ms = cfg->inference_deadline_ms,
		.cancel = &r->abandon,
	};
	int resets = 0;
	char last_err[FS_ERR_MSG_MAX] = "";
	for (;;) {
		fw_engine *e = r->accel && !r->fell_back ? r->accel : r->cpu;
		fw_seg_stats st;
		int rc = fw_segment(e, &s->seg, &so, s->mask, &st, err);
		s->t_infer = st.infer_ms;
		s->t_segment = st.total_ms;
		s->tiles = st.tiles;
		if (!rc) {
			snprintf(s->backend, sizeof s->backend, "%s", fw_engine_name(e));
			if (e == r->accel && resets)
				snprintf(s->why, sizeof s->why, "accelerator recovered after %d reset(s); last error: %.200s",
					 resets, last_err);
			else if (e == r->accel)
				snprintf(s->why, sizeof s->why, "accelerator healthy");
			else if (r->fell_back)
				snprintf(s->why, sizeof s->why, "CPU fallback: %s", r->fallback_why);
			else
				snprintf(s->why, sizeof s->why, "%s", r->accel_note);
			r->consecutive_failures = 0;
			return 0;
		}
		if (e == r->cpu || rc == -ECANCELED)
			return rc;
		snprintf(last_err, sizeof last_err, "%s", err->msg);
		r->consecutive_failures++;
		resets++;
		fs_err re;
		int rrc = fw_engine_reset(r->accel, &re);
		logf_(r->log, "FOV %d: %s; backend reset%s (failure %d, retries allowed %d)", s->fov, err->msg,
		      rrc ? " failed" : "", r->consecutive_failures, cfg->inference_retries);
		audit(r, "inference_fault", "fov=%d backend=%s error=%s reset=%s", s->fov, fw_engine_name(e), err->msg,
		      rrc ? re.msg : "ok");
		if (rrc || r->consecutive_failures > cfg->inference_retries) {
			pthread_mutex_lock(&r->mu);
			r->fell_back = 1;
			snprintf(r->fallback_why, sizeof r->fallback_why,
				 "from FOV %d on: accelerator %s failed %d time(s) in a row (%.200s)%s", s->fov,
				 fw_engine_name(e), r->consecutive_failures, last_err, rrc ? "; reset failed" : "");
			pthread_mutex_unlock(&r->mu);
			logf_(r->log, "moving to the CPU model %s", r->fallback_why);
			audit(r, "cpu_fallback", "%s", r->fallback_why);
		}
	}
}

static void *infer_main(void *arg)
{
	run *r = arg;
	const fw_config *cfg = r->cfg;
	fw_label_opts lo = {cfg->connectivity, cfg->min_cell_area_px, cfg->grow_px};
	int idx;
	while ((idx = q_pop(&r->inferq)) >= 0) {
		slot *s = &r->slots[idx];
		if (atomic_load(&r->abandon)) {
			s->abandoned = 1;
			q_push(&r->writeq, idx);
			continue;
		}
		fs_err err;
		int rc = infer_fov(r, s, &err);
		if (rc == -ECANCELED) {
			logf_(r->log, "FOV %d abandoned: stopping", s->fov);
			s->abandoned = 1;
			q_push(&r->writeq, idx);
			continue;
		}
		if (rc) {
			set_failure(r, FW_BLINK_MODEL, "FOV %d: inference failed: %s", s->fov, err.msg);
			s->abandoned = 1;
			q_push(&r->writeq, idx);
			continue;
		}
		double t0 = now_ms();
		int n = fw_label(r->proc, s->mask, r->width, r->height, &lo, s->labels, &err);
		if (n < 0) {
			set_failure(r, FW_BLINK_MODEL, "FOV %d: %s", s->fov, err.msg);
			s->abandoned = 1;
			q_push(&r->writeq, idx);
			continue;
		}
		s->ncells = n;
		fw_measure(s->labels, n, &s->seg, cfg->board.pixel_size_um, s->cells);
		s->confluence = fw_confluence(s->labels, r->width, r->height);
		s->focus = fw_focus_score(&s->seg);
		s->blurred = s->focus < cfg->focus_min;
		s->t_analysis = now_ms() - t0;
		q_push(&r->writeq, idx);
	}
	q_close(&r->writeq);
	atomic_fetch_add(&r->threads_done, 1);
	return NULL;
}

/* ---- writer thread ------------------------------------------------------- */

typedef struct csv_job {
	const slot *s;
	double pixel_um;
} csv_job;

static int fill_cells(FILE *o, void *user)
{
	const csv_job *j = user;
	return fw_cells_csv(o, j->s->cells, j->s->ncells, j->pixel_um);
}

typedef struct done_job {
	run *r;
	const slot *s;
	char hashes[8][2][80];
	int nh;
} done_job;

static int fill_done(FILE *o, void *user)
{
	done_job *j = user;
	const slot *s = j->s;
	fprintf(o, "{\"fov\": %d, \"run\": %d, \"cells\": %d, \"confluence\": %.5f, \"focus\": %.3f, "
		   "\"blurred\": %s, \"backend\": ", s->fov, j->r->run_no, s->ncells, s->confluence, s->focus,
		s->blurred ? "true" : "false");
	fw_json_str(o, s->backend);
	fputs(", \"why\": ", o);
	fw_json_str(o, s->why);
	fputs(", \"sha256\": {", o);
	for (int i = 0; i < j->nh; i++)
		fprintf(o, "%s\"%s\": \"%s\"", i ? ", " : "", j->hashes[i][0], j->hashes[i][1]);
	fputs("}}\n", o);
	return ferror(o) ? -EIO : 0;
}

static int add_hash(done_job *j, const char *dir, const char *name, fs_err *err)
{
	char path[800];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (j->nh == 8)
		return 0;
	snprintf(j->hashes[j->nh][0], sizeof j->hashes[0][0], "%s", name);
	int rc = fw_sha256_file(path, j->hashes[j->nh][1], err);
	j->nh++;
	return rc;
}

static int write_fov(run *r, slot *s, fs_err *err)
{
	const fw_config *cfg = r->cfg;
	const fw_board *b = &cfg->board;
	char dir[700], path[800];
	snprintf(dir, sizeof dir, "%s/fov-%05d", r->run_dir, s->fov);
	int rc = fw_mkdir_durable(dir, 0, err);
	if (rc)
		return rc;
	done_job dj = {.r = r, .s = s};
	int comp = cfg->png_compression;
	if (cfg->save_raw)
		for (int i = 0; i < b->n_steps; i++) {
			char name[80];
			snprintf(name, sizeof name, "raw_%s.png", b->steps[i].name);
			snprintf(path, sizeof path, "%s/%s", dir, name);
			if ((rc = fw_write_png(path, &s->frames[i], comp, err)) || (rc = add_hash(&dj, dir, name, err)))
				return rc;
		}
	/* The analysed image, unless it is one of the raw frames as stored. */
	int is_dpc = !strcmp(b->segment_input, "dpc");
	if (is_dpc || !cfg->save_raw || r->depth != 8) {
		const char *in_name = is_dpc ? "dpc.png" : "input.png";
		snprintf(path, sizeof path, "%s/%s", dir, in_name);
		if ((rc = fw_write_png(path, &s->seg, comp, err)) || (rc = add_hash(&dj, dir, in_name, err)))
			return rc;
	}
	fw_labels_to_image(s->labels, &r->label16);
	snprintf(path, sizeof path, "%s/labels.png", dir);
	if ((rc = fw_write_png(path, &r->label16, comp, err)) || (rc = add_hash(&dj, dir, "labels.png", err)))
		return rc;
	fw_overlay(&s->seg, s->labels, s->cells, s->ncells, &r->overlay);
	snprintf(path, sizeof path, "%s/overlay.png", dir);
	if ((rc = fw_write_png(path, &r->overlay, comp, err)) || (rc = add_hash(&dj, dir, "overlay.png", err)))
		return rc;
	csv_job cj = {s, b->pixel_size_um};
	snprintf(path, sizeof path, "%s/cells.csv", dir);
	if ((rc = fw_write_text(path, fill_cells, &cj, err)) || (rc = add_hash(&dj, dir, "cells.csv", err)))
		return rc;
	/* Last: the marker that makes the FOV count as complete. */
	snprintf(path, sizeof path, "%s/COMPLETE", dir);
	return fw_write_text(path, fill_done, &dj, err);
}

static void *write_main(void *arg)
{
	run *r = arg;
	int idx;
	while ((idx = q_pop(&r->writeq)) >= 0) {
		slot *s = &r->slots[idx];
		pthread_mutex_lock(&r->mu);
		int failed = r->failed;
		pthread_mutex_unlock(&r->mu);
		if (s->abandoned || failed) {
			if (!s->abandoned)
				logf_(r->log, "FOV %d not written: the run is stopping", s->fov);
			q_push(&r->freeq, idx);
			continue;
		}
		double t0 = now_ms();
		fs_err err;
		int rc = write_fov(r, s, &err);
		s->t_write = now_ms() - t0;
		if (rc) {
			set_failure(r, FW_BLINK_STORAGE, "storage: FOV %d left incomplete: %s; acquisition stopped", s->fov,
				    err.msg);
			audit(r, "write_failed", "fov=%d error=%s", s->fov, err.msg);
			q_push(&r->freeq, idx);
			continue;
		}
		r->t_last = now_ms();
		r->fovs_done++;
		r->cells_total += s->ncells;
		r->infer_ms_total += s->t_infer;
		if (r->nrec < MAX_RECORDS) {
			fov_record *f = &r->records[r->nrec++];
			f->fov = s->fov;
			f->cells = s->ncells;
			f->blurred = s->blurred;
			f->tiles = s->tiles;
			f->focus = s->focus;
			f->confluence = s->confluence;
			snprintf(f->backend, sizeof f->backend, "%s", s->backend);
			snprintf(f->why, sizeof f->why, "%s", s->why);
			f->t_capture = s->t_capture;
			f->t_infer = s->t_infer;
			f->t_segment = s->t_segment;
			f->t_analysis = s->t_analysis;
			f->t_write = s->t_write;
		}
		logf_(r->log, "FOV %d: %d cells, confluence %.3f, focus %.1f%s, %s, inference %.0f ms, total %.0f ms",
		      s->fov, s->ncells, s->confluence, s->focus, s->blurred ? " (BLURRED)" : "", s->backend,
		      s->t_infer, s->t_capture + s->t_segment + s->t_analysis + s->t_write);
		audit(r, "fov_complete", "fov=%d cells=%d backend=%s focus=%.3f", s->fov, s->ncells, s->backend, s->focus);
		if ((rc = write_run_json(r, &err))) {
			set_failure(r, FW_BLINK_STORAGE, "storage: run.json: %s; acquisition stopped", err.msg);
		}
		q_push(&r->freeq, idx);
	}
	atomic_fetch_add(&r->threads_done, 1);
	return NULL;
}

/* ---- the loop ------------------------------------------------------------ */

static int alloc_buffers(run *r, fs_err *err)
{
	size_t px = (size_t)r->width * (size_t)r->height;
	int rc = fw_proc_new(r->width, r->height, &r->proc, err);
	if (rc)
		return rc;
	for (int i = 0; i < NSLOTS; i++) {
		slot *s = &r->slots[i];
		for (int k = 0; k < r->cfg->board.n_steps; k++)
			if ((rc = fs_camera_alloc_frame(r->cam, &s->frames[k], err)))
				return rc;
		if ((rc = fs_image_alloc(&s->seg, r->width, r->height, 1, 8, err)))
			return rc;
		s->mask = malloc(px);
		s->labels = malloc(px * sizeof *s->labels);
		s->cells = malloc(MAX_CELLS * sizeof *s->cells);
		if (!s->mask || !s->labels || !s->cells)
			return fs_err_set(err, -ENOMEM, "out of memory for %dx%d FOV buffers", r->width, r->height);
	}
	if ((rc = fs_image_alloc(&r->label16, r->width, r->height, 1, 16, err)) ||
	    (rc = fs_image_alloc(&r->overlay, r->width, r->height, 3, 8, err)))
		return rc;
	r->records = calloc(MAX_RECORDS, sizeof *r->records);
	if (!r->records)
		return fs_err_set(err, -ENOMEM, "out of memory for FOV records");
	return 0;
}

static int start_run_dir(run *r, fs_err *err)
{
	int rc = fw_run_dir_create(r->cfg->results_dir, r->run_dir, sizeof r->run_dir, &r->run_no, err);
	if (rc)
		return rc;
	rc = fw_audit_open(&r->audit, r->run_dir, err);
	if (rc)
		return rc;
	r->audit_ok = 1;
	audit(r, "run_start", "firmware=%s version=%s board=%s run=%d model_sha256=%s", "fieldscope", FW_VERSION,
	      r->cfg->board.name, r->run_no, fw_engine_sha256(r->cpu));
	for (int i = 0; i < r->nchecks; i++)
		audit(r, "selftest", "%s=%s %s", r->checks[i].name, r->checks[i].ok ? "ok" : "FAIL", r->checks[i].detail);
	return write_run_json(r, err);
}

static void run_summary(const run *r, fw_run_summary *sum)
{
	if (!sum)
		return;
	memset(sum, 0, sizeof *sum);
	snprintf(sum->run_dir, sizeof sum->run_dir, "%s", r->run_dir);
	sum->fovs_done = r->fovs_done;
	sum->cells_total = r->cells_total;
	sum->wall_s = r->t_last > r->t_first ? (r->t_last - r->t_first) / 1e3 : 0;
	sum->infer_s = r->infer_ms_total / 1e3;
	sum->fovs_per_min = sum->wall_s > 0 ? r->fovs_done * 60.0 / sum->wall_s : 0;
	snprintf(sum->status, sizeof sum->status, "%s", r->status);
	sum->fell_back = r->fell_back;
}

int fw_run(const fw_config *cfg, FILE *log, fw_run_summary *summary, fs_err *err)
{
	run *r = calloc(1, sizeof *r);
	if (!r)
		return fs_err_set(err, -ENOMEM, "out of memory");
	r->cfg = cfg;
	r->log = log;
	pthread_mutex_init(&r->mu, NULL);
	iso_now(r->started, sizeof r->started);

	/* Signals are taken synchronously by this thread only. */
	sigset_t sigs, old;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);

	int rc = selftest(r, err);
	if (!rc) {
		rc = alloc_buffers(r, err);
		if (rc)
			r->blink = FW_BLINK_STORAGE;
	}
	if (!rc) {
		rc = start_run_dir(r, err);
		if (rc)
			r->blink = FW_BLINK_STORAGE;
	}
	if (rc) {
		logf_(log, "self-test failed (blink code %d): %s", r->blink, err->msg);
		sd_notifyf(0, "STATUS=self-test failed: %s", err->msg);
		blink_code(r, r->blink, cfg->error_blink_s, &sigs);
		if (r->audit_ok) {
			snprintf(r->status, sizeof r->status, "failed: %s", err->msg);
			r->failed = 1;
			iso_now(r->ended, sizeof r->ended);
			fs_leds_all_off(r->leds, NULL);
			write_run_json(r, NULL);
		}
		run_summary(r, summary);
		free_run(r);
		free(r);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return rc;
	}
	logf_(log, "run %d in %s (%dx%d %d-bit, %d step(s), %s)", r->run_no, r->run_dir, r->width, r->height,
	      r->depth, cfg->board.n_steps, fw_trigger_name(cfg->trigger));

	q_init(&r->freeq);
	q_init(&r->inferq);
	q_init(&r->writeq);
	for (int i = 0; i < NSLOTS; i++)
		q_push(&r->freeq, i);
	pthread_t th[3];
	void *(*mains[3])(void *) = {capture_main, infer_main, write_main};
	int started = 0;
	for (; started < 3; started++)
		if (pthread_create(&th[started], NULL, mains[started], r) != 0)
			break;
	if (started < 3) {
		/* Unwind: stop whatever started. */
		set_failure(r, FW_BLINK_CONFIG, "cannot start pipeline threads");
		q_close(&r->freeq);
		q_close(&r->inferq);
		q_close(&r->writeq);
	}
	if (r->leds && cfg->board.leds.status[0])
		fs_leds_set_status(r->leds, true, NULL);
	sd_notifyf(0, "READY=1\nSTATUS=run %d: acquiring", r->run_no);

	/* Supervise: signals, watchdog, simulated button. */
	uint64_t wd_usec = 0;
	double wd_period = cfg->watchdog_ms;
	if (!wd_period && sd_watchdog_enabled(0, &wd_usec) > 0)
		wd_period = wd_usec / 2000.0;
	double next_wd = now_ms();
	double button_release = 0;
	bool btn_low = cfg->board.leds.button_active_low;
	while (atomic_load(&r->threads_done) < started) {
		struct timespec ts = {0, 50 * 1000000L};
		siginfo_t si;
		int sig = sigtimedwait(&sigs, &si, &ts);
		if (sig == SIGINT || sig == SIGTERM) {
			if (!atomic_load(&r->stop))
				logf_(log, "%s: finishing the FOV in progress and stopping",
				      sig == SIGINT ? "SIGINT" : "SIGTERM");
			set_status(r, sig == SIGINT ? "stopped by SIGINT" : "stopped by SIGTERM");
			atomic_store(&r->stop, 1);
			atomic_store(&r->abandon, 1);
			q_close(&r->freeq);
			sd_notify(0, "STOPPING=1");
		} else if (sig == SIGUSR1 && r->is_sim_leds && cfg->board.leds.button[0]) {
			/* A person pressing the simulated board's button. */
			fs_leds_sim_button_pin(r->leds, !btn_low, NULL);
			button_release = now_ms() + 100;
		}
		if (button_release && now_ms() >= button_release) {
			fs_leds_sim_button_pin(r->leds, btn_low, NULL);
			button_release = 0;
		}
		if (atomic_load(&r->stop))
			q_close(&r->freeq);
		if (wd_period > 0 && now_ms() >= next_wd) {
			sd_notify(0, "WATCHDOG=1");
			next_wd = now_ms() + wd_period;
		}
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);

	/* Dark before anything else. */
	fs_leds_all_off(r->leds, NULL);
	fs_leds_set_status(r->leds, false, NULL);
	iso_now(r->ended, sizeof r->ended);
	set_status(r, "completed");
	audit(r, "run_end", "status=%s fovs=%d cells=%d", r->status, r->fovs_done, r->cells_total);
	fs_err werr;
	int wrc = write_run_json(r, &werr);
	if (!wrc && !r->failed) {
		char path[700];
		snprintf(path, sizeof path, "%s/COMPLETE", r->run_dir);
		char body[600];
		int n = snprintf(body, sizeof body, "{\"run\": %d, \"fovs\": %d, \"status\": \"completed\"}\n",
				 r->run_no, r->fovs_done);
		wrc = fw_write_file(path, body, (size_t)n, &werr);
	}
	if (wrc)
		logf_(log, "could not finish the run record: %s", werr.msg);
	logf_(log, "run %d %s: %d FOV(s), %d cell(s); results in %s", r->run_no, r->status, r->fovs_done,
	      r->cells_total, r->run_dir);
	int blink = r->failed ? r->blink : 0;
	rc = 0;
	if (r->failed)
		rc = fs_err_set(err, -EIO, "%s", r->status);
	run_summary(r, summary);
	if (blink)
		blink_code(r, blink, cfg->error_blink_s, &sigs);
	q_destroy(&r->freeq);
	q_destroy(&r->inferq);
	q_destroy(&r->writeq);
	free_run(r);
	free(r);
	sd_notify(0, "STOPPING=1");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* ---- one image file ------------------------------------------------------ */

int fw_segment_file(const fw_config *cfg, const char *image, const char *out_dir, const char *model, FILE *log,
		    int *ncells, fs_err *err)
{
	fs_image img = {0}, label16 = {0}, overlay = {0};
	fw_engine *e = NULL;
	fw_proc *proc = NULL;
	uint8_t *mask = NULL;
	uint32_t *labels = NULL;
	fw_cell *cells = NULL;
	int rc = fs_png_read(image, 1, 8, &img, err);
	if (rc)
		return rc;
	fw_engine_opts o = {.name = "cpu", .path = model ? model : cfg->model_cpu,
			    .expect_sha256 = model ? NULL : cfg->model_cpu_sha256,
			    .cpu_threads = fw_config_cpu_threads(cfg)};
	rc = fw_engine_open(&o, &e, err);
	if (rc)
		goto out;
	size_t px = (size_t)img.width * (size_t)img.height;
	mask = malloc(px);
	labels = malloc(px * sizeof *labels);
	cells = malloc(MAX_CELLS * sizeof *cells);
	if (!mask || !labels || !cells) {
		rc = fs_err_set(err, -ENOMEM, "%s: out of memory for a %dx%d image", image, img.width, img.height);
		goto out;
	}
	if ((rc = fw_proc_new(img.width, img.height, &proc, err)) ||
	    (rc = fs_image_alloc(&label16, img.width, img.height, 1, 16, err)) ||
	    (rc = fs_image_alloc(&overlay, img.width, img.height, 3, 8, err)))
		goto out;
	fw_seg_opts so = {cfg->tile_overlap, cfg->threshold, output_kind(cfg->model_output), 0, NULL};
	fw_seg_stats st;
	if ((rc = fw_segment(e, &img, &so, mask, &st, err)))
		goto out;
	fw_label_opts lo = {cfg->connectivity, cfg->min_cell_area_px, cfg->grow_px};
	int n = fw_label(proc, mask, img.width, img.height, &lo, labels, err);
	if (n < 0) {
		rc = n;
		goto out;
	}
	fw_measure(labels, n, &img, cfg->board.pixel_size_um, cells);
	/* OUT/<stem>/ */
	const char *base = strrchr(image, '/');
	base = base ? base + 1 : image;
	char stem[256];
	snprintf(stem, sizeof stem, "%s", base);
	char *dot = strrchr(stem, '.');
	if (dot && dot != stem)
		*dot = '\0';
	char dir[1024], path[1200];
	if ((rc = mkdirs(out_dir, err)))
		goto out;
	snprintf(dir, sizeof dir, "%s/%s", out_dir, stem);
	if ((rc = fw_mkdir_durable(dir, 1, err)))
		goto out;
	fw_labels_to_image(labels, &label16);
	snprintf(path, sizeof path, "%s/labels.png", dir);
	if ((rc = fw_write_png(path, &label16, cfg->png_compression, err)))
		goto out;
	fw_overlay(&img, labels, cells, n, &overlay);
	snprintf(path, sizeof path, "%s/overlay.png", dir);
	if ((rc = fw_write_png(path, &overlay, cfg->png_compression, err)))
		goto out;
	{
		slot tmp;
		memset(&tmp, 0, sizeof tmp);
		tmp.cells = cells;
		tmp.ncells = n;
		csv_job cj = {&tmp, cfg->board.pixel_size_um};
		snprintf(path, sizeof path, "%s/cells.csv", dir);
		if ((rc = fw_write_text(path, fill_cells, &cj, err)))
			goto out;
	}
	if (ncells)
		*ncells = n;
	int tw, th;
	fw_engine_tile_size(e, &tw, &th);
	logf_(log, "%s: %dx%d, %d tile(s) of %dx%d, %d cells, confluence %.3f, focus %.1f, inference %.0f ms of %.0f ms; "
		   "results in %s", image, img.width, img.height, st.tiles, tw, th, n,
	      fw_confluence(labels, img.width, img.height), fw_focus_score(&img), st.infer_ms, st.total_ms, dir);
out:
	free(mask);
	free(labels);
	free(cells);
	fw_proc_free(proc);
	fw_engine_close(e);
	fs_image_free(&img);
	fs_image_free(&label16);
	fs_image_free(&overlay);
	return rc;
}
