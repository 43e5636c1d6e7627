// The flow (EDITX-SPEC.md §6): token pairs → mu (encoder graph), then 10 Euler steps of flow matching over the
// cosine time grid with classifier-free guidance — each step one estimator run on a batch of 2 (conditional; and
// with mu, speaker and cond zeroed, x and t kept), v = (1 + r)·v_c − r·v_u — from the pack's fixed noise buffer.
// The estimator graph forms the batch and the guided velocity itself (tools/export: flow/export.py), so a step feeds
// one copy of each input and reads one velocity. The Euler arithmetic follows the reference's float32 order (t
// accumulated as t + dt, dt = grid[i+1] − t).
//
// Long outputs: attention in the encoder and the estimator is global, so one run over prompt + output needs memory
// growing with the square of the frames (2 × heads × frames² scores per estimator layer). When prompt + output
// exceed runtime.maxWindowFrames, the output is decoded in windows: each window holds the whole prompt (its mel as
// cond, as in a whole run) and one stretch of the output with overlapTokenFrames of context on each side; every
// frame takes its noise from the same buffer column as in a whole run, and neighbouring windows are cross-faded
// linearly over crossfadeFrames mel frames around their boundary. Attention then sees a window instead of the whole
// utterance, so a windowed decode is close to, not equal to, a whole one (test/integration/editx-decoder/ measures
// both the difference and the continuity at the seams).

import { readFile } from 'node:fs/promises';
import { RetakeError } from '../../../contract/errors';
import type { ModelPack } from '../pack/load';
import type { FlowComponent } from '../pack/manifest';
import { throwIfCancelled } from './cancel';
import { DecoderGraph, type SessionSource } from './graph';
import { bf16Array, cosineGrid } from './prompt-cond';

const f = Math.fround;

export interface FlowWindow {
  /** The output token frames this window owns: [own0, own1). */
  own0: number;
  own1: number;
  /** The output token frames it decodes (with context): [from, to). */
  from: number;
  to: number;
}

export interface WindowRuntime {
  maxWindowFrames: number;
  overlapTokenFrames: number;
  crossfadeFrames: number;
}

/** How a decode of `promptFrames` + `outFrames` token frames is split (one window when it fits). */
export function planWindows(promptFrames: number, outFrames: number, ratio: number, rt: WindowRuntime): FlowWindow[] {
  if (ratio * (promptFrames + outFrames) <= rt.maxWindowFrames) return [{ own0: 0, own1: outFrames, from: 0, to: outFrames }];
  const o = rt.overlapTokenFrames;
  if (ratio * o * 2 < rt.crossfadeFrames) {
    throw new RetakeError('E_VALIDATION', `runtime.crossfadeFrames ${rt.crossfadeFrames} needs overlapTokenFrames ≥ ${Math.ceil(rt.crossfadeFrames / (2 * ratio))}.`);
  }
  const core = Math.floor(rt.maxWindowFrames / ratio) - promptFrames - 2 * o;
  const minCore = Math.max(2 * o, Math.ceil(rt.crossfadeFrames / ratio), 1);
  if (core < minCore) {
    throw new RetakeError(
      'E_INPUT_TOO_LONG',
      `The prompt (${promptFrames} token frames) leaves too little room in a decode window of ${rt.maxWindowFrames} mel frames; ` +
        'use a shorter prompt or raise the pack\'s flow.runtime.maxWindowFrames.',
    );
  }
  const n = Math.ceil(outFrames / core);
  const out: FlowWindow[] = [];
  for (let i = 0; i < n; i++) {
    const own0 = Math.round((i * outFrames) / n);
    const own1 = Math.round(((i + 1) * outFrames) / n);
    out.push({ own0, own1, from: Math.max(0, own0 - o), to: Math.min(outFrames, own1 + o) });
  }
  return out;
}

export interface FlowInputs {
  /** (1, frames, 2) token pairs: prompt first (token-pairs.ts). */
  pairs: BigInt64Array;
  promptFrames: number;
  outFrames: number;
  /** The prompt's cond prefix, bins × (ratio · promptFrames), bin-major (prompt-cond.ts). */
  promptCond: Float32Array;
  /** The projected speaker (bins values, speaker graph). */
  speaker: Float32Array;
}

export interface FlowOptions {
  signal?: AbortSignal;
  /** Called after each Euler step with (steps done, steps in all). */
  onStep?: (done: number, total: number) => void;
  /** Override the pack's runtime (tests compare windowed and whole decodes). */
  runtime?: Partial<WindowRuntime>;
}

export interface FlowResult {
  /** bins × (ratio · outFrames), bin-major. */
  mel: Float32Array;
  frames: number;
  windows: number;
  encoderMs: number;
  estimatorMs: number;
  estimatorRuns: number;
  /** CPU time of the process inside the encoder and estimator runs. */
  graphCpuMs: number;
}

export class FlowDecoder {
  readonly grid: number[];

  private constructor(
    readonly component: FlowComponent,
    private readonly encoder: DecoderGraph,
    private readonly estimator: DecoderGraph,
    private readonly speakerGraph: DecoderGraph,
    /** bins × noiseFrames, bin-major. */
    private readonly noise: Float32Array,
  ) {
    const s = component.settings;
    this.grid = s.timeGrid ?? cosineGrid(s.timesteps);
  }

  static async open(pack: ModelPack, src: SessionSource = { pack }): Promise<FlowDecoder> {
    const c = pack.manifest.components.flow;
    if (!c) throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${pack.dir} has no flow (components.flow).`);
    const buf = await readFile(pack.path(c.noise.file)).catch(() => {
      throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${pack.dir} is missing ${c.noise.file.path}.`);
    });
    if (buf.byteLength !== c.noise.file.bytes) {
      throw new RetakeError('E_ENGINE_UNAVAILABLE', `${c.noise.file.path} has ${buf.byteLength} bytes, the manifest says ${c.noise.file.bytes}.`);
    }
    const noise = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const opened: DecoderGraph[] = [];
    try {
      for (const stage of ['flowEncoder', 'flowEstimator', 'flowSpeaker'] as const) opened.push(await DecoderGraph.open(stage, src));
    } catch (e) {
      await Promise.all(opened.map((g) => g.release()));
      throw e;
    }
    const [enc, est, spk] = opened as [DecoderGraph, DecoderGraph, DecoderGraph];
    return new FlowDecoder(c, enc, est, spk, noise);
  }

  get bins(): number {
    return this.component.config.melBins;
  }

  get ratio(): number {
    return this.component.settings.tokenMelRatio;
  }

  /** Longest prompt + output the noise buffer covers, in mel frames. */
  get maxFrames(): number {
    return this.component.noise.shape[1];
  }

  /** The CAM++ embedding projected for the flow (rounded to bf16 first when the pack, or the caller, says so). */
  async projectSpeaker(embedding: Float32Array, bf16Prompt = this.component.settings.bf16Prompt): Promise<Float32Array> {
    const dim = this.component.config.spkEmbedDim;
    if (embedding.length !== dim) throw new RangeError(`the speaker embedding must have ${dim} values, got ${embedding.length}`);
    const e = bf16Prompt ? bf16Array(embedding) : embedding;
    const r = await this.speakerGraph.run({ embedding: { type: 'float32', data: e, dims: [1, dim] } }, ['speaker']);
    return (r.speaker as { data: Float32Array }).data.slice();
  }

  /** mu for token pairs (1, frames, 2): bins × (ratio · frames). */
  async encode(pairs: BigInt64Array): Promise<Float32Array> {
    const frames = pairs.length / 2;
    const r = await this.encoder.run({ tokens: { type: 'int64', data: pairs, dims: [1, frames, 2] } }, ['mu']);
    const mu = r.mu as { data: Float32Array; dims: number[] };
    if (mu.dims[2] !== this.ratio * frames) {
      throw new RetakeError('E_ENGINE_FAILED', `the flow encoder gave ${mu.dims[2]} frames for ${frames} token frames (expected ${this.ratio * frames}).`);
    }
    return mu.data;
  }

  /**
   * One Euler step's guided velocity (x, mu, cond: bins × n; t: 1; spks: bins): the estimator graph runs the DiT on
   * the batch of 2 (conditional, and mu/speaker/cond zeroed) and returns (1 + r)·v_c − r·v_u. `into` receives it when
   * given.
   */
  async velocity(x: Float32Array, mu: Float32Array, t: number, spks: Float32Array, cond: Float32Array, n: number, into?: Float32Array): Promise<Float32Array> {
    const bins = this.bins;
    const r = await this.estimator.run(
      {
        x: { type: 'float32', data: x, dims: [1, bins, n] },
        mu: { type: 'float32', data: mu, dims: [1, bins, n] },
        t: { type: 'float32', data: Float32Array.of(t), dims: [1] },
        spks: { type: 'float32', data: spks, dims: [1, bins] },
        cond: { type: 'float32', data: cond, dims: [1, bins, n] },
      },
      into ? { velocity: { data: into, dims: [1, bins, n] } } : ['velocity'],
    );
    return (r.velocity as { data: Float32Array }).data;
  }

  /** The Euler loop over one window of n mel frames; returns x (bins × n). */
  async euler(noise: Float32Array, mu: Float32Array, speaker: Float32Array, cond: Float32Array, n: number, onStep: () => void, signal?: AbortSignal): Promise<Float32Array> {
    const size = this.bins * n;
    const v = new Float32Array(size);
    const x = noise.slice();
    const g = this.grid;
    // t accumulates as t + dt and the next dt is grid[i + 1] − t, in float32, as in the reference.
    let t = f(g[0] as number);
    let dt = f((g[1] as number) - t);
    for (let step = 1; step < g.length; step++) {
      throwIfCancelled(signal);
      await this.velocity(x, mu, t, speaker, cond, n, v);
      for (let i = 0; i < size; i++) x[i] = f((x[i] as number) + f(dt * (v[i] as number)));
      t = f(t + dt);
      if (step < g.length - 1) dt = f((g[step + 1] as number) - t);
      onStep();
    }
    return x;
  }

  private checkNoise(frames: number): void {
    if (frames > this.maxFrames) {
      throw new RetakeError(
        'E_INPUT_TOO_LONG',
        `Prompt and output need ${frames} mel frames (${(frames / 50).toFixed(1)} s); the pack's noise buffer covers ${this.maxFrames}.`,
      );
    }
  }

  /** Noise columns [c0, c1) of the buffer, bins × (c1 − c0). */
  noiseColumns(c0: number, c1: number): Float32Array {
    this.checkNoise(c1);
    const total = this.maxFrames;
    const w = c1 - c0;
    const out = new Float32Array(this.bins * w);
    for (let b = 0; b < this.bins; b++) out.set(this.noise.subarray(b * total + c0, b * total + c1), b * w);
    return out;
  }

  /** The output's mel (the prompt's part dropped), whole or in windows (see the module comment). */
  async decode(inp: FlowInputs, opts: FlowOptions = {}): Promise<FlowResult> {
    const ratio = this.ratio;
    const bins = this.bins;
    const P = inp.promptFrames;
    const G = inp.outFrames;
    if (inp.pairs.length !== 2 * (P + G)) throw new RangeError('pairs do not match promptFrames + outFrames');
    const pm = ratio * P;
    if (inp.promptCond.length !== bins * pm) throw new RangeError(`promptCond must be ${bins} × ${pm}`);
    const rt = { ...this.component.runtime, ...opts.runtime };
    const windows = planWindows(P, G, ratio, rt);
    this.checkNoise(ratio * (P + G));
    const total = windows.length * (this.grid.length - 1);
    let done = 0;
    const onStep = (): void => opts.onStep?.(++done, total);
    const encMs0 = this.encoder.runMs;
    const estMs0 = this.estimator.runMs;
    const cpu0 = this.encoder.runCpuMs + this.estimator.runCpuMs;
    const outLen = ratio * G;
    const acc = new Float32Array(bins * outLen);
    const X = rt.crossfadeFrames;
    for (let wi = 0; wi < windows.length; wi++) {
      const w = windows[wi] as FlowWindow;
      throwIfCancelled(opts.signal);
      const wt = P + (w.to - w.from);
      const pairs = new BigInt64Array(2 * wt);
      pairs.set(inp.pairs.subarray(0, 2 * P));
      pairs.set(inp.pairs.subarray(2 * (P + w.from), 2 * (P + w.to)), 2 * P);
      const mu = await this.encode(pairs);
      const n = ratio * wt;
      const cond = new Float32Array(bins * n);
      const noise = new Float32Array(bins * n);
      const promptNoise = this.noiseColumns(0, pm);
      const outNoise = this.noiseColumns(pm + ratio * w.from, pm + ratio * w.to);
      const nOut = n - pm;
      for (let b = 0; b < bins; b++) {
        cond.set(inp.promptCond.subarray(b * pm, (b + 1) * pm), b * n);
        noise.set(promptNoise.subarray(b * pm, (b + 1) * pm), b * n);
        noise.set(outNoise.subarray(b * nOut, (b + 1) * nOut), b * n + pm);
      }
      const x = await this.euler(noise, mu, inp.speaker, cond, n, onStep, opts.signal);
      // Blend this window's output frames into the result with linear ramps around its boundaries.
      const m0 = ratio * w.from;
      const lb = ratio * w.own0;
      const rb = ratio * w.own1;
      const first = wi === 0;
      const last = wi === windows.length - 1;
      for (let m = m0; m < ratio * w.to; m++) {
        let wgt = 1;
        if (!first && X > 0) wgt *= Math.min(1, Math.max(0, (m - (lb - X / 2) + 0.5) / X));
        else if (!first && m < lb) wgt = 0;
        if (!last && X > 0) wgt *= Math.min(1, Math.max(0, (rb + X / 2 - m - 0.5) / X));
        else if (!last && m >= rb) wgt = 0;
        if (wgt === 0) continue;
        const src = pm + (m - m0);
        for (let b = 0; b < bins; b++) acc[b * outLen + m] = (acc[b * outLen + m] as number) + wgt * (x[b * n + src] as number);
      }
    }
    return {
      mel: acc,
      frames: outLen,
      windows: windows.length,
      encoderMs: this.encoder.runMs - encMs0,
      estimatorMs: this.estimator.runMs - estMs0,
      estimatorRuns: total,
      graphCpuMs: this.encoder.runCpuMs + this.estimator.runCpuMs - cpu0,
    };
  }

  async release(): Promise<void> {
    await Promise.all([this.encoder.release(), this.estimator.release(), this.speakerGraph.release()]);
  }
}
