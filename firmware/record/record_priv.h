/* Private to firmware/record: the record's state, shared by record.c
 * (run folder, audit, run.json) and tables.c (fovs.csv, summary.csv and
 * the slide summary). */
#ifndef FW_RECORD_PRIV_H
#define FW_RECORD_PRIV_H

#include <pthread.h>

#include "record.h"
#include "store/store.h"

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
	int nrec, fovs_done, cells_total;
	int usable_fovs, usable_cells;   /* FOVs not blurred, and their cells */
	double usable_mm2;
	double infer_ms_total, t_first, t_last;
};

/* Caller holds mu. The slide summary as a run.json member (no leading
 * comma) and the two tables, written durably next to run.json. */
void fw_record_slide_json(FILE *o, const fw_record *rec);
int fw_record_write_tables(const fw_record *rec, fs_err *err);

#endif
