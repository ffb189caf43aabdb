/* SPDX-License-Identifier: BSD-3-Clause */
#include "proc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct fw_proc {
	size_t max_px;
	void *ws;          /* fw_separate's workspace; fw_label borrows it: */
	size_t ws_bytes;
	uint32_t *queue;   /* flood-fill queue: one component's pixels */
	uint32_t *scratch; /* second label plane for growing */
};

static inline unsigned px8(const fs_image *im, int x, int y)
{
	return im->data[(size_t)y * im->stride + (size_t)x];
}

static inline unsigned px16(const fs_image *im, int x, int y)
{
	const uint16_t *row = (const uint16_t *)(im->data + (size_t)y * im->stride);
	return row[x];
}

static int check_grey(const fs_image *im, const char *what, fs_err *err)
{
	if (!im || !im->data || im->channels != 1 || (im->depth != 8 && im->depth != 16) ||
	    im->width <= 0 || im->height <= 0)
		return fs_err_set(err, -EINVAL, "%s: expected a grey 8- or 16-bit image", what);
	return 0;
}

int fw_dpc(const fs_image *l, const fs_image *r, fs_image *out, fs_err *err)
{
	if (check_grey(l, "dpc: left image", err) || check_grey(r, "dpc: right image", err))
		return -EINVAL;
	if (l->width != r->width || l->height != r->height || l->depth != r->depth)
		return fs_err_set(err, -EINVAL, "dpc: left %dx%d/%d-bit and right %dx%d/%d-bit differ",
				  l->width, l->height, l->depth, r->width, r->height, r->depth);
	if (!out->data || out->channels != 1 || out->depth != 8 || out->width != l->width ||
	    out->height != l->height)
		return fs_err_set(err, -EINVAL, "dpc: output must be 8-bit grey %dx%d", l->width, l->height);
	for (int y = 0; y < l->height; y++) {
		uint8_t *o = out->data + (size_t)y * out->stride;
		for (int x = 0; x < l->width; x++) {
			double a = l->depth == 8 ? px8(l, x, y) : px16(l, x, y);
			double b = r->depth == 8 ? px8(r, x, y) : px16(r, x, y);
			double s = a + b;
			/* Octopi sets the NaN of 0/0 to 0 after clipping. */
			double d = s > 0 ? 0.5 + (a - b) / s : 0.0;
			d = d < 0 ? 0 : d > 1 ? 1 : d;
			o[x] = (uint8_t)(d * 255.0);
		}
	}
	return 0;
}

int fw_to_grey8(const fs_image *in, fs_image *out, fs_err *err)
{
	if (check_grey(in, "grey8: input", err))
		return -EINVAL;
	if (!out->data || out->channels != 1 || out->depth != 8 || out->width != in->width ||
	    out->height != in->height)
		return fs_err_set(err, -EINVAL, "grey8: output must be 8-bit grey %dx%d", in->width, in->height);
	for (int y = 0; y < in->height; y++) {
		uint8_t *o = out->data + (size_t)y * out->stride;
		if (in->depth == 8)
			memcpy(o, in->data + (size_t)y * in->stride, (size_t)in->width);
		else
			for (int x = 0; x < in->width; x++)
				o[x] = (uint8_t)(px16(in, x, y) >> 8);
	}
	return 0;
}

double fw_focus_score(const fs_image *g)
{
	if (!g || g->width < 3 || g->height < 3 || g->depth != 8 || g->channels != 1)
		return 0.0;
	double sum = 0, sum2 = 0;
	size_t n = 0;
	for (int y = 1; y < g->height - 1; y++) {
		const uint8_t *r0 = g->data + (size_t)(y - 1) * g->stride;
		const uint8_t *r1 = r0 + g->stride;
		const uint8_t *r2 = r1 + g->stride;
		long long s = 0, s2 = 0;
		for (int x = 1; x < g->width - 1; x++) {
			int lap = r0[x] + r2[x] + r1[x - 1] + r1[x + 1] - 4 * r1[x];
			s += lap;
			s2 += (long long)lap * lap;
		}
		sum += (double)s;
		sum2 += (double)s2;
		n += (size_t)(g->width - 2);
	}
	double mean = sum / (double)n;
	return sum2 / (double)n - mean * mean;
}

int fw_proc_new(int max_w, int max_h, fw_proc **out, fs_err *err)
{
	*out = NULL;
	if (max_w <= 0 || max_h <= 0 || (size_t)max_w * (size_t)max_h > (size_t)1 << 30)
		return fs_err_set(err, -EINVAL, "proc: image size %dx%d out of range", max_w, max_h);
	fw_proc *p = calloc(1, sizeof *p);
	if (!p)
		return fs_err_set(err, -ENOMEM, "proc: out of memory");
	p->max_px = (size_t)max_w * (size_t)max_h;
	/* One block serves both labellers (they never run at once): the
	 * separation needs > 9 bytes a pixel, fw_label two u32 planes. */
	size_t planes = (p->max_px * 4 + 7) / 8 * 8 + p->max_px * 4;
	p->ws_bytes = fw_sep_workspace_size(max_w, max_h);
	if (p->ws_bytes < planes)
		p->ws_bytes = planes;
	p->ws = malloc(p->ws_bytes);
	if (p->ws) {
		p->queue = p->ws;
		p->scratch = (uint32_t *)(void *)((char *)p->ws + (p->max_px * 4 + 7) / 8 * 8);
	}
	if (!p->ws) {
		fw_proc_free(p);
		return fs_err_set(err, -ENOMEM, "proc: out of memory for %dx%d working planes", max_w, max_h);
	}
	*out = p;
	return 0;
}

void fw_proc_free(fw_proc *p)
{
	if (!p)
		return;
	free(p->ws);
	free(p);
}

#define DROPPED UINT32_MAX

int fw_label(fw_proc *p, const uint8_t *mask, int w, int h, const fw_label_opts *o, uint32_t *lab,
	     fs_err *err)
{
	size_t npx = (size_t)w * (size_t)h;
	if (w <= 0 || h <= 0 || npx > p->max_px)
		return fs_err_set(err, -EINVAL, "label: image %dx%d larger than the %zu pixels allocated", w, h,
				  p->max_px);
	memset(lab, 0, npx * sizeof *lab);
	uint32_t next = 1;
	const int eight = o->connectivity == 8;
	for (size_t start = 0; start < npx; start++) {
		if (!mask[start] || lab[start])
			continue;
		/* Breadth-first fill; the queue ends up holding the component. */
		size_t head = 0, tail = 0;
		p->queue[tail++] = (uint32_t)start;
		lab[start] = next;
		while (head < tail) {
			uint32_t i = p->queue[head++];
			int x = (int)(i % (uint32_t)w), y = (int)(i / (uint32_t)w);
			for (int dy = -1; dy <= 1; dy++)
				for (int dx = -1; dx <= 1; dx++) {
					if ((!dx && !dy) || (!eight && dx && dy))
						continue;
					int nx = x + dx, ny = y + dy;
					if (nx < 0 || ny < 0 || nx >= w || ny >= h)
						continue;
					size_t j = (size_t)ny * (size_t)w + (size_t)nx;
					if (mask[j] && !lab[j]) {
						lab[j] = next;
						p->queue[tail++] = (uint32_t)j;
					}
				}
		}
		if (tail < (size_t)o->min_area_px) {
			for (size_t k = 0; k < tail; k++)
				lab[p->queue[k]] = DROPPED;
			continue;
		}
		if (next == 65535)
			return fs_err_set(err, -E2BIG,
					  "label: more than 65535 cells in one %dx%d field: a 16-bit label image "
					  "cannot hold them (is the threshold too low?)", w, h);
		next++;
	}
	for (size_t i = 0; i < npx; i++)
		if (lab[i] == DROPPED)
			lab[i] = 0;
	fw_grow_cells(lab, p->scratch, w, h, o->grow_px);
	return (int)(next - 1);
}

int fw_label_separate(fw_proc *p, const uint8_t *map, int w, int h, const fw_sep_opts *o, uint32_t *labels,
		      fw_sep_stats *st, fs_err *err)
{
	/* fw_separate checks that this shape fits the block. */
	return fw_separate(p->ws, p->ws_bytes, map, w, h, o, labels, st, err);
}

void fw_measure(const uint32_t *lab, int n, const fs_image *g, double pixel_um, fw_cell *cells)
{
	int w = g->width, h = g->height;
	for (int i = 0; i < n; i++) {
		memset(&cells[i], 0, sizeof cells[i]);
		cells[i].id = (uint32_t)i + 1;
		cells[i].x0 = w;
		cells[i].y0 = h;
		cells[i].x1 = cells[i].y1 = -1;
	}
	/* Sums in the cell structs' double fields, finished below. */
	for (int y = 0; y < h; y++) {
		const uint8_t *row = g->data + (size_t)y * g->stride;
		for (int x = 0; x < w; x++) {
			size_t k = (size_t)y * (size_t)w + (size_t)x;
			uint32_t l = lab[k];
			if (!l || l > (uint32_t)n)
				continue;
			fw_cell *c = &cells[l - 1];
			c->area_px++;
			c->cx += x;
			c->cy += y;
			c->mean_intensity += row[x];
			if (x < c->x0) c->x0 = x;
			if (x > c->x1) c->x1 = x;
			if (y < c->y0) c->y0 = y;
			if (y > c->y1) c->y1 = y;
			/* Cracks: pixel edges shared with another label or the border. */
			int cracks = (x == 0 || lab[k - 1] != l) + (x == w - 1 || lab[k + 1] != l) +
				     (y == 0 || lab[k - (size_t)w] != l) + (y == h - 1 || lab[k + (size_t)w] != l);
			c->perimeter_px += cracks;
		}
	}
	for (int i = 0; i < n; i++) {
		fw_cell *c = &cells[i];
		if (!c->area_px)
			continue;
		c->cx /= c->area_px;
		c->cy /= c->area_px;
		c->mean_intensity /= c->area_px;
		c->perimeter_px *= M_PI / 4.0;
		c->circularity = c->perimeter_px > 0 ? 4.0 * M_PI * c->area_px / (c->perimeter_px * c->perimeter_px) : 0;
	}
	(void)pixel_um;
}

double fw_confluence(const uint32_t *lab, int w, int h)
{
	size_t n = (size_t)w * (size_t)h, fg = 0;
	for (size_t i = 0; i < n; i++)
		fg += lab[i] != 0;
	return n ? (double)fg / (double)n : 0.0;
}

void fw_labels_to_image(const uint32_t *lab, fs_image *out)
{
	for (int y = 0; y < out->height; y++) {
		uint16_t *row = (uint16_t *)(out->data + (size_t)y * out->stride);
		for (int x = 0; x < out->width; x++)
			row[x] = (uint16_t)lab[(size_t)y * (size_t)out->width + (size_t)x];
	}
}

/* 3x5 digit glyphs, one row per 3 bits (MSB left). */
static const uint8_t digits[10][5] = {
	{7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1},
	{7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7},
};

static void put_rgb(fs_image *im, int x, int y, uint8_t r, uint8_t g, uint8_t b)
{
	if (x < 0 || y < 0 || x >= im->width || y >= im->height)
		return;
	uint8_t *p = im->data + (size_t)y * im->stride + (size_t)x * 3;
	p[0] = r;
	p[1] = g;
	p[2] = b;
}

static void draw_number(fs_image *im, int cx, int cy, unsigned v, int scale, int dx, int dy, uint8_t r8,
			uint8_t g8, uint8_t b8)
{
	char s[12];
	int n = snprintf(s, sizeof s, "%u", v);
	int gw = 4 * scale, x0 = cx - (n * gw) / 2 + dx, y0 = cy - (5 * scale) / 2 + dy;
	for (int i = 0; i < n; i++)
		for (int r = 0; r < 5; r++)
			for (int c = 0; c < 3; c++) {
				if (!(digits[s[i] - '0'][r] & (4 >> c)))
					continue;
				for (int sy = 0; sy < scale; sy++)
					for (int sx = 0; sx < scale; sx++)
						put_rgb(im, x0 + i * gw + c * scale + sx, y0 + r * scale + sy, r8, g8, b8);
			}
}

void fw_overlay(const fs_image *g, const uint32_t *lab, const fw_cell *cells, int n, fs_image *rgb)
{
	int w = g->width, h = g->height;
	/* Outline colours chosen to stand out on grey DPC images and to tell
	 * the flags apart: green = counted cell, blue = cut by the border,
	 * orange = likely clump. */
	static const uint8_t colour[4][3] = {{0, 255, 64}, {40, 140, 255}, {255, 120, 0}, {255, 120, 0}};
	for (int y = 0; y < h; y++) {
		const uint8_t *src = g->data + (size_t)y * g->stride;
		uint8_t *dst = rgb->data + (size_t)y * rgb->stride;
		for (int x = 0; x < w; x++) {
			size_t k = (size_t)y * (size_t)w + (size_t)x;
			uint32_t l = lab[k];
			int edge = l && ((x == 0 || lab[k - 1] != l) || (x == w - 1 || lab[k + 1] != l) ||
					 (y == 0 || lab[k - (size_t)w] != l) || (y == h - 1 || lab[k + (size_t)w] != l));
			if (edge) {
				uint32_t f = l <= (uint32_t)n ? cells[l - 1].flags & 3u : 0;
				dst[3 * x] = colour[f][0];
				dst[3 * x + 1] = colour[f][1];
				dst[3 * x + 2] = colour[f][2];
			} else {
				dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[x];
			}
		}
	}
	/* Ids as large as the cell allows (1..3x the 3x5 font), yellow on a
	 * black shadow so they read on light and dark backgrounds; a cell too
	 * narrow for its id gets none rather than a smudge over neighbours. */
	for (int i = 0; i < n; i++) {
		const fw_cell *c = &cells[i];
		if (!c->area_px)
			continue;
		int digits = c->id >= 10000 ? 5 : c->id >= 1000 ? 4 : c->id >= 100 ? 3 : c->id >= 10 ? 2 : 1;
		int cw = c->x1 - c->x0 + 1;
		if (cw < 4 * digits - 1 || c->y1 - c->y0 + 1 < 5)
			continue;
		int scale = cw / (4 * digits);
		scale = scale < 1 ? 1 : scale > 3 ? 3 : scale;
		int cx = (int)lround(c->cx), cy = (int)lround(c->cy);
		draw_number(rgb, cx, cy, c->id, scale, 1, 1, 0, 0, 0);
		draw_number(rgb, cx, cy, c->id, scale, 0, 0, 255, 255, 0);
	}
}

void fw_labels_color(const uint32_t *lab, fs_image *rgb)
{
	int w = rgb->width, h = rgb->height;
	for (int y = 0; y < h; y++) {
		uint8_t *dst = rgb->data + (size_t)y * rgb->stride;
		const uint32_t *src = lab + (size_t)y * (size_t)w;
		for (int x = 0; x < w; x++) {
			uint32_t l = src[x];
			if (!l) {
				dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = 0;
				continue;
			}
			/* A multiplicative hash scatters consecutive ids over the
			 * colour cube; each channel kept in 64..255 so no cell is
			 * near the black background. */
			uint32_t c = l * 2654435761u;
			dst[3 * x] = (uint8_t)(64 + (c >> 24) % 192);
			dst[3 * x + 1] = (uint8_t)(64 + (c >> 16 & 0xff) % 192);
			dst[3 * x + 2] = (uint8_t)(64 + (c >> 8 & 0xff) % 192);
		}
	}
}

int fw_cells_csv(FILE *out, int fov, const fw_cell *cells, int n, double pixel_um)
{
	fprintf(out, "fov,cell_id,area_px,area_um2,centroid_x_px,centroid_y_px,bbox_x,bbox_y,bbox_w,bbox_h,"
		     "perimeter_px,perimeter_um,circularity,mean_intensity,border,clump\n");
	for (int i = 0; i < n; i++) {
		const fw_cell *c = &cells[i];
		fprintf(out, "%d,%u,%u,%.4f,%.3f,%.3f,%d,%d,%d,%d,%.3f,%.4f,%.4f,%.3f,%d,%d\n", fov, c->id, c->area_px,
			c->area_px * pixel_um * pixel_um, c->cx, c->cy, c->x0, c->y0, c->x1 - c->x0 + 1,
			c->y1 - c->y0 + 1, c->perimeter_px, c->perimeter_px * pixel_um, c->circularity,
			c->mean_intensity, !!(c->flags & FW_CELL_BORDER), !!(c->flags & FW_CELL_CLUMP));
	}
	return ferror(out) ? -EIO : 0;
}
