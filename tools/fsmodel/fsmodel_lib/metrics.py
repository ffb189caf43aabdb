# SPDX-License-Identifier: BSD-3-Clause
"""Segmentation metrics: Jaccard, Dice, connected-component cell counts."""
import numpy as np
from scipy import ndimage

# Components smaller than this are specks, not cells (an RBC at Octopi's
# magnification covers ~1,000 px; 58 px is the cut used in the baseline note).
MIN_CELL_PX = 58


def count_cells(mask, min_px=MIN_CELL_PX):
    lab, n = ndimage.label(mask)  # 4-connectivity: touching cells split by a 1-px line stay apart
    if n == 0:
        return 0
    sizes = np.bincount(lab.ravel())[1:]
    return int((sizes >= min_px).sum())


def scores(pred, truth, min_px=MIN_CELL_PX):
    pred = np.asarray(pred, bool)
    truth = np.asarray(truth, bool)
    inter = np.logical_and(pred, truth).sum()
    union = np.logical_or(pred, truth).sum()
    psum = pred.sum() + truth.sum()
    nt = count_cells(truth, min_px)
    npred = count_cells(pred, min_px)
    return {
        "jaccard": float(inter / union) if union else 1.0,
        "dice": float(2 * inter / psum) if psum else 1.0,
        "cells_true": nt,
        "cells_pred": npred,
        "count_err": float((npred - nt) / nt) if nt else 0.0,
    }
