/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Instance separation: seeded watershed on the distance transform of the
 * thresholded map, with seeds chosen by their dynamics (h-maxima).
 *
 * One pass of flooding does both: pixels are visited from the deepest
 * distance down (counting sort); a pixel with no visited neighbour starts a
 * region; a pixel between two regions merges the shallower into the deeper
 * if the shallower's peak is less than h above this saddle (it was a bump
 * on one cell's ridge), otherwise both stay and the pixel is a watershed
 * line. Union-find keeps the merges cheap. The result equals marker-based
 * watershed from the h-maxima up to which side a merged bump's pixels go.
 *
 * Working memory (caller-owned, see fw_sep_workspace_size), per pixel:
 *   order  u32  column distances during the EDT, then the flood order,
 *               then per-region roots/areas/new ids, then the grow scratch
 *   lev    u16  distance in 1/LPP px (0 = background), later region flags
 *   peak   u16  deepest level of each union-find root
 *   line   u8   1 = watershed line
 * plus a histogram and the EDT's per-row buffers. The labels output holds
 * the union-find parents (index + 1) while flooding.
 */
#include "proc.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define LPP 8          /* distance levels per pixel: h and seeds resolve 1/8 px */
#define LEV_MAX 65535u
#define AREA_HIST 65536u /* median of areas up to this (larger ones clamp) */
#define REG_BORDER 1u

void fw_sep_defaults(fw_sep_opts *o)
{
	o->threshold = 128;
	o->connectivity = 4;
	o->h_px = 1.5;
	o->min_area_px = 20;
	o->speck_frac = 0.25;
	o->grow_px = 0;
}

typedef struct sep_ws {
	uint32_t *order;
	uint16_t *lev;
	uint16_t *peak;
	uint8_t *line;
	uint32_t *hist;
	size_t nhist;
	int32_t *v;    /* EDT lower envelope: parabola apexes */
	double *z;     /* and their boundaries */
	double *f;     /* one row of squared column distances */
} sep_ws;

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Lays the workspace out; returns its size (ws = NULL: size only). */
static size_t layout(void *base, int w, int h, sep_ws *s)
{
	size_t n = (size_t)w * (size_t)h, m = (size_t)(w > h ? w : h);
	size_t nlev = (size_t)(LPP * hypot(w, h)) + 2;
	if (nlev > LEV_MAX + 1)
		nlev = LEV_MAX + 1;
	size_t nhist = nlev > AREA_HIST ? nlev : AREA_HIST;
	size_t off[8], sz[8] = {
		n * 4, n * 2, n * 2, n, nhist * 4, m * 4, (m + 1) * 8, m * 8,
	};
	size_t total = 0;
	for (int i = 0; i < 8; i++) {
		off[i] = total;
		total += align8(sz[i]);
	}
	if (base && s) {
		char *b = base;
		s->order = (uint32_t *)(void *)(b + off[0]);
		s->lev = (uint16_t *)(void *)(b + off[1]);
		s->peak = (uint16_t *)(void *)(b + off[2]);
		s->line = (uint8_t *)(b + off[3]);
		s->hist = (uint32_t *)(void *)(b + off[4]);
		s->nhist = nhist;
		s->v = (int32_t *)(void *)(b + off[5]);
		s->z = (double *)(void *)(b + off[6]);
		s->f = (double *)(void *)(b + off[7]);
	}
	return total;
}

size_t fw_sep_workspace_size(int w, int h)
{
	if (w <= 0 || h <= 0 || (size_t)w * (size_t)h > (size_t)1 << 30)
		return 0;
	return layout(NULL, w, h, NULL);
}

/* Exact squared Euclidean distance to the nearest background pixel
 * (Felzenszwalb & Huttenlocher: columns, then the lower envelope of
 * parabolas along rows). Outside the image is not background, so a cell
 * cut by the edge keeps its full depth there. Writes levels into s->lev. */
static void edt_levels(const uint8_t *map, int w, int h, int thr, sep_ws *s)
{
	const uint32_t INF = (uint32_t)(w + h + 1);
	uint32_t *g = s->order;
	/* Column distances row by row (both passes stream through memory). */
	for (int y = 0; y < h; y++) {
		const uint8_t *m = map + (size_t)y * (size_t)w;
		uint32_t *gr = g + (size_t)y * (size_t)w;
		const uint32_t *up = y ? gr - w : NULL;
		for (int x = 0; x < w; x++) {
			uint32_t d = up ? (up[x] < INF ? up[x] + 1 : INF) : INF;
			gr[x] = m[x] >= thr ? d : 0;
		}
	}
	for (int y = h - 2; y >= 0; y--) {
		uint32_t *gr = g + (size_t)y * (size_t)w;
		const uint32_t *dn = gr + w;
		for (int x = 0; x < w; x++) {
			uint32_t d = dn[x] + 1;   /* dn[x] <= INF, so no overflow */
			if (d < gr[x])
				gr[x] = d;
		}
	}
	const double BIG = 1e300;
	for (int y = 0; y < h; y++) {
		size_t row = (size_t)y * (size_t)w;
		int any_fg = 0;
		for (int x = 0; x < w; x++) {
			uint32_t gv = g[row + (size_t)x];
			any_fg |= gv != 0;
			s->f[x] = gv >= INF ? BIG : (double)gv * (double)gv;
		}
		if (!any_fg) {
			memset(s->lev + row, 0, (size_t)w * sizeof *s->lev);
			continue;
		}
		int k = -1;
		for (int q = 0; q < w; q++) {
			if (s->f[q] >= BIG)
				continue;   /* no background in this column: never nearest */
			if (k < 0) {
				k = 0;
				s->v[0] = q;
				s->z[0] = -BIG;
				s->z[1] = BIG;
				continue;
			}
			double sq;
			for (;;) {   /* z[0] = -BIG stops this at k = 0 */
				int p = s->v[k];
				sq = ((s->f[q] + (double)q * q) - (s->f[p] + (double)p * p)) / (2.0 * (q - p));
				if (sq > s->z[k])
					break;
				k--;
			}
			k++;
			s->v[k] = q;
			s->z[k] = sq;
			s->z[k + 1] = BIG;
		}
		int j = 0;
		for (int x = 0; x < w; x++) {
			size_t i = row + (size_t)x;
			if (!g[i]) {
				s->lev[i] = 0;
				continue;
			}
			if (k < 0) {   /* no background anywhere reachable: as deep as it gets */
				s->lev[i] = (uint16_t)(s->nhist - 1 < LEV_MAX ? s->nhist - 1 : LEV_MAX);
				continue;
			}
			while (j < k && s->z[j + 1] < x)
				j++;
			double dx = (double)(x - s->v[j]);
			double d = sqrt(dx * dx + s->f[s->v[j]]) * LPP + 0.5;
			uint32_t l = d >= (double)LEV_MAX ? LEV_MAX : (uint32_t)d;
			s->lev[i] = (uint16_t)(l ? l : 1);
		}
	}
}

/* Union-find over pixels; labels hold parent + 1 (0 = not yet flooded). */
static inline uint32_t find(uint32_t *par, uint32_t i)
{
	while (par[i] - 1 != i) {
		uint32_t p = par[i] - 1, gp = par[p] - 1;
		par[i] = gp + 1;   /* path halving */
		i = gp;
	}
	return i;
}

static void flood(int w, int h, int eight, unsigned hlev, sep_ws *s, uint32_t *par, size_t nfg)
{
	static const int dx8[8] = {-1, 1, 0, 0, -1, 1, -1, 1}, dy8[8] = {0, 0, -1, 1, -1, -1, 1, 1};
	const int nnb = eight ? 8 : 4;
	for (size_t k = 0; k < nfg; k++) {
		uint32_t i = s->order[k];
		int x = (int)(i % (uint32_t)w), y = (int)(i / (uint32_t)w);
		unsigned v = s->lev[i];
		uint32_t roots[8];
		int nr = 0;
		for (int t = 0; t < nnb; t++) {
			int nx = x + dx8[t], ny = y + dy8[t];
			if (nx < 0 || ny < 0 || nx >= w || ny >= h)
				continue;
			uint32_t j = (uint32_t)ny * (uint32_t)w + (uint32_t)nx;
			if (!par[j])
				continue;
			uint32_t r = find(par, j);
			int dup = 0;
			for (int q = 0; q < nr; q++)
				dup |= roots[q] == r;
			if (!dup)
				roots[nr++] = r;
		}
		if (!nr) {   /* a new peak */
			par[i] = i + 1;
			s->peak[i] = (uint16_t)v;
			continue;
		}
		uint32_t a = roots[0];
		for (int q = 1; q < nr; q++)
			if (s->peak[roots[q]] > s->peak[a] || (s->peak[roots[q]] == s->peak[a] && roots[q] < a))
				a = roots[q];
		par[i] = a + 1;
		for (int q = 0; q < nr; q++) {
			uint32_t b = roots[q];
			if (b == a)
				continue;
			if ((unsigned)s->peak[b] - v < hlev)
				par[b] = a + 1;   /* a bump on a's ridge, not a cell of its own */
			else
				s->line[i] = 1;
		}
	}
}

/* Median of hist (counts of clamped areas), 0 if empty. */
static double hist_median(const uint32_t *hist, size_t nh, size_t total)
{
	if (!total)
		return 0;
	size_t seen = 0, lo = 0;
	int have_lo = 0;
	for (size_t a = 0; a < nh; a++) {
		seen += hist[a];
		if (!have_lo && 2 * seen >= total) {
			lo = a;
			have_lo = 1;
			if (total % 2 || 2 * seen > total)
				return (double)a;
		}
		if (have_lo && 2 * seen > total)
			return 0.5 * ((double)lo + (double)a);
	}
	return (double)lo;
}

int fw_separate(void *ws, size_t ws_bytes, const uint8_t *map, int w, int h, const fw_sep_opts *o,
		uint32_t *lab, fw_sep_stats *st, fs_err *err)
{
	fw_sep_stats dummy;
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof *st);
	size_t need = fw_sep_workspace_size(w, h);
	if (!need)
		return fs_err_set(err, -EINVAL, "separate: image size %dx%d out of range", w, h);
	if (!ws || ws_bytes < need)
		return fs_err_set(err, -EINVAL, "separate: workspace of %zu bytes, %dx%d needs %zu", ws_bytes, w,
				  h, need);
	if ((o->connectivity != 4 && o->connectivity != 8) || o->h_px < 0 || o->h_px > 1000 ||
	    o->min_area_px < 0 || o->speck_frac < 0 || o->speck_frac > 1 || o->grow_px < 0 ||
	    o->threshold < 1 || o->threshold > 255)
		return fs_err_set(err, -EINVAL,
				  "separate: options out of range (connectivity %d: 4 or 8; h_px %.3g: 0..1000; "
				  "min_area_px %d: >= 0; speck_frac %.3g: 0..1; grow_px %d: >= 0; threshold %d: 1..255)",
				  o->connectivity, o->h_px, o->min_area_px, o->speck_frac, o->grow_px, o->threshold);
	sep_ws s;
	layout(ws, w, h, &s);
	size_t n = (size_t)w * (size_t)h;

	edt_levels(map, w, h, o->threshold, &s);

	/* Counting sort of foreground pixels, deepest first, raster order
	 * within a level (so results do not depend on anything but the map). */
	size_t nl = s.nhist < LEV_MAX + 1 ? s.nhist : LEV_MAX + 1;
	memset(s.hist, 0, nl * sizeof *s.hist);
	for (size_t i = 0; i < n; i++)
		s.hist[s.lev[i]]++;
	size_t nfg = n - s.hist[0], pos = 0;
	for (size_t l = nl; l-- > 1;) {
		uint32_t c = s.hist[l];
		s.hist[l] = (uint32_t)pos;
		pos += c;
	}
	for (size_t i = 0; i < n; i++)
		if (s.lev[i])
			s.order[s.hist[s.lev[i]]++] = (uint32_t)i;

	memset(lab, 0, n * sizeof *lab);
	memset(s.line, 0, n);
	flood(w, h, o->connectivity == 8, (unsigned)lround(o->h_px * LPP), &s, lab, nfg);

	/* Region ids 1..m in raster order of first pixel: roots into order[],
	 * then labels[root] doubles as the root's id (the root is in its own
	 * region, so that is also its own final label). */
	for (size_t i = 0; i < n; i++)
		s.order[i] = lab[i] ? find(lab, (uint32_t)i) : UINT32_MAX;
	memset(lab, 0, n * sizeof *lab);
	uint32_t m = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t r = s.order[i];
		if (r == UINT32_MAX)
			continue;
		if (!lab[r])
			lab[r] = ++m;
		uint32_t id = lab[r];
		if (s.line[i])   /* never a root: roots start regions, lines join them */
			lab[i] = 0;   /* a watershed line: background, as the masks draw it */
		else
			lab[i] = id;
	}
	st->seeds = (int)m;

	/* Per region: area in order[1..m], border flag in lev[1..m]. */
	uint32_t *area = s.order;
	uint16_t *rflag = s.lev;
	memset(area, 0, ((size_t)m + 1) * sizeof *area);
	memset(rflag, 0, ((size_t)m + 1) * sizeof *rflag);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint32_t id = lab[(size_t)y * (size_t)w + (size_t)x];
			if (!id)
				continue;
			area[id]++;
			if (x == 0 || y == 0 || x == w - 1 || y == h - 1)
				rflag[id] |= REG_BORDER;
		}
	/* The FOV's own cell size: median area of interior pieces above the
	 * absolute floor (so a field of specks does not define "a cell"). */
	memset(s.hist, 0, s.nhist * sizeof *s.hist);
	size_t cand = 0;
	for (uint32_t id = 1; id <= m; id++)
		if (!(rflag[id] & REG_BORDER) && area[id] >= (uint32_t)o->min_area_px) {
			s.hist[area[id] < s.nhist ? area[id] : s.nhist - 1]++;
			cand++;
		}
	double med = hist_median(s.hist, s.nhist, cand);
	st->speck_area_px = o->speck_frac * med;
	uint32_t next = 0;
	for (uint32_t id = 1; id <= m; id++) {
		int border = rflag[id] & REG_BORDER;
		int drop = area[id] < (uint32_t)o->min_area_px ||
			   (!border && (double)area[id] < st->speck_area_px);
		if (drop) {
			st->specks++;
			area[id] = 0;
			continue;
		}
		if (next == 65535)
			return fs_err_set(err, -E2BIG,
					  "separate: more than 65535 cells in one %dx%d field: a 16-bit label image "
					  "cannot hold them (is the threshold too low?)", w, h);
		area[id] = ++next;   /* area[] now maps old id -> new id */
	}
	area[0] = 0;
	for (size_t i = 0; i < n; i++)
		lab[i] = area[lab[i]];
	fw_grow_cells(lab, s.order, w, h, o->grow_px);

	/* Median of the final interior cells, for clump flags. */
	memset(area, 0, ((size_t)next + 1) * sizeof *area);
	memset(rflag, 0, ((size_t)next + 1) * sizeof *rflag);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint32_t id = lab[(size_t)y * (size_t)w + (size_t)x];
			area[id]++;
			if (x == 0 || y == 0 || x == w - 1 || y == h - 1)
				rflag[id] |= REG_BORDER;
		}
	memset(s.hist, 0, s.nhist * sizeof *s.hist);
	cand = 0;
	for (uint32_t id = 1; id <= next; id++)
		if (!(rflag[id] & REG_BORDER)) {
			s.hist[area[id] < s.nhist ? area[id] : s.nhist - 1]++;
			cand++;
		}
	st->median_area_px = hist_median(s.hist, s.nhist, cand);
	st->cells = (int)next;
	return (int)next;
}

void fw_cells_flag(fw_cell *cells, int n, int w, int h, double median, double clump_frac, fw_cell_counts *c)
{
	fw_cell_counts dummy;
	if (!c)
		c = &dummy;
	memset(c, 0, sizeof *c);
	for (int i = 0; i < n; i++) {
		fw_cell *k = &cells[i];
		k->flags &= ~(FW_CELL_BORDER | FW_CELL_CLUMP);
		if (!k->area_px)
			continue;
		if (k->x0 <= 0 || k->y0 <= 0 || k->x1 >= w - 1 || k->y1 >= h - 1)
			k->flags |= FW_CELL_BORDER;
		if (median > 0 && clump_frac > 0 && k->area_px > clump_frac * median)
			k->flags |= FW_CELL_CLUMP;
		c->cells++;
		c->border += !!(k->flags & FW_CELL_BORDER);
		c->clumps += !!(k->flags & FW_CELL_CLUMP);
		c->interior_single += !k->flags;
	}
}

static void grow_once(uint32_t *lab, uint32_t *tmp, int w, int h)
{
	memcpy(tmp, lab, (size_t)w * (size_t)h * sizeof *lab);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			size_t i = (size_t)y * (size_t)w + (size_t)x;
			if (tmp[i])
				continue;
			uint32_t nb[4] = {
				x > 0 ? tmp[i - 1] : 0, x < w - 1 ? tmp[i + 1] : 0,
				y > 0 ? tmp[i - (size_t)w] : 0, y < h - 1 ? tmp[i + (size_t)w] : 0,
			};
			uint32_t found = 0;
			int conflict = 0;
			for (int k = 0; k < 4; k++)
				if (nb[k]) {
					conflict |= found && nb[k] != found;
					found = nb[k];
				}
			if (found && !conflict)
				lab[i] = found;
		}
}

void fw_grow_cells(uint32_t *labels, uint32_t *scratch, int w, int h, int px)
{
	for (int g = 0; g < px; g++)
		grow_once(labels, scratch, w, h);
}
