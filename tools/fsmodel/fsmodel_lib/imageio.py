# SPDX-License-Identifier: BSD-3-Clause
"""Image and mask loading (PIL), always to 2-D uint8 grey or boolean masks."""
import os
import numpy as np
from PIL import Image

IMAGE_EXTS = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp")


def load_grey(path):
    """8-bit grey image as uint8 [H, W]. RGB(A) is reduced to luma; 16-bit is
    scaled down by 256 so raw DPC/brightfield values keep their meaning."""
    with Image.open(path) as im:
        if im.mode in ("I;16", "I;16B", "I"):
            a = np.asarray(im, dtype=np.int64)
            return np.clip(a >> 8, 0, 255).astype(np.uint8)
        if im.mode != "L":
            im = im.convert("RGB").convert("L")
        return np.asarray(im, dtype=np.uint8).copy()


def load_mask(path):
    """Foreground mask as bool [H, W]: any non-zero label (instance maps) or
    values > 127 (binary 0/255 masks)."""
    with Image.open(path) as im:
        a = np.asarray(im)
    if a.ndim == 3:
        a = a[..., 0]
    if a.dtype == np.uint8 and a.max() > 1 and len(np.unique(a)) <= 2:
        return a > 127
    return a > 0


def list_images(folder):
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{folder}: image folder does not exist")
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(IMAGE_EXTS))
    if not names:
        # Kaggle/DSB2018 layout: <folder>/<id>/images/<id>.png
        nested = []
        for d in sorted(os.listdir(folder)):
            sub = os.path.join(folder, d, "images")
            if os.path.isdir(sub):
                nested += [os.path.join(sub, n) for n in sorted(os.listdir(sub))
                           if n.lower().endswith(IMAGE_EXTS)]
        if nested:
            return nested
    if not names:
        raise FileNotFoundError(f"{folder}: no images ({', '.join(IMAGE_EXTS)}) found")
    return [os.path.join(folder, n) for n in names]


def find_mask(mask_dir, image_path):
    """The mask for an image: same stem, or stem + '_mask', any image extension."""
    stem = os.path.splitext(os.path.basename(image_path))[0]
    for cand in (stem, stem + "_mask"):
        for ext in IMAGE_EXTS:
            p = os.path.join(mask_dir, cand + ext)
            if os.path.exists(p):
                return p
    raise FileNotFoundError(f"{mask_dir}: no mask for {os.path.basename(image_path)} "
                            f"(expected {stem}.png or {stem}_mask.png)")


def save_grey(path, arr):
    Image.fromarray(np.asarray(arr, dtype=np.uint8)).save(path)
