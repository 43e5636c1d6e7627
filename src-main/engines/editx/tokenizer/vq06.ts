// vq06, the semantic tokenizer (EDITX-SPEC.md §4): the S3 tokenizer ONNX on Whisper log-mel, as the reference's
// get_vq06_code runs it — the 16 kHz tokenizer input split into 30 s chunks, chunks under 480 samples dropped, one run
// per chunk with (1, 128, T) float32 and the int32 length [T], output 0 = the codes. The graph's tensors are
// addressed by position, as upstream does (their names are checked against the manifest when the session opens).

import { RetakeError } from '../../../contract/errors';
import { openSession, type OnnxSession, type SessionRegistry } from '../../../onnx';
import type { ModelPack } from '../pack/load';
import type { Vq06Component } from '../pack/manifest';
import type { FeatureMatrix, TokenizerSessionOptions } from './vq02';

/** The reference's splitting: 30 s of 16 kHz audio per chunk; a (last) chunk under 480 samples is dropped. */
export const REFERENCE_CHUNK_SAMPLES = 30 * 16000;
export const REFERENCE_MIN_CHUNK_SAMPLES = 480;
/** Upstream asserts |codes − 25 · seconds| ≤ 2 per chunk (seconds rounded to 0.01). */
const RATE_TOLERANCE = 2;

/** [start, end) sample ranges of the chunks the reference tokenizes. */
export function vq06Chunks(
  nSamples: number,
  chunkSamples = REFERENCE_CHUNK_SAMPLES,
  minChunkSamples = REFERENCE_MIN_CHUNK_SAMPLES,
): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  for (let start = 0; start < nSamples; start += chunkSamples) {
    const end = Math.min(start + chunkSamples, nSamples);
    if (end - start >= minChunkSamples) out.push({ start, end });
  }
  return out;
}

export interface Vq06Result {
  codes: Int32Array;
  /** The chunks tokenized, in samples of the input. */
  chunks: Array<{ start: number; end: number; codes: number }>;
  /** Time inside the S3 runs, ms. */
  modelMs: number;
}

function vq06Component(pack: ModelPack): Vq06Component {
  const c = pack.manifest.components.vq06;
  if (!c) throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${pack.dir} has no vq06 tokenizer (components.vq06).`);
  return c;
}

/** The pack's S3 tokenizer graph, its I/O checked against the manifest (the pack's 'vq06' stage). */
export async function openVq06Session(pack: ModelPack, opts: TokenizerSessionOptions = {}): Promise<OnnxSession> {
  const c = vq06Component(pack);
  const file = c.files[0]!;
  return openSession(pack.path(file), c, {
    ...opts,
    label: `the vq06 tokenizer ${file.path}${c.standIn ? ' (a random stand-in)' : ''}`,
    declaredIn: 'manifest',
    mismatchHint: 'Re-export the pack.',
  });
}

export class Vq06Tokenizer {
  private constructor(
    readonly component: Vq06Component,
    private readonly session: OnnxSession,
    /** Whether release() releases the session (not when a registry owns it). */
    private readonly ownsSession: boolean,
  ) {}

  static async open(pack: ModelPack, opts: TokenizerSessionOptions = {}): Promise<Vq06Tokenizer> {
    return new Vq06Tokenizer(vq06Component(pack), await openVq06Session(pack, opts), true);
  }

  /** Over the pack's 'vq06' stage of a session registry (opened there on first use, released with the pack). */
  static async fromRegistry(pack: ModelPack, sessions: Pick<SessionRegistry<'vq06'>, 'get'>): Promise<Vq06Tokenizer> {
    return new Vq06Tokenizer(vq06Component(pack), await sessions.get('vq06'), false);
  }

  chunks(nSamples: number): Array<{ start: number; end: number }> {
    return vq06Chunks(nSamples, this.component.chunkSamples, this.component.minChunkSamples);
  }

  /** The codes of one chunk from its log-mel (frames × melBins, as whisperLogMel returns it). */
  async tokenizeMel(mel: FeatureMatrix): Promise<Int32Array> {
    const bins = this.component.melBins;
    if (mel.bins !== bins) {
      throw new RetakeError('E_INTERNAL', `vq06 got ${mel.bins}-bin features; the tokenizer reads ${bins}. Please report this bug.`);
    }
    const T = mel.frames;
    const transposed = new Float32Array(bins * T);
    for (let t = 0; t < T; t++) for (let b = 0; b < bins; b++) transposed[b * T + t] = mel.data[t * bins + b]!;
    const s = this.session;
    const [melName, lenName] = s.inputNames as [string, string];
    const out = await s.run({
      [melName]: s.tensor('float32', transposed, [1, bins, T]),
      [lenName]: s.tensor('int32', Int32Array.from([T]), [1]),
    });
    const codes = out[s.outputNames[0]!]!;
    const data = codes.data as Int32Array | BigInt64Array;
    const n = data.length;
    const result = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = Number(data[i]!);
      if (!Number.isInteger(v) || v < 0 || v >= this.component.codes) {
        throw new RetakeError('E_ENGINE_FAILED', `The vq06 tokenizer returned code ${v}, outside 0..${this.component.codes - 1}. Re-export the pack.`);
      }
      result[i] = v;
    }
    return result;
  }

  /** Every chunk of `samples16k` through `logMel` (Whisper's 128-bin log-mel) and the tokenizer. */
  async tokenize(
    samples16k: Float32Array,
    logMel: (samples16k: Float32Array) => FeatureMatrix,
    signal?: AbortSignal,
  ): Promise<Vq06Result> {
    const parts: Int32Array[] = [];
    const chunks: Vq06Result['chunks'] = [];
    let ms = 0;
    for (const { start, end } of this.chunks(samples16k.length)) {
      signal?.throwIfAborted();
      const mel = logMel(samples16k.subarray(start, end));
      const t0 = performance.now();
      const codes = await this.tokenizeMel(mel);
      ms += performance.now() - t0;
      const seconds = Math.round(((end - start) / 16000) * 100) / 100;
      if (Math.abs(codes.length - this.component.tokensPerSecond * seconds) > RATE_TOLERANCE) {
        throw new RetakeError(
          'E_ENGINE_FAILED',
          `The vq06 tokenizer returned ${codes.length} codes for ${seconds} s of audio (about ${this.component.tokensPerSecond} per second expected): ${this.component.files[0]!.path} is not the S3 tokenizer the pack says. Re-export the pack.`,
        );
      }
      parts.push(codes);
      chunks.push({ start, end, codes: codes.length });
    }
    const codes = new Int32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      codes.set(p, at);
      at += p.length;
    }
    return { codes, chunks, modelMs: ms };
  }

  async release(): Promise<void> {
    if (this.ownsSession) await this.session.release();
  }
}
