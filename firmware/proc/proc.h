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
} fw_cell;

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

/* Measures cells 1..n of labels over the 8-bit grey image; cells[i] is
 * label i+1. */
void fw_measure(const uint32_t *labels, int n, const fs_image *grey8, double pixel_size_um,
		fw_cell *cells);

/* Fraction of pixels that belong to a cell. */
double fw_confluence(const uint32_t *labels, int w, int h);

/* 16-bit label image from labels (same size). */
void fw_labels_to_image(const uint32_t *labels, fs_image *label16);

/* RGB overlay: the grey image, cell outlines in colour and each cell's id
 * at its centroid. out must be RGB 8-bit of the same size. */
void fw_overlay(const fs_image *grey8, const uint32_t *labels, const fw_cell *cells, int n,
		fs_image *rgb);

/* Writes cells.csv content: header and one row per cell. */
int fw_cells_csv(FILE *out, const fw_cell *cells, int n, double pixel_size_um);

#endif
