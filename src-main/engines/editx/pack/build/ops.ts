// The transforms a weight map may ask for between the published tensors and an initializer: transpose, reshape,
// concat, slice and the weight-norm fold, on fp32 values (every float type widens exactly), and the weight-only
// quantization of a matrix into MatMulNBits' inputs (done by the builder in bands of rows), plus the output shape of
// a chain of them (checked against the template before anything is read). The LM's transposes take a faster path in
// the builder (raw elements, banded); this general form serves the small tensors of the other parts.

import { bf16ToF16Tables, elementCount, type Dtype, type Overflow } from './dtypes';
import type { WeightOp } from './template';

export interface Tensor32 {
  shape: number[];
  data: Float32Array;
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** The shape of one MatMulNBits input made from an (n, k) checkpoint matrix (../quantize.ts). */
export function matmulNBitsShape(n: number, k: number, op: Extract<WeightOp, { op: 'matmulnbits' }>): number[] {
  const blocks = Math.ceil(k / op.blockSize);
  if (op.output === 'b') return [n, blocks, (op.blockSize * op.bits) / 8];
  if (op.output === 'scales') return [n, blocks];
  return [n, Math.ceil((blocks * op.bits) / 8)];
}

/** The shape after the ops, or a sentence saying why they do not apply to these input shapes. */
export function opsOutputShape(inputs: readonly (readonly number[])[], ops: readonly WeightOp[]): number[] | string {
  let shapes = inputs.map((s) => [...s]);
  for (const op of ops) {
    const one = shapes.length === 1 ? shapes[0]! : null;
    switch (op.op) {
      case 'transpose':
        if (!one || op.perm.length !== one.length || [...op.perm].sort().some((p, i) => p !== i)) return `transpose ${JSON.stringify(op.perm)} does not fit [${shapes.join('], [')}]`;
        shapes = [op.perm.map((p) => one[p]!)];
        break;
      case 'reshape':
        if (!one || elementCount(one) !== elementCount(op.shape)) return `reshape to [${op.shape.join(', ')}] does not fit [${shapes.join('], [')}]`;
        shapes = [[...op.shape]];
        break;
      case 'concat': {
        const first = shapes[0];
        if (!first || op.axis >= first.length || shapes.some((s) => s.length !== first.length || s.some((d, i) => i !== op.axis && d !== first[i]))) {
          return `concat on axis ${op.axis} does not fit [${shapes.join('], [')}]`;
        }
        const out = [...first];
        out[op.axis] = shapes.reduce((a, s) => a + s[op.axis]!, 0);
        shapes = [out];
        break;
      }
      case 'slice':
        if (!one || op.axis >= one.length || op.end > one[op.axis]! || op.start > op.end) return `slice ${op.start}:${op.end} on axis ${op.axis} does not fit [${shapes.join('], [')}]`;
        shapes = [one.map((d, i) => (i === op.axis ? op.end - op.start : d))];
        break;
      case 'weightNorm': {
        const [g, v] = shapes;
        if (shapes.length !== 2 || !g || !v || op.dim >= v.length || elementCount(g) !== v[op.dim]) return `weightNorm needs [g, v] with g holding v's dim ${op.dim}`;
        shapes = [v];
        break;
      }
      case 'matmulnbits': {
        if (!one || one.length !== 2 || op !== ops[ops.length - 1]) return `matmulnbits needs one (out, in) matrix and must be the last op`;
        shapes = [matmulNBitsShape(one[0]!, one[1]!, op)];
        break;
      }
    }
  }
  if (shapes.length !== 1) return `${shapes.length} tensors remain after the ops (a concat or weightNorm is missing)`;
  return shapes[0]!;
}

export function transpose(t: Tensor32, perm: readonly number[]): Tensor32 {
  const shape = perm.map((p) => t.shape[p]!);
  const src = stridesOf(t.shape);
  const out = new Float32Array(t.data.length);
  const n = shape.length;
  const idx = new Array<number>(n).fill(0);
  const step = perm.map((p) => src[p]!);
  let from = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = t.data[from]!;
    for (let d = n - 1; d >= 0; d--) {
      idx[d]!++;
      from += step[d]!;
      if (idx[d]! < shape[d]!) break;
      from -= step[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return { shape, data: out };
}

export function concat(ts: readonly Tensor32[], axis: number): Tensor32 {
  const first = ts[0]!;
  const outer = elementCount(first.shape.slice(0, axis));
  const shape = [...first.shape];
  shape[axis] = ts.reduce((a, t) => a + t.shape[axis]!, 0);
  const out = new Float32Array(elementCount(shape));
  let o = 0;
  for (let i = 0; i < outer; i++) {
    for (const t of ts) {
      const block = elementCount(t.shape.slice(axis));
      out.set(t.data.subarray(i * block, (i + 1) * block), o);
      o += block;
    }
  }
  return { shape, data: out };
}

export function slice(t: Tensor32, axis: number, start: number, end: number): Tensor32 {
  const outer = elementCount(t.shape.slice(0, axis));
  const inner = elementCount(t.shape.slice(axis + 1));
  const len = t.shape[axis]!;
  const shape = t.shape.map((d, i) => (i === axis ? end - start : d));
  const out = new Float32Array(elementCount(shape));
  for (let i = 0; i < outer; i++) {
    out.set(t.data.subarray((i * len + start) * inner, (i * len + end) * inner), i * (end - start) * inner);
  }
  return { shape, data: out };
}

/**
 * w = g · v / ‖v‖ with the norm over every dim but `dim` (torch.nn.utils.weight_norm). The norm is summed in float64
 * and rounded once, so it can differ from torch's float32 reduction in the last bit; exporters that need the
 * reference's exact bits keep g and v in the graph instead.
 */
export function weightNorm(g: Tensor32, v: Tensor32, dim: number): Tensor32 {
  const outer = elementCount(v.shape.slice(0, dim));
  const len = v.shape[dim]!;
  const inner = elementCount(v.shape.slice(dim + 1));
  const sums = new Float64Array(len);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < len; k++) {
      const base = (o * len + k) * inner;
      let s = 0;
      for (let i = 0; i < inner; i++) s += v.data[base + i]! * v.data[base + i]!;
      sums[k]! += s;
    }
  }
  const out = new Float32Array(v.data.length);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < len; k++) {
      const scale = g.data[k]! / Math.sqrt(sums[k]!);
      const base = (o * len + k) * inner;
      for (let i = 0; i < inner; i++) out[base + i] = v.data[base + i]! * scale;
    }
  }
  return { shape: [...v.shape], data: out };
}

export function applyOps(inputs: Tensor32[], ops: readonly WeightOp[]): Tensor32 {
  let ts = inputs;
  for (const op of ops) {
    switch (op.op) {
      case 'transpose':
        ts = [transpose(ts[0]!, op.perm)];
        break;
      case 'reshape':
        ts = [{ shape: [...op.shape], data: ts[0]!.data }];
        break;
      case 'concat':
        ts = [concat(ts, op.axis)];
        break;
      case 'slice':
        ts = [slice(ts[0]!, op.axis, op.start, op.end)];
        break;
      case 'weightNorm':
        ts = [weightNorm(ts[0]!, ts[1]!, op.dim)];
        break;
      case 'matmulnbits':
        // Its output is bytes, not float32 values: the builder quantizes in bands of rows (builder.ts).
        throw new Error('matmulnbits is not a float32 op');
    }
  }
  return ts[0]!;
}

// Tiles of 64 × 64 elements keep both the rows read and the rows written in cache (a naive column walk of an
// 8192-wide matrix misses the cache on every store).
const TILE = 64;

/**
 * Rows [r0, r1) of the 2-D transpose of a row-major (rows × cols) matrix of `elem`-byte elements, as raw bytes:
 * output row j is input column j. Elements are moved as units without conversion (the caller converts the band).
 */
export function transposeBand(src: Uint8Array, rows: number, cols: number, elem: number, r0: number, r1: number): Uint8Array {
  const band = r1 - r0;
  const out = new Uint8Array(band * rows * elem);
  if ((elem === 2 || elem === 4) && src.byteOffset % elem === 0) {
    const S = elem === 2 ? new Uint16Array(src.buffer, src.byteOffset, rows * cols) : new Uint32Array(src.buffer, src.byteOffset, rows * cols);
    const O = elem === 2 ? new Uint16Array(out.buffer) : new Uint32Array(out.buffer);
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(rows, i0 + TILE);
      for (let j0 = r0; j0 < r1; j0 += TILE) {
        const j1 = Math.min(r1, j0 + TILE);
        for (let i = i0; i < i1; i++) {
          const rowBase = i * cols;
          for (let j = j0; j < j1; j++) O[(j - r0) * rows + i] = S[rowBase + j]!;
        }
      }
    }
    return out;
  }
  for (let i = 0; i < rows; i++) {
    for (let j = r0; j < r1; j++) {
      const s = (i * cols + j) * elem;
      out.set(src.subarray(s, s + elem), ((j - r0) * rows + i) * elem);
    }
  }
  return out;
}

/**
 * The band of `transposeBand` converted from bf16 to fp16 or fp32 in the same pass (the published LM's Linear
 * weights: one read, one table lookup or shift, one store per value); null for other type pairs (the caller then
 * transposes and converts in two passes).
 */
export function transposeConvertBand(
  src: Uint8Array,
  rows: number,
  cols: number,
  from: Dtype,
  to: Dtype,
  r0: number,
  r1: number,
  overflow: Overflow,
): Uint8Array | null {
  if (from !== 'bfloat16' || (to !== 'float16' && to !== 'float32') || src.byteOffset % 2 !== 0) return null;
  const S = new Uint16Array(src.buffer, src.byteOffset, rows * cols);
  const band = r1 - r0;
  if (to === 'float32') {
    const O = new Uint32Array(band * rows);
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(rows, i0 + TILE);
      for (let j0 = r0; j0 < r1; j0 += TILE) {
        const j1 = Math.min(r1, j0 + TILE);
        for (let i = i0; i < i1; i++) {
          const rowBase = i * cols;
          for (let j = j0; j < j1; j++) O[(j - r0) * rows + i] = S[rowBase + j]! << 16;
        }
      }
    }
    return new Uint8Array(O.buffer);
  }
  const { f16, overflow: over } = bf16ToF16Tables();
  const O = new Uint16Array(band * rows);
  let count = 0;
  let first = -1;
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(rows, i0 + TILE);
    for (let j0 = r0; j0 < r1; j0 += TILE) {
      const j1 = Math.min(r1, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const rowBase = i * cols;
        for (let j = j0; j < j1; j++) {
          const b = S[rowBase + j]!;
          O[(j - r0) * rows + i] = f16[b]!;
          if (over[b]) {
            count++;
            if (first < 0) first = b;
          }
        }
      }
    }
  }
  if (count > 0) {
    if (overflow.count === 0) overflow.example = new Float32Array(new Uint32Array([(first << 16) >>> 0]).buffer)[0]!;
    overflow.count += count;
  }
  return new Uint8Array(O.buffer);
}
