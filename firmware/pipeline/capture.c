/* SPDX-License-Identifier: BSD-3-Clause */
/* The capture stage: wait for the trigger, check free space, light each
 * step, capture (reopening a lost camera with backoff), combine DPC. */
#include "pipeline_priv.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "store/store.h"
#include "util/util.h"

static int step_index(const fw_board *b, const char *name)
{
	for (int i = 0; i < b->n_steps; i++)
		if (!strcmp(b->steps[i].name, name))
			return i;
	return -1;
}

/* Sleeps in small pieces so a stop request is seen quickly; busy: a wait
 * that is part of the work (a reopen backoff) counts as progress. */
static int wait_or_stop(fw_pipeline *p, double ms, int busy)
{
	double end = fw_now_ms() + ms;
	while (!atomic_load(&p->stop)) {
		double left = end - fw_now_ms();
		if (left <= 0)
			return 0;
		if (busy)
			stage_beat(p, FW_STAGE_CAPTURE);
		fw_sleep_ms(left < 50 ? left : 50);
	}
	return 1;
}

/* One FOV: every step lit, settled, captured and switched off. LED
 * errors are fatal (-EPIPE in *led_fault), camera errors are returned. */
static int capture_steps(fw_pipeline *p, slot *s, int *led_fault, fs_err *err)
{
	const fw_board *b = &p->cfg->board;
	*led_fault = 0;
	for (int i = 0; i < b->n_steps; i++) {
		stage_beat(p, FW_STAGE_CAPTURE);
		int rc = fs_leds_set_pattern(p->rig->leds, b->steps[i].name, err);
		if (rc) {
			*led_fault = 1;
			fs_leds_all_off(p->rig->leds, NULL);
			return rc;
		}
		unsigned cuts = fs_leds_overtime_count(p->rig->leds);
		rc = fs_camera_set_step(p->rig->cam, b->steps[i].name, err);
		if (!rc) {
			fw_sleep_ms(b->settle_ms);
			rc = fs_camera_capture(p->rig->cam, b->capture_timeout_ms, &s->frames[i], &s->meta[i], err);
		}
		/* The guard cut the light before the frame was in: a dark or
		 * half-lit frame must not become a FOV with cells. */
		if (!rc && fs_leds_overtime_count(p->rig->leds) != cuts)
			rc = fs_err_set(err, FW_CAPTURE_DISCARD, "the LED guard cut step %s's light before its frame was "
					"taken (max_on_ms too short for settle + capture)", b->steps[i].name);
		/* Dark between steps and after any failure. */
		int rc2 = fs_leds_all_off(p->rig->leds, NULL);
		if (rc)
			return rc;
		if (rc2) {
			*led_fault = 1;
			return fs_err_set(err, rc2, "LEDs did not switch off after step %s", b->steps[i].name);
		}
	}
	return 0;
}

static int capture_with_recovery(fw_pipeline *p, slot *s, fs_err *err)
{
	const fw_config *cfg = p->cfg;
	for (int attempt = 0;; attempt++) {
		int led_fault = 0, rc = -ENODEV;
		if (p->rig->cam)
			rc = capture_steps(p, s, &led_fault, err);
		if (!rc)
			return 0;
		if (led_fault) {
			pipe_fail(p, FW_BLINK_LEDS, "LED fault: %s", err->msg);
			return rc;
		}
		if (rc == FW_CAPTURE_DISCARD)
			return rc;
		if (rc == FS_CAMERA_END)
			return rc;
		if (attempt >= cfg->camera_retries) {
			pipe_fail(p, FW_BLINK_CAMERA, "camera lost: %s (gave up after %d reopen attempts)", err->msg,
				    attempt);
			fw_record_audit(p->rec, "camera_lost", "fov=%d attempts=%d error=%s", s->fov, attempt, err->msg);
			return rc;
		}
		double backoff = (double)cfg->camera_backoff_ms * (double)(1 << (attempt < 16 ? attempt : 16));
		fw_log(p->log, "camera fault on FOV %d: %s; reopening in %.0f ms (attempt %d of %d)", s->fov,
		      err->msg, backoff, attempt + 1, cfg->camera_retries);
		fw_record_audit(p->rec, "camera_fault", "fov=%d attempt=%d error=%s", s->fov, attempt + 1, err->msg);
		fs_camera_close(p->rig->cam);
		p->rig->cam = NULL;
		if (wait_or_stop(p, backoff, 1))
			return -ECANCELED;
		fs_err e2;
		stage_beat(p, FW_STAGE_CAPTURE);
		if (fs_camera_open(&p->rig->camcfg, &p->rig->cam, &e2) == 0) {
			fs_camera_info info;
			fs_camera_get_info(p->rig->cam, &info);
			if (info.width != p->rig->width || info.height != p->rig->height) {
				fs_camera_close(p->rig->cam);
				p->rig->cam = NULL;
				fs_err_set(err, -EINVAL, "camera came back with %dx%d frames, was %dx%d", info.width,
					   info.height, p->rig->width, p->rig->height);
			} else {
				fw_log(p->log, "camera reopened");
			}
		} else {
			*err = e2;
		}
	}
}

static int wait_trigger(fw_pipeline *p, double *next_tick)
{
	const fw_config *cfg = p->cfg;
	if (cfg->trigger == FW_TRIGGER_INTERVAL) {
		double wait = *next_tick - fw_now_ms();
		if (wait > 0 && wait_or_stop(p, wait, 0))
			return 1;
		*next_tick = fmax(*next_tick + cfg->interval_s * 1000.0, fw_now_ms());
		return atomic_load(&p->stop);
	}
	if (cfg->trigger == FW_TRIGGER_BUTTON) {
		while (!atomic_load(&p->stop)) {
			fs_button_event ev;
			fs_err e;
			int rc = fs_leds_button_wait(p->rig->leds, 100, &ev, &e);
			if (rc < 0) {
				pipe_fail(p, FW_BLINK_LEDS, "button: %s", e.msg);
				return 1;
			}
			if (rc == 1 && ev.pressed) {
				fw_log(p->log, "button pressed");
				return 0;
			}
		}
		return 1;
	}
	return atomic_load(&p->stop);
}

void *capture_main(void *arg)
{
	fw_pipeline *p = arg;
	const fw_config *cfg = p->cfg;
	const fw_board *b = &cfg->board;
	int dpc = !strcmp(b->segment_input, "dpc");
	int li = dpc ? step_index(b, b->dpc_left) : -1, ri = dpc ? step_index(b, b->dpc_right) : -1;
	int si = dpc ? -1 : step_index(b, b->segment_input);
	double next_tick = fw_now_ms();
	for (int fov = 1; cfg->max_fovs == 0 || fov <= cfg->max_fovs; fov++) {
		stage_idle(p, FW_STAGE_CAPTURE);   /* a trigger or a free slot is not progress */
		if (wait_trigger(p, &next_tick))
			break;
		uint64_t free_b;
		fs_err err;
		if (fw_free_bytes(fw_record_dir(p->rec), &free_b, &err)) {
			pipe_fail(p, FW_BLINK_STORAGE, "storage: %s", err.msg);
			break;
		}
		/* FOVs captured but not yet written take their share first. */
		uint64_t fov_b = fw_record_fov_bytes(cfg, p->rig->width, p->rig->height, p->rig->depth);
		uint64_t need = fw_record_space_needed(cfg, p->rig->width, p->rig->height, p->rig->depth) +
				(uint64_t)(NSLOTS - q_count(&p->freeq)) * fov_b;
		if (free_b < need) {
			pipe_fail(p, FW_BLINK_STORAGE,
				    "storage nearly full: %.1f MiB free in %s, FOV %d needs %.1f MiB plus min_free_mb = %d; "
				    "acquisition stopped", free_b / 1048576.0, fw_record_dir(p->rec), fov,
				    fov_b / 1048576.0, cfg->min_free_mb);
			fw_record_audit(p->rec, "storage_full", "fov=%d free_bytes=%llu", fov, (unsigned long long)free_b);
			break;
		}
		int idx = q_pop(&p->freeq);
		if (idx < 0 || atomic_load(&p->stop)) {
			if (idx >= 0)
				q_push(&p->freeq, idx);
			break;
		}
		stage_beat(p, FW_STAGE_CAPTURE);
		slot *s = &p->slots[idx];
		s->fov = fov;
		s->abandoned = 0;
		double t0 = fw_now_ms();
		fw_record_first_fov(p->rec, t0);
		int rc = capture_with_recovery(p, s, &err);
		if (rc == FS_CAMERA_END) {
			fw_record_status(p->rec, "completed: camera replay finished");
			q_push(&p->freeq, idx);
			break;
		}
		if (rc == FW_CAPTURE_DISCARD) {
			/* Not a FOV: no folder; the log, audit and run.json say so. */
			fw_log(p->log, "FOV %d discarded: %s", fov, err.msg);
			fw_record_audit(p->rec, "fov_discarded", "fov=%d reason=%s", fov, err.msg);
			fw_record_discarded(p->rec);
			q_push(&p->freeq, idx);
			continue;
		}
		if (rc) {
			q_push(&p->freeq, idx);
			break;
		}
		if (dpc)
			rc = fw_dpc(&s->frames[li], &s->frames[ri], &s->f.seg, &err);
		else
			rc = fw_to_grey8(&s->frames[si], &s->f.seg, &err);
		if (rc) {
			pipe_fail(p, FW_BLINK_CAMERA, "FOV %d: %s", fov, err.msg);
			q_push(&p->freeq, idx);
			break;
		}
		s->t_capture = fw_now_ms() - t0;
		q_push(&p->inferq, idx);
	}
	stage_idle(p, FW_STAGE_CAPTURE);
	fw_record_status(p->rec, cfg->max_fovs ? "completed: max_fovs reached" : "completed");
	q_close(&p->inferq);
	atomic_fetch_add(&p->threads_done, 1);
	return NULL;
}

