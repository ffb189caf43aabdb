/* The inference stage: segment each FOV on the accelerator while it is
 * healthy (deadline, reset, retry, then the CPU for the rest of the run)
 * and analyse the mask. */
#include "run.h"

#include <errno.h>
#include <string.h>

/* Segments with the accelerator while it is healthy: a failed or late
 * invoke resets it and retries the FOV up to inference_retries times, then
 * the run continues on the CPU model. */
static int infer_fov(run *r, slot *s, fs_err *err)
{
	const fw_config *cfg = r->cfg;
	fw_seg_opts so = {
		.overlap = cfg->tile_overlap,
		.threshold = cfg->threshold,
		.kind = fov_output_kind(cfg->model_output),
		.deadline_ms = cfg->inference_deadline_ms,
		.cancel = &r->abandon,
	};
	int resets = 0;
	char last_err[FS_ERR_MSG_MAX] = "";
	for (;;) {
		fw_engine *e = r->accel && !r->fell_back ? r->accel : r->cpu;
		fw_seg_stats st;
		int rc = fw_segment(e, &s->f.seg, &so, s->f.mask, &st, err);
		s->f.t_infer = st.infer_ms;
		s->f.t_segment = st.total_ms;
		s->f.tiles = st.tiles;
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
		fw_log(r->log, "FOV %d: %s; backend reset%s (failure %d, retries allowed %d)", s->fov, err->msg,
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
			fw_log(r->log, "moving to the CPU model %s", r->fallback_why);
			audit(r, "cpu_fallback", "%s", r->fallback_why);
		}
	}
}

void *infer_main(void *arg)
{
	run *r = arg;
	const fw_config *cfg = r->cfg;
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
			fw_log(r->log, "FOV %d abandoned: stopping", s->fov);
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
		if (fov_analyse(&s->f, r->proc, cfg, &err)) {
			set_failure(r, FW_BLINK_MODEL, "FOV %d: %s", s->fov, err.msg);
			s->abandoned = 1;
		}
		q_push(&r->writeq, idx);
	}
	q_close(&r->writeq);
	atomic_fetch_add(&r->threads_done, 1);
	return NULL;
}

