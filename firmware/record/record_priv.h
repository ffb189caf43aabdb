/*
 * Private to firmware/record: run-folder reading shared by the verifier
 * (verify.c) and start-up recovery (recover.c).
 */
#ifndef FW_RECORD_PRIV_H
#define FW_RECORD_PRIV_H

#include <stddef.h>

#include "record.h"

/* A small text file (< size bytes) into buf, NUL-terminated. */
int rec_read_small(const char *path, char *buf, size_t size, fs_err *err);
/* A whole file, NUL-terminated (free it); NULL when unreadable. */
char *rec_read_all(const char *path, size_t *size);
/* "KEY": N in our own JSON; -1 when absent. */
int rec_json_int(const char *json, const char *key, long *out);
/* Checks fov_dir/COMPLETE's file hashes; *cells (may be NULL) its count. */
int rec_check_fov(const char *fov_dir, long *cells, fs_err *err);
/* The numbers of run_dir's fov-NNNNN folders (any order; free *fovs). */
int rec_fov_dirs(const char *run_dir, int **fovs, int *n, fs_err *err);
/* Whether the audit text has an EVENT line for FOV fov. */
int rec_audit_fov_event(const char *audit, const char *event, int fov);
/* Whether the audit text records FOV fov (complete or recovered). */
int rec_audit_has_fov(const char *audit, int fov);

#endif
