/* SPDX-License-Identifier: BSD-3-Clause */
#include "report.h"

#include <errno.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "store/store.h"
#include "util/util.h"

#define THUMB 256        /* thumbnail side, px */
#define NBINS 30         /* area histogram */
#define MAX_FIELDS 32

/* One CSV line split in place into at most MAX_FIELDS fields (RFC 4180
 * quotes, as record/tables.c writes them). Returns the field count. */
static int csv_split(char *line, char **f)
{
	int n = 0;
	char *p = line;
	while (n < MAX_FIELDS) {
		if (*p == '"') {
			char *w = ++p;
			f[n++] = w;
			while (*p && !(*p == '"' && p[1] != '"')) {
				if (*p == '"')
					p++;
				*w++ = *p++;
			}
			if (*p == '"')
				p++;
			*w = '\0';
		} else {
			f[n++] = p;
			p += strcspn(p, ",\r\n");
		}
		if (*p != ',') {
			*p = '\0';
			break;
		}
		*p++ = '\0';
	}
	return n;
}

/* The HTML-escaped text of s. */
static void html(FILE *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", o); break;
		case '>': fputs("&gt;", o); break;
		case '&': fputs("&amp;", o); break;
		case '"': fputs("&quot;", o); break;
		default: fputc(*s, o);
		}
	}
}

/* Table from a CSV file: header row and every data row; numbers in the
 * row are copied as written, so the page shows what run.json says. */
static int csv_table(FILE *o, const char *path, const char *id, int *rows, fs_err *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return fs_err_set(err, -errno, "%s: cannot open: %s", path, strerror(errno));
	char line[4096];
	char *fld[MAX_FIELDS];
	fprintf(o, "<table id=\"%s\">\n", id);
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		int k = csv_split(line, fld);
		fputs("<tr>", o);
		for (int i = 0; i < k; i++) {
			fputs(n ? "<td>" : "<th>", o);
			html(o, fld[i]);
			fputs(n ? "</td>" : "</th>", o);
		}
		fputs("</tr>\n", o);
		n++;
	}
	fputs("</table>\n", o);
	fclose(f);
	if (rows)
		*rows = n > 0 ? n - 1 : 0;
	return 0;
}

/* A box-averaged thumbnail of an RGB overlay, as a PNG data: URI. */
static int thumbnail(FILE *o, const char *png_path, fs_err *err)
{
	fs_image src, th;
	int rc = fs_png_read(png_path, 3, 8, &src, err);
	if (rc)
		return rc;
	int side = src.width > src.height ? src.width : src.height;
	int s = (side + THUMB - 1) / THUMB;
	s = s < 1 ? 1 : s;
	int tw = src.width / s, thh = src.height / s;
	tw = tw < 1 ? 1 : tw;
	thh = thh < 1 ? 1 : thh;
	if ((rc = fs_image_alloc(&th, tw, thh, 3, 8, err))) {
		fs_image_free(&src);
		return rc;
	}
	for (int y = 0; y < thh; y++)
		for (int x = 0; x < tw; x++)
			for (int c = 0; c < 3; c++) {
				unsigned sum = 0;
				for (int dy = 0; dy < s; dy++)
					for (int dx = 0; dx < s; dx++)
						sum += src.data[(size_t)(y * s + dy) * src.stride + (size_t)(x * s + dx) * 3 + c];
				th.data[(size_t)y * th.stride + (size_t)x * 3 + c] = (uint8_t)(sum / (unsigned)(s * s));
			}
	fs_image_free(&src);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	fs_png_opts po = {.compression = 6, .filter = FS_PNG_FILTER_ADAPTIVE};
	rc = m ? fs_png_encode(m, &th, &po, png_path, err) : fs_err_set(err, -ENOMEM, "out of memory");
	if (m)
		fclose(m);
	fs_image_free(&th);
	if (!rc) {
		char *b64 = malloc(BASE64_ENCODE_RAW_LENGTH(len) + 1);
		if (!b64) {
			rc = fs_err_set(err, -ENOMEM, "out of memory");
		} else {
			base64_encode_raw(b64, len, (const uint8_t *)buf);
			b64[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
			fprintf(o, "<img alt=\"overlay\" width=\"%d\" height=\"%d\" src=\"data:image/png;base64,%s\">", tw,
				thh, b64);
			free(b64);
		}
	}
	free(buf);
	return rc;
}

typedef struct fov_row {
	char fov[16], cells[16], border[16], clumps[16], focus[24], blurred[4], backend[32];
} fov_row;

/* Areas (µm²) of every cell of the listed FOVs, for the histogram. */
static void area_histogram(FILE *o, const char *run_dir, const fov_row *rows, int n)
{
	double lo = 1e300, hi = 0;
	unsigned bins[NBINS] = {0};
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n; i++) {
			char path[1200], line[1024];
			snprintf(path, sizeof path, "%s/fov-%05d/cells.csv", run_dir, atoi(rows[i].fov));
			FILE *f = fopen(path, "r");
			if (!f)
				continue;
			char *fld[MAX_FIELDS];
			int header = 1;
			while (fgets(line, sizeof line, f)) {
				if (header) {
					header = 0;
					continue;
				}
				if (csv_split(line, fld) < 4)
					continue;
				double a = strtod(fld[3], NULL);
				if (!pass) {
					lo = a < lo ? a : lo;
					hi = a > hi ? a : hi;
				} else {
					int b = hi > lo ? (int)((a - lo) / (hi - lo) * NBINS) : 0;
					bins[b >= NBINS ? NBINS - 1 : b < 0 ? 0 : b]++;
				}
			}
			fclose(f);
		}
	unsigned top = 1;
	for (int b = 0; b < NBINS; b++)
		top = bins[b] > top ? bins[b] : top;
	if (hi < lo) {
		fputs("<p>No cells.</p>\n", o);
		return;
	}
	fputs("<svg id=\"areas\" width=\"640\" height=\"220\" role=\"img\" aria-label=\"cell area histogram\">\n", o);
	for (int b = 0; b < NBINS; b++) {
		double h = 180.0 * bins[b] / top;
		fprintf(o, "<rect x=\"%d\" y=\"%.1f\" width=\"18\" height=\"%.1f\" fill=\"#3a7\"><title>%u cells</title></rect>\n",
			40 + b * 20, 190 - h, h, bins[b]);
	}
	fprintf(o, "<text x=\"40\" y=\"210\" font-size=\"12\">%.1f µm²</text>"
		   "<text x=\"600\" y=\"210\" font-size=\"12\" text-anchor=\"end\">%.1f µm²</text>"
		   "<text x=\"36\" y=\"14\" font-size=\"12\" text-anchor=\"end\">%u</text>\n</svg>\n",
		lo, hi, top);
}

typedef struct page {
	const char *run_dir;
	int fovs;
	fs_err *err;
} page;

static int fill_page(FILE *o, void *user)
{
	page *pg = user;
	const char *d = pg->run_dir;
	char path[1200];
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>fieldscope run report</title>\n"
	      "<style>body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0;display:block;overflow-x:auto;max-width:100%}"
	      "td,th{border:1px solid #bbb;padding:2px 6px;font-size:13px;text-align:right}th{background:#eee}"
	      ".grid{display:flex;flex-wrap:wrap;gap:10px}.fov{border:1px solid #ccc;padding:4px;font-size:12px}"
	      ".blurred{border-color:#c33;background:#fee}</style></head><body>\n", o);
	fputs("<h1>fieldscope run report</h1>\n<p>", o);
	html(o, d);
	fprintf(o, " &mdash; report by fieldscope %s (git ", FW_VERSION);
	html(o, fw_git_commit());
	fputs(")</p>\n<h2>Slide</h2>\n", o);
	snprintf(path, sizeof path, "%s/summary.csv", d);
	int rc = csv_table(o, path, "summary", NULL, pg->err);
	if (rc)
		return rc;
	fputs("<p>Cells are counted in usable (not blurred) fields only; border cells and clumps are included in "
	      "<i>cells</i> and listed separately.</p>\n<h2>Fields of view</h2>\n", o);
	snprintf(path, sizeof path, "%s/fovs.csv", d);
	if ((rc = csv_table(o, path, "fovs", &pg->fovs, pg->err)))
		return rc;
	/* The grid: one card per FOV from fovs.csv's columns. */
	FILE *f = fopen(path, "r");
	fov_row *rows = calloc((size_t)pg->fovs + 1, sizeof *rows);
	int n = 0;
	if (f && rows) {
		char line[4096];
		char *fld[MAX_FIELDS];
		int header = 1;
		while (fgets(line, sizeof line, f) && n < pg->fovs) {
			int k = csv_split(line, fld);
			if (header || k < 14) {
				header = 0;
				continue;
			}
			fov_row *r = &rows[n++];
			snprintf(r->fov, sizeof r->fov, "%s", fld[0]);
			snprintf(r->cells, sizeof r->cells, "%s", fld[3]);
			snprintf(r->border, sizeof r->border, "%s", fld[4]);
			snprintf(r->clumps, sizeof r->clumps, "%s", fld[5]);
			snprintf(r->focus, sizeof r->focus, "%s", fld[9]);
			snprintf(r->blurred, sizeof r->blurred, "%s", fld[10]);
			snprintf(r->backend, sizeof r->backend, "%s", fld[13]);
		}
	}
	if (f)
		fclose(f);
	fputs("<h2>Overlays</h2>\n<div class=\"grid\">\n", o);
	for (int i = 0; i < n; i++) {
		const fov_row *r = &rows[i];
		int blurred = !strcmp(r->blurred, "1");
		fprintf(o, "<div class=\"fov%s\">", blurred ? " blurred" : "");
		snprintf(path, sizeof path, "%s/fov-%05d/overlay.png", d, atoi(r->fov));
		fs_err te;
		if (thumbnail(o, path, &te)) {
			fputs("<p>no overlay: ", o);
			html(o, te.msg);
			fputs("</p>", o);
		}
		fputs("<br>FOV ", o);
		html(o, r->fov);
		fputs(": ", o);
		html(o, r->cells);
		fputs(" cells (", o);
		html(o, r->border);
		fputs(" border, ", o);
		html(o, r->clumps);
		fputs(" clumps)<br>focus ", o);
		html(o, r->focus);
		fputs(blurred ? " <b>BLURRED</b>, " : ", ", o);
		html(o, r->backend);
		fputs("</div>\n", o);
	}
	fputs("</div>\n<h2>Cell areas (all listed FOVs)</h2>\n", o);
	area_histogram(o, d, rows, n);
	free(rows);
	fputs("</body></html>\n", o);
	return ferror(o) ? -EIO : 0;
}

int fw_report(const char *run_dir, const char *out_path, int *fovs, fs_err *err)
{
	char out[1200];
	if (out_path)
		snprintf(out, sizeof out, "%s", out_path);
	else
		snprintf(out, sizeof out, "%s/report.html", run_dir);
	fs_err inner;
	fs_err_clear(&inner);
	page pg = {.run_dir = run_dir, .err = &inner};
	int rc = fw_write_text(out, fill_page, &pg, err);
	if (rc && inner.msg[0])
		*err = inner;   /* the reason, not only "cannot format" */
	if (!rc && fovs)
		*fovs = pg.fovs;
	return rc;
}
