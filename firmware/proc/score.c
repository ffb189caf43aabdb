/* SPDX-License-Identifier: BSD-3-Clause */
/* Scores of labelled cells against a reference mask (declared in proc.h):
 * the numbers `fsmodel eval` reports, computed by the firmware itself so a
 * lab can check a microscope on its own annotated fields. */
#include "proc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int fw_score_cells(fw_proc *p, const uint32_t *labels, const uint8_t *truth, int w, int h, fw_cell_score *out,
		   fs_err *err)
{
	memset(out, 0, sizeof *out);
	size_t npx = (size_t)w * (size_t)h;
	uint8_t *fg = malloc(npx);
	uint32_t *ref = malloc(npx * sizeof *ref);
	uint32_t *cand = NULL, *votes = NULL, *inter = NULL, *area_pred = NULL, *area_ref = NULL;
	int rc = 0;
	if (!fg || !ref) {
		rc = fs_err_set(err, -ENOMEM, "score: out of memory for a %dx%d reference", w, h);
		goto out;
	}
	/* Reference instances: 4-connected components of the mask (the masks
	 * keep a background line between touching cells), every size. */
	uint64_t both = 0, either = 0;
	uint32_t npred_max = 0;
	for (size_t i = 0; i < npx; i++) {
		fg[i] = truth[i] >= 128;
		both += fg[i] && labels[i];
		either += fg[i] || labels[i];
		npred_max = labels[i] > npred_max ? labels[i] : npred_max;
	}
	fw_label_opts lo = {4, 1, 0};
	int nref = fw_label(p, fg, w, h, &lo, ref, err);
	if (nref < 0) {
		rc = nref;
		fs_err_prefix(err, "reference mask: ");
		goto out;
	}
	size_t np = (size_t)npred_max + 1, nr = (size_t)nref + 1;
	cand = calloc(np, sizeof *cand);
	votes = calloc(np, sizeof *votes);
	inter = calloc(np, sizeof *inter);
	area_pred = calloc(np, sizeof *area_pred);
	area_ref = calloc(nr, sizeof *area_ref);
	if (!cand || !votes || !inter || !area_pred || !area_ref) {
		rc = fs_err_set(err, -ENOMEM, "score: out of memory for %zu cells", np);
		goto out;
	}
	/* IoU > 0.5 needs the reference cell to cover more than half of the
	 * predicted one, so only a strict majority can match: one
	 * Boyer-Moore vote per predicted cell finds it, a second pass counts
	 * its overlap. The match is then unique both ways. */
	for (size_t i = 0; i < npx; i++) {
		uint32_t l = labels[i], r = ref[i];
		area_ref[r]++;
		if (!l)
			continue;
		area_pred[l]++;
		if (!votes[l])
			cand[l] = r, votes[l] = 1;
		else
			votes[l] += cand[l] == r ? 1 : (uint32_t)-1;
	}
	for (size_t i = 0; i < npx; i++)
		if (labels[i] && ref[i] && ref[i] == cand[labels[i]])
			inter[labels[i]]++;
	double iou_sum = 0;
	for (size_t l = 1; l < np; l++) {
		if (!area_pred[l])
			continue;
		out->cells_pred++;
		if (!cand[l] || !inter[l])
			continue;
		double iou = (double)inter[l] / ((double)area_pred[l] + area_ref[cand[l]] - inter[l]);
		if (iou > 0.5) {
			out->matched++;
			iou_sum += iou;
		}
	}
	out->cells_ref = nref;
	out->count_error = nref ? (double)(out->cells_pred - nref) / nref : 0.0;
	out->precision = out->cells_pred ? (double)out->matched / out->cells_pred : 1.0;
	out->recall = nref ? (double)out->matched / nref : 1.0;
	double s = out->precision + out->recall;
	out->f1 = s > 0 ? 2 * out->precision * out->recall / s : 0.0;
	out->matched_iou = out->matched ? iou_sum / out->matched : 0.0;
	out->jaccard = either ? (double)both / (double)either : 1.0;
out:
	free(fg);
	free(ref);
	free(cand);
	free(votes);
	free(inter);
	free(area_pred);
	free(area_ref);
	return rc;
}
