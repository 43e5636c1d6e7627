// Gain and a true-peak limiter. The limiter estimates inter-sample peaks by polyphase oversampling (the approach of
// ITU-R BS.1770-4 Annex 2), derives the gain each sample needs to stay under the ceiling, and smooths it with a
// look-ahead minimum, a release and a short average so the gain never exceeds what any sample in reach requires.

import type { AudioData } from '../types';

export function dbToGain(db: number): number {
  return Math.pow(10, db / 20);
}

export function gainToDb(g: number): number {
  return 20 * Math.log10(Math.max(g, 1e-12));
}

export function applyGain(audio: AudioData, gain: number): AudioData {
  return { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.map((v) => v * gain)) };
}

/** Oversample to at least 192 kHz (4× at 48 kHz, 8× at 24 kHz; BS.1770-4 Annex 2 asks for ≥ 4× at 48 kHz), the same
 * reach as the analysis module's true-peak meter; 16 taps per phase (Hann-windowed sinc) keep the estimate within
 * ~0.1 dB of it. */
const MIN_OVERSAMPLED_RATE = 192000;
const TAPS_PER_PHASE = 16;

const phaseCache = new Map<number, Float64Array[]>();

function oversampleFactor(sampleRate: number): number {
  return Math.max(4, Math.ceil(MIN_OVERSAMPLED_RATE / sampleRate - 1e-9));
}

function phases(factor: number): Float64Array[] {
  const cached = phaseCache.get(factor);
  if (cached) return cached;
  const half = TAPS_PER_PHASE / 2;
  const table: Float64Array[] = [];
  for (let p = 0; p < factor; p++) {
    const frac = p / factor;
    const taps = new Float64Array(TAPS_PER_PHASE);
    let sum = 0;
    for (let t = 0; t < TAPS_PER_PHASE; t++) {
      // tap t multiplies x[n - half + 1 + t]; distance from the interpolation point n + frac:
      const d = t - half + 1 - frac;
      const sinc = d === 0 ? 1 : Math.sin(Math.PI * d) / (Math.PI * d);
      const w = 0.5 + 0.5 * Math.cos((Math.PI * d) / (half + 1));
      taps[t] = sinc * w;
      sum += taps[t]!;
    }
    for (let t = 0; t < TAPS_PER_PHASE; t++) taps[t] = taps[t]! / sum;
    table.push(taps);
  }
  phaseCache.set(factor, table);
  return table;
}

/**
 * Per-sample peak magnitude of the oversampled signal over [n, n+1), max across channels. Where no inter-sample value
 * can reach `threshold` (bounded by the max |x| under the interpolator's taps times its L1 norm), the cheap |x[n]| is
 * reported instead; values at or above the threshold are always exact.
 */
export function truePeakEnvelope(audio: AudioData, threshold = 0): Float32Array {
  const n = audio.channels[0]?.length ?? 0;
  const env = new Float32Array(n);
  const factor = oversampleFactor(audio.sampleRate);
  const ph = phases(factor);
  let l1 = 0;
  for (const taps of ph) l1 = Math.max(l1, taps.reduce((a, b) => a + Math.abs(b), 0));
  const T = TAPS_PER_PHASE;
  const flat = new Float64Array(factor * T);
  ph.forEach((taps, p) => flat.set(taps, p * T));
  const half = T / 2;
  const localThr = threshold / l1;
  for (const x of audio.channels) {
    // Max |x| over each sample's tap support [i - half + 1, i + half], by a sliding window (monotonic deque).
    const dq = new Int32Array(n + T);
    let head = 0;
    let tail = 0;
    let next = 0;
    for (let i = 0; i < n; i++) {
      const hi = Math.min(n - 1, i + half);
      while (next <= hi) {
        const v = Math.abs(x[next]!);
        while (tail > head && Math.abs(x[dq[tail - 1]!]!) <= v) tail--;
        dq[tail++] = next++;
      }
      while (dq[head]! < i - half + 1) head++;
      let m = Math.abs(x[i]!);
      if (Math.abs(x[dq[head]!]!) >= localThr) {
        const base = i - half + 1;
        if (base >= 0 && base + T <= n) {
          for (let p = 1; p < factor; p++) {
            const o = p * T;
            let s = 0;
            for (let t = 0; t < T; t++) s += flat[o + t]! * x[base + t]!;
            const a = s < 0 ? -s : s;
            if (a > m) m = a;
          }
        } else {
          for (let p = 1; p < factor; p++) {
            const o = p * T;
            let s = 0;
            for (let t = 0; t < T; t++) {
              const idx = base + t;
              if (idx >= 0 && idx < n) s += flat[o + t]! * x[idx]!;
            }
            const a = s < 0 ? -s : s;
            if (a > m) m = a;
          }
        }
      }
      if (m > env[i]!) env[i] = m;
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

/** Sliding minimum over [i - half, i + half] (monotonic deque, O(n)). */
function slidingMin(x: Float32Array, half: number): Float32Array {
  const n = x.length;
  const out = new Float32Array(n);
  const dq = new Int32Array(n);
  let head = 0;
  let tail = 0;
  let next = 0;
  for (let i = 0; i < n; i++) {
    const hi = Math.min(n - 1, i + half);
    while (next <= hi) {
      while (tail > head && x[dq[tail - 1]!]! >= x[next]!) tail--;
      dq[tail++] = next++;
    }
    while (dq[head]! < i - half) head++;
    out[i] = x[dq[head]!]!;
  }
  return out;
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
  const n = env.length;
  let over = false;
  const need = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const e = env[i]! * preGain;
    need[i] = e > ceiling ? ceiling / e : 1;
    if (e > ceiling) over = true;
  }
  if (!over) return null;
  const att = Math.max(1, Math.round((opts.attackSec ?? 0.005) * sampleRate));
  // Each held value covers ±att samples; the average below spans ±att/2, so no sample gets more gain than it needs.
  const held = slidingMin(need, att);
  const rel = 1 - Math.exp(-1 / ((opts.releaseSec ?? 0.08) * sampleRate));
  let g = 1;
  for (let i = 0; i < n; i++) {
    g = Math.min(held[i]!, g + (1 - g) * rel);
    held[i] = g;
  }
  const halfAvg = att >> 1;
  // Box average over [i - halfAvg, i + halfAvg] via prefix sums; outside the signal the gain counts as 1.
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + held[i]!;
  const gain = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const lo = i - halfAvg;
    const hi = i + halfAvg;
    const inLo = Math.max(0, lo);
    const inHi = Math.min(n - 1, hi);
    const pad = inLo - lo + (hi - inHi);
    // The padding counts as unity gain; the clamp keeps it from leaking past what the edge samples need.
    gain[i] = Math.min(held[i]!, (prefix[inHi + 1]! - prefix[inLo]! + pad) / (2 * halfAvg + 1));
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
