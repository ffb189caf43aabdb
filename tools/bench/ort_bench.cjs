#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// make bench peer: times an ONNX model in ONNX Runtime (onnxruntime-node,
// native CPU execution provider), one run at a time.
//
//   node ort_bench.cjs MODEL.onnx [--threads N] [--runs R] [--warmup W] [--json]
//
// intra-op threads = N, inter-op threads = 1, sequential execution, all
// graph optimisations (ORT fuses the QDQ pairs of fsmodel's int8 twin into
// integer kernels). Inputs are fixed pseudo-random bytes (uint8/int8) or
// small floats. Packages come from BENCH_NODE_MODULES (default
// build/bench/node_modules, installed by nn/tools/bench_setup.sh).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const top = path.resolve(__dirname, '..', '..');
const modules = process.env.BENCH_NODE_MODULES || path.join(top, 'build', 'bench', 'node_modules');

function usage(msg) {
  const text = 'usage: node ort_bench.cjs MODEL.onnx [--threads N] [--runs R] [--warmup W] [--json]\n' +
               '  times one run at a time in ONNX Runtime (CPU provider); packages from\n' +
               '  $BENCH_NODE_MODULES (default build/bench/node_modules)\n';
  if (msg === null) { process.stdout.write(text); process.exit(0); }
  process.stderr.write(`ort_bench.cjs: ${msg}\n${text}`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let model = null, threads = 1, runs = 10, warmup = 1, json = false;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const num = () => {
    const v = Number(argv[++i]);
    if (!Number.isInteger(v) || v < 0) usage(`${a} takes a whole number, got '${argv[i]}'`);
    return v;
  };
  if (a === '-h' || a === '--help') usage(null);
  else if (a === '--threads') threads = num();
  else if (a === '--runs') runs = num();
  else if (a === '--warmup') warmup = num();
  else if (a === '--json') json = true;
  else if (a.startsWith('-') || model) usage(`unexpected argument '${a}'`);
  else model = a;
}
if (!model) usage('MODEL is missing');
if (threads < 1 || runs < 1) usage('--threads and --runs must be at least 1');

let ort;
try {
  ort = require(path.join(modules, 'onnxruntime-node'));
} catch (e) {
  process.stderr.write(`ort_bench.cjs: cannot load onnxruntime-node from ${modules} ` +
                       `(run nn/tools/bench_setup.sh): ${e.message}\n`);
  process.exit(1);
}

function fail(msg) {
  process.stderr.write(`ort_bench.cjs: ${model}: ${msg}\n`);
  process.exit(1);
}

const dims = (d) => d.map((x) => (typeof x === 'number' && x > 0 ? x : 1));

async function main() {
  let sess;
  try {
    sess = await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1,
      executionMode: 'sequential', graphOptimizationLevel: 'all'});
  } catch (e) {
    fail(`cannot load: ${e.message}`);
  }
  const feeds = {};
  let seed = 12345;
  const meta = sess.inputMetadata || [];
  for (let i = 0; i < sess.inputNames.length; i++) {
    const name = sess.inputNames[i];
    const md = meta[i] || {};
    if (!md.isTensor || !md.shape) fail(`cannot read the shape of input '${name}'`);
    const shape = dims(md.shape);
    const n = shape.reduce((a, b) => a * b, 1);
    const Arr = {uint8: Uint8Array, int8: Int8Array, float32: Float32Array}[md.type];
    if (!Arr) fail(`input '${name}' has type ${md.type}; only uint8, int8 and float32 are filled`);
    const data = new Arr(n);
    for (let b = 0; b < n; b++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const v = (seed >>> 16) & 0xff;
      data[b] = md.type === 'float32' ? (b % 17) / 17 : md.type === 'int8' ? v - 128 : v;
    }
    feeds[name] = new ort.Tensor(md.type, data, shape);
  }
  for (let i = 0; i < warmup; i++) await sess.run(feeds);
  const ms = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    await sess.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const n = ms.length;
  const median = n % 2 ? ms[(n - 1) / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  const res = {engine: 'onnxruntime', version: ort.env.versions.common, threads, runs, warmup,
               median_ms: median, min_ms: ms[0], max_ms: ms[n - 1],
               peak_rss_mb: process.resourceUsage().maxRSS / 1024};
  if (json) process.stdout.write(JSON.stringify(res) + '\n');
  else process.stdout.write(`${model}: ONNX Runtime ${res.version} ${threads} thread(s) x ${runs} ` +
                            `runs: median ${median.toFixed(2)} ms, min ${ms[0].toFixed(2)} ms\n`);
}
main().catch((e) => fail(e && e.message ? e.message : String(e)));
