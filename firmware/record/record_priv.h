/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to firmware/record: the record's state, shared by record.c
 * (run folder, audit, run.json) and tables.c (fovs.csv, summary.csv and
 * the slide summary), and the run-folder reading shared by the verifier
 * (verify.c) and start-up recovery (recover.c). */
#ifndef FW_RECORD_PRIV_H
#define FW_RECORD_PRIV_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "store/store.h"

/* FOVs kept in memory for fovs.csv and the slide summary; run.json's FOV
 * list is streamed from RUN/.fovs.part and has no limit. */
#define MAX_RECORDS 4096

struct fw_record {
	const fw_config *cfg;
	FILE *log;
	fw_record_rig rig;
	fw_checks checks;
	char run_dir[600];
	int run_no;
	fw_audit audit;
	int audit_ok;
	char started[32], ended[32];
	char device[64], host[64];

	pthread_mutex_t mu;      /* everything below */
	char status[600];
	int failed, blink;
	int fell_back;
	char fallback_why[320];
	fw_fov_record *records;
	int nrec, fovs_done, cells_total, fovs_discarded;
	FILE *fovs;              /* RUN/.fovs.part: every FOV's run.json entry */
	int nstream;             /* entries in it */
	uint64_t reserve;        /* bytes held in RUN/.reserve */
	size_t json_len;         /* last run.json size */
	int usable_fovs, usable_cells;   /* FOVs not blurred, and their cells */
	double usable_mm2;
	double infer_ms_total, t_first, t_last;
};

/* Caller holds mu. The slide summary as a run.json member (no leading
 * comma) and the two tables, written durably next to run.json. */
void fw_record_slide_json(FILE *o, const fw_record *rec);
int fw_record_write_tables(const fw_record *rec, fs_err *err);

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
