#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// make bench peer: times a .tflite model in LiteRT.js (@litertjs/core 2.5.3,
// TFLite compiled to WebAssembly; CPU path = XNNPACK), the same runtime as
// the oracle (tools/oracle/run.mjs), in plain Node.
//
//   node litert_bench.mjs MODEL.tflite [--threads N] [--runs R] [--warmup W] [--json]
//
// One invoke at a time on fixed pseudo-random inputs; prints median and min
// ms per invoke (one JSON line with --json). --threads 1 uses the
// single-threaded SIMD build; N > 1 needs the threaded build, which only runs
// with relaxed SIMD: nn/tools/bench.py starts Node with
// --experimental-wasm-relaxed-simd for it (Node 20). Packages come from
// BENCH_NODE_MODULES (default build/bench/node_modules, see
// nn/tools/bench_setup.sh). Errors go to stderr with a non-zero status.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import {createRequire} from 'node:module';

const here = path.dirname(new URL(import.meta.url).pathname);
const top = path.resolve(here, '..', '..');
const modules = process.env.BENCH_NODE_MODULES || path.join(top, 'build', 'bench', 'node_modules');

function usage(msg) {
  const text = 'usage: node litert_bench.mjs MODEL.tflite [--threads N] [--runs R] [--warmup W] [--json]\n' +
               '  times one invoke at a time in LiteRT.js (wasm XNNPACK); packages from\n' +
               '  $BENCH_NODE_MODULES (default build/bench/node_modules)\n';
  if (msg === null) { process.stdout.write(text); process.exit(0); }
  console.error(`litert_bench.mjs: ${msg}\n${text}`);
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
const pkgWasm = path.join(modules, '@litertjs', 'core', 'wasm');
if (!fs.existsSync(pkgWasm)) {
  console.error(`litert_bench.mjs: ${pkgWasm} missing: run nn/tools/bench_setup.sh first`);
  process.exit(1);
}
const require = createRequire(path.join(modules, 'x.js'));

// The threaded build starts pthreads as worker_threads that require() the
// glue file, so it must sit in a CommonJS folder; the package is ESM.
let wasmDir = pkgWasm;
if (threads > 1) {
  wasmDir = path.join(modules, '..', 'litert_wasm_cjs');
  fs.mkdirSync(wasmDir, {recursive: true});
  for (const f of fs.readdirSync(pkgWasm)) {
    const dst = path.join(wasmDir, f);
    if (!fs.existsSync(dst) || fs.statSync(dst).size !== fs.statSync(path.join(pkgWasm, f)).size)
      fs.copyFileSync(path.join(pkgWasm, f), dst);
  }
  fs.writeFileSync(path.join(wasmDir, 'package.json'), '{"type": "commonjs"}\n');
  globalThis.navigator ??= {hardwareConcurrency: threads};
}

// The package is written for browsers; give its loader what it expects
// (the same shims as tools/oracle/run.mjs).
globalThis.self = globalThis;
globalThis.importScripts = (file) => {
  globalThis.require = require;
  globalThis.__dirname = wasmDir;
  globalThis.__filename = file;
  vm.runInThisContext(fs.readFileSync(file, 'utf8'), {filename: file});
};
let runtimeErrors = [];
for (const k of ['error', 'warn', 'info', 'log']) {
  const orig = console[k].bind(console);
  console[k] = (...a) => {
    const s = String(a[0]);
    if (/^(INFO|WARNING): /.test(s) || s.includes('WebGPU')) return;
    if (/^ERROR/.test(s)) { runtimeErrors.push(s.trim()); return; }
    orig(...a);
  };
}

function fail(msg) {
  process.stderr.write(`litert_bench.mjs: ${model}: ${msg}\n`);
  process.exit(1);
}

const lrt = await import(path.join(modules, '@litertjs', 'core', 'dist', 'index.js'));
let rt;
try {
  rt = await lrt.loadLiteRt(wasmDir + '/', threads > 1 ? {threads: true} : undefined);
} catch (e) {
  fail(`cannot load LiteRT.js with ${threads} threads: ${e.message || e}` +
       (threads > 1 ? ' (the threaded build needs node --experimental-wasm-relaxed-simd)' : ''));
}
const w = rt.liteRtWasm;
const env = rt.getDefaultEnvironment();

const bytes = fs.readFileSync(model);
const ptr = w._malloc(bytes.byteLength);
w.HEAPU8.set(bytes, ptr);
const m = w.loadModel(env.liteRtEnvironment, ptr, bytes.byteLength);
const compiled = await w.compileModel(env.liteRtEnvironment, m, {
  environment: env, accelerator: 'wasm', cpuOptions: {numThreads: threads},
  gpuOptions: {}, webNNOptions: {}});
if (runtimeErrors.length) fail(runtimeErrors.join(' | '));
const sig = m.getSignature(0);
const nIn = sig.inputNames().size();
const inBufs = [];
let seed = 12345;
for (let i = 0; i < nIn; i++) {
  const tt = m.getInputTensorType(0, i);
  const n = tt.bytes();
  const tb = w.LiteRtTensorBuffer.createManaged(
      env.liteRtEnvironment, w.LiteRtTensorBufferType.HOST_MEMORY, tt, n);
  const p = tb.lock(w.LiteRtTensorBufferLockMode.WRITE);
  // Fixed pseudo-random bytes, as fsnn bench uses (8-bit inputs).
  for (let b = 0; b < n; b++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    w.HEAPU8[p + b] = (seed >>> 16) & 0xff;
  }
  tb.unlock();
  tt.delete();
  inBufs.push(tb);
}

async function invoke() {
  const outs = await compiled.run(0, inBufs);
  for (const o of outs) o.delete();
}
for (let i = 0; i < warmup; i++) await invoke();
if (runtimeErrors.length) fail(runtimeErrors.join(' | '));
const ms = [];
for (let r = 0; r < runs; r++) {
  const t0 = process.hrtime.bigint();
  await invoke();
  ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
ms.sort((a, b) => a - b);
const n = ms.length;
const median = n % 2 ? ms[(n - 1) / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
const res = {engine: 'litert.js', threads, runs, warmup, median_ms: median, min_ms: ms[0],
             max_ms: ms[n - 1], peak_rss_mb: process.resourceUsage().maxRSS / 1024};
if (json) process.stdout.write(JSON.stringify(res) + '\n');
else process.stdout.write(`${model}: LiteRT.js ${threads} thread(s) x ${runs} runs: median ` +
                          `${median.toFixed(2)} ms, min ${ms[0].toFixed(2)} ms\n`);
process.exit(0);
