// The HiFT vocoder: mel (80 × frames at 50 Hz) → 24 kHz waveform. The F0 predictor and the trunk are ONNX graphs;
// the source excitation, its STFT and the final ISTFT are TypeScript (./source, ./stft).
//
// Long inputs: F0, source and both transforms run over the whole signal (cheap, and the source's phase is a running
// sum over the utterance); the trunk — whose activations grow with the output (64 channels × 120 spectrum frames per
// mel frame at the published width) — runs in chunks of `chunkFrames` mel frames, each with `contextFrames` frames of
// context on both sides. The trunk is convolutional with a receptive field of about 12 mel frames (ResBlock dilations
// at the 8× and 40× rates), so with 16 frames of context each chunk's own frames equal the whole run's up to float
// rounding (test/integration/editx-decoder/vocoder.test.ts measures it); the spectrum is assembled and inverted once.

import { RetakeError } from '../../../contract/errors';
import type { ModelPack } from '../pack/load';
import type { VocoderComponent } from '../pack/manifest';
import { throwIfCancelled } from '../decoder/cancel';
import { DecoderGraph, type SessionSource } from '../decoder/graph';
import { nsfSource, nsfSourceReference } from './source';
import type { SourceDraws } from './source';
import { Istft, sourceStft, stftFrames } from './stft';

export interface VocodeOptions {
  signal?: AbortSignal;
  /** Called after each trunk chunk with (chunks done, chunks in all). */
  onChunk?: (done: number, total: number) => void;
  /** Override the pack's runtime.chunkFrames / contextFrames (tests compare chunked and whole runs). */
  chunkFrames?: number;
  contextFrames?: number;
  /** Use this F0 instead of the predictor's (tests isolate the source and trunk from the F0 graph). */
  f0?: Float32Array;
  /** Compute the source with the reference's float32 arithmetic (./source: nsfSourceReference), for golden tests. */
  referenceSource?: boolean;
}

export interface VocodeResult {
  waveform: Float32Array;
  f0: Float32Array;
  source: Float32Array;
  /** Milliseconds in the ONNX graphs and in the TypeScript DSP (source, STFT, ISTFT); CPU time in the graphs. */
  graphMs: number;
  dspMs: number;
  graphCpuMs: number;
}

interface ChunkBuffers {
  frames: number;
  mel: Float32Array;
  stft: Float32Array;
  real: Float32Array;
  imag: Float32Array;
}

export class HiftVocoder {
  /** The buffers of a full chunk (chunk + 2 × context frames), kept between calls: most chunks have that size. */
  private full: ChunkBuffers | null = null;

  private constructor(
    readonly component: VocoderComponent,
    private readonly f0Graph: DecoderGraph,
    private readonly trunk: DecoderGraph,
  ) {}

  static async open(pack: ModelPack, src: SessionSource = { pack }): Promise<HiftVocoder> {
    const v = pack.manifest.components.vocoder;
    if (!v) throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${pack.dir} has no vocoder (components.vocoder).`);
    const f0 = await DecoderGraph.open('hiftF0', src);
    try {
      return new HiftVocoder(v, f0, await DecoderGraph.open('hiftTrunk', src));
    } catch (e) {
      await f0.release();
      throw e;
    }
  }

  get samplesPerFrame(): number {
    return this.component.samplesPerFrame;
  }

  /** F0 in Hz per frame of `mel` (bins × frames, bin-major). */
  async f0(mel: Float32Array, frames: number): Promise<Float32Array> {
    const bins = this.component.config.melBins;
    const r = await this.f0Graph.run({ mel: { type: 'float32', data: mel, dims: [1, bins, frames] } }, ['f0']);
    return (r.f0 as { data: Float32Array }).data;
  }

  /** The waveform for `mel` (bins × frames, bin-major) with the given source draws. */
  async vocode(mel: Float32Array, frames: number, draws: SourceDraws, opts: VocodeOptions = {}): Promise<VocodeResult> {
    const v = this.component;
    const bins = v.config.melBins;
    if (mel.length !== bins * frames || frames < 1) throw new RangeError(`mel must be ${bins} × ${frames}`);
    const graphMs0 = this.f0Graph.runMs + this.trunk.runMs;
    const graphCpu0 = this.f0Graph.runCpuMs + this.trunk.runCpuMs;
    let dspMs = 0;
    const f0 = opts.f0 ?? (await this.f0(mel, frames));
    if (f0.length !== frames) throw new RangeError(`F0 must have ${frames} values`);
    throwIfCancelled(opts.signal);
    let t0 = performance.now();
    const source = (opts.referenceSource ? nsfSourceReference : nsfSource)(f0, v, draws);
    const n = v.istft.nFft;
    const hop = v.istft.hop;
    const specPerFrame = v.samplesPerFrame / hop;
    const totalSpec = stftFrames(source.length, hop);
    const nb = n / 2 + 1;
    const inverse = new Istft(n, hop, totalSpec);
    dspMs += performance.now() - t0;
    const chunk = Math.max(1, opts.chunkFrames ?? v.runtime.chunkFrames);
    const ctx = Math.max(0, opts.contextFrames ?? v.runtime.contextFrames);
    const chunks = Math.ceil(frames / chunk);
    const fullFrames = chunk + 2 * ctx;
    const buffers = (wf: number): ChunkBuffers => {
      if (wf === this.full?.frames) return this.full;
      const sf = specPerFrame * wf + 1;
      const b = {
        frames: wf,
        mel: new Float32Array(bins * wf),
        stft: new Float32Array((n + 2) * sf),
        real: new Float32Array(nb * sf),
        imag: new Float32Array(nb * sf),
      };
      if (wf === fullFrames) this.full = b;
      return b;
    };
    for (let c = 0; c < chunks; c++) {
      throwIfCancelled(opts.signal);
      const a = c * chunk;
      const b = Math.min(frames, a + chunk);
      const m0 = Math.max(0, a - ctx);
      const m1 = Math.min(frames, b + ctx);
      const wf = m1 - m0;
      t0 = performance.now();
      const sf = specPerFrame * wf + 1;
      const s0 = specPerFrame * m0;
      const buf = buffers(wf);
      const melBuf = wf === frames ? mel : buf.mel;
      const stftBuf = buf.stft;
      const reBuf = buf.real;
      const imBuf = buf.imag;
      if (melBuf !== mel) for (let k = 0; k < bins; k++) melBuf.set(mel.subarray(k * frames + m0, k * frames + m1), k * wf);
      // The source's STFT frames under this window, computed straight into the trunk's input.
      sourceStft(source, n, hop, s0, s0 + sf, stftBuf);
      dspMs += performance.now() - t0;
      await this.trunk.run(
        {
          mel: { type: 'float32', data: melBuf, dims: [1, bins, wf] },
          source_stft: { type: 'float32', data: stftBuf, dims: [1, n + 2, sf] },
        },
        { real: { data: reBuf, dims: [1, nb, sf] }, imag: { data: imBuf, dims: [1, nb, sf] } },
      );
      t0 = performance.now();
      // This chunk's own spectrum frames (the last chunk also owns the final frame) go into the ISTFT.
      const from = specPerFrame * (a - m0);
      const to = specPerFrame * (b - m0) + (b === frames ? 1 : 0);
      const spec = { real: reBuf, imag: imBuf, bins: nb, frames: sf };
      inverse.add(spec, from, to, s0);
      dspMs += performance.now() - t0;
      opts.onChunk?.(c + 1, chunks);
    }
    t0 = performance.now();
    const waveform = inverse.finish(v.audioLimit);
    dspMs += performance.now() - t0;
    return {
      waveform,
      f0,
      source,
      graphMs: this.f0Graph.runMs + this.trunk.runMs - graphMs0,
      dspMs,
      graphCpuMs: this.f0Graph.runCpuMs + this.trunk.runCpuMs - graphCpu0,
    };
  }

  async release(): Promise<void> {
    await this.f0Graph.release();
    await this.trunk.release();
  }
}
