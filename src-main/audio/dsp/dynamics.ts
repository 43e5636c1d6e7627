// Gain and a true-peak limiter. The limiter reads inter-sample peaks with the analysis module's own true-peak
// interpolator (ITU-R BS.1770-4 Annex 2: the same oversampling factor and taps), so its envelope is exactly what the
// meter will read of the unlimited signal; it derives the gain each sample needs to stay under the ceiling, and smooths
// it with a look-ahead minimum, a release and a short average so the gain never exceeds what any sample in reach
// requires.

import { truePeakInterpolator } from '../analysis/loudness';
import { runSync, SAMPLE_BLOCK, type Steps } from '../steps';
import type { AudioData } from '../types';

export function dbToGain(db: number): number {
  return Math.pow(10, db / 20);
}

/** Running state of the sliding-window maximum of |x| (a monotonic deque of sample indices). */
interface Deque {
  dq: Int32Array;
  head: number;
  tail: number;
  next: number;
}

/** Envelope samples [from, to) of one channel (see truePeakEnvelope); `flat` holds phases 0..factor−1 of T taps. */
function envelopeBlock(
  x: Float32Array,
  env: Float32Array,
  flat: Float64Array,
  factor: number,
  T: number,
  localThr: number,
  d: Deque,
  from: number,
  to: number,
): void {
  const n = x.length;
  const half = T / 2;
  const dq = d.dq;
  let { head, tail, next } = d;
  for (let i = from; i < to; i++) {
    // Max |x| over each sample's tap support [i - half + 1, i + half], by a sliding window (monotonic deque).
    const hi = Math.min(n - 1, i + half);
    while (next <= hi) {
      const v = Math.abs(x[next]!);
      while (tail > head && Math.abs(x[dq[tail - 1]!]!) <= v) tail--;
      dq[tail++] = next++;
    }
    while (dq[head]! < i - half + 1) head++;
    let m = Math.abs(x[i]!);
    if (Math.abs(x[dq[head]!]!) >= localThr) {
      // The meter's arithmetic (loudness.ts blockTruePeak): taps j0..j1 that fall inside the signal, in order.
      const base = i - half + 1;
      const j0 = Math.max(0, -base);
      const j1 = Math.min(T, n - base);
      for (let p = 1; p < factor; p++) {
        const o = p * T;
        let s = 0;
        for (let j = j0; j < j1; j++) s += flat[o + j]! * x[base + j]!;
        const a = Math.abs(s);
        if (a > m) m = a;
      }
    }
    if (m > env[i]!) env[i] = m;
  }
  d.head = head;
  d.tail = tail;
  d.next = next;
}

/**
 * Per-sample peak magnitude of the oversampled signal over [n, n+1), max across channels: the analysis meter's
 * interpolated values, so the largest envelope value is the meter's true peak. Where no inter-sample value can reach
 * `threshold` (bounded by the max |x| under the interpolator's taps times its L1 norm), the cheap |x[n]| is reported
 * instead; values at or above the threshold are always exact.
 */
export function truePeakEnvelope(audio: AudioData, threshold = 0): Float32Array {
  return runSync(truePeakEnvelopeSteps(audio, threshold));
}

/** Envelope samples per piece of a cooperative run (~1 ms when most samples need interpolating). */
const ENVELOPE_BLOCK = 4096;

/** truePeakEnvelope in pieces (see ../steps). */
export function* truePeakEnvelopeSteps(audio: AudioData, threshold = 0): Steps<Float32Array> {
  const n = audio.channels[0]?.length ?? 0;
  const env = new Float32Array(n);
  const { phases, l1, taps: T } = truePeakInterpolator(audio.sampleRate);
  const factor = phases.length;
  const flat = new Float64Array(factor * T);
  phases.forEach((h, p) => flat.set(h, p * T));
  const localThr = threshold / l1;
  for (const x of audio.channels) {
    const d: Deque = { dq: new Int32Array(n + T), head: 0, tail: 0, next: 0 };
    for (let i = 0; i < n; i += ENVELOPE_BLOCK) {
      envelopeBlock(x, env, flat, factor, T, localThr, d, i, Math.min(n, i + ENVELOPE_BLOCK));
      yield;
    }
  }
  return env;
}

/** True peak in dBTP (−Infinity for silence). */
export function truePeakDb(audio: AudioData): number {
  let m = 0;
  for (const v of truePeakEnvelope(audio)) if (v > m) m = v;
  return m > 0 ? 20 * Math.log10(m) : -Infinity;
}

/** Sliding minimum over [i - half, i + half] (monotonic deque, O(n)) for outputs [from, to). */
function slidingMinBlock(x: Float32Array, half: number, out: Float32Array, d: Deque, from: number, to: number): void {
  const n = x.length;
  const dq = d.dq;
  let { head, tail, next } = d;
  for (let i = from; i < to; i++) {
    const hi = Math.min(n - 1, i + half);
    while (next <= hi) {
      while (tail > head && x[dq[tail - 1]!]! >= x[next]!) tail--;
      dq[tail++] = next++;
    }
    while (dq[head]! < i - half) head++;
    out[i] = x[dq[head]!]!;
  }
  d.head = head;
  d.tail = tail;
  d.next = next;
}

export interface LimiterOptions {
  /** Ceiling in dBTP. Default −1.2 (0.2 dB under the −1 dBTP delivery limit for estimator differences). */
  ceilingDb?: number;
  /** Look-ahead/attack in seconds. Default 5 ms: shorter than a syllable onset, long enough to avoid audible clicks. */
  attackSec?: number;
  /** Release time constant in seconds. Default 80 ms: recovers between syllables without pumping. */
  releaseSec?: number;
}

/**
 * The limiter's gain curve for a signal whose true-peak envelope (truePeakEnvelope) is `env`, scaled by `preGain`:
 * per-sample gains ≤ 1 that keep preGain·env·gain under `ceiling` (linear). Null when nothing exceeds the ceiling.
 */
export function limiterGain(
  env: Float32Array,
  sampleRate: number,
  ceiling: number,
  preGain = 1,
  opts: Omit<LimiterOptions, 'ceilingDb'> = {},
): Float32Array | null {
  return runSync(limiterGainSteps(env, sampleRate, ceiling, preGain, opts));
}

function needBlock(env: Float32Array, preGain: number, ceiling: number, need: Float32Array, from: number, to: number): boolean {
  let over = false;
  for (let i = from; i < to; i++) {
    const e = env[i]! * preGain;
    need[i] = e > ceiling ? ceiling / e : 1;
    if (e > ceiling) over = true;
  }
  return over;
}

/** Release: the gain recovers toward 1 by `rel` per sample and never exceeds the held need; state g in st[0]. */
function releaseBlock(held: Float32Array, rel: number, st: Float64Array, from: number, to: number): void {
  let g = st[0]!;
  for (let i = from; i < to; i++) {
    g = Math.min(held[i]!, g + (1 - g) * rel);
    held[i] = g;
  }
  st[0] = g;
}

function prefixBlock(held: Float32Array, prefix: Float64Array, from: number, to: number): void {
  for (let i = from; i < to; i++) prefix[i + 1] = prefix[i]! + held[i]!;
}

function averageBlock(held: Float32Array, prefix: Float64Array, halfAvg: number, gain: Float32Array, from: number, to: number): void {
  const n = held.length;
  for (let i = from; i < to; i++) {
    const lo = i - halfAvg;
    const hi = i + halfAvg;
    const inLo = Math.max(0, lo);
    const inHi = Math.min(n - 1, hi);
    const pad = inLo - lo + (hi - inHi);
    // The padding counts as unity gain; the clamp keeps it from leaking past what the edge samples need.
    gain[i] = Math.min(held[i]!, (prefix[inHi + 1]! - prefix[inLo]! + pad) / (2 * halfAvg + 1));
  }
}

/** limiterGain in pieces (see ../steps). */
export function* limiterGainSteps(
  env: Float32Array,
  sampleRate: number,
  ceiling: number,
  preGain = 1,
  opts: Omit<LimiterOptions, 'ceilingDb'> = {},
): Steps<Float32Array | null> {
  const n = env.length;
  const B = SAMPLE_BLOCK;
  let over = false;
  const need = new Float32Array(n);
  for (let i = 0; i < n; i += B) {
    if (needBlock(env, preGain, ceiling, need, i, Math.min(n, i + B))) over = true;
    yield;
  }
  if (!over) return null;
  const att = Math.max(1, Math.round((opts.attackSec ?? 0.005) * sampleRate));
  // Each held value covers ±att samples; the average below spans ±att/2, so no sample gets more gain than it needs.
  const held = new Float32Array(n);
  const d: Deque = { dq: new Int32Array(n), head: 0, tail: 0, next: 0 };
  for (let i = 0; i < n; i += B) {
    slidingMinBlock(need, att, held, d, i, Math.min(n, i + B));
    yield;
  }
  const rel = 1 - Math.exp(-1 / ((opts.releaseSec ?? 0.08) * sampleRate));
  const st = Float64Array.of(1);
  for (let i = 0; i < n; i += B) {
    releaseBlock(held, rel, st, i, Math.min(n, i + B));
    yield;
  }
  const halfAvg = att >> 1;
  // Box average over [i - halfAvg, i + halfAvg] via prefix sums; outside the signal the gain counts as 1.
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i += B) {
    prefixBlock(held, prefix, i, Math.min(n, i + B));
    yield;
  }
  const gain = new Float32Array(n);
  for (let i = 0; i < n; i += B) {
    averageBlock(held, prefix, halfAvg, gain, i, Math.min(n, i + B));
    yield;
  }
  return gain;
}

/** Returns a copy of `audio` whose true peak stays at or below the ceiling (gain only goes down where needed). */
export function truePeakLimit(audio: AudioData, opts: LimiterOptions = {}): AudioData {
  const ceiling = dbToGain(opts.ceilingDb ?? -1.2);
  const gain = limiterGain(truePeakEnvelope(audio, ceiling), audio.sampleRate, ceiling, 1, opts);
  if (!gain) return { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.slice()) };
  return { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.map((v, i) => v * gain[i]!)) };
}
