# SPDX-License-Identifier: BSD-3-Clause
"""Whole-image inference by tiles, exactly as the firmware tiles
(firmware/segment/tiling.c, fw_tile_axis), so that eval measures what the
device will produce.

Along each axis the image is cut into "cores" of `tile - 2*m` pixels; each
core is read from a tile that extends m pixels beyond it where the image
allows (m = half the overlap, rounded up to the alignment), and the last
tile is pulled back flush with the image end. Tile origins sit on multiples
of a power of two up to 32 dividing the tile, when that still leaves half
the tile as core. Pixels beyond the image (images smaller than a tile) are
real 0.
"""
import numpy as np


def axis_tiles(n, tile, overlap):
    """[(origin, core0, core1)] along one axis of length n."""
    want = min(overlap // 2, (tile - 1) // 2)
    m, align = want, 1
    a = 32
    while a >= 1:
        if tile % a == 0:
            ma = (want + a - 1) // a * a
            if tile - 2 * ma >= (tile + 1) // 2 or a == 1:
                align = a
                m = want if a == 1 else ma
                break
        a //= 2
    step = tile - 2 * m
    out = []
    c0 = 0
    while c0 < n:
        c1 = min(c0 + step, n)
        o = min(c0 - m, n - tile)
        o = max(o, 0)
        o = (o + align - 1) // align * align
        out.append((o, c0, c1))
        c0 += step
    return out


def run_tiled(image, tile, overlap, infer):
    """image: uint8 [H, W]. infer(uint8 [tile, tile]) -> [tile, tile] array.
    Returns the stitched [H, W] map in infer's dtype."""
    h, w = image.shape
    out = None
    for oy, y0, y1 in axis_tiles(h, tile, overlap):
        for ox, x0, x1 in axis_tiles(w, tile, overlap):
            t = np.zeros((tile, tile), np.uint8)
            src = image[oy:oy + tile, ox:ox + tile]
            t[:src.shape[0], :src.shape[1]] = src
            r = infer(t)
            if out is None:
                out = np.zeros((h, w), dtype=r.dtype)
            out[y0:y1, x0:x1] = r[y0 - oy:y1 - oy, x0 - ox:x1 - ox]
    return out
