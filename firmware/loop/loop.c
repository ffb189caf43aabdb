/* SPDX-License-Identifier: BSD-3-Clause */
/* The three entry points: fw_run (self-test, then the pipeline under the
 * supervisor, with its record), fw_selftest (the checks only) and
 * fw_segment_file (the same FOV pipeline on one image file). */
#include "loop_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "store/store.h"
#include "util/util.h"

/* The board hooks as the record and the rig's close see them. */
typedef struct board_view {
	const fw_board_hooks *hooks;
	const fs_leds_config *lc;
	const fs_leds *leds;
	FILE *log;
} board_view;

static void hooks_json(FILE *o, const void *user)
{
	const board_view *v = user;
	if (v->hooks && v->hooks->write_json && v->leds)
		v->hooks->write_json(o, v->leds, v->lc);
}

static void hooks_last_look(const fs_leds *leds, void *user)
{
	const board_view *v = user;
	if (v->hooks && v->hooks->log_exit && v->log)
		v->hooks->log_exit(v->log, leds, v->lc);
}

int fw_selftest(const fw_config *cfg, FILE *log, int *blink, fs_err *err)
{
	board_view view = {fw_board_hooks_find(cfg->board.leds.backend), &cfg->board.leds, NULL, log};
	fw_rig rig;
	fw_checks checks = {.n = 0};
	int code = 0;
	int rc = fw_rig_open(cfg, log, &rig, &checks, &code, err);
	if (blink)
		*blink = code;
	if (rc)
		blink_code(rig.leds, cfg, code, cfg->error_blink_s, NULL);
	fw_rig_close(&rig, hooks_last_look, &view);
	return rc;
}

static void summarise(fw_record *rec, fw_run_summary *sum)
{
	if (!sum)
		return;
	fw_record_totals t;
	fw_record_get_totals(rec, &t);
	memset(sum, 0, sizeof *sum);
	snprintf(sum->run_dir, sizeof sum->run_dir, "%s", t.run_dir);
	snprintf(sum->status, sizeof sum->status, "%s", t.status);
	sum->fovs_done = t.fovs;
	sum->cells_total = t.cells;
	sum->wall_s = t.wall_s;
	sum->infer_s = t.infer_s;
	sum->fovs_per_min = t.fovs_per_min;
	sum->fell_back = t.fell_back;
}

/* Self-test, buffers, the run folder; on failure blinks and records what
 * it can. */
static int start(const fw_config *cfg, FILE *log, fw_rig *rig, fw_record *rec, fw_pipeline **p,
		 board_view *view, const sigset_t *sigs, fs_err *err)
{
	fw_checks checks = {.n = 0};
	int blink = 0;
	int rc = fw_rig_open(cfg, log, rig, &checks, &blink, err);
	view->leds = rig->leds;   /* the hooks' record covers every exit path */
	if (!rc && (rc = fw_pipeline_new(cfg, log, rig, rec, p, err)))
		blink = FW_BLINK_STORAGE;
	if (!rc) {
		fw_record_rig rr = {
			.width = rig->width, .height = rig->height, .depth = rig->depth,
			.cpu = rig->cpu, .accel = rig->accel, .accel_note = rig->accel_note, .leds = rig->leds,
			.exit_json = view->hooks && view->hooks->write_json ? hooks_json : NULL, .exit_user = view,
		};
		if ((rc = fw_record_start(rec, &rr, &checks, err)))
			blink = FW_BLINK_STORAGE;
	}
	if (!rc)
		return 0;
	fw_log(log, "self-test failed (blink code %d): %s", blink, err->msg);
	sd_notifyf(0, "STATUS=self-test failed: %s", err->msg);
	blink_code(rig->leds, cfg, blink, cfg->error_blink_s, sigs);
	if (fw_record_has_dir(rec)) {
		if (rig->leds)
			fs_leds_all_off(rig->leds, NULL);
		fw_record_abort(rec, err->msg);
	}
	return rc;
}

int fw_run(const fw_config *cfg, FILE *log, fw_run_summary *summary, fs_err *err)
{
	/* A previous run that never ended (kill -9, power cut) is closed
	 * first; a failure is logged, it must not stop acquisition. */
	fw_recover_stats rs;
	fs_err rerr;
	if (fw_record_recover(cfg->results_dir, log, &rs, &rerr))
		fw_log(log, "recovery of earlier runs: %s", rerr.msg);
	fw_record *rec;
	int rc = fw_record_new(cfg, log, &rec, err);
	if (rc)
		return rc;
	fw_rig rig;
	memset(&rig, 0, sizeof rig);
	fw_pipeline *p = NULL;
	board_view view = {fw_board_hooks_find(cfg->board.leds.backend), &cfg->board.leds, NULL, log};
	/* Signals are taken synchronously by this thread only. */
	sigset_t sigs, old;
	supervisor_block(view.hooks, &sigs, &old);

	rc = start(cfg, log, &rig, rec, &p, &view, &sigs, err);
	int ran = !rc;
	if (ran) {
		fw_log(log, "run %d in %s (%dx%d %d-bit, %d step(s), %s)", fw_record_run_no(rec), fw_record_dir(rec),
		       rig.width, rig.height, rig.depth, cfg->board.n_steps, fw_trigger_name(cfg->trigger));
		fw_pipeline_start(p);
		if (rig.leds && cfg->board.leds.status[0])
			fs_leds_set_status(rig.leds, true, NULL);
		sd_notifyf(0, "READY=1\nSTATUS=run %d: acquiring", fw_record_run_no(rec));
		int sv = supervise(cfg, log, p, rec, rig.leds, view.hooks, &sigs);
		if (sv == 0)
			sv = fw_pipeline_join_until(p, fw_now_ms() + cfg->stop_timeout_ms);
		if (sv) {
			/* A stage is stuck in a call that does not return (a blocked
			 * read or write): dark, say so, and leave it behind; its
			 * buffers stay allocated as it may still touch them. The next
			 * start recovers this run folder. */
			fs_leds_all_off(rig.leds, NULL);
			fs_leds_set_status(rig.leds, false, NULL);
			fw_log(log, "a pipeline stage did not stop within %d ms ([supervision] stop_timeout_ms); exiting "
				    "without it", cfg->stop_timeout_ms);
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			if (summary)
				memset(summary, 0, sizeof *summary);
			return fs_err_set(err, -ETIMEDOUT, "a pipeline stage did not stop within %d ms; run %s left for "
					  "recovery at the next start", cfg->stop_timeout_ms, fw_record_dir(rec));
		}

		/* Dark before anything else. */
		fs_leds_all_off(rig.leds, NULL);
		fs_leds_set_status(rig.leds, false, NULL);
		fw_record_finish(rec);
		fw_record_totals t;
		fw_record_get_totals(rec, &t);
		fw_log(log, "run %d %s: %d FOV(s), %d cell(s); results in %s", fw_record_run_no(rec), t.status, t.fovs,
		       t.cells, t.run_dir);
		int blink = 0;
		if (fw_record_failed(rec, &blink))
			rc = fs_err_set(err, -EIO, "%s", t.status);
		summarise(rec, summary);
		if (rc)
			blink_code(rig.leds, cfg, blink, cfg->error_blink_s, &sigs);
	} else {
		summarise(rec, summary);
	}
	fw_pipeline_free(p);
	fw_rig_close(&rig, hooks_last_look, &view);
	fw_record_free(rec);
	if (ran)
		sd_notify(0, "STOPPING=1");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* ---- one image file: the same FOV pipeline, no threads ------------------- */

/* OUT/<stem>/, made before any work: an unwritable --out is found before
 * a long inference, and a folder holding the results of another input
 * with the same file name is an error, not silently overwritten. */
static int segment_out_dir(const char *image, const char *out_dir, char *dir, size_t size, fs_err *err)
{
	const char *base = strrchr(image, '/');
	base = base ? base + 1 : image;
	char stem[256];
	snprintf(stem, sizeof stem, "%s", base);
	char *dot = strrchr(stem, '.');
	if (dot && dot != stem)
		*dot = '\0';
	char src[4096], mark[1200];
	if (!realpath(image, src))
		return fs_err_set(err, -errno, "%s: %s", image, strerror(errno));
	int rc = fw_mkdir_p(out_dir, err);
	if (rc)
		return fs_err_prefix(err, "--out: ");
	if (snprintf(dir, size, "%s/%s", out_dir, stem) >= (int)size)
		return fs_err_set(err, -ENAMETOOLONG, "%s/%s: path too long", out_dir, stem);
	snprintf(mark, sizeof mark, "%s/.source", dir);
	char prev[4096];
	FILE *f = fopen(mark, "r");
	if (f) {
		size_t n = fread(prev, 1, sizeof prev - 1, f);
		fclose(f);
		prev[n] = '\0';
		if (n && prev[n - 1] == '\n')
			prev[n - 1] = '\0';
		if (strcmp(prev, src))
			return fs_err_set(err, -EEXIST, "%s: holds the results of %s, which has the same file name as %s: "
					  "expected a different --out", dir, prev, src);
	} else if (access(dir, F_OK) == 0) {
		return fs_err_set(err, -EEXIST, "%s: exists and is not a result folder of %s: expected a different --out",
				  dir, src);
	}
	if ((rc = fw_mkdir_durable(dir, 1, err)))
		return rc;
	size_t len = strlen(src);
	src[len] = '\n';
	return fw_write_file(mark, src, len + 1, err);
}

/* The analysed 8-bit image of a PNG. Its header is checked against
 * max_image_mpx before anything is decoded (a 1 MB PNG can claim 1 GiB).
 * A 16-bit image whose values all fit in 8 bits is taken as is, with a
 * warning, instead of becoming a black frame; others keep the top 8 bits
 * as the loop does with 16-bit cameras. */
static int segment_read_image(const fw_config *cfg, const char *image, fs_image *out, FILE *log, fs_err *err)
{
	int w, h, ch, depth;
	int rc = fs_png_info(image, &w, &h, &ch, &depth, err);
	if (rc)
		return rc;
	if ((double)w * h > cfg->max_image_mpx * 1e6)
		return fs_err_set(err, -EFBIG, "%s: %dx%d is %.1f megapixels: expected at most [segmentation] "
				  "max_image_mpx = %d", image, w, h, (double)w * h / 1e6, cfg->max_image_mpx);
	if (depth != 16 || ch != 1)
		return fs_png_read(image, 1, 8, out, err);
	fs_image wide;
	if ((rc = fs_png_read(image, 1, 16, &wide, err)))
		return rc;
	unsigned maxv = 0;
	for (int y = 0; y < h; y++) {
		const uint16_t *row = (const uint16_t *)(wide.data + (size_t)y * wide.stride);
		for (int x = 0; x < w; x++)
			maxv = row[x] > maxv ? row[x] : maxv;
	}
	int shift = maxv < 256 ? 0 : 8;
	if (!shift)
		fw_log(log, "%s: warning: 16-bit image with every value below 256 (max %u): analysed as 8-bit values, "
			    "not as its top 8 bits (which would be black)", image, maxv);
	if (!(rc = fs_image_alloc(out, w, h, 1, 8, err)))
		for (int y = 0; y < h; y++) {
			const uint16_t *row = (const uint16_t *)(wide.data + (size_t)y * wide.stride);
			uint8_t *o = out->data + (size_t)y * out->stride;
			for (int x = 0; x < w; x++)
				o[x] = (uint8_t)(row[x] >> shift);
		}
	fs_image_free(&wide);
	return rc;
}

/* score.json: the cells against a person's reference mask. */
static int score_json(FILE *out, void *user)
{
	const fw_cell_score *s = user;
	fprintf(out, "{\n \"reference_cells\": %d,\n \"cells\": %d,\n \"count_error\": %.6f,\n"
		     " \"matched_iou_gt_0_5\": %d,\n \"precision\": %.6f,\n \"recall\": %.6f,\n \"f1\": %.6f,\n"
		     " \"matched_mean_iou\": %.6f,\n \"pixel_jaccard\": %.6f\n}\n",
		s->cells_ref, s->cells_pred, s->count_error, s->matched, s->precision, s->recall, s->f1,
		s->matched_iou, s->jaccard);
	return ferror(out) ? -EIO : 0;
}

/* Scores the labelled cells of f against the reference mask at path: a
 * line in the log and score.json in dir. */
static int segment_score(const fw_fov *f, fw_proc *proc, const char *path, const char *dir, FILE *log, fs_err *err)
{
	fs_image ref;
	int rc = fs_png_read(path, 1, 8, &ref, err);
	if (rc) {
		fs_err_prefix(err, "--reference: ");
		return rc;
	}
	int w = f->seg.width, h = f->seg.height;
	if (ref.width != w || ref.height != h) {
		rc = fs_err_set(err, -EINVAL, "--reference %s: %dx%d, expected the image's %dx%d", path, ref.width,
				ref.height, w, h);
		fs_image_free(&ref);
		return rc;
	}
	uint8_t *mask = malloc((size_t)w * h);
	if (!mask) {
		fs_image_free(&ref);
		return fs_err_set(err, -ENOMEM, "--reference %s: out of memory", path);
	}
	for (int y = 0; y < h; y++)
		memcpy(mask + (size_t)y * w, ref.data + (size_t)y * ref.stride, (size_t)w);
	fs_image_free(&ref);
	fw_cell_score s;
	rc = fw_score_cells(proc, f->labels, mask, w, h, &s, err);
	free(mask);
	if (rc)
		return rc;
	char file[1100];
	snprintf(file, sizeof file, "%s/score.json", dir);
	if ((rc = fw_write_text(file, score_json, &s, err)))
		return rc;
	fw_log(log, "%s: %d cells vs %d reference (%+.2f %%), precision %.4f recall %.4f F1@IoU0.5 %.4f, "
		    "pixel Jaccard %.4f; in %s", path, s.cells_pred, s.cells_ref, 100 * s.count_error, s.precision,
	       s.recall, s.f1, s.jaccard, file);
	return 0;
}

int fw_segment_file(const fw_config *cfg, const char *image, const char *out_dir, const char *model,
		    const char *reference, FILE *log, int *ncells, fs_err *err)
{
	fw_fov f;
	memset(&f, 0, sizeof f);
	fw_fov_views views;
	memset(&views, 0, sizeof views);
	fw_engine *e = NULL;
	fw_proc *proc = NULL;
	char dir[1024];
	/* The checks `run` makes on the analysis settings, before any work. */
	int rc = fw_config_check_analysis(cfg, err);
	if (rc || (rc = segment_out_dir(image, out_dir, dir, sizeof dir, err)))
		return rc;
	if ((rc = segment_read_image(cfg, image, &f.seg, log, err)))
		return rc;
	int w = f.seg.width, h = f.seg.height;
	fw_engine_opts o = fw_cpu_engine_opts(cfg, w, h);
	if (model) {
		o.path = model;
		o.expect_sha256 = NULL;
	}
	if ((rc = fw_engine_open(&o, &e, err)))
		goto out;
	if ((rc = fw_fov_alloc(&f, w, h, 0, err))) {
		fs_err_prefix(err, "%s: ", image);
		goto out;
	}
	if ((rc = fw_proc_new(w, h, &proc, err)) || (rc = fw_fov_views_alloc(&views, w, h, err)))
		goto out;
	fw_seg_opts so = {cfg->tile_overlap, cfg->threshold, fw_output_kind_of(cfg->model_output), 0, NULL, NULL};
	fw_seg_stats st;
	if ((rc = fw_segment(e, &f.seg, &so, f.mask, &st, err)) || (rc = fw_fov_analyse(&f, proc, cfg, err)))
		goto out;
	fw_fov_meta meta = {.model_sha256 = fw_engine_sha256(e)};
	fw_device_id(cfg, meta.device, sizeof meta.device);
	fw_iso_now(meta.time, sizeof meta.time);
	if ((rc = fw_fov_write_results(&f, dir, cfg, &meta, NULL, 0, &views, NULL, err)))
		goto out;
	if (ncells)
		*ncells = f.ncells;
	if (reference && (rc = segment_score(&f, proc, reference, dir, log, err)))
		goto out;
	int tw, th;
	fw_engine_tile_size(e, &tw, &th);
	fw_log(log, "%s: %dx%d, %d tile(s) of %dx%d, %d cells, confluence %.3f, focus %.1f, inference %.0f ms of %.0f ms; "
		    "results in %s", image, w, h, st.tiles, tw, th, f.ncells, f.confluence, f.focus, st.infer_ms,
	       st.total_ms, dir);
out:
	fw_fov_free(&f);
	fw_proc_free(proc);
	fw_engine_close(e);
	fw_fov_views_free(&views);
	return rc;
}
