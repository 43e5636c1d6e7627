// Loudness and peaks of a take: ITU-R BS.1770-4 integrated loudness (K-weighting designed for any sample rate, gated
// 400 ms blocks), EBU Tech 3342 loudness range, true peak by oversampling (BS.1770-4 Annex 2), sample peak, and the
// frame-energy percentiles used for noise-floor / speech-level checks.

import { RetakeError } from '../../contract/errors';
import { runSync, SAMPLE_BLOCK, type Steps } from '../steps';
import type { AudioData } from '../types';
import { frameCount } from '../types';
import { percentiles, powerDb } from './common';

export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

export interface LoudnessResult {
  /** BS.1770-4 gated integrated loudness; null when no block passes the −70 LUFS absolute gate. */
  integratedLufs: number | null;
  /** EBU Tech 3342 loudness range; null for audio shorter than one 3 s window or with no gated window. */
  loudnessRangeLu: number | null;
  /** True peak (dBTP); null for digital silence. */
  truePeakDbtp: number | null;
  /** Largest absolute sample (dBFS); null for digital silence. */
  samplePeakDbfs: number | null;
}

// K-weighting as analog prototypes mapped with a pre-warped bilinear transform, so that every sample rate gets the
// same response. The parameters are those that reproduce the 48 kHz coefficients printed in BS.1770-4 Table 1/2 to
// ~1e-9 (the design published with libebur128); the unit test checks that reproduction.
/** Stage 1, high shelf ("head" effect): centre 1681.97 Hz, gain +4.0 dB, Q 0.7072. */
const SHELF_F0 = 1681.974450955533;
const SHELF_GAIN_DB = 3.999843853973347;
const SHELF_Q = 0.7071752369554196;
/** Exponent placing the shelf's mid-band gain (Vb = Vh^x). */
const SHELF_VB_EXP = 0.4996667741545416;
/** Stage 2, RLB high-pass: 38.14 Hz, Q 0.5003. */
const HIGHPASS_F0 = 38.13547087602444;
const HIGHPASS_Q = 0.5003270373238773;

/** BS.1770-4 eq. (2): L = −0.691 + 10·log10(Σ G_i·z_i). */
const LOUDNESS_OFFSET = -0.691;
const BLOCK_SEC = 0.4;
/** 75 % overlap: a new 400 ms block every 100 ms. */
const STEP_SEC = 0.1;
const ABSOLUTE_GATE_LUFS = -70;
const RELATIVE_GATE_LU = -10;
/** EBU Tech 3342: 3 s short-term windows, relative gate −20 LU, range = 95th − 10th percentile. */
const LRA_WINDOW_SEC = 3;
const LRA_RELATIVE_GATE_LU = -20;
/** Oversampled rate of the true-peak meter: BS.1770-4 Annex 2 asks for ≥ 4× at 48 kHz, i.e. ≥ 192 kHz. */
const TRUE_PEAK_MIN_RATE = 192000;
/** Taps per polyphase branch of the interpolator (Kaiser-windowed sinc) and the window's β. */
const TP_TAPS = 24;
const TP_KAISER_BETA = 8;

export function kWeightingFilters(sampleRate: number): { shelf: Biquad; highpass: Biquad } {
  let K = Math.tan((Math.PI * SHELF_F0) / sampleRate);
  const Vh = 10 ** (SHELF_GAIN_DB / 20);
  const Vb = Vh ** SHELF_VB_EXP;
  let a0 = 1 + K / SHELF_Q + K * K;
  const shelf: Biquad = {
    b0: (Vh + (Vb * K) / SHELF_Q + K * K) / a0,
    b1: (2 * (K * K - Vh)) / a0,
    b2: (Vh - (Vb * K) / SHELF_Q + K * K) / a0,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / SHELF_Q + K * K) / a0,
  };
  K = Math.tan((Math.PI * HIGHPASS_F0) / sampleRate);
  a0 = 1 + K / HIGHPASS_Q + K * K;
  // The standard's numerator (1, −2, 1) leaves a passband gain of a0 (+0.043 dB at 48 kHz, +0.13 dB at 16 kHz); scaling
  // by a0(48 kHz)/a0 keeps the 48 kHz response, on which the −0.691 offset is calibrated, at every rate.
  const K48 = Math.tan((Math.PI * HIGHPASS_F0) / 48000);
  const g = (1 + K48 / HIGHPASS_Q + K48 * K48) / a0;
  const highpass: Biquad = {
    b0: g,
    b1: -2 * g,
    b2: g,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / HIGHPASS_Q + K * K) / a0,
  };
  return { shelf, highpass };
}

/** Magnitude response of a biquad at freq (Hz), in dB. */
export function biquadGainDb(f: Biquad, freq: number, sampleRate: number): number {
  const w = (2 * Math.PI * freq) / sampleRate;
  const c1 = Math.cos(w);
  const s1 = Math.sin(w);
  const c2 = Math.cos(2 * w);
  const s2 = Math.sin(2 * w);
  const nr = f.b0 + f.b1 * c1 + f.b2 * c2;
  const ni = -(f.b1 * s1 + f.b2 * s2);
  const dr = 1 + f.a1 * c1 + f.a2 * c2;
  const di = -(f.a1 * s1 + f.a2 * s2);
  return 10 * Math.log10((nr * nr + ni * ni) / (dr * dr + di * di));
}

/**
 * Channel weights G_i of BS.1770-4 Table 3 for the layouts a speech tool meets: 1 for mono, stereo and up to four
 * channels; 5 channels are L R C Ls Rs and 6 channels L R C LFE Ls Rs (LFE excluded, surrounds 1.41).
 */
export function channelWeights(channels: number): number[] {
  if (channels === 5) return [1, 1, 1, 1.41, 1.41];
  if (channels === 6) return [1, 1, 1, 0, 1.41, 1.41];
  return new Array<number>(channels).fill(1);
}

/** Channel-weighted sums of the K-weighted squared signal per 100 ms step, computed once for gating and range. */
interface StepEnergies {
  stepSums: Float64Array;
  /** Sample index where each step starts (steps + 1 entries). */
  bounds: number[];
  /** Weighted sum over the whole clip, for clips shorter than one window. */
  total: number;
  n: number;
}

/**
 * K-weights x[from, to) continuing from the filter state st = (x1, x2, y1, y2, z1, z2) and returns acc + Σ z² summed
 * in sample order (direct form I, float64 state).
 */
function kWeightedEnergy(
  x: Float32Array,
  s: Biquad,
  h: Biquad,
  st: Float64Array,
  from: number,
  to: number,
  acc: number,
): number {
  let x1 = st[0]!, x2 = st[1]!, y1 = st[2]!, y2 = st[3]!, z1 = st[4]!, z2 = st[5]!;
  for (let i = from; i < to; i++) {
    const xi = x[i]!;
    const yi = s.b0 * xi + s.b1 * x1 + s.b2 * x2 - s.a1 * y1 - s.a2 * y2;
    x2 = x1;
    x1 = xi;
    const zi = h.b0 * yi + h.b1 * y1 + h.b2 * y2 - h.a1 * z1 - h.a2 * z2;
    y2 = y1;
    y1 = yi;
    z2 = z1;
    z1 = zi;
    acc += zi * zi;
  }
  st[0] = x1;
  st[1] = x2;
  st[2] = y1;
  st[3] = y2;
  st[4] = z1;
  st[5] = z2;
  return acc;
}

/** 100 ms steps K-weighted per piece of a cooperative run (0.5–2 ms of work). */
const STEPS_PER_PIECE = 16;

function* stepEnergiesSteps(audio: AudioData): Steps<StepEnergies> {
  const n = frameCount(audio);
  const sr = audio.sampleRate;
  const stepLen = STEP_SEC * sr;
  const steps = n === 0 ? 0 : Math.floor(n / stepLen + 1e-9);
  const bounds: number[] = [];
  for (let k = 0; k <= steps; k++) bounds.push(Math.min(n, Math.round(k * stepLen)));
  const weights = channelWeights(audio.channels.length);
  const stepSums = new Float64Array(steps);
  let total = 0;
  const { shelf, highpass } = kWeightingFilters(sr);
  for (let c = 0; c < audio.channels.length; c++) {
    const g = weights[c]!;
    if (g === 0) continue;
    const ch = audio.channels[c]!;
    const st = new Float64Array(6);
    let all = 0;
    for (let k = 0; k < steps; k++) {
      const acc = kWeightedEnergy(ch, shelf, highpass, st, bounds[k]!, bounds[k + 1]!, 0);
      stepSums[k]! += g * acc;
      all += acc;
      if (k % STEPS_PER_PIECE === STEPS_PER_PIECE - 1) yield;
    }
    all = kWeightedEnergy(ch, shelf, highpass, st, bounds[steps] ?? 0, n, all);
    total += g * all;
    yield;
  }
  return { stepSums, bounds, total, n };
}

/**
 * Mean square (Σ G_i·z_i) over every window of windowSec, advancing one 100 ms step at a time. A clip shorter than one
 * window gives one window over all of it.
 */
function windowPowers(e: StepEnergies, windowSec: number): number[] {
  const { stepSums, bounds, total, n } = e;
  if (n === 0) return [];
  const steps = stepSums.length;
  const windowSteps = Math.round(windowSec / STEP_SEC);
  if (steps < windowSteps) return [total / n];
  const out: number[] = [];
  let acc = 0;
  for (let k = 0; k < windowSteps; k++) acc += stepSums[k]!;
  for (let j = 0; ; j++) {
    out.push(acc / (bounds[j + windowSteps]! - bounds[j]!));
    if (j + windowSteps >= steps) break;
    acc += stepSums[j + windowSteps]! - stepSums[j]!;
  }
  return out;
}

function lufs(power: number): number {
  return LOUDNESS_OFFSET + 10 * Math.log10(power);
}

/** Gated mean of window powers (BS.1770-4 §2.8): absolute gate, then a relative gate below the absolute-gated mean. */
function gatedMean(powers: readonly number[], relativeGateLu: number): { mean: number | null; kept: number[] } {
  const abs = powers.filter((p) => p > 0 && lufs(p) > ABSOLUTE_GATE_LUFS);
  if (abs.length === 0) return { mean: null, kept: [] };
  const absMean = abs.reduce((a, b) => a + b, 0) / abs.length;
  const rel = lufs(absMean) + relativeGateLu;
  const kept = abs.filter((p) => lufs(p) > rel);
  if (kept.length === 0) return { mean: null, kept };
  return { mean: kept.reduce((a, b) => a + b, 0) / kept.length, kept };
}

function integratedFrom(e: StepEnergies): number | null {
  const { mean } = gatedMean(windowPowers(e, BLOCK_SEC), RELATIVE_GATE_LU);
  return mean === null ? null : lufs(mean);
}

function rangeFrom(e: StepEnergies, sampleRate: number): number | null {
  if (e.n < LRA_WINDOW_SEC * sampleRate) return null;
  const { kept } = gatedMean(windowPowers(e, LRA_WINDOW_SEC), LRA_RELATIVE_GATE_LU);
  if (kept.length === 0) return null;
  const [p10, p95] = percentiles(kept.map(lufs), [10, 95]) as [number, number];
  return p95 - p10;
}

/**
 * Lowest sample rate K-weighted: the stage-1 shelf (centre 1682 Hz) must lie below Nyquist, and the pre-warped
 * bilinear design stops existing at 2 × 1682 = 3364 Hz; 4 kHz is the lowest common rate above that. There the
 * response departs from the 48 kHz one by up to 1.2 dB between 1.5 and 2 kHz, where speech carries little energy:
 * corpus speech resampled to 4 kHz reads within 0.11 LU of the same band-limited signal measured at 48 kHz (0.04 LU at
 * 6 kHz). Below this rate loudness is reported as unknown (null).
 */
export const K_WEIGHTING_MIN_RATE = 4000;

export function kWeightingSupported(sampleRate: number): boolean {
  return sampleRate >= K_WEIGHTING_MIN_RATE;
}

/**
 * BS.1770-4 integrated loudness in LUFS; null when nothing passes the absolute gate (silence) or the rate is below
 * K_WEIGHTING_MIN_RATE.
 */
export function integratedLoudness(audio: AudioData): number | null {
  return runSync(integratedLoudnessSteps(audio));
}

/** integratedLoudness in pieces (see ../steps). */
export function* integratedLoudnessSteps(audio: AudioData): Steps<number | null> {
  if (!kWeightingSupported(audio.sampleRate)) return null;
  return integratedFrom(yield* stepEnergiesSteps(audio));
}

/**
 * EBU Tech 3342 loudness range in LU; null for clips shorter than 3 s, without gated short-term windows, or below
 * K_WEIGHTING_MIN_RATE.
 */
export function loudnessRange(audio: AudioData): number | null {
  if (!kWeightingSupported(audio.sampleRate)) return null;
  return rangeFrom(runSync(stepEnergiesSteps(audio)), audio.sampleRate);
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/** Oversampling factor of the true-peak meter: the smallest integer reaching 192 kHz (4× at 48 kHz, 12× at 16 kHz). */
export function truePeakFactor(sampleRate: number): number {
  return Math.max(1, Math.ceil(TRUE_PEAK_MIN_RATE / sampleRate - 1e-9));
}

const interpolatorCache = new Map<number, { phases: Float64Array[]; l1: number }>();

/**
 * Polyphase branches of a Kaiser-windowed sinc interpolator for factor L: branch p gives the value at fractional
 * position p/L between input samples from TP_TAPS neighbours. Each branch is normalised to unit DC gain; branch 0 is
 * the identity. l1 is the largest branch L1 norm (a bound on |output| / max |input| used to skip quiet blocks).
 */
function interpolator(L: number): { phases: Float64Array[]; l1: number } {
  const cached = interpolatorCache.get(L);
  if (cached) return cached;
  const half = TP_TAPS / 2;
  const i0b = besselI0(TP_KAISER_BETA);
  const phases: Float64Array[] = [];
  let l1 = 0;
  for (let p = 0; p < L; p++) {
    const h = new Float64Array(TP_TAPS);
    let sum = 0;
    for (let j = 0; j < TP_TAPS; j++) {
      // Input sample k = n − half + 1 + j sits at distance t from the output position n + p/L.
      const t = p / L + half - 1 - j;
      const u = t / half;
      const w = Math.abs(u) >= 1 ? 0 : besselI0(TP_KAISER_BETA * Math.sqrt(1 - u * u)) / i0b;
      const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
      h[j] = sinc * w;
      sum += h[j]!;
    }
    let a = 0;
    for (let j = 0; j < TP_TAPS; j++) {
      h[j]! /= sum;
      a += Math.abs(h[j]!);
    }
    l1 = Math.max(l1, a);
    phases.push(h);
  }
  const result = { phases, l1 };
  interpolatorCache.set(L, result);
  return result;
}

/**
 * The true-peak meter's interpolator for a sample rate: factor L = phases.length, `taps` taps per phase (phase p gives
 * the value at n + p/L from x[n − taps/2 + 1 …]), and l1 the largest phase L1 norm. Shared with the limiter, so that
 * what it keeps under the ceiling is what this meter reads.
 */
export function truePeakInterpolator(sampleRate: number): { phases: Float64Array[]; l1: number; taps: number } {
  return { ...interpolator(truePeakFactor(sampleRate)), taps: TP_TAPS };
}

/** Largest absolute sample over all channels (linear). */
export function samplePeak(audio: AudioData): number {
  return runSync(samplePeakSteps(audio));
}

function maxAbs(x: Float32Array, from: number, to: number, m: number): number {
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

/** samplePeak in pieces (see ../steps). */
export function* samplePeakSteps(audio: AudioData): Steps<number> {
  let m = 0;
  for (const ch of audio.channels) {
    for (let i = 0; i < ch.length; i += SAMPLE_BLOCK) {
      m = maxAbs(ch, i, Math.min(ch.length, i + SAMPLE_BLOCK), m);
      yield;
    }
  }
  return m;
}

/** Samples per block of the true-peak search: blocks are skipped or interpolated as a whole. */
const TP_BLOCK = 32;
/** Blocks scanned per piece of a cooperative run (≤ 1 ms of interpolation even at 8 kHz, where L = 24). */
const TP_BLOCKS_PER_PIECE = 128;

/** Largest |interpolated value| over the L − 1 fractional phases of the samples of block b, if above `best`. */
function blockTruePeak(x: Float32Array, b: number, phases: Float64Array[], best: number): number {
  const n = x.length;
  const L = phases.length;
  const half = TP_TAPS / 2;
  for (let i = b * TP_BLOCK; i < Math.min(n, b * TP_BLOCK + TP_BLOCK); i++) {
    const base = i - half + 1;
    const j0 = Math.max(0, -base);
    const j1 = Math.min(TP_TAPS, n - base);
    for (let p = 1; p < L; p++) {
      const h = phases[p]!;
      let acc = 0;
      for (let j = j0; j < j1; j++) acc += h[j]! * x[base + j]!;
      const v = Math.abs(acc);
      if (v > best) best = v;
    }
  }
  return best;
}

/** Interpolates the blocks in [from, to) whose bound exceeds the running maximum; returns the new maximum. */
function scanBlocks(x: Float32Array, bound: Float64Array, from: number, to: number, phases: Float64Array[], best: number): number {
  for (let b = from; b < to; b++) if (bound[b]! > best) best = blockTruePeak(x, b, phases, best);
  return best;
}

/** Per block: l1 × the largest |x| in it and its two neighbours, which bounds every interpolated value of the block. */
function blockBounds(x: Float32Array, l1: number, blockMax: Float64Array, bound: Float64Array, from: number, to: number): void {
  const n = x.length;
  const blocks = blockMax.length;
  // blockMax of blocks [from − 1, to + 1) are needed; they are filled ahead of use.
  for (let b = Math.max(0, from - 1); b < Math.min(blocks, to + 1); b++) {
    if (blockMax[b]! >= 0) continue;
    let m = 0;
    for (let i = b * TP_BLOCK; i < Math.min(n, b * TP_BLOCK + TP_BLOCK); i++) m = Math.max(m, Math.abs(x[i]!));
    blockMax[b] = m;
  }
  // The support of outputs in block b (samples b·B − half + 1 … b·B + B − 1 + half) lies in blocks b−1 … b+1.
  for (let b = from; b < to; b++) {
    bound[b] = l1 * Math.max(blockMax[b - 1] ?? 0, blockMax[b]!, blockMax[b + 1] ?? 0);
  }
}

/** True peak (linear) by polyphase oversampling to ≥ 192 kHz (see truePeakSteps). */
export function truePeak(audio: AudioData): number {
  return runSync(truePeakSteps(audio));
}

/**
 * True peak (linear) by polyphase oversampling to ≥ 192 kHz, in pieces. Blocks whose neighbourhood cannot exceed the
 * running maximum (max |x| · branch L1 norm ≤ current peak) are skipped, which leaves the result exact (the maximum of
 * the same interpolated values whatever the order) and the cost small; the block with the largest bound goes first so
 * that the running maximum starts near the answer.
 */
export function* truePeakSteps(audio: AudioData): Steps<number> {
  const L = truePeakFactor(audio.sampleRate);
  let best = yield* samplePeakSteps(audio);
  if (L === 1 || best === 0) return best;
  const { phases, l1 } = interpolator(L);
  for (const x of audio.channels) {
    const blocks = Math.ceil(x.length / TP_BLOCK);
    const blockMax = new Float64Array(blocks).fill(-1);
    const bound = new Float64Array(blocks);
    let top = 0;
    for (let b = 0; b < blocks; b += SAMPLE_BLOCK / TP_BLOCK) {
      const end = Math.min(blocks, b + SAMPLE_BLOCK / TP_BLOCK);
      blockBounds(x, l1, blockMax, bound, b, end);
      for (let k = b; k < end; k++) if (bound[k]! > bound[top]!) top = k;
      yield;
    }
    if (blocks > 0 && bound[top]! > best) best = blockTruePeak(x, top, phases, best);
    for (let b = 0; b < blocks; b += TP_BLOCKS_PER_PIECE) {
      best = scanBlocks(x, bound, b, Math.min(blocks, b + TP_BLOCKS_PER_PIECE), phases, best);
      yield;
    }
  }
  return best;
}

function toDb(linear: number): number | null {
  return linear > 0 ? 20 * Math.log10(linear) : null;
}

export function measureLoudness(audio: AudioData): LoudnessResult {
  return runSync(measureLoudnessSteps(audio));
}

/** measureLoudness in pieces (see ../steps); loudness and range are null below K_WEIGHTING_MIN_RATE. */
export function* measureLoudnessSteps(audio: AudioData): Steps<LoudnessResult> {
  const e = kWeightingSupported(audio.sampleRate) ? yield* stepEnergiesSteps(audio) : null;
  const tp = yield* truePeakSteps(audio);
  const sp = yield* samplePeakSteps(audio);
  return {
    integratedLufs: e ? integratedFrom(e) : null,
    loudnessRangeLu: e ? rangeFrom(e, audio.sampleRate) : null,
    truePeakDbtp: toDb(tp),
    samplePeakDbfs: toDb(sp),
  };
}

/** Frame length of frameEnergyPercentiles. */
export const ENERGY_FRAME_SEC = 0.02;

/**
 * Percentiles (0..100) of the energy of consecutive 20 ms frames in dBFS (mean square over all channels, floored at
 * −120 dB so that digital silence stays finite), e.g. [10, 95] for the noise floor and the speech level. A trailing
 * partial frame is ignored; a clip shorter than one frame is one frame; an empty clip gives NaN.
 */
export function frameEnergyPercentiles(audio: AudioData, ps: readonly number[]): number[] {
  const n = frameCount(audio);
  const len = Math.max(1, Math.round(ENERGY_FRAME_SEC * audio.sampleRate));
  if (n === 0) return ps.map(() => Number.NaN);
  const frames = Math.max(1, Math.floor(n / len));
  const frameLen = Math.min(len, n);
  const db = new Float64Array(frames);
  const c = Math.max(1, audio.channels.length);
  for (let f = 0; f < frames; f++) {
    let acc = 0;
    for (const ch of audio.channels) for (let i = f * len; i < f * len + frameLen; i++) acc += ch[i]! * ch[i]!;
    db[f] = powerDb(acc / (frameLen * c));
  }
  return percentiles(db, ps);
}

/**
 * BS.1770-4 integrated loudness (and loudness range) of a signal that arrives in blocks: the same K-weighting, 100 ms
 * steps and gating as integratedLoudness, with the filter state and a step's partial sum carried across blocks, so the
 * result is identical to measuring the whole signal at once (the sums run in the same order). For renders too long
 * to hold in memory.
 */
export class LoudnessMeter {
  private readonly filters: { shelf: Biquad; highpass: Biquad };
  private readonly weights: number[];
  private readonly states: Float64Array[];
  /** Per channel: the current step's sum so far and the whole-signal sum of completed steps. */
  private readonly partial: Float64Array;
  private readonly all: Float64Array;
  private readonly stepSums: number[] = [];
  private readonly bounds: number[] = [0];
  private readonly stepLen: number;
  private n = 0;

  constructor(
    readonly sampleRate: number,
    readonly channels: number,
  ) {
    this.filters = kWeightingFilters(sampleRate);
    this.weights = channelWeights(channels);
    this.states = Array.from({ length: channels }, () => new Float64Array(6));
    this.partial = new Float64Array(channels);
    this.all = new Float64Array(channels);
    this.stepLen = STEP_SEC * sampleRate;
  }

  /** Adds the next block (one array per channel, equal lengths). */
  push(block: readonly Float32Array[]): void {
    const len = block[0]?.length ?? 0;
    if (block.length !== this.channels || block.some((ch) => ch.length !== len)) {
      const shape = block.map((ch) => ch.length).join(', ');
      throw new RetakeError('E_INTERNAL', `LoudnessMeter for ${this.channels} channels got a block of [${shape}] samples per channel; each block needs one array per channel, all of one length. Please report this.`);
    }
    let pos = 0;
    while (pos < len) {
      const k = this.bounds.length - 1;
      const stepEnd = Math.round((k + 1) * this.stepLen);
      const take = Math.min(len - pos, stepEnd - (this.n + pos));
      for (let c = 0; c < this.channels; c++) {
        if (this.weights[c] === 0) continue;
        this.partial[c] = kWeightedEnergy(block[c]!, this.filters.shelf, this.filters.highpass, this.states[c]!, pos, pos + take, this.partial[c]!);
      }
      pos += take;
      if (this.n + pos === stepEnd) {
        let sum = 0;
        for (let c = 0; c < this.channels; c++) {
          if (this.weights[c] === 0) continue;
          sum += this.weights[c]! * this.partial[c]!;
          this.all[c]! += this.partial[c]!;
          this.partial[c] = 0;
        }
        this.stepSums.push(sum);
        this.bounds.push(stepEnd);
      }
    }
    this.n += len;
  }

  private energies(): StepEnergies {
    let total = 0;
    for (let c = 0; c < this.channels; c++) {
      if (this.weights[c] === 0) continue;
      total += this.weights[c]! * (this.all[c]! + this.partial[c]!);
    }
    return { stepSums: Float64Array.from(this.stepSums), bounds: this.bounds.slice(), total, n: this.n };
  }

  /** Integrated loudness of everything pushed so far (null: silence, or a rate too low for K-weighting). */
  integrated(): number | null {
    if (!kWeightingSupported(this.sampleRate)) return null;
    return integratedFrom(this.energies());
  }

  loudnessRange(): number | null {
    if (!kWeightingSupported(this.sampleRate)) return null;
    return rangeFrom(this.energies(), this.sampleRate);
  }
}
