// Test helper for the exporter's Python tests (no onnxruntime for Debian's Python): runs an ONNX graph on
// onnxruntime-node. Reads JSON on stdin: {"model": PATH, "runs": [{"inputs": {NAME: TENSOR}}...], "carry": {IN: OUT}}
// where TENSOR = {"dtype": "float32"|"int64"|"int32", "dims": [...], "b64": little-endian bytes}. Before every run
// after the first, each input named in "carry" takes the previous run's output of the given name. Writes
// {"runs": [{"outputs": {NAME: TENSOR}}...]} to stdout.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const ARRAYS = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array };

function decode(t) {
  const buf = Buffer.from(t.b64, 'base64');
  const A = ARRAYS[t.dtype];
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new ort.Tensor(t.dtype, new A(copy.buffer), t.dims);
}
function encode(t) {
  const d = t.data;
  return { dtype: t.type, dims: [...t.dims], b64: Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64') };
}

const req = JSON.parse(readFileSync(0, 'utf8'));
const session = await ort.InferenceSession.create(req.model, { intraOpNumThreads: 1 });
const out = [];
let prev = null;
for (const run of req.runs) {
  const feeds = {};
  for (const [name, t] of Object.entries(run.inputs)) feeds[name] = decode(t);
  if (prev) for (const [input, output] of Object.entries(req.carry ?? {})) feeds[input] = prev[output];
  prev = await session.run(feeds);
  out.push({ outputs: Object.fromEntries(Object.entries(prev).map(([k, v]) => [k, encode(v)])) });
}
process.stdout.write(JSON.stringify({ runs: out }));
