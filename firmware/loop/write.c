/* The writer stage: each FOV's folder (raw frames, the analysed image and
 * the shared FOV results), its COMPLETE marker last, then run.json. */
#include "run.h"

#include <errno.h>
#include <string.h>

typedef struct done_job {
	const run *r;
	const slot *s;
	const fov_hashes *h;
} done_job;

static int fill_done(FILE *o, void *user)
{
	const done_job *j = user;
	const slot *s = j->s;
	fprintf(o, "{\"fov\": %d, \"run\": %d, \"cells\": %d, \"confluence\": %.5f, \"focus\": %.3f, "
		   "\"blurred\": %s, \"backend\": ", s->fov, j->r->run_no, s->f.ncells, s->f.confluence, s->f.focus,
		s->f.blurred ? "true" : "false");
	fw_json_str(o, s->backend);
	fputs(", \"why\": ", o);
	fw_json_str(o, s->why);
	fputs(", \"sha256\": {", o);
	for (int i = 0; i < j->h->n; i++)
		fprintf(o, "%s\"%s\": \"%s\"", i ? ", " : "", j->h->name[i], j->h->sha256[i]);
	fputs("}}\n", o);
	return ferror(o) ? -EIO : 0;
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
	fov_hashes h = {.n = 0};
	int comp = cfg->png_compression;
	if (cfg->save_raw)
		for (int i = 0; i < b->n_steps; i++) {
			char name[80];
			snprintf(name, sizeof name, "raw_%s.png", b->steps[i].name);
			if ((rc = fov_write_png(dir, name, &s->frames[i], comp, &h, err)))
				return rc;
		}
	/* The analysed image, unless it is one of the raw frames as stored. */
	int is_dpc = !strcmp(b->segment_input, "dpc");
	if (is_dpc || !cfg->save_raw || r->depth != 8) {
		if ((rc = fov_write_png(dir, is_dpc ? "dpc.png" : "input.png", &s->f.seg, comp, &h, err)))
			return rc;
	}
	if ((rc = fov_write_results(&s->f, dir, cfg, &r->label16, &r->overlay, &h, err)))
		return rc;
	/* Last: the marker that makes the FOV count as complete. */
	done_job dj = {.r = r, .s = s, .h = &h};
	snprintf(path, sizeof path, "%s/COMPLETE", dir);
	return fw_write_text(path, fill_done, &dj, err);
}

void *write_main(void *arg)
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
				fw_log(r->log, "FOV %d not written: the run is stopping", s->fov);
			q_push(&r->freeq, idx);
			continue;
		}
		double t0 = fw_now_ms();
		fs_err err;
		int rc = write_fov(r, s, &err);
		s->t_write = fw_now_ms() - t0;
		if (rc) {
			set_failure(r, FW_BLINK_STORAGE, "storage: FOV %d left incomplete: %s; acquisition stopped", s->fov,
				    err.msg);
			audit(r, "write_failed", "fov=%d error=%s", s->fov, err.msg);
			q_push(&r->freeq, idx);
			continue;
		}
		record_fov(r, s);
		fw_log(r->log, "FOV %d: %d cells, confluence %.3f, focus %.1f%s, %s, inference %.0f ms, total %.0f ms",
		       s->fov, s->f.ncells, s->f.confluence, s->f.focus, s->f.blurred ? " (BLURRED)" : "", s->backend,
		       s->f.t_infer, s->t_capture + s->f.t_segment + s->f.t_analysis + s->t_write);
		audit(r, "fov_complete", "fov=%d cells=%d backend=%s focus=%.3f", s->fov, s->f.ncells, s->backend,
		      s->f.focus);
		if ((rc = write_run_json(r, &err)))
			set_failure(r, FW_BLINK_STORAGE, "storage: run.json: %s; acquisition stopped", err.msg);
		q_push(&r->freeq, idx);
	}
	atomic_fetch_add(&r->threads_done, 1);
	return NULL;
}
