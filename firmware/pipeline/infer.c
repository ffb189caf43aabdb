/* SPDX-License-Identifier: BSD-3-Clause */
/* The inference stage: segment each FOV on the accelerator while it is
 * healthy (deadline, reset, retry, then the CPU for the rest of the run).
 * The mask's analysis is the writer's first step (write.c). */
#include "pipeline_priv.h"

#include <errno.h>
#include <string.h>

#include "util/util.h"

/* Segments with the accelerator while it is healthy: a failed or late
 * invoke resets it and retries the FOV up to inference_retries times, then
 * the run continues on the CPU model. */
static int infer_fov(fw_pipeline *p, slot *s, fs_err *err)
{
	const fw_config *cfg = p->cfg;
	fw_seg_opts so = {
		.overlap = cfg->tile_overlap,
		.threshold = cfg->threshold,
		.kind = fw_output_kind_of(cfg->model_output),
		.deadline_ms = cfg->inference_deadline_ms,
		.cancel = &p->abandon,
		.progress = &p->beat[FW_STAGE_INFER],
	};
	int resets = 0;
	char last_err[FS_ERR_MSG_MAX] = "";
	for (;;) {
		fw_engine *e = p->rig->accel && !p->fell_back ? p->rig->accel : p->rig->cpu;
		fw_seg_stats st;
		int rc = fw_segment(e, &s->f.seg, &so, s->f.mask, &st, err);
		s->f.t_infer = st.infer_ms;
		s->f.t_segment = st.total_ms;
		s->f.tiles = st.tiles;
		if (!rc) {
			snprintf(s->backend, sizeof s->backend, "%s", fw_engine_name(e));
			s->model_sha256 = fw_engine_sha256(e);
			if (e == p->rig->accel && resets)
				snprintf(s->why, sizeof s->why, "accelerator recovered after %d reset(s); last error: %.200s",
					 resets, last_err);
			else if (e == p->rig->accel)
				snprintf(s->why, sizeof s->why, "accelerator healthy");
			else if (p->fell_back)
				snprintf(s->why, sizeof s->why, "CPU fallback: %s", p->fallback_why);
			else
				snprintf(s->why, sizeof s->why, "%s", p->rig->accel_note);
			p->consecutive_failures = 0;
			return 0;
		}
		if (e == p->rig->cpu || rc == -ECANCELED)
			return rc;
		snprintf(last_err, sizeof last_err, "%s", err->msg);
		p->consecutive_failures++;
		resets++;
		fs_err re;
		int rrc = fw_engine_reset(p->rig->accel, &re);
		fw_log(p->log, "FOV %d: %s; backend reset%s (failure %d, retries allowed %d)", s->fov, err->msg,
		      rrc ? " failed" : "", p->consecutive_failures, cfg->inference_retries);
		fw_record_audit(p->rec, "inference_fault", "fov=%d backend=%s error=%s reset=%s", s->fov,
				fw_engine_name(e), err->msg, rrc ? re.msg : "ok");
		if (rrc || p->consecutive_failures > cfg->inference_retries) {
			p->fell_back = 1;
			snprintf(p->fallback_why, sizeof p->fallback_why,
				 "from FOV %d on: accelerator %s failed %d time(s) in a row (%.200s)%s", s->fov,
				 fw_engine_name(e), p->consecutive_failures, last_err, rrc ? "; reset failed" : "");
			fw_record_fallback(p->rec, p->fallback_why);
			fw_log(p->log, "moving to the CPU model %s", p->fallback_why);
			fw_record_audit(p->rec, "cpu_fallback", "%s", p->fallback_why);
		}
	}
}

void *infer_main(void *arg)
{
	fw_pipeline *p = arg;
	int idx;
	for (;;) {
		stage_idle(p, FW_STAGE_INFER);
		if ((idx = q_pop(&p->inferq)) < 0)
			break;
		stage_beat(p, FW_STAGE_INFER);
		slot *s = &p->slots[idx];
		if (atomic_load(&p->abandon)) {
			s->abandoned = 1;
			q_push(&p->writeq, idx);
			continue;
		}
		fs_err err;
		int rc = infer_fov(p, s, &err);
		if (rc == -ECANCELED) {
			fw_log(p->log, "FOV %d abandoned: stopping", s->fov);
			s->abandoned = 1;
			q_push(&p->writeq, idx);
			continue;
		}
		if (rc) {
			pipe_fail(p, FW_BLINK_MODEL, "FOV %d: inference failed: %s", s->fov, err.msg);
			s->abandoned = 1;
			q_push(&p->writeq, idx);
			continue;
		}
		/* Analysis runs in the writer: this stage is then inference only,
		 * so with a fast accelerator the loop keeps inference's pace. */
		q_push(&p->writeq, idx);
	}
	q_close(&p->writeq);
	atomic_fetch_add(&p->threads_done, 1);
	return NULL;
}

