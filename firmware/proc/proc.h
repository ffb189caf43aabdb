/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proc — per-FOV image analysis after inference: DPC, focus score,
 * connected components, per-cell measures and the overlay a person reads.
 * All working memory is allocated once (fw_proc_new) for the largest
 * image; the calls themselves never allocate.
 */
#ifndef FW_PROC_H
#define FW_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err/fs_err.h"
#include "image/image.h"

/* DPC as Octopi computes it: 0.5 + (L-R)/(L+R), clipped to [0,1], 0 where
 * L+R = 0, scaled by 255 and truncated to 8 bits. L and R are grey images
 * of one size and depth (8 or 16); out is 8-bit grey of the same size. */
int fw_dpc(const fs_image *left, const fs_image *right, fs_image *out, fs_err *err);

/* Converts any grey image to 8 bits (16-bit: top byte). Same size. */
int fw_to_grey8(const fs_image *in, fs_image *out, fs_err *err);

/* Variance of the 4-neighbour Laplacian over interior pixels of an 8-bit
 * grey image: low values mean a blurred field. */
double fw_focus_score(const fs_image *grey8);

typedef struct fw_cell {
	uint32_t id;
	uint32_t area_px;
	double cx, cy;          /* centroid, pixels */
	int x0, y0, x1, y1;     /* bounding box, inclusive */
	double perimeter_px;    /* crack length x pi/4 (unbiased for random directions) */
	double circularity;     /* 4 pi area / perimeter^2; about 1 for a disc */
	double mean_intensity;  /* of the analysed image under the cell */
	uint32_t flags;         /* FW_CELL_* (fw_cells_flag); 0 from fw_measure */
} fw_cell;

/* Per-cell flags. A border cell is cut by the image edge: counted or not
 * by the lab's counting convention (e.g. only two of the four edges), so it
 * is kept and flagged, never dropped. A clump is far larger than the FOV's
 * median cell: touching cells the separation could not split, or a
 * leukocyte; parasitaemia may want to exclude or re-count it. */
#define FW_CELL_BORDER 1u
#define FW_CELL_CLUMP  2u

typedef struct fw_proc fw_proc;

/* Working memory for images up to max_w x max_h and up to max_cells. */
int fw_proc_new(int max_w, int max_h, fw_proc **out, fs_err *err);
void fw_proc_free(fw_proc *p);

typedef struct fw_label_opts {
	int connectivity;       /* 4 or 8 */
	int min_area_px;        /* smaller components are dropped */
	int grow_px;            /* per-cell growth that never merges cells */
} fw_label_opts;

/* Labels the foreground (mask != 0) of a w x h mask into labels (w*h,
 * 0 = background, 1..n in raster order of first pixel). Returns the number
 * of cells, or a negative error (more than 65535 cells cannot be stored in
 * a 16-bit label image). */
int fw_label(fw_proc *p, const uint8_t *mask, int w, int h, const fw_label_opts *opts,
	     uint32_t *labels, fs_err *err);

/* ---- instance separation (separate.c) ----------------------------------
 * Touching cells merge in a thresholded probability map once the thin
 * background line between them is lost. fw_separate splits them with a
 * seeded watershed on the Euclidean distance transform of the mask: a
 * distance peak becomes a seed only if it rises at least h_px above the
 * saddle joining it to a deeper peak (h-maxima / dynamics), so a cell's
 * ragged outline does not split it. Pixels where two seeds' floods meet are
 * background (a 1-px line, as in Cellpose-style masks). Pieces smaller
 * than speck_frac x the FOV's own median cell area are dropped unless they
 * touch the image edge (cut cells are kept and flagged). */
typedef struct fw_sep_opts {
	int threshold;          /* foreground: map[i] >= threshold (128 for p x 256 maps, 1 for 0/1 masks) */
	int connectivity;       /* 4 or 8: neighbours in the flood */
	double h_px;            /* split depth in pixels of distance; 0 = every peak a cell */
	int min_area_px;        /* every piece smaller is dropped, border ones too */
	double speck_frac;      /* interior pieces < speck_frac x median area are dropped; 0 = off */
	int grow_px;            /* per-cell growth after separation that never merges cells */
} fw_sep_opts;

/* The defaults tuned on the Octopi RBC fields (proc.c documents them). */
void fw_sep_defaults(fw_sep_opts *o);

typedef struct fw_sep_stats {
	int seeds;              /* watershed regions before dropping specks */
	int specks;             /* pieces dropped (below min_area_px or the learnt speck size) */
	int cells;              /* kept (the return value) */
	double speck_area_px;   /* the learnt speck size: speck_frac x median */
	double median_area_px;  /* median area of the kept cells not cut by the edge, after growing */
} fw_sep_stats;

/* Bytes of working memory fw_separate needs for a w x h map (0 if the size
 * is out of range). The caller owns it (one block per thread, reused for
 * every FOV): fw_separate itself never allocates. */
size_t fw_sep_workspace_size(int w, int h);

/* Labels the cells of a w x h map (row-major, no padding) into labels
 * (w*h, 0 = background, 1..n in raster order of first pixel). Returns n or
 * a negative error (workspace too small, bad options, more than 65535
 * cells). st may be NULL. */
int fw_separate(void *ws, size_t ws_bytes, const uint8_t *map, int w, int h, const fw_sep_opts *o,
		uint32_t *labels, fw_sep_stats *st, fs_err *err);

/* Grows every cell of labels (w x h) by px pixels, one 4-connected ring at
 * a time, into background that touches exactly one cell, so touching cells
 * never merge. scratch holds w*h labels. */
void fw_grow_cells(uint32_t *labels, uint32_t *scratch, int w, int h, int px);

/* fw_separate with the working memory of p (allocated by fw_proc_new). */
int fw_label_separate(fw_proc *p, const uint8_t *map, int w, int h, const fw_sep_opts *o,
		      uint32_t *labels, fw_sep_stats *st, fs_err *err);

/* Per-FOV counts for run.json / the writer. */
typedef struct fw_cell_counts {
	int cells;              /* all cells, = n */
	int border;             /* of which cut by the image edge */
	int clumps;             /* of which flagged FW_CELL_CLUMP */
	int interior_single;    /* neither: the cells a strict count uses */
} fw_cell_counts;

/* Sets FW_CELL_BORDER (bounding box on the w x h image's edge) and
 * FW_CELL_CLUMP (area > clump_frac x median_area_px; median 0 or clump_frac
 * 0 = no clumps) on cells measured by fw_measure, and counts them. counts
 * may be NULL. */
void fw_cells_flag(fw_cell *cells, int n, int w, int h, double median_area_px, double clump_frac,
		   fw_cell_counts *counts);

/* Measures cells 1..n of labels over the 8-bit grey image; cells[i] is
 * label i+1. */
void fw_measure(const uint32_t *labels, int n, const fs_image *grey8, double pixel_size_um,
		fw_cell *cells);

/* Fraction of pixels that belong to a cell. */
double fw_confluence(const uint32_t *labels, int w, int h);

/* 16-bit label image from labels (same size). */
void fw_labels_to_image(const uint32_t *labels, fs_image *label16);

/* A colour view of the labels for people: background black, each cell a
 * bright colour from its id (neighbouring ids differ strongly). rgb is RGB
 * 8-bit of the labels' size. labels.png stays the exact data. */
void fw_labels_color(const uint32_t *labels, fs_image *rgb);

/* RGB overlay: the grey image, cell outlines in colour and each cell's id
 * at its centroid. out must be RGB 8-bit of the same size. */
void fw_overlay(const fs_image *grey8, const uint32_t *labels, const fw_cell *cells, int n,
		fs_image *rgb);

/* Writes cells.csv content: header and one row per cell, each starting
 * with fov (so tables of several FOVs pool) and ending with the border and
 * clump flags as 0/1. */
int fw_cells_csv(FILE *out, int fov, const fw_cell *cells, int n, double pixel_size_um);

/* ---- scores against a reference (score.c) ------------------------------
 * What `fsmodel eval` reports, for a field a person has annotated. The
 * reference instances are the 4-connected components of mask >= 128 (the
 * masks keep a background line between touching cells); a predicted cell
 * matches a reference cell at IoU > 0.5 (a match is then unique). */
typedef struct fw_cell_score {
	int cells_pred;         /* labelled cells */
	int cells_ref;          /* reference instances */
	int matched;            /* pairs with IoU > 0.5 */
	double count_error;     /* (pred - ref) / ref */
	double precision, recall, f1;
	double matched_iou;     /* mean IoU of the matched pairs */
	double jaccard;         /* pixels: labelled cells vs the mask */
} fw_cell_score;

/* Scores labels (w*h, 0 = background) against an 8-bit reference mask of
 * the same size. Uses p's working memory and allocates its own tables:
 * for checking a microscope, not for the loop. */
int fw_score_cells(fw_proc *p, const uint32_t *labels, const uint8_t *truth, int w, int h, fw_cell_score *out,
		   fs_err *err);

#endif
