// The prompt's part of the flow's inputs (EDITX-SPEC.md §6): its mel resized (nearest) to 2 × its token frames as the
// `cond` prefix, and the bf16 rounding the reference applies to the prompt mel and the speaker embedding.
//
// The reference rounds the prompt mel to bf16 *before* the resize, and torch's nearest resize of a bf16 tensor
// computes its scale in bf16 too: bf16(bf16(n_in) / bf16(n_out)), then floor(i · scale) in float32 (measured on
// torch 1.13 against 107 size pairs, tools/export/tests/test_decoder.py). That picks other frames than the float32
// scale for many lengths (e.g. 20 → 18), so with `bf16Prompt` we reproduce it.

const f = Math.fround;
const word = new Float32Array(1);
const bits = new Uint32Array(word.buffer);

/** Round to the nearest bfloat16 (ties to even), returned as a float32 value. */
export function bf16(x: number): number {
  word[0] = x;
  const u = bits[0] as number;
  if ((u & 0x7f800000) === 0x7f800000) return word[0] as number; // inf / NaN unchanged
  bits[0] = ((u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000) >>> 0;
  return word[0] as number;
}

export function bf16Array(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = bf16(x[i] as number);
  return out;
}

/** Source frame of each of `nOut` output frames for torch's nearest resize of `nIn` frames. */
export function nearestIndices(nIn: number, nOut: number, bf16Arith: boolean): Int32Array {
  const scale = bf16Arith ? bf16(f(bf16(nIn) / bf16(nOut))) : f(nIn / nOut);
  const out = new Int32Array(nOut);
  for (let i = 0; i < nOut; i++) out[i] = Math.min(Math.floor(f(i * scale)), nIn - 1);
  return out;
}

export interface FeatureMatrix {
  /** frames × bins, row-major (frame-major). */
  data: Float32Array;
  frames: number;
  bins: number;
}

/**
 * The `cond` prefix: the prompt mel (frames × bins) resized to `outFrames`, bin-major (bins × outFrames) as the
 * flow's tensors; rounded to bf16 first when `bf16Prompt`.
 */
export function promptCondition(mel: FeatureMatrix, outFrames: number, bf16Prompt: boolean): Float32Array {
  if (mel.frames < 1) throw new RangeError('the prompt mel has no frames');
  const idx = nearestIndices(mel.frames, outFrames, bf16Prompt);
  const out = new Float32Array(mel.bins * outFrames);
  for (let t = 0; t < outFrames; t++) {
    const row = (idx[t] as number) * mel.bins;
    for (let b = 0; b < mel.bins; b++) {
      const v = mel.data[row + b] as number;
      out[b * outFrames + t] = bf16Prompt ? bf16(v) : v;
    }
  }
  return out;
}

/** The Euler time grid 1 − cos(linspace(0, 1, n + 1)·π/2) in float32 (used when a pack does not list its own). */
export function cosineGrid(steps: number): number[] {
  const g: number[] = [];
  for (let i = 0; i <= steps; i++) g.push(f(1 - f(Math.cos(f(f(f(i / steps) * 0.5) * f(Math.PI))))));
  g[steps] = 1;
  return g;
}
