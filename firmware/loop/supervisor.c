/* SPDX-License-Identifier: BSD-3-Clause */
/* The main thread's part while the stages run: it takes SIGINT/SIGTERM
 * synchronously (and the board hooks' signal), tells systemd WATCHDOG and
 * STOPPING, and blinks fatal error codes on the status LED. */
#include "loop_priv.h"

#include <systemd/sd-daemon.h>
#include <errno.h>
#include <time.h>

#include "util/util.h"

void supervisor_block(const fw_board_hooks *hooks, sigset_t *sigs, sigset_t *old)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGTERM);
	if (hooks && hooks->signal)
		sigaddset(sigs, hooks->signal);
	pthread_sigmask(SIG_BLOCK, sigs, old);
}

int supervise(const fw_config *cfg, FILE *log, fw_pipeline *p, fw_record *rec, fs_leds *leds,
	      const fw_board_hooks *hooks, const sigset_t *sigs)
{
	uint64_t wd_usec = 0;
	double wd_period = cfg->watchdog_ms;
	if (!wd_period && sd_watchdog_enabled(0, &wd_usec) > 0)
		wd_period = wd_usec / 2000.0;
	double next_wd = fw_now_ms();
	double hook_due = 0;
	double stop_by = 0;      /* set by the first stop: SIGTERM/SIGINT or a stall */
	int stalled = -1;
	while (fw_pipeline_running(p)) {
		struct timespec ts = {0, 50 * 1000000L};
		siginfo_t si;
		int sig = sigtimedwait(sigs, &si, &ts);
		if (sig == SIGINT || sig == SIGTERM) {
			if (!fw_pipeline_stopping(p))
				fw_log(log, "%s: finishing the FOV in progress and stopping",
				       sig == SIGINT ? "SIGINT" : "SIGTERM");
			fw_pipeline_stop(p);
			if (!stop_by)
				stop_by = fw_now_ms() + cfg->stop_timeout_ms;
			sd_notify(0, "STOPPING=1");
			fw_record_status(rec, sig == SIGINT ? "stopped by SIGINT" : "stopped by SIGTERM");
		} else if (sig > 0 && hooks && sig == hooks->signal && hooks->on_signal) {
			double due = hooks->on_signal(leds, &cfg->board.leds);
			if (due)
				hook_due = due;
		}
		if (hook_due && fw_now_ms() >= hook_due) {
			if (hooks->on_due)
				hooks->on_due(leds, &cfg->board.leds);
			hook_due = 0;
		}
		/* Pings mean progress, not just a live main thread: a stage busy
		 * without a heartbeat for stall_ms ends them, and the run. */
		double silent = 0;
		if (stalled < 0 && cfg->stall_ms > 0 && (stalled = fw_pipeline_stalled(p, cfg->stall_ms, &silent)) >= 0) {
			fw_log(log, "watchdog: the %s stage has made no progress for %.0f ms ([supervision] stall_ms = %d): "
				    "WATCHDOG=1 pings stopped, stopping the run", fw_stage_name(stalled), silent, cfg->stall_ms);
			sd_notifyf(0, "STATUS=stalled: %s stage silent for %.0f ms", fw_stage_name(stalled), silent);
			fw_pipeline_stop(p);
			if (!stop_by)
				stop_by = fw_now_ms() + cfg->stop_timeout_ms;
			static const int blink[FW_NSTAGES] = {FW_BLINK_CAMERA, FW_BLINK_MODEL, FW_BLINK_STORAGE};
			fw_record_fail(rec, blink[stalled], "stalled: the %s stage made no progress for %.0f ms",
				       fw_stage_name(stalled), silent);
		}
		if (stalled < 0 && wd_period > 0 && fw_now_ms() >= next_wd) {
			sd_notify(0, "WATCHDOG=1");
			next_wd = fw_now_ms() + wd_period;
		}
		if (stop_by && fw_now_ms() >= stop_by)
			return -ETIMEDOUT;   /* a stage did not stop in time */
	}
	return 0;
}

void blink_code(fs_leds *leds, const fw_config *cfg, int code, int seconds, const sigset_t *sigs)
{
	if (!leds || !cfg->board.leds.status[0] || code <= 0 || seconds <= 0)
		return;
	double end = fw_now_ms() + seconds * 1000.0;
	while (fw_now_ms() < end) {
		for (int i = 0; i < code; i++) {
			fs_leds_set_status(leds, true, NULL);
			fw_sleep_ms(200);
			fs_leds_set_status(leds, false, NULL);
			fw_sleep_ms(200);
		}
		/* The pause between codes doubles as the wait for a stop signal. */
		struct timespec ts = {1, 0};
		int sig = sigs ? sigtimedwait(sigs, NULL, &ts) : (fw_sleep_ms(1000), -1);
		if (sig == SIGINT || sig == SIGTERM)
			break;
	}
	fs_leds_set_status(leds, false, NULL);
}
