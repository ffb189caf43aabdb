/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store — durable results on the data partition.
 *
 * Every file is written to "NAME.tmp", fsync'd, renamed to NAME and the
 * folder fsync'd, so a power cut leaves either the old state or the whole
 * new file, never a truncated one. A run is a folder RESULTS/run-NNNN
 * (numbering continues after the highest existing run, nothing is ever
 * overwritten); each FOV a folder fov-NNNNN inside it whose "COMPLETE"
 * marker is written last. The run's "COMPLETE" marker is written when the
 * run ends cleanly. audit.log is append-only; each line ends with the
 * SHA-256 of the previous line, so any edit breaks the chain.
 */
#ifndef FW_STORE_H
#define FW_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err/fs_err.h"
#include "image/image.h"

/* Writes data durably to path (tmp + fsync + rename + fsync dir). */
int fw_write_file(const char *path, const void *data, size_t size, fs_err *err);
/* Same for a PNG. */
int fw_write_png(const char *path, const fs_image *img, int compression, fs_err *err);
/* Durable text built by a callback writing to a FILE. */
int fw_write_text(const char *path, int (*fill)(FILE *out, void *user), void *user, fs_err *err);
/* Same; *written (may be NULL) receives the size written. */
int fw_write_text_len(const char *path, int (*fill)(FILE *out, void *user), void *user, size_t *written,
		      fs_err *err);
/* Makes path a file of `bytes` allocated (not sparse) bytes, fsync'd: space
 * held back for records that must be writable on a full disk; unlink it to
 * free the space. An error (ENOSPC) names the path. */
int fw_reserve_space(const char *path, uint64_t bytes, fs_err *err);
/* mkdir + fsync of the parent. EEXIST is an error unless exist_ok. */
int fw_mkdir_durable(const char *path, int exist_ok, fs_err *err);
/* mkdir -p: every missing folder on the way is created; any failure
 * (other than "exists") is an error naming the folder. */
int fw_mkdir_p(const char *path, fs_err *err);
/* fsync a folder. */
int fw_fsync_dir(const char *path, fs_err *err);

/* Free bytes for unprivileged writers on the filesystem holding path. */
int fw_free_bytes(const char *path, uint64_t *out, fs_err *err);

/* Creates RESULTS/run-NNNN with NNNN one above the highest present; path
 * receives the folder, *number its number. */
int fw_run_dir_create(const char *results_dir, char *path, size_t size, int *number, fs_err *err);
/* The same with a name prefix (RESULTS/PREFIXrun-NNNN, e.g.
 * "20261201T0930Z-scope7-"); numbering counts both forms. */
int fw_run_dir_create_named(const char *results_dir, const char *prefix, char *path, size_t size, int *number,
			    fs_err *err);

/* ---- audit log ----------------------------------------------------------- */

typedef struct fw_audit {
	FILE *f;
	char path[600];
	char prev[65];   /* hash of the last line */
	long seq;
} fw_audit;

/* Opens (creating) DIR/audit.log; an existing log is read to continue its
 * chain. The first line's previous hash is 64 zeros. */
int fw_audit_open(fw_audit *a, const char *dir, fs_err *err);
/* Appends "SEQ TIME EVENT DETAIL prev=HASH" and fsyncs. */
int fw_audit_append(fw_audit *a, const char *event, const char *detail, fs_err *err);
void fw_audit_close(fw_audit *a);
/* The previous-line hash of one log line (n characters, no newline): the
 * 64 hex digits after the final " prev=", or NULL when the line does not
 * end in one. Parsed from the end, so values may contain " prev=". */
const char *fw_audit_prev_field(const char *line, size_t n);
/* Checks a log's chain; returns the number of lines or a negative error
 * naming the first bad line. */
int fw_audit_verify(const char *path, fs_err *err);

/* SHA-256 (the one implementation in the firmware: model pins, FOV
 * COMPLETE hashes, the audit chain), as 64 lowercase hex digits. */
void fw_sha256_hex(const void *data, size_t size, char hex[65]);
int fw_sha256_file(const char *path, char hex[65], fs_err *err);

/* fw_json_str, the one JSON string writer, lives in json/json.h. */
#include "json/json.h"

#endif
