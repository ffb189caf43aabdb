/* The three entry points: fw_run (self-test, then the pipeline under the
 * supervisor, with its record), fw_selftest (the checks only) and
 * fw_segment_file (the same FOV pipeline on one image file). */
#include "loop_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "store/store.h"

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
		supervise(cfg, log, p, rec, rig.leds, view.hooks, &sigs);
		fw_pipeline_join(p);

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

int fw_segment_file(const fw_config *cfg, const char *image, const char *out_dir, const char *model, FILE *log,
		    int *ncells, fs_err *err)
{
	fw_fov f;
	memset(&f, 0, sizeof f);
	fw_fov_views views;
	memset(&views, 0, sizeof views);
	fw_engine *e = NULL;
	fw_proc *proc = NULL;
	int rc = fs_png_read(image, 1, 8, &f.seg, err);
	if (rc)
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
	fw_seg_opts so = {cfg->tile_overlap, cfg->threshold, fw_output_kind_of(cfg->model_output), 0, NULL};
	fw_seg_stats st;
	if ((rc = fw_segment(e, &f.seg, &so, f.mask, &st, err)) || (rc = fw_fov_analyse(&f, proc, cfg, err)))
		goto out;
	/* OUT/<stem>/ */
	const char *base = strrchr(image, '/');
	base = base ? base + 1 : image;
	char stem[256];
	snprintf(stem, sizeof stem, "%s", base);
	char *dot = strrchr(stem, '.');
	if (dot && dot != stem)
		*dot = '\0';
	char dir[1024];
	fw_fov_meta meta = {.model_sha256 = fw_engine_sha256(e)};
	fw_device_id(cfg, meta.device, sizeof meta.device);
	fw_iso_now(meta.time, sizeof meta.time);
	if ((rc = fw_mkdir_p(out_dir, err)))
		goto out;
	snprintf(dir, sizeof dir, "%s/%s", out_dir, stem);
	if ((rc = fw_mkdir_durable(dir, 1, err)) ||
	    (rc = fw_fov_write_results(&f, dir, cfg, &meta, NULL, 0, &views, NULL, err)))
		goto out;
	if (ncells)
		*ncells = f.ncells;
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
