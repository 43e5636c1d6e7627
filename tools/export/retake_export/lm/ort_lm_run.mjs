// Runs an exported LM graph (append cache layout, float32 cache) on onnxruntime-node for the exporter's quality gate
// (Debian's Python has no onnxruntime). Reads JSON on stdin:
//   {"model": PATH, "threads": N, "logitsOut": PATH,
//    "runs": [{"prompt": [ids], "steps": S, "forced": [ids] | null, "guard": {"window": W, "maxCount": C} | null}]}
// Per run: the prompt is fed in chunks, then S ids are chosen one at a time — `forced[i]` when given (teacher
// forcing), else the argmax of the logits after the repetition guard (the reference's: the last id is banned when it
// occurs more than C times in the last W ids, prompt included) — and every id but the last is fed back. The logits
// row before each choice (S rows per run) is appended to logitsOut as little-endian float32. Writes
// {"runs": [{"ids": [...]}], "rows": R, "loadMs": T, "stepMs": T} to stdout.
import { openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const PREFILL_CHUNK = 64;

const req = JSON.parse(readFileSync(0, 'utf8'));
const t0 = performance.now();
const session = await ort.InferenceSession.create(req.model, {
  intraOpNumThreads: req.threads ?? 1,
  logSeverityLevel: 3,
});
const loadMs = performance.now() - t0;
const pastNames = session.inputNames.filter((n) => n.startsWith('past_'));
const layers = pastNames.length / 2;
const meta = session.inputMetadata.find?.((m) => m.name === 'past_key_0');
const [, groups, headDim] = meta && meta.isTensor ? meta.shape : [0, 0, 0];
if (meta && meta.isTensor && meta.type !== 'float32') throw new Error(`the runner handles a float32 cache, not ${meta.type}`);
const row = groups * headDim;
const out = openSync(req.logitsOut, 'w');
const topK = new ort.Tensor('int64', BigInt64Array.from([1n]), [1]);
let rows = 0;
let stepMs = 0;
let steps = 0;
const results = [];

function banned(history, guard) {
  if (!guard || history.length < guard.window) return -1;
  const last = history[history.length - 1];
  let n = 0;
  for (let i = history.length - guard.window; i < history.length; i++) if (history[i] === last) n++;
  return n > guard.maxCount ? last : -1;
}

for (const run of req.runs) {
  let cache = Array.from({ length: 2 * layers }, () => new Float32Array(0));
  let len = 0;
  const feed = async (ids) => {
    const feeds = { input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]), top_k: topK };
    for (let l = 0; l < layers; l++) {
      feeds[`past_key_${l}`] = new ort.Tensor('float32', cache[2 * l], [len, groups, headDim]);
      feeds[`past_value_${l}`] = new ort.Tensor('float32', cache[2 * l + 1], [len, groups, headDim]);
    }
    const r = await session.run(feeds);
    cache = cache.map((c, i) => {
      const add = r[`new_${i % 2 ? 'value' : 'key'}_${i >> 1}`].data;
      const next = new Float32Array(c.length + add.length);
      next.set(c);
      next.set(add, c.length);
      return next;
    });
    len += ids.length;
    if (cache[0].length !== len * row) throw new Error('cache rows do not match the fed ids');
    return r.logits.data;
  };
  let logits;
  for (let at = 0; at < run.prompt.length; at += PREFILL_CHUNK) logits = await feed(run.prompt.slice(at, at + PREFILL_CHUNK));
  const history = [...run.prompt];
  const ids = [];
  for (let s = 0; s < run.steps; s++) {
    writeSync(out, new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength));
    rows++;
    let id;
    if (run.forced) id = run.forced[s];
    else {
      const ban = banned(history, run.guard);
      id = -1;
      for (let v = 0; v < logits.length; v++) if (v !== ban && (id < 0 || logits[v] > logits[id])) id = v;
    }
    ids.push(id);
    history.push(id);
    if (s < run.steps - 1) {
      const t = performance.now();
      logits = await feed([id]);
      stepMs += performance.now() - t;
      steps++;
    }
  }
  results.push({ ids });
}
closeSync(out);
await session.release();
process.stdout.write(JSON.stringify({ runs: results, rows, loadMs, stepMs: steps ? stepMs / steps : 0 }));
