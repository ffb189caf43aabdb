/* SPDX-License-Identifier: BSD-3-Clause */
/* The pipeline's life: buffers before the first frame, the three stage
 * threads, a stop request, and the fatal-failure path every stage uses. */
#include "pipeline_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "util/util.h"

void pipe_fail(fw_pipeline *p, int blink, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fw_record_fail(p->rec, blink, "%s", msg);
	atomic_store(&p->stop, 1);
	/* Wakes a capture thread waiting for a free slot. */
	q_close(&p->freeq);
}

void stage_beat(fw_pipeline *p, int stage)
{
	atomic_store(&p->beat[stage], (long long)fw_now_ms());
}

void stage_idle(fw_pipeline *p, int stage)
{
	atomic_store(&p->beat[stage], 0);
}

const char *fw_stage_name(int stage)
{
	static const char *const names[FW_NSTAGES] = {"capture", "inference", "writer"};
	return stage >= 0 && stage < FW_NSTAGES ? names[stage] : "?";
}

int fw_pipeline_stalled(fw_pipeline *p, double stall_ms, double *silent_ms)
{
	double now = fw_now_ms();
	for (int i = 0; i < FW_NSTAGES; i++) {
		long long b = atomic_load(&p->beat[i]);
		if (b && now - (double)b > stall_ms) {
			*silent_ms = now - (double)b;
			return i;
		}
	}
	return -1;
}

int fw_pipeline_join_until(fw_pipeline *p, double deadline_ms)
{
	for (; p->joined < p->started; p->joined++) {
		double left = deadline_ms - fw_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		long long ns = ts.tv_nsec + (long long)(left * 1e6);
		ts.tv_sec += (time_t)(ns / 1000000000LL);
		ts.tv_nsec = (long)(ns % 1000000000LL);
		if (pthread_timedjoin_np(p->threads[p->joined], NULL, &ts) == ETIMEDOUT)
			return -ETIMEDOUT;
	}
	p->started = p->joined = 0;
	atomic_store(&p->threads_done, 0);
	return 0;
}

int fw_pipeline_new(const fw_config *cfg, FILE *log, fw_rig *rig, fw_record *rec, fw_pipeline **out,
		    fs_err *err)
{
	*out = NULL;
	fw_pipeline *p = calloc(1, sizeof *p);
	if (!p)
		return fs_err_set(err, -ENOMEM, "out of memory for the pipeline");
	p->cfg = cfg;
	p->log = log;
	p->rig = rig;
	p->rec = rec;
	q_init(&p->freeq);
	q_init(&p->inferq);
	q_init(&p->writeq);
	int w = rig->width, h = rig->height;
	int rc = fw_proc_new(w, h, &p->proc, err);
	for (int i = 0; !rc && i < NSLOTS; i++) {
		slot *s = &p->slots[i];
		for (int k = 0; !rc && k < cfg->board.n_steps; k++)
			rc = fs_camera_alloc_frame(rig->cam, &s->frames[k], err);
		if (!rc)
			rc = fw_fov_alloc(&s->f, w, h, 1, err);
	}
	if (!rc)
		rc = fw_fov_views_alloc(&p->views, w, h, err);
	if (rc) {
		fw_pipeline_free(p);
		return rc;
	}
	for (int i = 0; i < NSLOTS; i++)
		q_push(&p->freeq, i);
	*out = p;
	return 0;
}

int fw_pipeline_start(fw_pipeline *p)
{
	void *(*mains[3])(void *) = {capture_main, infer_main, write_main};
	for (; p->started < 3; p->started++)
		if (pthread_create(&p->threads[p->started], NULL, mains[p->started], p) != 0)
			break;
	if (p->started < 3) {
		/* Unwind: stop whatever started. */
		pipe_fail(p, FW_BLINK_CONFIG, "cannot start pipeline threads");
		q_close(&p->inferq);
		q_close(&p->writeq);
	}
	return p->started;
}

int fw_pipeline_running(fw_pipeline *p)
{
	return atomic_load(&p->threads_done) < p->started;
}

void fw_pipeline_stop(fw_pipeline *p)
{
	atomic_store(&p->stop, 1);
	atomic_store(&p->abandon, 1);
	q_close(&p->freeq);
}

int fw_pipeline_stopping(fw_pipeline *p)
{
	return atomic_load(&p->stop);
}

void fw_pipeline_join(fw_pipeline *p)
{
	for (; p->joined < p->started; p->joined++)
		pthread_join(p->threads[p->joined], NULL);
	p->started = p->joined = 0;
	atomic_store(&p->threads_done, 0);
}

void fw_pipeline_free(fw_pipeline *p)
{
	if (!p)
		return;
	for (int i = 0; i < NSLOTS; i++) {
		for (int k = 0; k < FW_MAX_STEPS; k++)
			fs_image_free(&p->slots[i].frames[k]);
		fw_fov_free(&p->slots[i].f);
	}
	fw_fov_views_free(&p->views);
	fw_proc_free(p->proc);
	q_destroy(&p->freeq);
	q_destroy(&p->inferq);
	q_destroy(&p->writeq);
	free(p);
}
