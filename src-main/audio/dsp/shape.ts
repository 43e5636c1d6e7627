// Energy and spectral-tilt shaping: a constant spectral tilt (brighter/darker voice), a frame-wise tilt normalisation
// toward the clip's median (for "remove"), and energy contrast (emphasis expansion/compression) with optional tremolo.

import type { AudioData } from '../types';
import { stftApplyGainSteps, stftFrameCount } from '../fft';
import { SAMPLE_BLOCK } from '../steps';
import { Work, type WorkOptions } from './work';

/** Tilt pivot: 1 kHz is the conventional reference of spectral-balance measures (e.g. alpha ratio, Hammarberg). */
const PIVOT_HZ = 1000;
/** The tilt is applied between 100 Hz and 8 kHz and held flat outside: below is hum, above is mostly noise. */
const TILT_LO_HZ = 100;
const TILT_HI_HZ = 8000;
/** Quantisation of time-varying tilt corrections, dB/oct. */
const TILT_STEP = 0.05;

function stftSize(sr: number): number {
  // ~43 ms at 24 kHz: resolves harmonics of voices from ~70 Hz without smearing syllable onsets.
  let size = 256;
  while (size < sr * 0.04) size <<= 1;
  return size;
}

function tiltGainDb(hz: number, dbPerOct: number): number {
  const f = Math.min(TILT_HI_HZ, Math.max(TILT_LO_HZ, hz));
  return dbPerOct * Math.log2(f / PIVOT_HZ);
}

/** Constant spectral tilt of `dbPerOct` around 1 kHz (negative = darker, positive = brighter). */
export async function applyTilt(audio: AudioData, dbPerOct: number, opts: WorkOptions = {}): Promise<AudioData> {
  if (dbPerOct === 0) return { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.slice()) };
  const sr = audio.sampleRate;
  const size = stftSize(sr);
  const bins = (size >> 1) + 1;
  const g = new Float64Array(bins);
  for (let k = 0; k < bins; k++) g[k] = Math.pow(10, tiltGainDb((k * sr) / size, dbPerOct) / 20);
  const work = new Work(opts);
  const channels: Float32Array[] = [];
  const cs = audio.channels.length;
  for (let c = 0; c < cs; c++) {
    const steps = stftApplyGainSteps(audio.channels[c]!, size, (_f, _m, gains) => gains.set(g), { magnitudes: false });
    channels.push(await work.sub(c / cs, (c + 1) / cs).run(steps));
  }
  await work.done();
  return { sampleRate: sr, channels };
}

/** Least-squares slope of log-magnitude (dB) against log2 frequency over 300 Hz–5 kHz, the band that carries voice
 * quality; `null` for empty frames. */
function frameTilt(mags: Float64Array, sr: number, size: number): number | null {
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let n = 0;
  let energy = 0;
  for (let k = 1; k < mags.length; k++) {
    const hz = (k * sr) / size;
    if (hz < 300 || hz > 5000) continue;
    const m = mags[k]!;
    energy += m * m;
    const x = Math.log2(hz / PIVOT_HZ);
    const y = 20 * Math.log10(m + 1e-9);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    n++;
  }
  if (n < 4 || energy <= 0) return null;
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/**
 * Moves each frame's spectral tilt toward the clip's median tilt by `amount` (0..1), so emphatic bright or dark
 * stretches move toward the speaker's usual voice quality. The correction is smoothed over ~100 ms and capped at
 * ±6 dB/oct.
 */
export async function normalizeTilt(audio: AudioData, amount: number, opts: WorkOptions = {}): Promise<AudioData> {
  const sr = audio.sampleRate;
  const size = stftSize(sr);
  const hop = size >> 2;
  const work = new Work(opts);
  const channels: Float32Array[] = [];
  const cs = audio.channels.length;
  for (let c = 0; c < cs; c++) {
    const x = audio.channels[c]!;
    const frames = stftFrameCount(x.length, size);
    // Pass 1: measure energy and tilt per frame (with the same framing as the resynthesis pass).
    const tilts = new Float64Array(frames).fill(Number.NaN);
    const energies = new Float64Array(frames);
    let maxE = 0;
    const measure = stftApplyGainSteps(x, size, (f, mags) => {
      let e = 0;
      for (let k = 0; k < mags.length; k++) e += mags[k]! * mags[k]!;
      energies[f] = e;
      if (e > maxE) maxE = e;
      const t = frameTilt(mags, sr, size);
      if (t !== null) tilts[f] = t;
    }, { resynthesize: false });
    await work.sub(c / cs, (c + 0.4) / cs).run(measure);
    // Frames within 35 dB of the loudest one count as speech, for the median and for the correction.
    const floor = maxE * 10 ** -3.5;
    for (let f = 0; f < frames; f++) if (energies[f]! < floor) tilts[f] = Number.NaN;
    await work.step((c + 0.4) / cs);
    const valid = Array.from(tilts).filter((v) => Number.isFinite(v));
    if (valid.length < 3) {
      channels.push(x.slice());
      continue;
    }
    valid.sort((a, b) => a - b);
    const median = valid[valid.length >> 1]!;
    const corr = new Float64Array(frames);
    for (let f = 0; f < frames; f++) {
      const t = tilts[f]!;
      corr[f] = Number.isFinite(t) ? Math.max(-6, Math.min(6, (median - t) * amount)) : 0;
    }
    const smooth = Math.max(1, Math.round((0.1 * sr) / hop));
    const sm = movingAverage(corr, smooth);
    const bins = (size >> 1) + 1;
    // Gain curves cached per 0.05 dB/oct step of the correction (inaudible quantisation, far fewer pow calls).
    const cache = new Map<number, Float64Array>();
    const curve = (slope: number): Float64Array => {
      const q = Math.round(slope / TILT_STEP);
      let g = cache.get(q);
      if (!g) {
        g = new Float64Array(bins);
        for (let k = 0; k < bins; k++) g[k] = Math.pow(10, tiltGainDb((k * sr) / size, q * TILT_STEP) / 20);
        cache.set(q, g);
      }
      return g;
    };
    const apply = stftApplyGainSteps(x, size, (f, _m, gains) => gains.set(curve(sm[f] ?? 0)), { magnitudes: false });
    channels.push(await work.sub((c + 0.4) / cs, (c + 1) / cs).run(apply));
    await work.step((c + 1) / cs);
  }
  return { sampleRate: sr, channels };
}

export function movingAverage(x: Float64Array | Float32Array, len: number): Float64Array {
  const out = new Float64Array(x.length);
  const half = Math.floor(len / 2);
  let acc = 0;
  let count = 0;
  let lo = 0;
  let hi = -1;
  for (let i = 0; i < x.length; i++) {
    const wantHi = Math.min(x.length - 1, i + half);
    const wantLo = Math.max(0, i - half);
    while (hi < wantHi) {
      hi++;
      acc += x[hi]!;
      count++;
    }
    while (lo < wantLo) {
      acc -= x[lo]!;
      lo++;
      count--;
    }
    out[i] = acc / count;
  }
  return out;
}

export interface EnergyOptions extends WorkOptions {
  /** Energy contrast: 1 = unchanged; >1 expands level differences between stressed and weak parts; <1 flattens. */
  contrast?: number;
  /** Amplitude tremolo depth (0..1 of the level) and rate in Hz (a trembling voice). */
  tremoloDepth?: number;
  tremoloHz?: number;
}

/** Level envelope every 5 ms over 30 ms windows: syllable-rate dynamics without following single glottal pulses. */
const ENV_HOP_SEC = 0.005;
const ENV_WIN_SEC = 0.03;
/** Contrast gains are capped at ±9 dB so a pause never gets pumped up nor a stressed vowel blasted. */
const MAX_CONTRAST_DB = 9;

/** Level (dB) of frames [from, to): mean square over `win` samples around f·hop, all channels together. */
function levelFrames(chs: Float32Array[], hop: number, win: number, levelDb: Float64Array, from: number, to: number): void {
  const n = chs[0]!.length;
  for (let f = from; f < to; f++) {
    const c0 = f * hop;
    let s = 0;
    let cnt = 0;
    for (let i = Math.max(0, c0 - (win >> 1)); i < Math.min(n, c0 + (win >> 1)); i++) {
      for (const ch of chs) s += ch[i]! * ch[i]!;
      cnt++;
    }
    levelDb[f] = 10 * Math.log10(s / Math.max(1, cnt * chs.length) + 1e-12);
  }
}

/** Energy shaping: contrast around the clip's median speech level and optional tremolo; linked across channels. */
export async function shapeEnergy(audio: AudioData, opts: EnergyOptions): Promise<AudioData> {
  const contrast = opts.contrast ?? 1;
  const depth = Math.min(0.9, Math.max(0, opts.tremoloDepth ?? 0));
  const rate = opts.tremoloHz ?? 5.5;
  const sr = audio.sampleRate;
  const n = audio.channels[0]?.length ?? 0;
  if ((contrast === 1 && depth === 0) || n === 0) {
    return { sampleRate: sr, channels: audio.channels.map((c) => c.slice()) };
  }
  const work = new Work(opts);
  const hop = Math.max(1, Math.round(ENV_HOP_SEC * sr));
  const win = Math.round(ENV_WIN_SEC * sr);
  const frames = Math.ceil(n / hop) + 1;
  const levelDb = new Float64Array(frames);
  // ~1 ms of work per piece: each frame sums `win` samples of every channel.
  const perPiece = Math.max(1, Math.floor(SAMPLE_BLOCK / (2 * win * audio.channels.length)));
  for (let f = 0; f < frames; f += perPiece) {
    levelFrames(audio.channels, hop, win, levelDb, f, Math.min(frames, f + perPiece));
    await work.step((0.3 * f) / frames);
  }
  await work.step(0.3);
  let max = -Infinity;
  for (const v of levelDb) if (v > max) max = v;
  // Speech frames: within 40 dB of the loudest; their median is the reference level the contrast pivots on.
  const speech = Array.from(levelDb).filter((v) => v > max - 40);
  speech.sort((a, b) => a - b);
  const ref = speech[speech.length >> 1] ?? max;
  const gDb = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    const d = Math.max(levelDb[f]!, max - 40) - ref;
    gDb[f] = Math.max(-MAX_CONTRAST_DB, Math.min(MAX_CONTRAST_DB, (contrast - 1) * d));
  }
  // 40 ms smoothing of the gain: no zipper noise, still follows syllables.
  const sm = movingAverage(gDb, Math.max(1, Math.round(0.04 / ENV_HOP_SEC)));
  const channels = audio.channels.map((c) => new Float32Array(c.length));
  for (let i = 0; i < n; i++) {
    const pos = i / hop;
    const f0 = Math.min(frames - 1, Math.floor(pos));
    const f1 = Math.min(frames - 1, f0 + 1);
    const w = pos - f0;
    let g = Math.pow(10, (sm[f0]! * (1 - w) + sm[f1]! * w) / 20);
    if (depth > 0) g *= 1 - depth * 0.5 * (1 - Math.cos((2 * Math.PI * rate * i) / sr));
    for (let c = 0; c < channels.length; c++) channels[c]![i] = audio.channels[c]![i]! * g;
    if ((i & 0xffff) === 0) await work.step(0.3 + (0.7 * i) / n);
  }
  await work.done();
  return { sampleRate: sr, channels };
}
