#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""op_bisect — find the first operator whose output differs between fsnn and
the LiteRT oracle (tools/oracle/run.mjs).

For each op k (in order), the model's first graph output is repointed at op
k's first output tensor (a 4-byte patch of the subgraph's outputs vector),
both runtimes run the patched model on the same input, and the raw outputs
are compared. Stops at the first op that differs unless --all is given.

    nn/tools/op_bisect.py MODEL.tflite IN0.bin [--fsnn build/bin/fsnn] [--ops 3,7] [--all]

Developer tool (needs Node and tools/oracle/setup.sh); tests never run it.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class Flat:
    """Just enough FlatBuffers reading to find tables and vectors."""

    def __init__(self, buf):
        self.buf = buf

    def u32(self, p):
        return struct.unpack_from("<I", self.buf, p)[0]

    def i32(self, p):
        return struct.unpack_from("<i", self.buf, p)[0]

    def field(self, table, fid):
        vt = table - self.i32(table)
        vt_size = struct.unpack_from("<H", self.buf, vt)[0]
        if 4 + 2 * fid >= vt_size:
            return None
        off = struct.unpack_from("<H", self.buf, vt + 4 + 2 * fid)[0]
        return table + off if off else None

    def deref(self, p):
        return p + self.u32(p)

    def vec_i32(self, p):
        return [self.i32(p + 4 + 4 * j) for j in range(self.u32(p))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("input", help="raw input bytes (one input models)")
    ap.add_argument("--fsnn", default=os.path.join(TOP, "build", "bin", "fsnn"))
    ap.add_argument("--ops", help="comma-separated op indices to check (default: all in order)")
    ap.add_argument("--all", action="store_true", help="do not stop at the first difference")
    a = ap.parse_args()

    buf = open(a.model, "rb").read()
    fb = Flat(buf)
    root = fb.deref(0)
    subgraph = fb.deref(fb.deref(fb.field(root, 2)) + 4)       # Model.subgraphs[0]
    outputs_vec = fb.deref(fb.field(subgraph, 2))               # SubGraph.outputs
    ops_vec = fb.deref(fb.field(subgraph, 3))                   # SubGraph.operators
    nops = fb.u32(ops_vec)
    ks = [int(k) for k in a.ops.split(",")] if a.ops else range(nops)

    work = tempfile.mkdtemp(prefix="op_bisect-")
    jobs = []
    for k in ks:
        op = fb.deref(ops_vec + 4 + 4 * k)
        tensor = fb.vec_i32(fb.deref(fb.field(op, 2)))[0]       # Operator.outputs[0]
        patched = bytearray(buf)
        struct.pack_into("<i", patched, outputs_vec + 4, tensor)
        path = os.path.join(work, f"op{k}.tflite")
        with open(path, "wb") as f:
            f.write(patched)
        jobs.append({"model": path, "inputs": [a.input],
                     "outputs": [os.path.join(work, f"op{k}.oracle.bin")]})
    with open(os.path.join(work, "jobs.json"), "w") as f:
        json.dump(jobs, f)
    subprocess.run(["node", os.path.join(TOP, "tools", "oracle", "run.mjs"), "--batch",
                    os.path.join(work, "jobs.json")], check=True, stdout=subprocess.DEVNULL)

    for k in ks:
        path = os.path.join(work, f"op{k}.tflite")
        r = subprocess.run([a.fsnn, "run", path, a.input, os.path.join(work, f"op{k}.fsnn")],
                           capture_output=True, text=True)
        if r.returncode:
            print(f"op {k}: fsnn failed: {r.stderr.strip()}")
            continue
        got = open(os.path.join(work, f"op{k}.fsnn.0.bin"), "rb").read()
        want = open(os.path.join(work, f"op{k}.oracle.bin"), "rb").read()
        differ = sum(1 for x, y in zip(got, want) if x != y)
        info = json.loads(subprocess.run([a.fsnn, "info", path, "--json"], capture_output=True,
                                         text=True).stdout)
        size = "" if len(got) == len(want) else f" (sizes {len(got)} vs {len(want)})"
        print(f"op {k} {info['ops'][k]['name']}: {differ} of {len(got)} bytes differ{size}")
        if (differ or size) and not a.all and not a.ops:
            break
    print(f"(patched models and outputs in {work})", file=sys.stderr)


if __name__ == "__main__":
    main()
