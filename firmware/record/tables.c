/* SPDX-License-Identifier: BSD-3-Clause */
/* The run as tables a lab opens in a spreadsheet (fovs.csv: one row per
 * completed FOV; summary.csv: the slide in one row) and the slide summary
 * in run.json. Cells are counted in usable fields only: a blurred FOV is
 * listed with its numbers but left out of the slide's count, area and
 * density, because its segmentation cannot be trusted. */
#include "record_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

typedef struct slide {
	int fovs, usable, cells_all, cells, border, clumps, single;
	double area_mm2;
} slide;

static slide sum_slide(const fw_record *rec)
{
	slide s = {0};
	for (int i = 0; i < rec->nrec; i++) {
		const fw_fov_record *f = &rec->records[i];
		s.fovs++;
		s.cells_all += f->cells;
		if (f->blurred)
			continue;
		s.usable++;
		s.cells += f->cells;
		s.border += f->border;
		s.clumps += f->clumps;
		s.single += f->interior_single;
		s.area_mm2 += f->area_mm2;
	}
	return s;
}

void fw_record_slide_json(FILE *o, const fw_record *rec)
{
	slide s = sum_slide(rec);
	int target = rec->cfg->target_cells;
	fprintf(o, "\"slide\": {\"fovs\": %d, \"usable_fovs\": %d, \"blurred_fovs\": %d, \"cells\": %d, "
		   "\"cells_all_fovs\": %d, \"border_cells\": %d, \"clumps\": %d, \"interior_single\": %d, "
		   "\"area_mm2\": %.6f, \"cells_per_mm2\": %.3f, \"target_cells\": %d, \"target_progress\": %.4f, "
		   "\"target_reached\": %s}",
		s.fovs, s.usable, s.fovs - s.usable, s.cells, s.cells_all, s.border, s.clumps, s.single, s.area_mm2,
		s.area_mm2 > 0 ? s.cells / s.area_mm2 : 0.0, target, target > 0 ? (double)s.cells / target : 0.0,
		target > 0 && s.cells >= target ? "true" : "false");
}

/* A CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
static void csv_str(FILE *o, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, o);
		return;
	}
	fputc('"', o);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', o);
		fputc(*s, o);
	}
	fputc('"', o);
}

static int fill_fovs(FILE *o, void *user)
{
	const fw_record *rec = user;
	fputs("fov,time,frame_sequence,cells,border,clumps,interior_single,specks,confluence,focus,blurred,"
	      "area_mm2,tiles,backend,why,capture_ms,inference_ms,segment_ms,analysis_ms,write_ms\n", o);
	for (int i = 0; i < rec->nrec; i++) {
		const fw_fov_record *f = &rec->records[i];
		fprintf(o, "%d,%s,%u,%d,%d,%d,%d,%d,%.5f,%.3f,%d,%.6f,%d,", f->fov, f->time, f->frame_seq, f->cells,
			f->border, f->clumps, f->interior_single, f->specks, f->confluence, f->focus, f->blurred,
			f->area_mm2, f->tiles);
		csv_str(o, f->backend);
		fputc(',', o);
		csv_str(o, f->why);
		fprintf(o, ",%.1f,%.1f,%.1f,%.1f,%.1f\n", f->t_capture, f->t_infer, f->t_segment, f->t_analysis,
			f->t_write);
	}
	return ferror(o) ? -EIO : 0;
}

static int fill_summary(FILE *o, void *user)
{
	const fw_record *rec = user;
	slide s = sum_slide(rec);
	int target = rec->cfg->target_cells;
	fputs("run,device,started,fovs,usable_fovs,blurred_fovs,cells,cells_all_fovs,border_cells,clumps,"
	      "interior_single,area_mm2,cells_per_mm2,target_cells,target_progress,status\n", o);
	fprintf(o, "%d,", rec->run_no);
	csv_str(o, rec->device);
	fprintf(o, ",%s,%d,%d,%d,%d,%d,%d,%d,%d,%.6f,%.3f,%d,%.4f,", rec->started, s.fovs, s.usable,
		s.fovs - s.usable, s.cells, s.cells_all, s.border, s.clumps, s.single, s.area_mm2,
		s.area_mm2 > 0 ? s.cells / s.area_mm2 : 0.0, target, target > 0 ? (double)s.cells / target : 0.0);
	csv_str(o, rec->status[0] ? rec->status : "running");
	fputc('\n', o);
	return ferror(o) ? -EIO : 0;
}

int fw_record_write_tables(const fw_record *rec, fs_err *err)
{
	char path[700];
	snprintf(path, sizeof path, "%s/fovs.csv", rec->run_dir);
	int rc = fw_write_text(path, fill_fovs, (void *)rec, err);
	if (rc)
		return rc;
	snprintf(path, sizeof path, "%s/summary.csv", rec->run_dir);
	return fw_write_text(path, fill_summary, (void *)rec, err);
}
