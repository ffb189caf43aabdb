/* SPDX-License-Identifier: BSD-3-Clause */
/* The writer stage: each FOV's analysis (labels, cells, flags, focus),
 * then its folder (raw frames, the analysed image and the shared FOV
 * results, encoded in parallel), its COMPLETE marker last, then run.json. */
#include "pipeline_priv.h"

#include <errno.h>
#include <string.h>
#include <time.h>

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
	fprintf(o, "{\"fov\": %d, \"run\": %d, \"cells\": %d, \"border\": %d, \"clumps\": %d, \"specks\": %d, "
		   "\"confluence\": %.5f, \"focus\": %.3f, \"blurred\": %s, \"backend\": ",
		s->fov, fw_record_run_no(j->p->rec), s->f.ncells, s->f.counts.border, s->f.counts.clumps, s->f.specks,
		s->f.confluence, s->f.focus, s->f.blurred ? "true" : "false");
	fw_json_str(o, s->backend);
	fputs(", \"why\": ", o);
	fw_json_str(o, s->why);
	fputs(", \"time\": ", o);
	fw_json_str(o, s->time);
	fprintf(o, ", \"frame_sequence\": %u", s->meta[0].sequence);
	fputs(", \"sha256\": {", o);
	for (int i = 0; i < j->h->n; i++)
		fprintf(o, "%s\"%s\": \"%s\"", i ? ", " : "", j->h->name[i], j->h->sha256[i]);
	fputs("}}\n", o);
	return ferror(o) ? -EIO : 0;
}

/* The wall-clock time of a camera timestamp (CLOCK_MONOTONIC ns): the
 * frame's age subtracted from now, so the FOV's time is when it was taken,
 * not when it was written. 0 (no timestamp) means now. */
static void frame_time_iso(uint64_t mono_ns, char *buf, size_t size)
{
	struct timespec now_r, now_m;
	clock_gettime(CLOCK_REALTIME, &now_r);
	clock_gettime(CLOCK_MONOTONIC, &now_m);
	double age = 0;
	if (mono_ns) {
		double nm = (double)now_m.tv_sec * 1e9 + (double)now_m.tv_nsec;
		age = (nm - (double)mono_ns) / 1e9;
		if (age < 0 || age > 86400)
			age = 0;   /* a clock the camera did not share with us */
	}
	double t = (double)now_r.tv_sec + now_r.tv_nsec / 1e9 - age;
	time_t sec = (time_t)t;
	int ms = (int)((t - (double)sec) * 1000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	char base[32];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03dZ", base, ms);
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
	fw_fov_meta meta = {.run = fw_record_run_no(p->rec), .fov = s->fov, .model_sha256 = s->model_sha256};
	snprintf(meta.device, sizeof meta.device, "%s", fw_record_device(p->rec));
	snprintf(meta.time, sizeof meta.time, "%s", s->time);
	fw_fov_image extra[FW_MAX_STEPS + 1];
	char names[FW_MAX_STEPS][80];
	int n = 0;
	int ome = !strcmp(cfg->save_raw_format, "ome-tiff");
	if (cfg->save_raw)
		for (int i = 0; i < b->n_steps; i++) {
			snprintf(names[i], sizeof names[i], "raw_%s.%s", b->steps[i].name, ome ? "ome.tif" : "png");
			extra[n++] = (fw_fov_image){.name = names[i], .content = "raw", .img = &s->frames[i],
						    .step = b->steps[i].name, .frame = &s->meta[i], .ome_tiff = ome};
		}
	/* The analysed image, unless it is one of the raw frames as stored. */
	int is_dpc = !strcmp(b->segment_input, "dpc");
	if (is_dpc || !cfg->save_raw || p->rig->depth != 8 || ome)
		extra[n++] = (fw_fov_image){.name = is_dpc ? "dpc.png" : "input.png", .content = is_dpc ? "dpc" : "input",
					    .img = &s->f.seg, .step = is_dpc ? NULL : b->segment_input};
	if ((rc = fw_fov_write_results(&s->f, dir, cfg, &meta, extra, n, &p->views, &h, err)))
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
		fs_err err;
		/* Analysis here, not in the inference stage, so that stage is
		 * inference only and the next FOV's tiles start at once. */
		s->f.fov = s->fov;
		if (fw_fov_analyse(&s->f, p->proc, p->cfg, &err)) {
			pipe_fail(p, FW_BLINK_MODEL, "FOV %d: %s", s->fov, err.msg);
			q_push(&p->freeq, idx);
			continue;
		}
		double t0 = fw_now_ms();
		frame_time_iso(s->meta[0].time_ns, s->time, sizeof s->time);
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
			.border = s->f.counts.border, .clumps = s->f.counts.clumps,
			.interior_single = s->f.counts.interior_single, .specks = s->f.specks,
			.focus = s->f.focus, .confluence = s->f.confluence,
			.t_capture = s->t_capture, .t_infer = s->f.t_infer, .t_segment = s->f.t_segment,
			.t_analysis = s->f.t_analysis, .t_write = s->t_write,
		};
		snprintf(fr.backend, sizeof fr.backend, "%s", s->backend);
		snprintf(fr.time, sizeof fr.time, "%s", s->time);
		fr.frame_seq = s->meta[0].sequence;
		fr.area_mm2 = (double)s->f.seg.width * s->f.seg.height * p->cfg->board.pixel_size_um *
			      p->cfg->board.pixel_size_um * 1e-6;
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
