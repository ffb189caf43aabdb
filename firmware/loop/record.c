/* The run's record: status, audit lines, self-test checks, run.json (after
 * every FOV and at the end) and the run's COMPLETE marker. */
#include "run.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* First fatal problem wins; later ones are logged only. */
void set_failure(run *r, int blink, const char *fmt, ...)
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
	fw_log(r->log, "%s", msg);
}

void set_status(run *r, const char *msg)
{
	pthread_mutex_lock(&r->mu);
	if (!r->failed && !r->status[0])
		snprintf(r->status, sizeof r->status, "%s", msg);
	pthread_mutex_unlock(&r->mu);
}

void audit(run *r, const char *event, const char *fmt, ...)
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
		fw_log(r->log, "audit log: %s", e.msg);
}

void add_check(run *r, const char *name, int ok, const char *fmt, ...)
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
	fw_log(r->log, "self-test %-11s %s: %s", name, ok ? "ok  " : "FAIL", c->detail);
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
	if (r->hooks && r->hooks->write_json && r->leds && r->ended[0])
		r->hooks->write_json(o, r->leds, &cfg->board.leds);
	fputs("\n}\n", o);
	return ferror(o) ? -EIO : 0;
}

int write_run_json(run *r, fs_err *err)
{
	char path[700];
	snprintf(path, sizeof path, "%s/run.json", r->run_dir);
	return fw_write_text(path, fill_run_json, r, err);
}

int start_run_dir(run *r, fs_err *err)
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

/* Writer thread, after a FOV's COMPLETE: totals and its run.json line. */
void record_fov(run *r, const slot *s)
{
	r->t_last = fw_now_ms();
	r->fovs_done++;
	r->cells_total += s->f.ncells;
	r->infer_ms_total += s->f.t_infer;
	if (r->nrec >= MAX_RECORDS)
		return;
	fov_record *f = &r->records[r->nrec++];
	f->fov = s->fov;
	f->cells = s->f.ncells;
	f->blurred = s->f.blurred;
	f->tiles = s->f.tiles;
	f->focus = s->f.focus;
	f->confluence = s->f.confluence;
	snprintf(f->backend, sizeof f->backend, "%s", s->backend);
	snprintf(f->why, sizeof f->why, "%s", s->why);
	f->t_capture = s->t_capture;
	f->t_infer = s->f.t_infer;
	f->t_segment = s->f.t_segment;
	f->t_analysis = s->f.t_analysis;
	f->t_write = s->t_write;
}

void finish_run_record(run *r)
{
	fw_iso_now(r->ended, sizeof r->ended);
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
		fw_log(r->log, "could not finish the run record: %s", werr.msg);
}

void run_summary(const run *r, fw_run_summary *sum)
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

