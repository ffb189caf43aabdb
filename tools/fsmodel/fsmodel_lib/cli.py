# SPDX-License-Identifier: BSD-3-Clause
"""fsmodel command line: export, onnx, eval, train."""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch


def _select(paths, names):
    """Keeps the images whose file names are in the comma-separated `names`."""
    if not names:
        return paths
    want = [n.strip() for n in names.split(",") if n.strip()]
    by = {os.path.basename(p): p for p in paths}
    missing = [n for n in want if n not in by]
    if missing:
        raise FileNotFoundError(f"image(s) {', '.join(missing)} not found among "
                                f"{len(paths)} images")
    return [by[n] for n in want]


def _calib_tiles(folder, count, crop, seed=0, names=None):
    """`count` crops of crop x crop spread over the images of `folder`
    (deterministic): calibration sees every image and several regions."""
    from . import imageio
    paths = _select(imageio.list_images(folder), names)
    rng = np.random.default_rng(seed)
    tiles = []
    for k in range(count):
        img = imageio.load_grey(paths[k % len(paths)])
        h, w = img.shape
        if h < crop or w < crop:
            img = np.pad(img, ((0, max(0, crop - h)), (0, max(0, crop - w))), mode="edge")
            h, w = img.shape
        y = int(rng.integers(0, h - crop + 1))
        x = int(rng.integers(0, w - crop + 1))
        tiles.append(np.ascontiguousarray(img[y:y + crop, x:x + crop]))
    return tiles, paths


def tflite_input_shape(path):
    """[N, H, W, C] of the first subgraph input, read with flatbuffers' table API."""
    import flatbuffers
    from flatbuffers.table import Table
    buf = bytearray(open(path, "rb").read())
    if buf[4:8] != b"TFL3":
        raise ValueError(f"{path}: not a .tflite file (identifier {bytes(buf[4:8])!r})")

    def table(tab, slot):
        o = tab.Offset(4 + 2 * slot)
        return Table(buf, tab.Indirect(o + tab.Pos)) if o else None

    def vec(tab, slot):
        o = tab.Offset(4 + 2 * slot)
        return (tab.Vector(o), tab.VectorLen(o)) if o else (0, 0)

    model = Table(buf, flatbuffers.encode.Get(flatbuffers.packer.uoffset, buf, 0))
    sgs, _ = vec(model, 2)
    sg = Table(buf, model.Indirect(sgs))
    ins, _ = vec(sg, 1)
    tin = flatbuffers.encode.Get(flatbuffers.packer.int32, buf, ins)
    tens, _ = vec(sg, 0)
    t = Table(buf, sg.Indirect(tens + 4 * tin))
    sv, sn = vec(t, 0)
    return [flatbuffers.encode.Get(flatbuffers.packer.int32, buf, sv + 4 * i) for i in range(sn)]


def cmd_export(a):
    from . import m2unet, graph, quant, export_tflite
    torch.set_num_threads(a.threads)
    if a.size <= 0 or a.size % 16:
        raise ValueError(f"--size {a.size}: the input size must be a positive multiple of 16 "
                         "(M2U-Net downsamples four times)")
    model = m2unet.load_checkpoint(a.checkpoint)
    ops = graph.build_graph(model)
    crop = min(a.calib_crop, a.size)
    tiles, paths = _calib_tiles(a.calib, a.calib_count, crop, names=a.calib_names)
    t0 = time.time()
    st = quant.calibrate(ops, tiles)
    q = quant.quantize(ops, st, a.method, bias_correction=not a.no_bias_correction)
    desc = (f"fieldscope M2U-Net int8 {a.size}x{a.size}; from {os.path.basename(a.checkpoint)}; "
            f"calibration {len(tiles)} crops {crop}px of {len(paths)} images; ranges {a.method}; "
            f"bias correction {'off' if a.no_bias_correction else 'on'}")
    n = export_tflite.write_tflite(q, a.size, a.output, description=desc,
                                   in_channels=model.in_channels)
    print(f"wrote {a.output}: {n} bytes ({desc}; {time.time() - t0:.1f} s)")
    if a.onnx:
        from . import export_onnx
        export_onnx.write_onnx(q, a.size, a.onnx)
        print(f"wrote {a.onnx}")
    if a.save_quant:
        import pickle
        with open(a.save_quant, "wb") as f:
            pickle.dump(q, f)
    return 0


def cmd_onnx(a):
    a.onnx = a.output
    a.output = os.path.splitext(a.output)[0] + ".tflite"
    return cmd_export(a)


def cell_scores(instances, prob, truth, a):
    """Per-cell scores of the firmware's labelling (fscells) of one stitched
    probability map against the mask's instances, with and without
    separation; the Jaccard is that of the labelled cells (after growth), the
    mask the device writes."""
    opts = {"h": a.cells_h, "grow": a.grow, "min-area": a.min_area, "speck": a.speck}
    ref, _ = instances.reference_instances(truth)
    out = {"options": opts}
    for mode in ("separated", "plain"):
        lab, st = instances.label_cells(prob, opts, fscells=a.fscells, plain=mode == "plain")
        c = instances.match(lab, ref)
        fg = lab > 0
        c["jaccard"] = float(np.logical_and(fg, truth).sum() / max(1, np.logical_or(fg, truth).sum()))
        c.update({k: st[k] for k in ("border", "clumps", "specks", "median_area_px", "cpu_ms")})
        out[mode] = c
    return out


def cmd_eval(a):
    from . import imageio, instances, m2unet, metrics, runners, tiling
    torch.set_num_threads(a.threads)
    paths = _select(imageio.list_images(a.images), a.names)
    if a.limit:
        paths = paths[:a.limit]
    report = {}
    for mpath in a.models:
        if mpath.endswith((".pth", ".pt")):
            model = m2unet.load_checkpoint(mpath)
            run, thr, size, kind = runners.TorchRunner(model), 0.0, a.tile, "fp32 (PyTorch)"
        else:
            shape = tflite_input_shape(mpath)
            size = shape[1]
            if a.engine == "fsnn":
                run = runners.fsnn_runner(mpath, size, a.fsnn)
            elif a.engine == "litert":
                run = runners.litert_runner(mpath, size)
            else:
                raise SystemExit(f"unknown engine {a.engine}")
            thr, kind = 127, f"int8 ({a.engine})"   # uint8 prob*256 >= 128 means p >= 0.5
        rows = []
        for p in paths:
            img = imageio.load_grey(p)
            truth = imageio.load_mask(imageio.find_mask(a.masks, p))
            t0 = time.time()
            cached = os.path.join(a.prob_dir, os.path.basename(p)) if a.prob_dir else None
            if cached and thr and os.path.exists(cached):
                # A map saved by --save-prob from this model: the tiles are
                # not run again (whole-field inference costs minutes here).
                out = imageio.load_grey(cached)
            else:
                out = tiling.run_tiled(img, size, a.overlap, run)
            if a.save_prob:
                os.makedirs(a.save_prob, exist_ok=True)
                imageio.save_grey(os.path.join(a.save_prob, os.path.basename(p)),
                                  instances.prob_u8(out, thr == 0.0))
            s = metrics.scores(out > thr, truth)
            s["image"] = os.path.basename(p)
            s["seconds"] = round(time.time() - t0, 2)
            msg = (f"{os.path.basename(mpath)} [{kind}] {s['image']}: Jaccard {s['jaccard']:.4f} "
                   f"Dice {s['dice']:.4f} components {s['cells_pred']}/{s['cells_true']} "
                   f"({100 * s['count_err']:+.1f}%) {s['seconds']} s")
            if not a.no_cells:
                prob = instances.prob_u8(out, thr == 0.0)
                s["cells"] = cell_scores(instances, prob, truth, a)
                c = s["cells"]["separated"]
                msg += (f"\n    cells {c['cells_pred']} vs {c['cells_true']} reference ({100 * c['count_err']:+.2f}%), "
                        f"P {c['precision']:.4f} R {c['recall']:.4f} F1@0.5 {c['f1']:.4f}, "
                        f"Jaccard {c['jaccard']:.4f}; without separation {s['cells']['plain']['cells_pred']} "
                        f"({100 * s['cells']['plain']['count_err']:+.2f}%), F1 {s['cells']['plain']['f1']:.4f}")
            rows.append(s)
            print(msg, flush=True)
        mean = {k: float(np.mean([r[k] for r in rows])) for k in ("jaccard", "dice", "count_err")}
        mean["abs_count_err"] = float(np.mean([abs(r["count_err"]) for r in rows]))
        print(f"{os.path.basename(mpath)} [{kind}] mean over {len(rows)}: Jaccard "
              f"{mean['jaccard']:.4f} Dice {mean['dice']:.4f} component count error "
              f"{100 * mean['count_err']:+.1f}% (|.| {100 * mean['abs_count_err']:.1f}%)", flush=True)
        if not a.no_cells:
            mean["cells"] = {}
            for mode in ("separated", "plain"):
                cs = [r["cells"][mode] for r in rows]
                m = {k: float(np.mean([c[k] for c in cs]))
                     for k in ("count_err", "precision", "recall", "f1", "jaccard")}
                m["abs_count_err"] = float(np.mean([abs(c["count_err"]) for c in cs]))
                mean["cells"][mode] = m
                print(f"{os.path.basename(mpath)} [{kind}] cells ({mode}): |count error| "
                      f"{100 * m['abs_count_err']:.2f}% (mean {100 * m['count_err']:+.2f}%), F1@0.5 "
                      f"{m['f1']:.4f}, Jaccard {m['jaccard']:.4f}", flush=True)
        report[mpath] = dict(kind=kind, tile=size, overlap=a.overlap, per_image=rows, mean=mean)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0


def cmd_train(a):
    from . import train
    train.train(a.images, a.masks, a.output, init=a.init, crop=a.crop, batch_size=a.batch,
                iters=a.iters, lr=a.lr, val_fraction=a.val_fraction, seed=a.seed,
                eval_every=a.eval_every, patience=a.patience, tile=a.tile, threads=a.threads,
                invert=a.invert, balance_polarity=a.balance_polarity, on_object=a.on_object,
                val_names=a.val_names, blur=a.blur, illum=a.illum, erode=a.erode,
                flips=a.flips, last_hidden=a.last_hidden)
    return 0


def instances_default(k):
    from . import instances
    return instances.DEFAULT_OPTS[k]


def main(argv=None):
    p = argparse.ArgumentParser(prog="fsmodel", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    def export_args(e):
        e.add_argument("checkpoint", help="M2U-Net PyTorch checkpoint (.pth)")
        e.add_argument("--calib", required=True, help="folder of calibration images")
        e.add_argument("--size", type=int, default=1024, help="model input size (multiple of 16)")
        e.add_argument("-o", "--output", required=True)
        e.add_argument("--calib-names", help="comma-separated image names to calibrate on "
                       "(default: all images in --calib)")
        e.add_argument("--calib-count", type=int, default=8, help="calibration crops")
        e.add_argument("--calib-crop", type=int, default=512, help="calibration crop size")
        e.add_argument("--method", choices=("mse", "minmax"), default="mse",
                       help="activation range selection")
        e.add_argument("--no-bias-correction", action="store_true")
        e.add_argument("--save-quant", help="also pickle the int8 graph (for the emulator)")
        e.add_argument("--threads", type=int, default=2)

    e = sub.add_parser("export", help="quantise a checkpoint to an int8 .tflite")
    export_args(e)
    e.add_argument("--onnx", help="also write the same network as ONNX QDQ")
    e.set_defaults(func=cmd_export)

    o = sub.add_parser("onnx", help="quantise a checkpoint to an ONNX QDQ model (and .tflite)")
    export_args(o)
    o.set_defaults(func=cmd_onnx)

    v = sub.add_parser("eval", help="Jaccard/Dice/count error of models on image/mask pairs")
    v.add_argument("models", nargs="+", help=".pth (FP32, PyTorch) and/or .tflite (int8)")
    v.add_argument("--images", required=True)
    v.add_argument("--masks", required=True)
    v.add_argument("--tile", type=int, default=1024, help="tile size for .pth models")
    v.add_argument("--overlap", type=int, default=32)
    v.add_argument("--engine", choices=("fsnn", "litert"), default="fsnn")
    v.add_argument("--fsnn", help="path of the fsnn binary")
    v.add_argument("--limit", type=int, default=0, help="first N images only")
    v.add_argument("--names", help="comma-separated image names to evaluate")
    v.add_argument("--json", help="write the full report here")
    v.add_argument("--threads", type=int, default=2)
    v.add_argument("--save-prob", help="save each stitched probability map (p x 256 PNG) here")
    v.add_argument("--prob-dir", help="read stitched maps saved by --save-prob instead of running "
                   "int8 models (only for images found there)")
    v.add_argument("--no-cells", action="store_true",
                   help="skip the per-cell scores (firmware labelling through fscells)")
    v.add_argument("--fscells", help="path of the fscells binary")
    v.add_argument("--cells-h", type=float, default=instances_default("h"),
                   help="separation depth in px (fw_sep_opts.h_px)")
    v.add_argument("--grow", type=int, default=instances_default("grow"),
                   help="per-cell growth after labelling (the clinic configuration's grow_px)")
    v.add_argument("--min-area", type=int, default=instances_default("min-area"))
    v.add_argument("--speck", type=float, default=instances_default("speck"),
                   help="pieces under this fraction of the median cell are specks")
    v.set_defaults(func=cmd_eval)

    t = sub.add_parser("train", help="train or fine-tune M2U-Net on image/mask pairs")
    t.add_argument("--images", required=True)
    t.add_argument("--masks", required=True)
    t.add_argument("--init", help="checkpoint to start from (fine-tuning)")
    t.add_argument("-o", "--output", default="m2unet_trained.pth")
    t.add_argument("--crop", type=int, default=256)
    t.add_argument("--batch", type=int, default=8)
    t.add_argument("--iters", type=int, default=1500)
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--val-fraction", type=float, default=0.2)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--eval-every", type=int, default=100)
    t.add_argument("--patience", type=int, default=5)
    t.add_argument("--tile", type=int, default=256, help="tile size for validation")
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--invert", type=float, default=0.0,
                   help="probability of inverting a training crop (255 - x): teaches both "
                        "bright-on-dark and dark-on-bright objects")
    t.add_argument("--balance-polarity", action="store_true",
                   help="sample images with dark objects on a bright background and those with "
                        "bright objects on a dark one equally often")
    t.add_argument("--on-object", type=float, default=0.0,
                   help="fraction of crops placed to contain a foreground pixel")
    t.add_argument("--val-names", help="comma-separated image names held out for validation "
                   "(instead of the seeded --val-fraction split)")
    t.add_argument("--blur", type=float, default=0.0,
                   help="probability of a defocus blur (Gaussian, sigma 0.5-2 px) on a crop")
    t.add_argument("--illum", type=float, default=0.0,
                   help="probability of an uneven-illumination ramp (gain 1 +- up to 0.2) on a crop")
    t.add_argument("--erode", type=int, default=0,
                   help="train on masks eroded by this many pixels (4-connected); the firmware's "
                        "grow_px gives the size back and touching cells stay apart")
    t.add_argument("--flips", choices=("all", "vertical"), default="all",
                   help="orientations a crop may take: all eight turns and mirrors, or only "
                        "upside-down (DPC images, whose contrast runs left to right)")
    t.add_argument("--last-hidden", type=int,
                   help="expansion channels of the full-resolution decoder block (Octopi's "
                        "M2U-Net has 5; a fine-tune from --init widens it without changing what "
                        "the network computes at the start)")
    t.set_defaults(func=cmd_train)

    a = p.parse_args(argv)
    try:
        return a.func(a)
    except (OSError, ValueError, RuntimeError, KeyError) as ex:
        print(f"fsmodel {a.cmd}: {' '.join(str(ex).split())}", file=sys.stderr)
        return 1
