/* The writer stage: each FOV's folder (raw frames, the analysed image and
 * the shared FOV results), its COMPLETE marker last, then run.json. */
#include "pipeline_priv.h"

#include <errno.h>
#include <string.h>

#include "store/store.h"
#include "util/util.h"

typedef struct done_job {
	const fw_pipeline *p;
	const slot *s;
	const fw_fov_hashes *h;
} done_job;

static int fill_done(FILE *o, void *user)
{
	const done_job *j = user;
	const slot *s = j->s;
	fprintf(o, "{\"fov\": %d, \"run\": %d, \"cells\": %d, \"confluence\": %.5f, \"focus\": %.3f, "
		   "\"blurred\": %s, \"backend\": ", s->fov, fw_record_run_no(j->p->rec), s->f.ncells, s->f.confluence, s->f.focus,
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

static int write_fov(fw_pipeline *p, slot *s, fs_err *err)
{
	const fw_config *cfg = p->cfg;
	const fw_board *b = &cfg->board;
	char dir[700], path[800];
	snprintf(dir, sizeof dir, "%s/fov-%05d", fw_record_dir(p->rec), s->fov);
	int rc = fw_mkdir_durable(dir, 0, err);
	if (rc)
		return rc;
	fw_fov_hashes h = {.n = 0};
	int comp = cfg->png_compression;
	if (cfg->save_raw)
		for (int i = 0; i < b->n_steps; i++) {
			char name[80];
			snprintf(name, sizeof name, "raw_%s.png", b->steps[i].name);
			if ((rc = fw_fov_write_png(dir, name, &s->frames[i], comp, &h, err)))
				return rc;
		}
	/* The analysed image, unless it is one of the raw frames as stored. */
	int is_dpc = !strcmp(b->segment_input, "dpc");
	if (is_dpc || !cfg->save_raw || p->rig->depth != 8) {
		if ((rc = fw_fov_write_png(dir, is_dpc ? "dpc.png" : "input.png", &s->f.seg, comp, &h, err)))
			return rc;
	}
	if ((rc = fw_fov_write_results(&s->f, dir, cfg, &p->label16, &p->overlay, &h, err)))
		return rc;
	/* Last: the marker that makes the FOV count as complete. */
	done_job dj = {.p = p, .s = s, .h = &h};
	snprintf(path, sizeof path, "%s/COMPLETE", dir);
	return fw_write_text(path, fill_done, &dj, err);
}

void *write_main(void *arg)
{
	fw_pipeline *p = arg;
	int idx, failed = 0;
	for (;;) {
		stage_idle(p, FW_STAGE_WRITE);
		if ((idx = q_pop(&p->writeq)) < 0)
			break;
		stage_beat(p, FW_STAGE_WRITE);
		slot *s = &p->slots[idx];
		/* Only a failed write stops writing: a FOV captured before the
		 * camera was lost or the space check stopped acquisition (which
		 * counted it) is still a good FOV. */
		if (s->abandoned || failed) {
			if (!s->abandoned)
				fw_log(p->log, "FOV %d not written: the run is stopping", s->fov);
			q_push(&p->freeq, idx);
			continue;
		}
		double t0 = fw_now_ms();
		fs_err err;
		int rc = write_fov(p, s, &err);
		s->t_write = fw_now_ms() - t0;
		if (rc) {
			failed = 1;
			pipe_fail(p, FW_BLINK_STORAGE, "storage: FOV %d left incomplete: %s; acquisition stopped", s->fov,
				    err.msg);
			fw_record_audit(p->rec, "write_failed", "fov=%d error=%s", s->fov, err.msg);
			q_push(&p->freeq, idx);
			continue;
		}
		fw_fov_record fr = {
			.fov = s->fov, .cells = s->f.ncells, .blurred = s->f.blurred, .tiles = s->f.tiles,
			.focus = s->f.focus, .confluence = s->f.confluence,
			.t_capture = s->t_capture, .t_infer = s->f.t_infer, .t_segment = s->f.t_segment,
			.t_analysis = s->f.t_analysis, .t_write = s->t_write,
		};
		snprintf(fr.backend, sizeof fr.backend, "%s", s->backend);
		snprintf(fr.why, sizeof fr.why, "%s", s->why);
		fw_log(p->log, "FOV %d: %d cells, confluence %.3f, focus %.1f%s, %s, inference %.0f ms, total %.0f ms",
		       s->fov, s->f.ncells, s->f.confluence, s->f.focus, s->f.blurred ? " (BLURRED)" : "", s->backend,
		       s->f.t_infer, s->t_capture + s->f.t_segment + s->f.t_analysis + s->t_write);
		fw_record_audit(p->rec, "fov_complete", "fov=%d cells=%d backend=%s focus=%.3f", s->fov, s->f.ncells,
				s->backend, s->f.focus);
		/* Totals and run.json after the FOV's own COMPLETE. */
		if ((rc = fw_record_fov(p->rec, &fr, &err)) && (failed = 1))
			pipe_fail(p, FW_BLINK_STORAGE, "storage: run.json: %s; acquisition stopped", err.msg);
		q_push(&p->freeq, idx);
	}
	atomic_fetch_add(&p->threads_done, 1);
	return NULL;
}
