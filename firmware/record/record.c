/* SPDX-License-Identifier: BSD-3-Clause */
#include "record_priv.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/util.h"

/* The end-of-run records (run_end, the final run.json, COMPLETE) must be
 * writable on a full card: RUN/.reserve holds that space and is removed
 * just before they are written. It is kept at least this size, and at
 * least twice run.json (whose tmp copy coexists with the old one). */
#define RESERVE_MIN (256u << 10)

void fw_checks_add(fw_checks *cs, FILE *log, const char *name, int ok, const char *fmt, ...)
{
	if (cs->n == (int)(sizeof cs->items / sizeof cs->items[0]))
		return;
	fw_check *c = &cs->items[cs->n++];
	snprintf(c->name, sizeof c->name, "%s", name);
	c->ok = ok;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof c->detail, fmt, ap);
	va_end(ap);
	fw_log(log, "self-test %-11s %s: %s", name, ok ? "ok  " : "FAIL", c->detail);
}

int fw_record_new(const fw_config *cfg, FILE *log, fw_record **out, fs_err *err)
{
	*out = NULL;
	fw_record *rec = calloc(1, sizeof *rec);
	if (rec)
		rec->records = calloc(MAX_RECORDS, sizeof *rec->records);
	if (!rec || !rec->records) {
		free(rec);
		return fs_err_set(err, -ENOMEM, "out of memory for the run record");
	}
	rec->cfg = cfg;
	rec->log = log;
	pthread_mutex_init(&rec->mu, NULL);
	fw_iso_now(rec->started, sizeof rec->started);
	fw_device_id(cfg, rec->device, sizeof rec->device);
	if (gethostname(rec->host, sizeof rec->host - 1) != 0)
		snprintf(rec->host, sizeof rec->host, "unknown");
	*out = rec;
	return 0;
}

void fw_record_free(fw_record *rec)
{
	if (!rec)
		return;
	fw_audit_close(&rec->audit);
	if (rec->fovs)
		fclose(rec->fovs);
	pthread_mutex_destroy(&rec->mu);
	free(rec->records);
	free(rec);
}

int fw_record_has_dir(const fw_record *rec) { return rec->audit_ok; }
const char *fw_record_dir(const fw_record *rec) { return rec->run_dir; }
const char *fw_record_device(const fw_record *rec) { return rec->device; }

void fw_device_id(const fw_config *cfg, char *out, size_t size)
{
	if (cfg->device_id[0]) {
		snprintf(out, size, "%s", cfg->device_id);
		return;
	}
	/* machine-id is unique per installation and stable across reboots;
	 * 12 hex digits keep names short and still distinct. */
	char id[64] = "";
	FILE *f = fopen("/etc/machine-id", "r");
	if (f) {
		if (!fgets(id, sizeof id, f))
			id[0] = '\0';
		fclose(f);
	}
	size_t n = strspn(id, "0123456789abcdef");
	if (n >= 12) {
		snprintf(out, size, "%.12s", id);
		return;
	}
	if (gethostname(id, sizeof id - 1) != 0 || !id[0])
		snprintf(id, sizeof id, "unknown");
	id[sizeof id - 1] = '\0';
	snprintf(out, size, "%s", id);
}
int fw_record_run_no(const fw_record *rec) { return rec->run_no; }

/* The supervisor records a stop or a stall while a stuck writer may hold
 * mu (inside a write that never returns): it waits at most a second. */
static int lock_bounded(fw_record *rec)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	return pthread_mutex_timedlock(&rec->mu, &ts);
}

void fw_record_fail(fw_record *rec, int blink, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (lock_bounded(rec) == 0) {
		if (!rec->failed) {
			rec->failed = 1;
			rec->blink = blink;
			snprintf(rec->status, sizeof rec->status, "%s", msg);
		}
		pthread_mutex_unlock(&rec->mu);
	}
	fw_log(rec->log, "%s", msg);
}

int fw_record_failed(fw_record *rec, int *blink)
{
	pthread_mutex_lock(&rec->mu);
	int failed = rec->failed;
	if (blink)
		*blink = rec->blink;
	pthread_mutex_unlock(&rec->mu);
	return failed;
}

void fw_record_status(fw_record *rec, const char *msg)
{
	if (lock_bounded(rec))
		return;
	if (!rec->failed && !rec->status[0])
		snprintf(rec->status, sizeof rec->status, "%s", msg);
	pthread_mutex_unlock(&rec->mu);
}

void fw_record_audit(fw_record *rec, const char *event, const char *fmt, ...)
{
	char detail[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	fs_err e;
	/* Three threads log events; the chain needs one writer at a time. */
	pthread_mutex_lock(&rec->mu);
	/* A failed append leaves no partial line (fw_audit_append cuts it),
	 * so later events, run_end above all, may still succeed. */
	int rc = rec->audit_ok ? fw_audit_append(&rec->audit, event, detail, &e) : 0;
	pthread_mutex_unlock(&rec->mu);
	if (rc)
		fw_log(rec->log, "audit log: %s", e.msg);
}

void fw_record_fallback(fw_record *rec, const char *why)
{
	pthread_mutex_lock(&rec->mu);
	rec->fell_back = 1;
	snprintf(rec->fallback_why, sizeof rec->fallback_why, "%s", why);
	pthread_mutex_unlock(&rec->mu);
}

void fw_record_discarded(fw_record *rec)
{
	pthread_mutex_lock(&rec->mu);
	rec->fovs_discarded++;
	pthread_mutex_unlock(&rec->mu);
}

void fw_record_first_fov(fw_record *rec, double t_ms)
{
	pthread_mutex_lock(&rec->mu);
	if (!rec->t_first)
		rec->t_first = t_ms;
	pthread_mutex_unlock(&rec->mu);
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

static int write_fovs_json(FILE *o, const fw_record *rec)
{
	double wall = rec->t_last > rec->t_first ? (rec->t_last - rec->t_first) / 1e3 : 0;
	fprintf(o, ",\n  \"totals\": {\"fovs\": %d, \"cells\": %d, \"wall_s\": %.3f, \"inference_s\": %.3f, "
		   "\"fovs_per_min\": %.3f, \"inference_share\": %.4f},\n",
		rec->fovs_done, rec->cells_total, wall, rec->infer_ms_total / 1e3,
		wall > 0 ? rec->fovs_done * 60.0 / wall : 0.0, wall > 0 ? rec->infer_ms_total / 1e3 / wall : 0.0);
	/* Every FOV, however many: the entries are streamed from the part
	 * file, so memory stays flat over a run of any length. */
	fputs("  \"fovs\": [", o);
	if (rec->fovs && rec->nstream) {
		fflush(rec->fovs);
		rewind(rec->fovs);
		char buf[8192];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, rec->fovs)) > 0)
			fwrite(buf, 1, n, o);
		int bad = ferror(rec->fovs);
		fseek(rec->fovs, 0, SEEK_END);
		if (bad)
			return -EIO;
	}
	fputs("],\n  ", o);
	fw_record_slide_json(o, rec);
	fputs(",\n", o);
	return 0;
}

/* One FOV's entry, appended to the part file. Caller holds mu. */
static int append_fov_json(fw_record *rec, const fw_fov_record *f, fs_err *err)
{
	FILE *o = rec->fovs;
	if (!o)
		return fs_err_set(err, -EBADF, "%s/.fovs.part: not open", rec->run_dir);
	long at = ftell(o);
	fprintf(o, "%s\n    {\"fov\": %d, \"dir\": \"fov-%05d\", \"cells\": %d, \"border\": %d, "
		   "\"clumps\": %d, \"interior_single\": %d, \"specks\": %d, \"confluence\": %.5f, "
		   "\"focus\": %.3f, \"blurred\": %s, \"tiles\": %d, \"backend\": ",
		rec->nstream ? "," : "", f->fov, f->fov, f->cells, f->border, f->clumps, f->interior_single, f->specks,
		f->confluence, f->focus, f->blurred ? "true" : "false", f->tiles);
	fw_json_str(o, f->backend);
	fputs(", \"why\": ", o);
	fw_json_str(o, f->why);
	fputs(", \"time\": ", o);
	fw_json_str(o, f->time);
	fprintf(o, ", \"frame_sequence\": %u, \"area_mm2\": %.6f", f->frame_seq, f->area_mm2);
	fprintf(o, ", \"timings_ms\": {\"capture\": %.1f, \"inference\": %.1f, \"segment\": %.1f, "
		   "\"analysis\": %.1f, \"write\": %.1f}}",
		f->t_capture, f->t_infer, f->t_segment, f->t_analysis, f->t_write);
	if (fflush(o) != 0 || ferror(o)) {
		int e = errno ? errno : EIO;
		clearerr(o);
		/* Cut the partial entry so run.json stays valid JSON. */
		if (at >= 0 && ftruncate(fileno(o), at) == 0)
			fseek(o, at, SEEK_SET);
		return fs_err_set(err, -e, "%s/.fovs.part: append failed: %s", rec->run_dir, strerror(e));
	}
	rec->nstream++;
	return 0;
}

/* Caller holds mu (the writer and the main thread both rewrite it). */
static int fill_run_json(FILE *o, void *user)
{
	const fw_record *rec = user;
	const fw_config *cfg = rec->cfg;
	const fw_record_rig *rig = &rec->rig;
	fprintf(o, "{\n  \"firmware\": \"fieldscope\",\n  \"firmware_version\": \"%s\",\n  \"git_commit\": ", FW_VERSION);
	fw_json_str(o, fw_git_commit());
	fputs(",\n  \"device\": ", o);
	fw_json_str(o, rec->device);
	fputs(",\n  \"hostname\": ", o);
	fw_json_str(o, rec->host);
	fputs(",\n", o);
	fprintf(o, "  \"run\": %d,\n  \"status\": ", rec->run_no);
	fw_json_str(o, rec->status[0] ? rec->status : "running");
	fprintf(o, ",\n  \"ok\": %s,\n  \"started\": \"%s\",\n  \"ended\": ", rec->failed ? "false" : "true",
		rec->started);
	if (rec->ended[0])
		fprintf(o, "\"%s\"", rec->ended);
	else
		fputs("null", o);
	fputs(",\n  \"board\": ", o);
	fw_json_str(o, cfg->board.name[0] ? cfg->board.name : cfg->board_ref);
	fprintf(o, ",\n  \"pixel_size_um\": %.6g,\n  \"optics\": {\"objective\": ", cfg->board.pixel_size_um);
	fw_json_str(o, cfg->board.objective);
	fprintf(o, ", \"magnification\": %.6g, \"sensor_pixel_um\": %.6g, \"pixel_size_um\": %.6g},\n",
		cfg->board.magnification, cfg->board.sensor_pixel_um, cfg->board.pixel_size_um);
	fprintf(o, "  \"image\": {\"width\": %d, \"height\": %d, \"depth\": %d},\n", rig->width, rig->height,
		rig->depth);
	fputs("  \"models\": {\"cpu\": ", o);
	write_engine_json(o, rig->cpu);
	fputs(", \"accelerator\": ", o);
	write_engine_json(o, rig->accel);
	fputs("},\n  \"accelerator\": {\"configured\": ", o);
	fw_json_str(o, cfg->board.accelerator);
	fprintf(o, ", \"present\": %s, \"note\": ", rig->accel ? "true" : "false");
	fw_json_str(o, rig->accel_note ? rig->accel_note : "");
	fprintf(o, ", \"fell_back_to_cpu\": %s, \"fallback_reason\": ", rec->fell_back ? "true" : "false");
	fw_json_str(o, rec->fallback_why);
	fputs("},\n  \"selftest\": [", o);
	for (int i = 0; i < rec->checks.n; i++) {
		const fw_check *c = &rec->checks.items[i];
		fprintf(o, "%s\n    {\"check\": \"%s\", \"ok\": %s, \"detail\": ", i ? "," : "", c->name,
			c->ok ? "true" : "false");
		fw_json_str(o, c->detail);
		fputs("}", o);
	}
	fprintf(o, "],\n  \"led_overtime_cuts\": %u,\n  \"fovs_discarded_led_cut\": %d",
		rig->leds ? fs_leds_overtime_count(rig->leds) : 0u, rec->fovs_discarded);
	if (write_fovs_json(o, rec))
		return -EIO;
	fputs("  \"config\": ", o);
	fw_config_write_json(cfg, o);
	if (rig->exit_json && rec->ended[0])
		rig->exit_json(o, rig->exit_user);
	fputs("\n}\n", o);
	return ferror(o) ? -EIO : 0;
}

/* Caller holds mu. */
static int write_run_json(fw_record *rec, fs_err *err)
{
	char path[700];
	snprintf(path, sizeof path, "%s/run.json", rec->run_dir);
	size_t len = 0;
	int rc = fw_write_text_len(path, fill_run_json, rec, &len, err);
	if (!rc)
		rec->json_len = len;
	return rc;
}

/* Grows RUN/.reserve to cover the final records; caller holds mu. A
 * failure here is the disk filling up: the caller stops the run while
 * the end state can still be written. */
static int keep_reserve(fw_record *rec, fs_err *err)
{
	uint64_t want = RESERVE_MIN + 2 * (uint64_t)rec->json_len;
	if (rec->reserve >= want)
		return 0;
	want += want / 2;   /* grow in steps, not every FOV */
	char path[700];
	snprintf(path, sizeof path, "%s/.reserve", rec->run_dir);
	int rc = fw_reserve_space(path, want, err);
	if (!rc)
		rec->reserve = want;
	return rc;
}

/* Before the end records: the reserve's space is theirs. Caller holds mu. */
static void release_reserve(fw_record *rec)
{
	if (!rec->run_dir[0])
		return;
	char path[700];
	snprintf(path, sizeof path, "%s/.reserve", rec->run_dir);
	unlink(path);
	rec->reserve = 0;
}

int fw_record_start(fw_record *rec, const fw_record_rig *rig, const fw_checks *checks, fs_err *err)
{
	rec->rig = *rig;
	rec->checks = *checks;
	/* Dated names pool: folders of many devices and days sort and never
	 * collide. The device id is reduced to characters safe in any file
	 * system (a USB stick is often FAT). */
	char prefix[96] = "";
	if (!strcmp(rec->cfg->run_name, "dated")) {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		size_t n = strftime(prefix, sizeof prefix, "%Y%m%dT%H%MZ-", &tm);
		for (const char *c = rec->device; *c && n < sizeof prefix - 2; c++) {
			int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
				 *c == '.' || *c == '_';
			prefix[n++] = ok ? *c : '_';
		}
		prefix[n++] = '-';
		prefix[n] = '\0';
	}
	int rc = fw_run_dir_create_named(rec->cfg->results_dir, prefix, rec->run_dir, sizeof rec->run_dir,
					 &rec->run_no, err);
	if (rc)
		return rc;
	rc = fw_audit_open(&rec->audit, rec->run_dir, err);
	if (rc)
		return rc;
	rec->audit_ok = 1;
	char part[700];
	snprintf(part, sizeof part, "%s/.fovs.part", rec->run_dir);
	rec->fovs = fopen(part, "w+");
	if (!rec->fovs)
		return fs_err_set(err, -errno, "%s: cannot create: %s", part, strerror(errno));
	fw_record_audit(rec, "run_start", "firmware=%s version=%s board=%s run=%d model_sha256=%s", "fieldscope",
			FW_VERSION, rec->cfg->board.name, rec->run_no, rig->cpu ? fw_engine_sha256(rig->cpu) : "");
	for (int i = 0; i < checks->n; i++)
		fw_record_audit(rec, "selftest", "%s=%s %s", checks->items[i].name, checks->items[i].ok ? "ok" : "FAIL",
				checks->items[i].detail);
	pthread_mutex_lock(&rec->mu);
	rc = write_run_json(rec, err);
	if (!rc)
		rc = keep_reserve(rec, err);
	pthread_mutex_unlock(&rec->mu);
	return rc;
}

int fw_record_fov(fw_record *rec, const fw_fov_record *f, fs_err *err)
{
	pthread_mutex_lock(&rec->mu);
	rec->t_last = fw_now_ms();
	rec->fovs_done++;
	rec->cells_total += f->cells;
	rec->infer_ms_total += f->t_infer;
	if (!f->blurred) {
		rec->usable_fovs++;
		rec->usable_cells += f->cells;
		rec->usable_mm2 += f->area_mm2;
	}
	if (rec->nrec < MAX_RECORDS)
		rec->records[rec->nrec++] = *f;
	/* The tables and the streamed entry first: run.json, written last,
	 * is what says the FOV was recorded. */
	int rc = fw_record_write_tables(rec, err);
	if (!rc)
		rc = append_fov_json(rec, f, err);
	if (!rc)
		rc = write_run_json(rec, err);
	if (!rc)
		rc = keep_reserve(rec, err);
	pthread_mutex_unlock(&rec->mu);
	return rc;
}

void fw_record_abort(fw_record *rec, const char *msg)
{
	/* An ended run (recovery leaves it alone). */
	fw_record_audit(rec, "run_end", "status=failed: %s fovs=0 cells=0", msg);
	pthread_mutex_lock(&rec->mu);
	snprintf(rec->status, sizeof rec->status, "failed: %s", msg);
	rec->failed = 1;
	fw_iso_now(rec->ended, sizeof rec->ended);
	release_reserve(rec);
	write_run_json(rec, NULL);
	pthread_mutex_unlock(&rec->mu);
}

void fw_record_finish(fw_record *rec)
{
	fw_iso_now(rec->ended, sizeof rec->ended);
	fw_record_status(rec, "completed");
	pthread_mutex_lock(&rec->mu);
	release_reserve(rec);
	char status[600];
	snprintf(status, sizeof status, "%s", rec->status);
	int fovs = rec->fovs_done, cells = rec->cells_total, failed = rec->failed;
	pthread_mutex_unlock(&rec->mu);
	fw_record_audit(rec, "run_end", "status=%s fovs=%d cells=%d", status, fovs, cells);
	fs_err werr;
	pthread_mutex_lock(&rec->mu);
	int wrc = fw_record_write_tables(rec, &werr);
	if (!wrc)
		wrc = write_run_json(rec, &werr);
	pthread_mutex_unlock(&rec->mu);
	if (!wrc && !failed) {
		char path[700];
		snprintf(path, sizeof path, "%s/COMPLETE", rec->run_dir);
		char body[600];
		int n = snprintf(body, sizeof body, "{\"run\": %d, \"fovs\": %d, \"status\": \"completed\"}\n",
				 rec->run_no, fovs);
		wrc = fw_write_file(path, body, (size_t)n, &werr);
	}
	if (wrc)
		fw_log(rec->log, "could not finish the run record: %s", werr.msg);
	else if (rec->fovs) {
		/* run.json now lists every FOV: the part file has served. */
		char part[700];
		snprintf(part, sizeof part, "%s/.fovs.part", rec->run_dir);
		fclose(rec->fovs);
		rec->fovs = NULL;
		unlink(part);
	}
}

uint64_t fw_record_fov_bytes(const fw_config *cfg, int w, int h, int depth)
{
	uint64_t px = (uint64_t)w * (uint64_t)h;
	return px * (uint64_t)(cfg->board.n_steps * (depth / 8) + 1 + 2 + 3) + (1u << 20);
}

uint64_t fw_record_space_needed(const fw_config *cfg, int w, int h, int depth)
{
	return ((uint64_t)cfg->min_free_mb << 20) + fw_record_fov_bytes(cfg, w, h, depth) + RESERVE_MIN;
}

void fw_record_get_totals(fw_record *rec, fw_record_totals *t)
{
	memset(t, 0, sizeof *t);
	pthread_mutex_lock(&rec->mu);
	snprintf(t->run_dir, sizeof t->run_dir, "%s", rec->run_dir);
	snprintf(t->status, sizeof t->status, "%s", rec->status);
	t->fovs = rec->fovs_done;
	t->cells = rec->cells_total;
	t->usable_fovs = rec->usable_fovs;
	t->usable_cells = rec->usable_cells;
	t->wall_s = rec->t_last > rec->t_first ? (rec->t_last - rec->t_first) / 1e3 : 0;
	t->infer_s = rec->infer_ms_total / 1e3;
	t->fovs_per_min = t->wall_s > 0 ? rec->fovs_done * 60.0 / t->wall_s : 0;
	t->fell_back = rec->fell_back;
	pthread_mutex_unlock(&rec->mu);
}
