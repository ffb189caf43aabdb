/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report — `fieldscope report RUN_DIR`: one self-contained HTML page a
 * person opens from a USB stick, with no network: the run and slide
 * summary, a thumbnail grid of the overlays with counts and flags, focus,
 * backend and timings per FOV, and a histogram of cell areas. Thumbnails
 * are embedded as data: URIs and the histogram is inline SVG, so the page
 * has no external files and no script.
 *
 * It reads the tables the run wrote (summary.csv, fovs.csv, each FOV's
 * cells.csv and overlay.png), the same numbers as run.json.
 */
#ifndef FW_REPORT_H
#define FW_REPORT_H

#include "err/fs_err.h"

/* Writes out_path (NULL: RUN_DIR/report.html) durably. *fovs receives the
 * number of FOVs listed (may be NULL). */
int fw_report(const char *run_dir, const char *out_path, int *fovs, fs_err *err);

#endif
