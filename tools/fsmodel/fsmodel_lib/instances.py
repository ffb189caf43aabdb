# SPDX-License-Identifier: BSD-3-Clause
"""Cell instances: the firmware's labelling (fscells, firmware/proc) on a
stitched probability map, and per-cell scores against reference instances
(connected components of the mask: the masks keep a background line between
touching cells, so components are the cells)."""
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np
from PIL import Image
from scipy import ndimage

from .runners import find_repo_root

# The firmware's defaults (fw_sep_defaults) plus the clinic growth.
DEFAULT_OPTS = {"h": 1.5, "min-area": 20, "speck": 0.25, "grow": 1, "conn": 4, "clump": 2.0}


def find_fscells(path=None):
    cand = path or os.environ.get("FSCELLS") or os.path.join(
        os.environ.get("FS_REL_BIN", os.path.join(find_repo_root(), "build", "bin")), "fscells")
    if not os.path.exists(cand):
        raise FileNotFoundError(f"{cand}: fscells not found (build with make, or set FSCELLS)")
    return cand


def prob_u8(out, is_logit):
    """Stitched model output as probability x 256 bytes (what the int8 models
    return): a float logit becomes floor(sigmoid * 256), clamped to 255."""
    if not is_logit:
        return np.asarray(out, np.uint8)
    p = 1.0 / (1.0 + np.exp(-np.asarray(out, np.float64)))
    return np.clip(np.floor(p * 256.0), 0, 255).astype(np.uint8)


def label_cells(prob, opts=None, fscells=None, plain=False):
    """Runs fscells on a uint8 probability map; returns (labels int32 [H, W], stats dict)."""
    o = dict(DEFAULT_OPTS)
    o.update(opts or {})
    exe = find_fscells(fscells)
    tmp = tempfile.mkdtemp(prefix="fscells-")
    try:
        src, dst = os.path.join(tmp, "prob.png"), os.path.join(tmp, "labels.png")
        Image.fromarray(np.ascontiguousarray(prob, np.uint8)).save(src)
        argv = [exe, src, "--labels", dst] + ([] if "threshold" in o else ["--threshold", "128"])
        for k, v in o.items():
            argv += [f"--{k}", str(v)]
        if plain:
            argv.append("--plain")
        r = subprocess.run(argv, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"fscells failed (exit {r.returncode}): {r.stderr.strip()[-300:]}")
        stats = json.loads(r.stdout)
        lab = np.asarray(Image.open(dst)).astype(np.int32)
        return lab, stats
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def reference_instances(mask):
    lab, n = ndimage.label(np.asarray(mask, bool))  # 4-connected
    return lab, n


def match(pred, truth, iou=0.5):
    """Per-cell matching at IoU > iou (a match is then unique). pred, truth:
    integer label images (0 = background)."""
    pred = np.asarray(pred, np.int64)
    truth = np.asarray(truth, np.int64)
    npred = int(len(np.unique(pred)) - (1 if (pred == 0).any() else 0))
    ntrue = int(len(np.unique(truth)) - (1 if (truth == 0).any() else 0))
    ap = np.bincount(pred.ravel())
    at = np.bincount(truth.ravel())
    both = (pred > 0) & (truth > 0)
    key = pred[both] * (int(truth.max()) + 1) + truth[both]
    keys, inter = np.unique(key, return_counts=True)
    pi = keys // (int(truth.max()) + 1)
    ti = keys % (int(truth.max()) + 1)
    ious = inter / (ap[pi] + at[ti] - inter)
    tp = int((ious > iou).sum())
    prec = tp / npred if npred else 1.0
    rec = tp / ntrue if ntrue else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"cells_pred": npred, "cells_true": ntrue,
            "count_err": float((npred - ntrue) / ntrue) if ntrue else 0.0,
            "tp": tp, "precision": float(prec), "recall": float(rec), "f1": float(f1),
            "matched_iou": float(ious[ious > iou].mean()) if tp else 0.0}
