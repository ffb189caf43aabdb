/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to firmware/loop: the supervisor (supervisor.c) and the board
 * hooks (hooks.h, simboard.c) that loop.c drives.
 */
#ifndef FW_LOOP_PRIV_H
#define FW_LOOP_PRIV_H

#include <signal.h>

#include "hooks.h"
#include "loop.h"
#include "pipeline/pipeline.h"
#include "record/record.h"
#include "selftest/selftest.h"

/* Blocks SIGINT, SIGTERM and the board hooks' signal (hooks may be NULL)
 * in the calling thread; *old receives the previous mask. */
void supervisor_block(const fw_board_hooks *hooks, sigset_t *sigs, sigset_t *old);

/* While the pipeline runs: stop signals (recorded as the end status),
 * READY/WATCHDOG/STOPPING to systemd, the board hooks' signal. WATCHDOG=1
 * only while every busy stage reports progress within stall_ms; a stall
 * stops the run. -ETIMEDOUT when a stop was not done in stop_timeout_ms
 * (a stage is stuck: the pipeline must not be joined or freed). */
int supervise(const fw_config *cfg, FILE *log, fw_pipeline *p, fw_record *rec, fs_leds *leds,
	      const fw_board_hooks *hooks, const sigset_t *sigs);

/* N short pulses, pause, repeat for `seconds`; a stop signal in sigs (may
 * be NULL) ends it. Nothing without LEDs or a status LED. */
void blink_code(fs_leds *leds, const fw_config *cfg, int code, int seconds, const sigset_t *sigs);

#endif
