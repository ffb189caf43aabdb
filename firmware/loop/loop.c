/* The three entry points: fw_run (self-test, then the capture -> inference
 * -> writer threads under the supervisor), fw_selftest (the checks only)
 * and fw_segment_file (the same FOV pipeline on one image file). The
 * stages live in their own files (see run.h). */
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

/* The set-up fw_run and fw_selftest share. */
static run *run_new(const fw_config *cfg, FILE *log)
{
	run *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->cfg = cfg;
	r->log = log;
	r->hooks = fw_board_hooks_find(cfg->board.leds.backend);
	pthread_mutex_init(&r->mu, NULL);
	return r;
}

static void run_delete(run *r)
{
	free_run(r);
	free(r);
}

int fw_selftest(const fw_config *cfg, FILE *log, int *blink, fs_err *err)
{
	run *r = run_new(cfg, log);
	if (!r)
		return fs_err_set(err, -ENOMEM, "out of memory");
	int rc = selftest(r, err);
	if (blink)
		*blink = rc ? r->blink : 0;
	if (rc)
		blink_code(r, r->blink, cfg->error_blink_s, NULL);
	run_delete(r);
	return rc;
}

/* Self-test, buffers and the run folder; on failure blinks and records. */
static int start(run *r, const sigset_t *sigs, fs_err *err)
{
	int rc = selftest(r, err);
	if (!rc && (rc = alloc_buffers(r, err)))
		r->blink = FW_BLINK_STORAGE;
	if (!rc && (rc = start_run_dir(r, err)))
		r->blink = FW_BLINK_STORAGE;
	if (!rc)
		return 0;
	fw_log(r->log, "self-test failed (blink code %d): %s", r->blink, err->msg);
	sd_notifyf(0, "STATUS=self-test failed: %s", err->msg);
	blink_code(r, r->blink, r->cfg->error_blink_s, sigs);
	if (r->audit_ok) {
		snprintf(r->status, sizeof r->status, "failed: %s", err->msg);
		r->failed = 1;
		fw_iso_now(r->ended, sizeof r->ended);
		fs_leds_all_off(r->leds, NULL);
		write_run_json(r, NULL);
	}
	return rc;
}

/* Starts the stage threads; returns how many started. */
static int start_stages(run *r, pthread_t th[3])
{
	q_init(&r->freeq);
	q_init(&r->inferq);
	q_init(&r->writeq);
	for (int i = 0; i < NSLOTS; i++)
		q_push(&r->freeq, i);
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
	return started;
}

int fw_run(const fw_config *cfg, FILE *log, fw_run_summary *summary, fs_err *err)
{
	run *r = run_new(cfg, log);
	if (!r)
		return fs_err_set(err, -ENOMEM, "out of memory");
	fw_iso_now(r->started, sizeof r->started);
	/* Signals are taken synchronously by this thread only. */
	sigset_t sigs, old;
	supervisor_block(r, &sigs, &old);

	int rc = start(r, &sigs, err);
	if (rc) {
		run_summary(r, summary);
		run_delete(r);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return rc;
	}
	fw_log(log, "run %d in %s (%dx%d %d-bit, %d step(s), %s)", r->run_no, r->run_dir, r->width, r->height,
	       r->depth, cfg->board.n_steps, fw_trigger_name(cfg->trigger));

	pthread_t th[3];
	int started = start_stages(r, th);
	if (r->leds && cfg->board.leds.status[0])
		fs_leds_set_status(r->leds, true, NULL);
	sd_notifyf(0, "READY=1\nSTATUS=run %d: acquiring", r->run_no);
	supervise(r, started, &sigs);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);

	/* Dark before anything else. */
	fs_leds_all_off(r->leds, NULL);
	fs_leds_set_status(r->leds, false, NULL);
	finish_run_record(r);
	fw_log(log, "run %d %s: %d FOV(s), %d cell(s); results in %s", r->run_no, r->status, r->fovs_done,
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
	run_delete(r);
	sd_notify(0, "STOPPING=1");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* ---- one image file: the same FOV pipeline, no threads ------------------- */

int fw_segment_file(const fw_config *cfg, const char *image, const char *out_dir, const char *model, FILE *log,
		    int *ncells, fs_err *err)
{
	fov f;
	memset(&f, 0, sizeof f);
	fs_image label16 = {0}, overlay = {0};
	fw_engine *e = NULL;
	fw_proc *proc = NULL;
	int rc = fs_png_read(image, 1, 8, &f.seg, err);
	if (rc)
		return rc;
	int w = f.seg.width, h = f.seg.height;
	fw_engine_opts o = {.name = "cpu", .path = model ? model : cfg->model_cpu,
			    .expect_sha256 = model ? NULL : cfg->model_cpu_sha256,
			    .cpu_threads = fw_config_cpu_threads(cfg)};
	if ((rc = fw_engine_open(&o, &e, err)))
		goto out;
	if ((rc = fov_alloc(&f, w, h, 0, err))) {
		fs_err_prefix(err, "%s: ", image);
		goto out;
	}
	if ((rc = fw_proc_new(w, h, &proc, err)) || (rc = fs_image_alloc(&label16, w, h, 1, 16, err)) ||
	    (rc = fs_image_alloc(&overlay, w, h, 3, 8, err)))
		goto out;
	fw_seg_opts so = {cfg->tile_overlap, cfg->threshold, fov_output_kind(cfg->model_output), 0, NULL};
	fw_seg_stats st;
	if ((rc = fw_segment(e, &f.seg, &so, f.mask, &st, err)) || (rc = fov_analyse(&f, proc, cfg, err)))
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
	if ((rc = fw_mkdir_p(out_dir, err)))
		goto out;
	snprintf(dir, sizeof dir, "%s/%s", out_dir, stem);
	if ((rc = fw_mkdir_durable(dir, 1, err)) ||
	    (rc = fov_write_results(&f, dir, cfg, &label16, &overlay, NULL, err)))
		goto out;
	if (ncells)
		*ncells = f.ncells;
	int tw, th;
	fw_engine_tile_size(e, &tw, &th);
	fw_log(log, "%s: %dx%d, %d tile(s) of %dx%d, %d cells, confluence %.3f, focus %.1f, inference %.0f ms of %.0f ms; "
		    "results in %s", image, w, h, st.tiles, tw, th, f.ncells, f.confluence, f.focus, st.infer_ms,
	       st.total_ms, dir);
out:
	fov_free(&f);
	fw_proc_free(proc);
	fw_engine_close(e);
	fs_image_free(&label16);
	fs_image_free(&overlay);
	return rc;
}
