#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""make bench, engine part: fsnn (fast and reference kernels), ONNX Runtime
and LiteRT.js side by side in one run, on the same models and inputs.

    nn/tools/bench.py --fsnn build/bin/fsnn [--runs 10] [--warmup 1]
                      [--threads 1,2] [--models m2unet,m2unet_2048,...]
                      [--engines fsnn,fsnn-ref,onnxruntime,litert.js]
                      [--model NAME=PATH ...] [--out build/bench] [--no-setup]
    nn/tools/bench.py --summary build/bench [--firmware-log FILE]

Every engine/model/threads combination runs in its own process (so its peak
RSS is its own, read with wait4), one invoke at a time, `--warmup` invokes
then `--runs` timed ones; the table gives median and min ms, the ratio of
each engine's median to ONNX Runtime's and LiteRT.js's on the same model and
size, GMAC/s (the model's MACs as fsnn counts them / median) and peak RSS.
`build/bench/results.json` is a list of {"model", "size", "threads",
"engine", "median_ms", "min_ms", "gmac", "peak_rss_mb"}.

Engines:
  fsnn          build/bin/fsnn bench (default kernels)
  fsnn-ref      the same with FSNN_KERNELS=ref (reference kernels)
  onnxruntime   onnxruntime-node, CPU provider, on fsmodel's QDQ ONNX twin
                (M2U-Net only: the golden .tflite models have no ONNX twin)
  litert.js     LiteRT.js 2.5.3, wasm XNNPACK (tools/oracle's runtime)
The peers are npm packages installed into build/bench/node_modules by
nn/tools/bench_setup.sh (the network is needed for that install only; without
it those peers are skipped with a line saying so).

Models (default: all): m2unet (rbc_m2unet_int8_1024, the default model),
m2unet_2048 (the same network over a whole 2048x2048 FOV: `fsnn bench
--input-size 2048x2048`; if this fsnn has no --input-size, the same network
exported at 2048 by fsmodel), deeplabv3 (dm0.5, 513x513), mobilenetv2 (int8
1x3x224x224) and mobilenetv2_tf2 (tf2_mobilenet_v2_1.0_224_ptq). --model
NAME=PATH adds any .tflite (and NAME.onnx next to it, if any, for ONNX Runtime).

Speed is measured here, never asserted: the exit status is non-zero only for
usage errors or when nothing could be measured.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ENGINES = ["fsnn", "fsnn-ref", "onnxruntime", "litert.js"]
PEERS = ["onnxruntime", "litert.js"]


def say(msg=""):
    print(msg, flush=True)


def warn(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def golden(name):
    """A golden model from tests/vectors/golden, else ../shared."""
    for base in (os.path.join(TOP, "tests", "vectors", "golden"),
                 os.path.join(os.environ.get("FS_SHARED", os.path.join(TOP, "..", "shared")), "golden")):
        p = os.path.join(base, name, name + ".tflite")
        if os.path.isfile(p):
            return p
    return None


def default_models(out):
    m1024 = os.path.join(TOP, "nn", "models", "rbc_m2unet_int8_1024.tflite")
    onnx1024 = os.path.join(TOP, "nn", "models", "rbc_m2unet_int8_1024_qdq.onnx")
    return [
        dict(name="m2unet", tflite=m1024, onnx=onnx1024, size="1024x1024"),
        dict(name="m2unet_2048", tflite=m1024, resize="2048x2048", size="2048x2048",
             tflite_file=os.path.join(out, "rbc_m2unet_int8_2048.tflite"),
             onnx=os.path.join(out, "rbc_m2unet_int8_2048_qdq.onnx"), onnx_from=onnx1024),
        dict(name="deeplabv3", tflite=golden("deeplabv3_mnv2_dm05_pascal_quant"), size="513x513"),
        dict(name="mobilenetv2", tflite=golden("mobilenet_v2_quantized_1x3x224x224"), size="224x224"),
        dict(name="mobilenetv2_tf2", tflite=golden("tf2_mobilenet_v2_1.0_224_ptq"), size="224x224"),
    ]


class Popen4(subprocess.Popen):
    """Popen that reaps with os.wait4, keeping the child's peak RSS."""
    peak_rss_mb = 0.0

    def _try_wait(self, wait_flags):
        try:
            pid, sts, ru = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            pid, sts = self.pid, 0
        else:
            if pid == self.pid:
                self.peak_rss_mb = ru.ru_maxrss / 1024.0
        return (pid, sts)



def run4(cmd, env=None, timeout=None):
    t0 = time.time()
    try:
        p = Popen4(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    except OSError as e:
        return 127, "", str(e), 0.0
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        err += f"\ntimed out after {time.time() - t0:.0f} s"
    return p.returncode, out, err, p.peak_rss_mb


def loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None


class Fsnn:
    """What this fsnn binary's bench command supports (the CLI is growing):
    a flag counts as known if the usage names it or if `fsnn bench` does
    not refuse it as an unknown argument."""

    def __init__(self, path):
        self.path = path
        rc, out, err, _ = run4([path, "--help"])
        self.usage = out + err
        self.has_contexts = self.knows("bench", "--contexts", "1")
        self.has_input_size = self.knows("bench", "--input-size", "32x32")
        self.info_input_size = self.has_input_size and self.knows("info", "--input-size", "32x32")
        self.has_warmup = self.knows("bench", "--warmup", "1")
        self.has_json = self.knows("bench", "--json")

    def knows(self, cmd, flag, *value):
        if flag in self.usage.split(cmd, 1)[-1].split("fsnn ", 1)[0]:
            return True
        rc, out, err, _ = run4([self.path, cmd, "/nonexistent/bench-probe.tflite", flag, *value])
        msg = (out + err).lower()
        return not (flag in msg and re.search(r"unexpected|unknown|unrecogni[sz]ed|invalid option", msg))

    def gmac(self, model, resize=None):
        """GMAC per invoke as fsnn counts them; None if it cannot tell."""
        cmd = [self.path, "info", model, "--json"]
        if resize:
            if not self.info_input_size:
                return None
            cmd += ["--input-size", resize]
        rc, out, err, _ = run4(cmd)
        try:
            return json.loads(out)["macs"] / 1e9
        except (ValueError, KeyError, TypeError):
            return None

    def same_kernels(self, model):
        """True if `fsnn info` prints the same with FSNN_KERNELS=ref as without."""
        outs = []
        for ref in (False, True):
            env = {k: v for k, v in os.environ.items() if k != "FSNN_KERNELS"}
            if ref:
                env["FSNN_KERNELS"] = "ref"
            outs.append(subprocess.run([self.path, "info", model], capture_output=True, text=True,
                                       env=env).stdout)
        return outs[0] == outs[1]

    def bench(self, model, threads, runs, warmup, ref, resize, timeout):
        cmd = [self.path, "bench", model, "--threads", str(threads), "--runs", str(runs)]
        if warmup != 1 and self.has_warmup:
            cmd += ["--warmup", str(warmup)]
        if resize:
            cmd += ["--input-size", resize]
        if self.has_json:
            cmd += ["--json"]
        env = dict(os.environ)
        if ref:
            env["FSNN_KERNELS"] = "ref"
        else:
            env.pop("FSNN_KERNELS", None)
        rc, out, err, rss = run4(cmd, env=env, timeout=timeout)
        if rc < 0:
            return None, f"killed by signal {-rc}"
        if rc != 0:
            return None, (err.strip() or out.strip() or f"exit status {rc}").splitlines()[-1]
        d = last_json(out)
        if d is None:  # the text line of an fsnn without --json
            m = re.search(r"median ([0-9.eE+-]+) ms, min ([0-9.eE+-]+) ms", out)
            if not m:
                return None, f"cannot read fsnn bench output: {out.strip()[:200]}"
            d = dict(median_ms=float(m.group(1)), min_ms=float(m.group(2)))
        d["peak_rss_mb"] = rss or d.get("peak_rss_mb")
        return d, None


def node_cmd(script, model, threads, runs, warmup):
    cmd = ["node"]
    if script.endswith("litert_bench.mjs") and threads > 1:
        cmd.append("--experimental-wasm-relaxed-simd")  # the threaded build needs it
    return cmd + [script, model, "--threads", str(threads), "--runs", str(runs),
                  "--warmup", str(warmup), "--json"]


def peer(script, model, threads, runs, warmup, modules, timeout):
    env = dict(os.environ, BENCH_NODE_MODULES=modules)
    rc, out, err, rss = run4(node_cmd(script, model, threads, runs, warmup), env=env, timeout=timeout)
    d = last_json(out) if rc == 0 else None
    if d is None:
        lines = [l for l in (err.strip() or out.strip() or f"exit status {rc}").splitlines()
                 if not re.match(r"^(INFO|WARNING): ", l)]
        return None, (lines[-1] if lines else f"exit status {rc}")
    d["peak_rss_mb"] = rss or d.get("peak_rss_mb")
    return d, None


def fmt_ms(v):
    return "-" if v is None else (f"{v:.1f}" if v >= 10 else f"{v:.2f}")


def print_table(rows):
    hdr = (f"{'model':<16} {'size':<10} {'thr':>3} {'engine':<12} {'median ms':>10} {'min ms':>10} "
           f"{'/ ORT':>7} {'/ LiteRT':>8} {'GMAC/s':>7} {'peak MB':>8}")
    say(hdr)
    say("-" * len(hdr))
    key = lambda r: (r["model"], r["size"], r["threads"])
    by = {}
    for r in rows:
        by.setdefault(key(r), {})[r["engine"]] = r
    last_model = None
    for r in rows:
        peers = by[key(r)]
        ratio = lambda p: (f"{r['median_ms'] / peers[p]['median_ms']:.2f}x"
                           if p in peers and peers[p]["median_ms"] else "-")
        gs = f"{r['gmac'] / (r['median_ms'] / 1e3):.2f}" if r.get("gmac") and r["median_ms"] else "-"
        if last_model is not None and r["model"] != last_model:
            say("")
        last_model = r["model"]
        say(f"{r['model']:<16} {r['size']:<10} {r['threads']:>3} {r['engine']:<12} "
            f"{fmt_ms(r['median_ms']):>10} {fmt_ms(r['min_ms']):>10} {ratio('onnxruntime'):>7} "
            f"{ratio('litert.js'):>8} {gs:>7} {r['peak_rss_mb'] or 0:>8.0f}")


def setup_peers(out, engines):
    """Installs the npm peers (bench_setup.sh); False if they are unavailable."""
    if not any(e in PEERS for e in engines):
        return True
    rc = subprocess.call([os.path.join(TOP, "nn", "tools", "bench_setup.sh"), "--out", out])
    return rc == 0


def prepare_2048(spec, fsnn, out, engines, no_setup):
    """The 2048x2048 M2U-Net files: the ONNX twin with 2048 I/O (always
    cheap), and the .tflite exported at 2048 by fsmodel when LiteRT.js (or
    an fsnn without --input-size) needs it."""
    if "onnxruntime" in engines and not os.path.isfile(spec["onnx"]) and os.path.isfile(spec["onnx_from"]):
        subprocess.call(["/usr/bin/python3", os.path.join(TOP, "tools", "bench", "onnx_size.py"),
                         spec["onnx_from"], "--size", spec["resize"], "-o", spec["onnx"]])
    need_file = "litert.js" in engines or (not fsnn.has_input_size and
                                           any(e.startswith("fsnn") for e in engines))
    if need_file and not os.path.isfile(spec["tflite_file"]) and not no_setup:
        subprocess.call([os.path.join(TOP, "nn", "tools", "bench_setup.sh"), "--out", out,
                         "--m2unet-2048"])


def cmd_bench(a):
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    engines = a.engines.split(",")
    for e in engines:
        if e not in ENGINES:
            warn(f"unknown engine '{e}' (one of {', '.join(ENGINES)})")
            return 2
    threads = sorted({int(t) for t in a.threads.split(",")}) if a.threads else sorted({1, os.cpu_count() or 1})
    fsnn = Fsnn(os.path.abspath(a.fsnn))
    models = [] if a.model and not a.models else default_models(out)
    for spec in a.model or []:
        name, _, path = spec.partition("=")
        if not path:
            warn(f"--model takes NAME=PATH, got '{spec}'")
            return 2
        onnx = os.path.splitext(path)[0] + ".onnx"
        models.append(dict(name=name, tflite=os.path.abspath(path), size=None,
                           onnx=onnx if os.path.isfile(onnx) else None))
    if a.models:
        want = a.models.split(",")
        unknown = [w for w in want if w not in {m["name"] for m in models}]
        if unknown:
            warn(f"unknown model(s) {', '.join(unknown)} (known: {', '.join(m['name'] for m in models)})")
            return 2
        models = [m for m in models if m["name"] in want]

    modules = os.path.join(out, "node_modules")
    have_peers = True
    if any(e in PEERS for e in engines):
        if a.no_setup:
            have_peers = os.path.isdir(modules)
        else:
            have_peers = setup_peers(out, engines)
        if not have_peers:
            say("bench: ONNX Runtime and LiteRT.js are not installed (their npm install needs the "
                "network, see above): those peers are skipped")
    for m in models:
        if m.get("resize"):
            prepare_2048(m, fsnn, out, engines, a.no_setup)

    load = loadavg().split()
    say(f"== make bench: engines side by side; {a.runs} runs after {a.warmup} warm-up, one invoke "
        f"at a time; threads {','.join(map(str, threads))}; {os.cpu_count()} CPUs; "
        f"load {' '.join(load)} ==")
    if not fsnn.has_contexts and max(threads) > 1 and any(e.startswith("fsnn") for e in engines):
        say("bench: this fsnn has no intra-op threads yet (`fsnn bench` knows no --contexts, so "
            "--threads N still means N contexts): fsnn rows above 1 thread are skipped")
    if not fsnn.has_json:
        say("bench: this fsnn bench has no --json: reading its text line")
    if "fsnn" in engines and "fsnn-ref" in engines and models and models[0]["tflite"] \
            and fsnn.same_kernels(models[0]["tflite"]):
        say("bench: `fsnn info` shows the same kernels with and without FSNN_KERNELS=ref (no fast "
            "variants in this fsnn yet): the fsnn and fsnn-ref rows run the same code")

    rows, skipped = [], []
    t_start = time.time()
    for m in models:
        if not m["tflite"] or not os.path.isfile(m["tflite"]):
            skipped.append(f"{m['name']}: model file missing ({m['tflite']})")
            continue
        size = m["size"]
        resize = m.get("resize")
        # The .tflite fsnn and LiteRT.js run for this row.
        fsnn_model, fsnn_resize = m["tflite"], None
        if resize:
            if fsnn.has_input_size:
                fsnn_resize = resize
            else:
                fsnn_model = m["tflite_file"]
        lite_model = m.get("tflite_file", m["tflite"]) if resize else m["tflite"]
        gmac = fsnn.gmac(fsnn_model, fsnn_resize) if os.path.isfile(fsnn_model) else None
        if gmac is None and resize:
            # Same network at another size: from the exported file, else
            # scaled by area (exact for a fully convolutional network).
            if os.path.isfile(m["tflite_file"]):
                gmac = fsnn.gmac(m["tflite_file"])
            if gmac is None:
                base = fsnn.gmac(m["tflite"])
                h, w = (int(v) for v in resize.split("x"))
                bh, bw = (int(v) for v in m.get("base_size", "1024x1024").split("x"))
                gmac = base * h * w / (bh * bw) if base else None
        if size is None:
            try:
                info = json.loads(subprocess.run([fsnn.path, "info", m["tflite"], "--json"],
                                                 capture_output=True, text=True).stdout)
                sh = info["inputs"][0]["shape"]
                size = f"{sh[1]}x{sh[2]}" if len(sh) == 4 else "x".join(map(str, sh))
            except (ValueError, KeyError, IndexError):
                size = "?"
        for t in threads:
            for e in engines:
                tag = f"{m['name']} {size} {t} thread{'s' if t > 1 else ''} {e}"
                if e.startswith("fsnn"):
                    if t > 1 and not fsnn.has_contexts:
                        continue
                    if not os.path.isfile(fsnn_model):
                        skipped.append(f"{tag}: no --input-size in this fsnn and {fsnn_model} missing")
                        continue
                    d, err = fsnn.bench(fsnn_model, t, a.runs, a.warmup, e == "fsnn-ref",
                                        fsnn_resize, a.timeout)
                elif not have_peers:
                    continue
                elif e == "onnxruntime":
                    if not m.get("onnx"):
                        continue  # no ONNX twin for this model
                    if not os.path.isfile(m["onnx"]):
                        skipped.append(f"{tag}: {m['onnx']} missing")
                        continue
                    d, err = peer(os.path.join(TOP, "tools", "bench", "ort_bench.cjs"), m["onnx"], t,
                                  a.runs, a.warmup, modules, a.timeout)
                else:
                    if not os.path.isfile(lite_model):
                        skipped.append(f"{tag}: {lite_model} missing (fsmodel export --size 2048 failed?)")
                        continue
                    d, err = peer(os.path.join(TOP, "tools", "bench", "litert_bench.mjs"), lite_model, t,
                                  a.runs, a.warmup, modules, a.timeout)
                if d is None:
                    skipped.append(f"{tag}: {err}")
                    warn(f"{tag}: {err}")
                    continue
                row = dict(model=m["name"], size=size, threads=t, engine=e,
                           median_ms=round(d["median_ms"], 4), min_ms=round(d["min_ms"], 4),
                           gmac=round(gmac if gmac is not None else d.get("gmac") or 0, 6) or None,
                           peak_rss_mb=round(d.get("peak_rss_mb") or 0, 1))
                rows.append(row)
                say(f"  {tag}: median {fmt_ms(row['median_ms'])} ms, min {fmt_ms(row['min_ms'])} ms, "
                    f"peak {row['peak_rss_mb']:.0f} MB; load {loadavg()}")
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(rows, f, indent=1)
        f.write("\n")
    say("")
    if rows:
        print_table(rows)
    for s in skipped:
        say(f"bench: skipped {s}")
    say(f"bench: {len(rows)} measurements in {time.time() - t_start:.0f} s -> "
        f"{os.path.relpath(os.path.join(out, 'results.json'), os.getcwd())}")
    say("bench: / ORT and / LiteRT are this row's median over the peer's on the same model, size and "
        "threads (targets: fsnn <= 0.8x ORT on m2unet, <= 0.5x LiteRT on the golden models)")
    peak_line(out, rows)
    return 0 if rows else 1


def peak_line(out, rows):
    """The CPU's int8 ceiling on one core (tools/bench/peak.c: a register-only
    loop of the widest dot-product instruction), next to fsnn's best 1-thread
    GMAC/s on M2U-Net, measured in the same run."""
    src = os.path.join(TOP, "tools", "bench", "peak.c")
    exe = os.path.join(out, "peak")
    rc, _, err, _ = run4(["cc", "-O2", "-std=c11", "-D_GNU_SOURCE", "-o", exe, src])
    if rc != 0:
        warn(f"peak: cannot build {src}: {err.strip()[-200:]}")
        return
    rc, so, err, _ = run4([exe, "1"])
    d = last_json(so) if rc == 0 else None
    if not d:
        say(f"bench: peak: {(err or so).strip()[-200:]}")
        return
    peak = d["peak_gmac_per_s_one_core"]
    best = [r for r in rows if r["engine"] == "fsnn" and r["threads"] == 1 and r.get("gmac")
            and r["model"].startswith("m2unet")]
    msg = f"bench: CPU peak {peak:.1f} GMAC/s on one core ({d['isa']}, register-only loop)"
    if best:
        r = min(best, key=lambda r: r["median_ms"] / r["gmac"])
        rate = r["gmac"] / (r["median_ms"] / 1e3)
        msg += f"; fsnn {r['model']} {rate:.1f} GMAC/s = {100 * rate / peak:.0f} % of it"
    say(msg)


def cmd_summary(a):
    """After the firmware bench: its FOVs/minute next to pure inference."""
    out = os.path.abspath(a.summary)
    try:
        rows = json.load(open(os.path.join(out, "results.json")))
    except (OSError, ValueError):
        rows = []
    fw = None
    if a.firmware_log and os.path.isfile(a.firmware_log):
        for line in open(a.firmware_log, errors="replace"):
            m = re.search(r"bench: (\d+) FOVs of (\d+)x(\d+) in ([0-9.]+) s: ([0-9.]+) FOVs/min, "
                          r"inference ([0-9.]+) % of wall time", line)
            if m:
                fw = dict(fovs=int(m.group(1)), width=int(m.group(2)), height=int(m.group(3)),
                          wall_s=float(m.group(4)), fovs_per_min=float(m.group(5)),
                          inference_share=float(m.group(6)) / 100)
    say("== make bench summary ==")
    for thr in sorted({r["threads"] for r in rows}):
        for model in ("m2unet", "m2unet_2048"):
            line = []
            for e in ENGINES:
                r = next((r for r in rows if r["model"] == model and r["threads"] == thr and r["engine"] == e), None)
                if r:
                    line.append(f"{e} {fmt_ms(r['median_ms'])} ms")
            if line:
                say(f"  {model:<12} {thr} thread{'s' if thr > 1 else ' '}: " + ", ".join(line))
    # Pure inference per 2048x2048 FOV from the fsnn M2U-Net rows: one
    # 2048 pass, or nine 1024 tiles (the firmware's tiling of a 2048 FOV).
    best = None
    for model, tiles, how in (("m2unet_2048", 1, "one 2048x2048 pass"),
                              ("m2unet", 9, "nine 1024x1024 tiles")):
        cand = [r for r in rows if r["model"] == model and r["engine"] in ("fsnn", "fsnn-ref")]
        if not cand:
            continue
        r = min(cand, key=lambda r: r["median_ms"])
        fov_ms = tiles * r["median_ms"]
        say(f"  pure inference, {how}: {fov_ms / 1e3:.2f} s per 2048x2048 FOV = "
            f"{60e3 / fov_ms:.2f} FOVs/min ({r['engine']}, {r['threads']} thread"
            f"{'s' if r['threads'] > 1 else ''})")
        if best is None or fov_ms < best[0]:
            best = (fov_ms, how)
    if fw:
        say(f"  firmware: {fw['fovs_per_min']:.2f} FOVs/min on {fw['width']}x{fw['height']} "
            f"({fw['fovs']} FOVs in {fw['wall_s']:.1f} s), inference {fw['inference_share'] * 100:.1f} % "
            "of wall time")
        if best:
            say(f"  whole loop / fastest pure inference ({best[1]}): "
                f"{fw['fovs_per_min'] / (60e3 / best[0]) * 100:.0f} % (target >= 90 %; the firmware "
                "tiles as its config says, and the two ran at different moments on a shared machine)")
        with open(os.path.join(out, "firmware.json"), "w") as f:
            json.dump(fw, f, indent=1)
            f.write("\n")
    else:
        say("  firmware: no FOVs/min line found (did board/sim/bench.sh run?)")
    return 0


def main():
    ap = argparse.ArgumentParser(
        description="make bench: fsnn, ONNX Runtime and LiteRT.js side by side (see the module doc).",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--fsnn", help="the fsnn binary (build/bin/fsnn)")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 10)),
                    help="timed invokes per measurement (default 10, env BENCH_RUNS)")
    ap.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", 1)),
                    help="untimed invokes first (default 1, env BENCH_WARMUP)")
    ap.add_argument("--threads", default=os.environ.get("BENCH_THREADS"),
                    help="comma-separated thread counts (default 1 and nproc, env BENCH_THREADS)")
    ap.add_argument("--models", default=os.environ.get("BENCH_MODELS"),
                    help="comma-separated subset of the models (env BENCH_MODELS)")
    ap.add_argument("--engines", default=os.environ.get("BENCH_ENGINES", ",".join(ENGINES)),
                    help="comma-separated engines (default all, env BENCH_ENGINES)")
    ap.add_argument("--model", action="append", metavar="NAME=PATH", help="an extra .tflite model")
    ap.add_argument("--out", default=os.path.join(TOP, "build", "bench"), help="output folder")
    ap.add_argument("--no-setup", action="store_true",
                    help="install nothing (peers run only if build/bench/node_modules exists)")
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("BENCH_TIMEOUT", 7200)),
                    help="seconds per measurement before it is abandoned (default 7200)")
    ap.add_argument("--summary", metavar="OUTDIR", help="print the summary after the firmware bench")
    ap.add_argument("--firmware-log", help="output of board/sim/bench.sh, for --summary")
    a = ap.parse_args()
    if a.summary:
        return cmd_summary(a)
    if not a.fsnn:
        ap.error("--fsnn is required")
    if a.runs < 1 or a.warmup < 0:
        ap.error("--runs must be >= 1 and --warmup >= 0")
    if not os.access(a.fsnn, os.X_OK):
        warn(f"{a.fsnn} is not an executable (run make first)")
        return 2
    return cmd_bench(a)


if __name__ == "__main__":
    sys.exit(main())
