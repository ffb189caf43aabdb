/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * util — the small helpers every firmware stage needs once: a monotonic
 * clock in milliseconds, an interruption-safe sleep, UTC timestamps, the
 * folder part of a path, and the "fieldscope: ..." progress line.
 */
#ifndef FW_UTIL_H
#define FW_UTIL_H

#include <stddef.h>
#include <stdio.h>

/* The firmware version in run.json, the audit log and `fieldscope version`. */
#define FW_VERSION "0.1.0"
/* `git describe` of the source tree at build time ("unknown" outside git). */
const char *fw_git_commit(void);

/* CLOCK_MONOTONIC in milliseconds (never jumps with the wall clock). */
double fw_now_ms(void);
/* Sleeps ms (<= 0: not at all), resuming after signals. */
void fw_sleep_ms(double ms);
/* "YYYY-MM-DDTHH:MM:SSZ" now. */
void fw_iso_now(char *buf, size_t size);
/* The folder holding path: "a/b" -> "a", "b" -> ".", "/b" -> "/". */
void fw_parent_dir(const char *path, char *out, size_t size);
/* One progress line "fieldscope: ...\n" on log, flushed; log may be NULL. */
void fw_log(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
