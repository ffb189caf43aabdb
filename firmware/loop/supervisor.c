/* The main thread's part while the stages run: it takes SIGINT/SIGTERM
 * synchronously (and the board hooks' signal), tells systemd READY,
 * WATCHDOG and STOPPING, and blinks fatal error codes on the status LED. */
#include "run.h"

#include <systemd/sd-daemon.h>
#include <time.h>

void supervisor_block(const run *r, sigset_t *sigs, sigset_t *old)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGTERM);
	if (r->hooks && r->hooks->signal)
		sigaddset(sigs, r->hooks->signal);
	pthread_sigmask(SIG_BLOCK, sigs, old);
}

void supervise(run *r, int threads, const sigset_t *sigs)
{
	const fw_config *cfg = r->cfg;
	uint64_t wd_usec = 0;
	double wd_period = cfg->watchdog_ms;
	if (!wd_period && sd_watchdog_enabled(0, &wd_usec) > 0)
		wd_period = wd_usec / 2000.0;
	double next_wd = fw_now_ms();
	double hook_due = 0;
	while (atomic_load(&r->threads_done) < threads) {
		struct timespec ts = {0, 50 * 1000000L};
		siginfo_t si;
		int sig = sigtimedwait(sigs, &si, &ts);
		if (sig == SIGINT || sig == SIGTERM) {
			if (!atomic_load(&r->stop))
				fw_log(r->log, "%s: finishing the FOV in progress and stopping",
				       sig == SIGINT ? "SIGINT" : "SIGTERM");
			set_status(r, sig == SIGINT ? "stopped by SIGINT" : "stopped by SIGTERM");
			atomic_store(&r->stop, 1);
			atomic_store(&r->abandon, 1);
			q_close(&r->freeq);
			sd_notify(0, "STOPPING=1");
		} else if (sig > 0 && r->hooks && sig == r->hooks->signal && r->hooks->on_signal) {
			double due = r->hooks->on_signal(r->leds, &cfg->board.leds);
			if (due)
				hook_due = due;
		}
		if (hook_due && fw_now_ms() >= hook_due) {
			if (r->hooks->on_due)
				r->hooks->on_due(r->leds, &cfg->board.leds);
			hook_due = 0;
		}
		if (atomic_load(&r->stop))
			q_close(&r->freeq);
		if (wd_period > 0 && fw_now_ms() >= next_wd) {
			sd_notify(0, "WATCHDOG=1");
			next_wd = fw_now_ms() + wd_period;
		}
	}
}

void blink_code(run *r, int code, int seconds, const sigset_t *sigs)
{
	if (!r->leds || !r->cfg->board.leds.status[0] || code <= 0 || seconds <= 0)
		return;
	double end = fw_now_ms() + seconds * 1000.0;
	while (fw_now_ms() < end) {
		for (int i = 0; i < code; i++) {
			fs_leds_set_status(r->leds, true, NULL);
			fw_sleep_ms(200);
			fs_leds_set_status(r->leds, false, NULL);
			fw_sleep_ms(200);
		}
		/* The pause between codes doubles as the wait for a stop signal. */
		struct timespec ts = {1, 0};
		int sig = sigs ? sigtimedwait(sigs, NULL, &ts) : (fw_sleep_ms(1000), -1);
		if (sig == SIGINT || sig == SIGTERM)
			break;
	}
	fs_leds_set_status(r->leds, false, NULL);
}
