// vq02, the linguistic tokenizer (EDITX-SPEC.md §4; tools/export/README.md "Audio tokenizers"): the Paraformer
// streaming encoder run stride by stride with its caches, exactly as the reference runs it even offline, then the
// nearest centroid of each output row in the pack's codebook.
//
// The reference's input path, reproduced here from the 16 kHz tokenizer input:
//  1. wavRoundTrip: the reference hands the audio to FunASR through a float WAV written by torchaudio and read by sox,
//     which rounds every sample to a multiple of 2^-24;
//  2. features: Kaldi fbank → LFR 7/6 → CMVN of the whole signal (the streaming front end's frames are exactly these);
//  3. vq02ChunkPlan: how many of those LFR frames each encoder call receives — 4 per 3,840-sample stride, and the
//     streaming front end's own way of ending (tail frames dropped or padded); the rest of the features is unused;
//  4. one run of the step graph per entry of the plan, carrying offset, overlap and cache from run to run;
//  5. codes = argmin over centroids of ‖x‖² + ‖c‖² − 2 x·c, the form torch.cdist uses for inputs over 25 rows (its
//     "use_mm_for_euclid_dist_if_necessary" default). Sums are taken in float64 here, torch's in float32 with its BLAS
//     order: where the two nearest centroids are within float32 rounding of each other (a relative gap of ~1e-6 of
//     the squared distance) the reference may pick the other one. The upstream goldens' smallest gap is 0.0027.

import { RetakeError } from '../../../contract/errors';
import { openSession, type OnnxSession, type OnnxTensor, type OpenSessionOptions, type SessionRegistry } from '../../../onnx';
import type { ModelPack } from '../pack/load';
import type { Vq02Component } from '../pack/manifest';
import { parseAmMvn, parseNpy, readPackFile, type Cmvn } from './pack-files';

/** Row-major frames × bins, as the feature front ends return them. */
export interface FeatureMatrix {
  data: Float32Array;
  frames: number;
  bins: number;
}

export type Vq02Streaming = Vq02Component['streaming'];
export type Vq02Frontend = Pick<Vq02Component['frontend'], 'sampleRate' | 'frameLengthMs' | 'frameShiftMs' | 'lfrM' | 'lfrN'>;

/** The reference's call (tokenizer.py): chunk_size [0, 4, 5], look-back 4; a stride is 4 × 960 samples; FunASR
 *  skips a final stride under 480 samples that its front end cannot process. */
export const REFERENCE_STREAMING: Vq02Streaming = {
  chunkSize: [0, 4, 5],
  lookBack: 4,
  samplesPerLfrFrame: 960,
  minFinalSamples: 480,
};
export const REFERENCE_FRONTEND: Vq02Frontend = { sampleRate: 16000, frameLengthMs: 25, frameShiftMs: 10, lfrM: 7, lfrN: 6 };

const TWO_31 = 2147483648;

/**
 * The samples FunASR reads back from the float WAV the reference writes: torchaudio truncates x·2^31 to int32, sox's
 * float writer rounds that to 24 bits (`(d + 64) & ~127`) and the reader divides by 2^31 (bit-exact against
 * torchaudio 0.13 + sox, tools/export/tests/test_audio_tokenizer.py).
 */
export function wavRoundTrip(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let d = Math.trunc(x[i]! * TWO_31);
    if (d > TWO_31 - 1) d = TWO_31 - 1;
    else if (d < -TWO_31) d = -TWO_31;
    out[i] = d > TWO_31 - 1 - 64 ? 1 : (Math.floor((d + 64) / 128) * 128) / TWO_31;
  }
  return out;
}

/**
 * LFR frames per encoder call for n samples of 16 kHz tokenizer input, as FunASR's streaming loop produces them
 * (tools/export/retake_export/tokenizer/frontend.py chunk_plan, checked against upstream on 215 lengths). Empty: no
 * codes (under ~0.3 s of audio).
 */
export function vq02ChunkPlan(
  nSamples: number,
  streaming: Vq02Streaming = REFERENCE_STREAMING,
  fe: Vq02Frontend = REFERENCE_FRONTEND,
): number[] {
  const stride = streaming.chunkSize[1] * streaming.samplesPerLfrFrame;
  const frameLength = (fe.frameLengthMs * fe.sampleRate) / 1000;
  const frameShift = (fe.frameShiftMs * fe.sampleRate) / 1000;
  const m = fe.lfrM;
  const n = fe.lfrN;
  const left = Math.floor((m - 1) / 2);
  const chunks = Math.floor(nSamples / stride) + 1;
  const fail = (why: string): never => {
    throw new RetakeError('E_INTERNAL', `vq02 chunking of ${nSamples} samples: ${why}. Please report this bug.`);
  };
  let pending = 0; // samples carried into the next stride (from the start of the next fbank frame)
  let splice = 0; // fbank frames carried for the next LFR frame; 0 = none yet (the first is then repeated `left` times)
  const plan: number[] = [];
  for (let i = 0; i < chunks; i++) {
    const final = i === chunks - 1;
    const size = Math.min(stride, nSamples - i * stride);
    if (final && size === 0) break;
    const total = pending + size;
    const frames = total >= frameLength ? Math.floor((total - frameLength) / frameShift) + 1 : 0;
    pending = frames > 0 ? total - frames * frameShift : total;
    if (frames > 0) {
      if (splice === 0) splice = left;
      const t = splice + frames;
      if (t < m) {
        if (final) break;
        fail(`stride ${i} brings too few frames`);
      }
      const out = Math.ceil((t - left) / n);
      let emitted = out;
      if (!final) {
        for (let j = 0; j < out; j++) {
          if (m > t - j * n) {
            emitted = j;
            break;
          }
        }
      }
      splice = t - Math.min(t - 1, emitted * n);
      plan.push(emitted);
    } else if (final) {
      const out = splice > 0 ? Math.ceil((splice - left) / n) : 0;
      if (out <= 0) {
        if (size < streaming.minFinalSamples) break;
        fail('the final stride yields no frame');
      }
      plan.push(out);
    } else {
      fail(`stride ${i} yields no frame`);
    }
  }
  return plan;
}

export interface Codebook {
  /** size × dim, row-major. */
  data: Float32Array;
  size: number;
  dim: number;
  /** ‖c‖² per centroid. */
  norms: Float64Array;
}

export function makeCodebook(data: Float32Array, size: number, dim: number): Codebook {
  if (data.length !== size * dim) {
    throw new RetakeError('E_INTERNAL', `A codebook of ${data.length} values is not ${size} × ${dim}. Please report this bug.`);
  }
  const norms = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[k * dim + j]! * data[k * dim + j]!;
    norms[k] = s;
  }
  return { data, size, dim, norms };
}

/** Rows per pass over the codebook: each centroid is read once for 4 rows (measured 2.5× faster than one row at a
 *  time at the published size, 500 × 1024 × 512). */
const ROW_BLOCK = 4;

/** Nearest centroid of every row (see the module comment); ties go to the lowest index, as argmin does. */
export function nearestCentroids(rows: FeatureMatrix, cb: Codebook): Int32Array {
  if (rows.bins !== cb.dim) {
    throw new RetakeError('E_INTERNAL', `Rows of ${rows.bins} values against centroids of ${cb.dim}. Please report this bug.`);
  }
  const { data, frames } = rows;
  const d = cb.dim;
  const c = cb.data;
  const out = new Int32Array(frames);
  const xs = new Float64Array(ROW_BLOCK * d);
  const xx = new Float64Array(ROW_BLOCK);
  const best = new Float64Array(ROW_BLOCK);
  for (let t0 = 0; t0 < frames; t0 += ROW_BLOCK) {
    const n = Math.min(ROW_BLOCK, frames - t0);
    for (let b = 0; b < ROW_BLOCK; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = b < n ? data[(t0 + b) * d + j]! : 0;
        xs[b * d + j] = v;
        s += v * v;
      }
      xx[b] = s;
      best[b] = Infinity;
    }
    for (let k = 0; k < cb.size; k++) {
      const o = k * d;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      for (let j = 0; j < d; j++) {
        const v = c[o + j]!;
        d0 += xs[j]! * v;
        d1 += xs[d + j]! * v;
        d2 += xs[2 * d + j]! * v;
        d3 += xs[3 * d + j]! * v;
      }
      const dots = [d0, d1, d2, d3];
      for (let b = 0; b < n; b++) {
        // torch clamps the squared distance at 0 before the square root; the order of distances is the same.
        const dist = Math.max(xx[b]! + cb.norms[k]! - 2 * dots[b]!, 0);
        if (dist < best[b]!) {
          best[b] = dist;
          out[t0 + b] = k;
        }
      }
    }
  }
  return out;
}

/** How the tokenizers' sessions open: providers ('cpu' by default) and threads. */
export type TokenizerSessionOptions = Pick<OpenSessionOptions, 'providers' | 'intraOpNumThreads'>;

/** The pack's vq02 step graph, its I/O checked against the manifest (the pack's 'vq02' stage). */
export async function openVq02Session(pack: ModelPack, opts: TokenizerSessionOptions = {}): Promise<OnnxSession> {
  const c = vq02Component(pack);
  const file = c.encoder.files[0]!;
  return openSession(pack.path(file), c.encoder, {
    ...opts,
    label: `the vq02 encoder ${file.path}`,
    declaredIn: 'manifest',
    mismatchHint: 'Re-export the pack.',
  });
}

function vq02Component(pack: ModelPack): Vq02Component {
  const c = pack.manifest.components.vq02;
  if (!c) throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${pack.dir} has no vq02 tokenizer (components.vq02).`);
  return c;
}

export interface Vq02Result {
  codes: Int32Array;
  /** The encoder rows the codes were chosen from (frames × outputSize). */
  enc: FeatureMatrix;
  /** LFR frames per encoder call. */
  plan: number[];
  /** Time inside the encoder runs, ms. */
  encoderMs: number;
  /** Time of the nearest-centroid search, ms. */
  quantiseMs: number;
}

export class Vq02Tokenizer {
  private constructor(
    readonly component: Vq02Component,
    readonly cmvn: Cmvn,
    readonly codebook: Codebook,
    private readonly session: OnnxSession,
    /** Whether release() releases the session (not when a registry owns it). */
    private readonly ownsSession: boolean,
  ) {}

  /** Opens the pack's vq02 component: reads am.mvn and the codebook, opens the step graph (I/O checked). */
  static async open(pack: ModelPack, opts: TokenizerSessionOptions = {}): Promise<Vq02Tokenizer> {
    const data = await Vq02Tokenizer.readData(pack);
    return new Vq02Tokenizer(data.c, data.cmvn, data.codebook, await openVq02Session(pack, opts), true);
  }

  /** Over the pack's 'vq02' stage of a session registry (opened there on first use, released with the pack). */
  static async fromRegistry(pack: ModelPack, sessions: Pick<SessionRegistry<'vq02'>, 'get'>): Promise<Vq02Tokenizer> {
    const data = await Vq02Tokenizer.readData(pack);
    return new Vq02Tokenizer(data.c, data.cmvn, data.codebook, await sessions.get('vq02'), false);
  }

  private static async readData(pack: ModelPack): Promise<{ c: Vq02Component; cmvn: Cmvn; codebook: Codebook }> {
    const c = vq02Component(pack);
    const cmvn = parseAmMvn(new TextDecoder().decode(await readPackFile(pack, c.cmvn.file)), c.cmvn.file.path);
    if (cmvn.addShift.length !== c.config.inputSize) {
      throw new RetakeError(
        'E_ENGINE_UNAVAILABLE',
        `${c.cmvn.file.path} has ${cmvn.addShift.length} values per vector; the vq02 encoder reads ${c.config.inputSize}. Re-export the pack.`,
      );
    }
    const npy = parseNpy(await readPackFile(pack, c.codebook.file), c.codebook.file.path);
    if (npy.shape.length !== 2 || npy.shape[0] !== c.codebook.size || npy.shape[1] !== c.codebook.dim) {
      throw new RetakeError(
        'E_ENGINE_UNAVAILABLE',
        `${c.codebook.file.path} has the shape (${npy.shape.join(', ')}); the manifest says (${c.codebook.size}, ${c.codebook.dim}). Re-export the pack.`,
      );
    }
    return { c, cmvn, codebook: makeCodebook(npy.data, c.codebook.size, c.codebook.dim) };
  }

  /** LFR frames per encoder call for n samples of tokenizer input. */
  plan(nSamples: number): number[] {
    return vq02ChunkPlan(nSamples, this.component.streaming, this.component.frontend);
  }

  /**
   * Runs the encoder over `feats` (LFR + CMVN frames of the WAV-rounded input, at least sum(plan) of them), one run per
   * plan entry with the streaming state carried over, and quantises the rows.
   */
  async tokenize(feats: FeatureMatrix, plan: readonly number[], signal?: AbortSignal): Promise<Vq02Result> {
    const c = this.component.config;
    const total = plan.reduce((a, b) => a + b, 0);
    if (feats.bins !== c.inputSize || feats.frames < total) {
      throw new RetakeError(
        'E_INTERNAL',
        `vq02 got ${feats.frames} × ${feats.bins} features for a plan of ${total} × ${c.inputSize}. Please report this bug.`,
      );
    }
    const [, , right] = this.component.streaming.chunkSize;
    const headDim = c.outputSize / c.attentionHeads;
    const s = this.session;
    // The state before the first stride: position 0, zero overlap, an empty cache; afterwards the run's own outputs.
    let offset: OnnxTensor = s.tensor('int64', new BigInt64Array(1), [1]);
    let overlap: OnnxTensor = s.tensor('float32', new Float32Array(right * c.inputSize), [1, right, c.inputSize]);
    let cache: OnnxTensor = s.tensor('float32', new Float32Array(0), [c.numBlocks, 2, c.attentionHeads, 0, headDim]);
    const enc = new Float32Array(total * c.outputSize);
    let at = 0;
    let ms = 0;
    for (const frames of plan) {
      signal?.throwIfAborted();
      const chunk = feats.data.subarray(at * c.inputSize, (at + frames) * c.inputSize);
      const t0 = performance.now();
      const out = await s.run({ feats: s.tensor('float32', chunk, [1, frames, c.inputSize]), offset, overlap, cache });
      ms += performance.now() - t0;
      const rows = out.enc!;
      if (rows.dims[1] !== frames || rows.dims[2] !== c.outputSize) {
        throw new RetakeError('E_ENGINE_FAILED', `The vq02 encoder returned [${rows.dims.join(', ')}] for ${frames} frames. Re-export the pack.`);
      }
      enc.set(rows.data as Float32Array, at * c.outputSize);
      offset = out.next_offset!;
      overlap = out.next_overlap!;
      cache = out.next_cache!;
      at += frames;
    }
    const matrix = { data: enc, frames: total, bins: c.outputSize };
    const q0 = performance.now();
    const codes = nearestCentroids(matrix, this.codebook);
    return { codes, enc: matrix, plan: [...plan], encoderMs: ms, quantiseMs: performance.now() - q0 };
  }

  async release(): Promise<void> {
    if (this.ownsSession) await this.session.release();
  }
}
