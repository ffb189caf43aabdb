# SPDX-License-Identifier: BSD-3-Clause
"""Training / fine-tuning M2U-Net on image/mask pairs, on the CPU.

Input stays raw 0..255 grey (no normalisation), as the exported int8
models expect. Loss: BCE + soft Dice (Dice keeps small foregrounds from
being ignored). Augmentation: random crops, flips, 90-degree turns (all
eight, or with `flips="vertical"` only the upside-down mirror), small
rotations, gain/offset/gamma jitter and, optionally, intensity inversion
(nuclei are bright on dark in fluorescence but dark on bright in
brightfield and H&E; inverting crops lets every image teach both
polarities), polarity-balanced image sampling and crops centred on objects;
optionally defocus (Gaussian blur, `blur`) and uneven illumination (a
linear gain ramp across the crop, `illum`), the two ways a field
microscope's images drift from the training set. Targets are the masks as
given (mask > 127): no erosion, and the background line a mask keeps
between touching cells stays background, so the network learns to keep
cells apart. A seeded split (or `val_names`) holds out validation
images; the checkpoint with the best validation Jaccard (whole images,
tiled like the firmware) is kept, and training stops early when it has not
improved for `patience` evaluations.
"""
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import imageio, m2unet, metrics, tiling


def load_pairs(images, masks):
    pairs = []
    for p in imageio.list_images(images):
        pairs.append((os.path.basename(p), imageio.load_grey(p),
                      imageio.load_mask(imageio.find_mask(masks, p))))
    return pairs


def split(pairs, val_fraction, seed, val_names=None):
    """Validation images: the named ones, or a seeded random fraction."""
    if val_names:
        want = [n.strip() for n in val_names.split(",") if n.strip()]
        have = {p[0] for p in pairs}
        missing = [n for n in want if n not in have]
        if missing:
            raise ValueError(f"--val-names: {', '.join(missing)} not among the {len(pairs)} images")
        return [p for p in pairs if p[0] not in want], [p for p in pairs if p[0] in want]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(pairs))
    nval = max(1, int(round(len(pairs) * val_fraction)))
    val = [pairs[i] for i in sorted(order[:nval])]
    train = [pairs[i] for i in sorted(order[nval:])]
    return train, val


def _crop(img, msk, size, rng, on_object=False):
    """A random size x size crop; with on_object, one that contains a random
    foreground pixel (large sparse images are otherwise mostly background)."""
    h, w = img.shape
    if h < size or w < size:
        ph, pw = max(0, size - h), max(0, size - w)
        img = np.pad(img, ((0, ph), (0, pw)), mode="edge")
        msk = np.pad(msk, ((0, ph), (0, pw)))
        h, w = img.shape
    fg = np.flatnonzero(msk) if on_object else ()
    if len(fg):
        cy, cx = divmod(int(fg[rng.integers(len(fg))]), w)
        y = rng.integers(max(0, cy - size + 1), min(cy, h - size) + 1)
        x = rng.integers(max(0, cx - size + 1), min(cx, w - size) + 1)
    else:
        y = rng.integers(0, h - size + 1)
        x = rng.integers(0, w - size + 1)
    return img[y:y + size, x:x + size], msk[y:y + size, x:x + size]


def erode_targets(pairs, px):
    """Masks eroded by px pixels with a 4-connected cross (the masks keep a
    background line between touching cells, so this erodes each cell). A
    network trained on them predicts cells px smaller with gaps of 2 px + 1
    between touching cells, which the firmware labels without merging; its
    per-cell 4-neighbour growth ([segmentation] grow_px = px) gives the size
    back: on the RBC masks, eroding by 1 and growing by 1 restores 99.6 % of
    the pixels (Jaccard 0.996)."""
    if px <= 0:
        return pairs
    from scipy import ndimage
    cross = ndimage.generate_binary_structure(2, 1)
    return [(n, img, ndimage.binary_erosion(m, cross, iterations=px)) for n, img, m in pairs]


def sampling_weights(pairs, balance_polarity):
    """Per-image sampling probabilities. With balance_polarity, images whose
    objects are darker than their background (brightfield, H&E) and those
    whose objects are brighter (fluorescence) each get half of the samples,
    however few images one kind has."""
    w = np.ones(len(pairs))
    if balance_polarity:
        dark = np.array([img[m].mean() < img[~m].mean() if m.any() and (~m).any() else False
                         for _, img, m in pairs])
        for group in (dark, ~dark):
            if group.any() and (~group).any():
                w[group] = 0.5 / group.sum()
    return w / w.sum()


def defocus(img, sigma):
    """Gaussian blur (separable, reflected edges): a slightly defocused field."""
    from scipy import ndimage
    return ndimage.gaussian_filter(img, sigma, mode="reflect")


def illumination(img, rng, strength=0.2):
    """Multiplies by a random linear ramp 1 +- strength across the crop:
    uneven LED illumination or a tilted condenser."""
    h, w = img.shape
    a = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = (np.cos(a) * (xx / max(w - 1, 1) - 0.5) + np.sin(a) * (yy / max(h - 1, 1) - 0.5)) * 2
    return img * (1.0 + strength * rng.uniform(0.3, 1.0) * ramp)


FLIPS = ("all", "vertical")


def _orient(i, m, rng, flips):
    """A random symmetry of the square: any of the eight ("all"), or only
    identity / upside-down ("vertical"). A DPC image from left/right LED
    halves shows the phase gradient along x: turned or mirrored left-right it
    is an image no such microscope makes, and a network trained on all eight
    must treat left and right alike, so it cannot learn on which side of
    the dark/bright rim the annotators drew the edge."""
    if flips == "vertical":
        return (i[::-1], m[::-1]) if rng.random() < 0.5 else (i, m)
    k = rng.integers(4)
    i, m = np.rot90(i, k), np.rot90(m, k)
    if rng.random() < 0.5:
        i, m = i[:, ::-1], m[:, ::-1]
    return i, m


def batch(pairs, n, size, rng, max_rot_deg=10.0, invert=0.0, weights=None, on_object=0.0,
          blur=0.0, illum=0.0, flips="all"):
    if flips not in FLIPS:
        raise ValueError(f"flips {flips!r}: expected one of {', '.join(FLIPS)}")
    xs, ys = [], []
    for _ in range(n):
        _, img, msk = pairs[rng.choice(len(pairs), p=weights)]
        i, m = _crop(img, msk, size, rng, on_object=rng.random() < on_object)
        i, m = _orient(i, m, rng, flips)
        i = i.astype(np.float32)
        if rng.random() < invert:
            i = 255.0 - i
        if rng.random() < blur:
            i = defocus(i, rng.uniform(0.5, 2.0))
        if rng.random() < illum:
            i = illumination(i, rng)
        # intensity jitter: gain, offset, gamma (microscopes differ in all three)
        g = rng.uniform(0.75, 1.25)
        gamma = rng.uniform(0.8, 1.25)
        i = 255.0 * (np.clip(i / 255.0, 0, 1) ** gamma) * g + rng.uniform(-20, 20)
        xs.append(np.clip(i, 0, 255))
        ys.append(m.astype(np.float32))
    x = torch.from_numpy(np.stack(xs)[:, None].copy())
    y = torch.from_numpy(np.stack(ys)[:, None].copy())
    if max_rot_deg > 0:
        ang = torch.from_numpy(rng.uniform(-max_rot_deg, max_rot_deg, n)).float() * math.pi / 180
        c, s = torch.cos(ang), torch.sin(ang)
        theta = torch.stack([torch.stack([c, -s, torch.zeros(n)], 1),
                             torch.stack([s, c, torch.zeros(n)], 1)], 1)
        grid = F.affine_grid(theta, x.shape, align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
        y = (F.grid_sample(y, grid, mode="nearest", padding_mode="reflection",
                           align_corners=False) > 0.5).float()
    return x, y


def loss_fn(logit, y):
    bce = F.binary_cross_entropy_with_logits(logit, y)
    p = torch.sigmoid(logit)
    inter = (p * y).sum()
    dice = 1 - (2 * inter + 1) / (p.sum() + y.sum() + 1)
    return bce + dice


def evaluate(model, pairs, tile):
    model.eval()
    res = []

    def infer(t):
        with torch.no_grad():
            return model(torch.from_numpy(t).float()[None, None])[0, 0].numpy()

    for name, img, msk in pairs:
        logit = tiling.run_tiled(img, tile, min(32, tile // 8), infer)
        s = metrics.scores(logit > 0, msk, min_px=metrics.MIN_CELL_PX)
        s["image"] = name
        res.append(s)
    model.train()
    return float(np.mean([r["jaccard"] for r in res])), res


def train(images, masks, out, init=None, in_channels=1, crop=256, batch_size=8, iters=1500,
          lr=2e-3, val_fraction=0.2, seed=0, eval_every=100, patience=5, tile=256,
          threads=None, invert=0.0, balance_polarity=False, on_object=0.0, log=None,
          val_names=None, blur=0.0, illum=0.0, erode=0, flips="all", last_hidden=None):
    log = log or (lambda s: print(s, flush=True))
    if last_hidden is not None and last_hidden < 1:
        raise ValueError(f"--last-hidden {last_hidden}: expected a channel count >= 1")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if threads:
        torch.set_num_threads(threads)
    pairs = erode_targets(load_pairs(images, masks), erode)
    tr, va = split(pairs, val_fraction, seed, val_names)
    log(f"train: {len(tr)} images, validation: {len(va)} images ({', '.join(p[0] for p in va)})"
        + (f"; targets eroded by {erode} px" if erode else ""))
    weights = sampling_weights(tr, balance_polarity)
    if init:
        model = m2unet.load_checkpoint(init, in_channels)
        if last_hidden:
            model = m2unet.widen_last(model, last_hidden, seed)
    else:
        model = m2unet.M2UNet(in_channels, last_hidden=last_hidden)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=iters, pct_start=0.1)
    best, best_it, bad = -1.0, 0, 0
    t0 = time.time()
    hist = []
    for it in range(1, iters + 1):
        x, y = batch(tr, batch_size, crop, rng, invert=invert, weights=weights,
                     on_object=on_object, blur=blur, illum=illum, flips=flips)
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if it % eval_every == 0 or it == iters:
            j, _ = evaluate(model, va, tile)
            hist.append(dict(iter=it, loss=float(loss), val_jaccard=j))
            log(f"iter {it}: loss {float(loss):.4f} val Jaccard {j:.4f} ({time.time() - t0:.0f} s)")
            if j > best:
                best, best_it, bad = j, it, 0
                torch.save({"state_dict": model.state_dict(),
                            "meta": dict(iter=it, val_jaccard=j, in_channels=in_channels,
                                         val_images=[p[0] for p in va], seed=seed,
                                         invert=invert, balance_polarity=balance_polarity,
                                         on_object=on_object, blur=blur, illum=illum, erode=erode,
                                         flips=flips, last_hidden=m2unet.last_hidden(model),
                                         crop=crop, batch=batch_size, lr=lr,
                                         init=os.path.basename(init) if init else None)}, out)
            else:
                bad += 1
                if bad >= patience:
                    log(f"early stop: no improvement for {patience} evaluations")
                    break
    log(f"best val Jaccard {best:.4f} at iter {best_it}; saved {out}")
    with open(os.path.splitext(out)[0] + ".log.json", "w") as f:
        json.dump(dict(best_val_jaccard=best, best_iter=best_it, history=hist,
                       val_images=[p[0] for p in va]), f, indent=1)
    return best
