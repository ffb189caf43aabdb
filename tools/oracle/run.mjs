#!/usr/bin/env node
// SPDX-License-Identifier: BSD-3-Clause
// fieldscope oracle: runs .tflite models through LiteRT.js (@litertjs/core,
// Google's TFLite runtime compiled to WebAssembly; CPU path = XNNPACK) in
// plain Node and writes raw output bytes. Developer tool: make test never
// needs it. Set up with tools/oracle/setup.sh.
//
//   node run.mjs MODEL.tflite IN0.bin[,IN1.bin...] OUTPREFIX   -> OUTPREFIX.0.bin ...
//   node run.mjs --batch JOBS.json
//        JOBS.json: [{"model": "...", "inputs": ["..."], "outputs": ["out0.bin", ...]}, ...]
//        runs every job in one process (one wasm start-up) and prints one
//        JSON line per job: {"job": i, "ok": true} or {"job": i, "ok": false, "error": "..."}.
//   --info  prints input/output dtypes and shapes to stderr.
//
// Why the embind layer: the public Tensor API only handles float32, int32
// and uint8; test vectors need int8, int64 and friends, so buffers are
// created and filled through LiteRtTensorBuffer directly.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import {createRequire} from 'node:module';

const here = path.dirname(new URL(import.meta.url).pathname);
const wasmDir = path.join(here, 'node_modules', '@litertjs', 'core', 'wasm');
const require = createRequire(import.meta.url);

function usage(msg) {
  if (msg) console.error(`run.mjs: ${msg}`);
  console.error('usage: node run.mjs MODEL.tflite IN0.bin[,IN1.bin] OUTPREFIX [--info]\n' +
                '       node run.mjs --batch JOBS.json [--info]');
  process.exit(2);
}

const argv = process.argv.slice(2);
const info = argv.includes('--info');
const args = argv.filter((a) => a !== '--info');
let jobs;
if (args[0] === '--batch') {
  if (args.length !== 2) usage('--batch takes one JSON file');
  jobs = JSON.parse(fs.readFileSync(args[1], 'utf8'));
} else {
  if (args.length !== 3) usage('expected MODEL INPUTS OUTPREFIX');
  const [model, ins, prefix] = args;
  jobs = [{model, inputs: ins ? ins.split(',') : [], outputs: null, prefix}];
}
if (!fs.existsSync(wasmDir)) usage(`${wasmDir} missing: run tools/oracle/setup.sh first`);

// The package is written for browsers; give its loader what it expects.
globalThis.self = globalThis;
globalThis.importScripts = (file) => {
  globalThis.require = require;
  globalThis.__dirname = wasmDir;
  globalThis.__filename = file;
  vm.runInThisContext(fs.readFileSync(file, 'utf8'), {filename: file});
};
// Keep the runtime's INFO/WARNING chatter (and WebGPU probing) off stderr.
// The runtime reports prepare failures only as "ERROR: ..." log lines (run()
// still returns buffers), so those lines are collected and fail the job.
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

const lrt = await import('@litertjs/core');
const rt = await lrt.loadLiteRt(wasmDir + '/');
const w = rt.liteRtWasm;
const env = rt.getDefaultEnvironment();
const typeName = {};
for (const [k, v] of Object.entries(w.ElementType || {}))
  if (v && typeof v.value === 'number') typeName[v.value] = k;

function describe(tensorType) {
  const layout = tensorType.layout();
  const dims = layout.dimensions();
  const shape = [];
  for (let i = 0; i < dims.size(); i++) shape.push(dims.get(i));
  dims.delete();
  layout.delete();
  const et = tensorType.elementType().value;
  return {dtype: typeName[et] ?? String(et), shape, bytes: tensorType.bytes()};
}

async function runJob(job) {
  runtimeErrors = [];
  const bytes = fs.readFileSync(job.model);
  const ptr = w._malloc(bytes.byteLength);
  w.HEAPU8.set(bytes, ptr);
  const owned = [];
  try {
    const model = w.loadModel(env.liteRtEnvironment, ptr, bytes.byteLength);
    owned.push(model);
    // One thread: the vectors must not depend on the machine.
    const compiled = await w.compileModel(env.liteRtEnvironment, model, {
      environment: env, accelerator: 'wasm', cpuOptions: {numThreads: 1},
      gpuOptions: {}, webNNOptions: {}});
    owned.push(compiled);
    if (runtimeErrors.length) throw new Error(runtimeErrors.join(' | '));
    const sig = model.getSignature(0);
    const nIn = sig.inputNames().size();
    const nOut = sig.outputNames().size();
    if (job.inputs.length !== nIn)
      throw new Error(`${job.model}: model has ${nIn} inputs, ${job.inputs.length} files given`);
    if (job.outputs && job.outputs.length !== nOut)
      throw new Error(`${job.model}: model has ${nOut} outputs, ${job.outputs.length} paths given`);
    const inBufs = [];
    for (let i = 0; i < nIn; i++) {
      const tt = model.getInputTensorType(0, i);
      const d = describe(tt);
      const data = fs.readFileSync(job.inputs[i]);
      if (data.byteLength !== d.bytes)
        throw new Error(`${job.inputs[i]}: ${data.byteLength} bytes, input ${i} ` +
                        `(${d.dtype} [${d.shape}]) needs ${d.bytes}`);
      const tb = w.LiteRtTensorBuffer.createManaged(
          env.liteRtEnvironment, w.LiteRtTensorBufferType.HOST_MEMORY, tt, d.bytes);
      const p = tb.lock(w.LiteRtTensorBufferLockMode.WRITE);
      w.HEAPU8.set(data, p);
      tb.unlock();
      tt.delete();
      inBufs.push(tb);
      owned.push(tb);
      if (info) console.error(`input ${i}: ${d.dtype} [${d.shape}] ${d.bytes} B`);
    }
    const outs = await compiled.run(0, inBufs);
    if (runtimeErrors.length) throw new Error(runtimeErrors.join(' | '));
    for (let i = 0; i < outs.length; i++) {
      const o = outs[i];
      owned.push(o);
      const tt = o.tensorType();
      const d = describe(tt);
      tt.delete();
      const p = o.lock(w.LiteRtTensorBufferLockMode.READ);
      const data = w.HEAPU8.slice(p, p + o.packedSize());
      o.unlock();
      const dest = job.outputs ? job.outputs[i] : `${job.prefix}.${i}.bin`;
      fs.writeFileSync(dest, data);
      if (info) console.error(`output ${i}: ${d.dtype} [${d.shape}] ${data.byteLength} B`);
    }
  } finally {
    for (const o of owned.reverse()) { try { o.delete(); } catch (e) { /* already gone */ } }
    // The model bytes stay allocated until exit, so no later model in a
    // batch reuses their address (cheap insurance against caches keyed by
    // weight pointers).
  }
}

let failed = 0;
for (let i = 0; i < jobs.length; i++) {
  try {
    await runJob(jobs[i]);
    if (args[0] === '--batch') console.log(JSON.stringify({job: i, ok: true}));
  } catch (e) {
    failed++;
    const msg = String(e && e.message ? e.message : e);
    if (args[0] === '--batch') console.log(JSON.stringify({job: i, ok: false, error: msg}));
    else console.error(`run.mjs: ${jobs[i].model}: ${msg}`);
  }
}
process.exit(failed ? 1 : 0);
