// A speaker's voice material for synthesising non-verbal sounds: median F0 from the F0 track, and spectral envelopes
// (LPC) of the speaker's own vowels, chosen among their voiced frames by the first two envelope peaks (F1, F2) nearest
// to each vowel's target after scaling the targets to the speaker's vocal-tract length. Also a breath envelope, the
// speech level and a room-tone sample, so inserted sounds sit at the right level over the recording's own background.

import { runSync, SAMPLE_BLOCK, type Steps } from '../steps';
import {
  autocorrelation,
  expandBandwidth,
  formantPeaks,
  formantsToPredictor,
  levinson,
  PRE_EMPHASIS,
  speechLpcOrder,
} from './lpc';

export type Vowel = 'a' | 'e' | 'i' | 'o' | 'u' | 'schwa';

/**
 * Vowel targets (F1, F2 in Hz) between adult male and female averages of Hillenbrand et al. 1995 (American English
 * /ɑ ɛ i o u ʌ/); only their relative layout matters, since they are scaled to the speaker.
 */
export const VOWEL_TARGETS: Record<Vowel, [number, number]> = {
  a: [800, 1300],
  e: [580, 1950],
  i: [340, 2500],
  o: [520, 950],
  u: [380, 1050],
  schwa: [640, 1400],
};
/** Mean (F1, F2) of the targets above: the reference the speaker's own mean is compared with. */
const TARGET_MEAN: [number, number] = [543, 1525];
/** Third and fourth formants and the bandwidths of the fallback formant envelopes (Klatt 1980 defaults). */
const FALLBACK_F3 = 2600;
const FALLBACK_F4 = 3500;
const FALLBACK_BW = [80, 100, 150, 250];

export interface F0TrackLike {
  hopSec: number;
  f0Hz: ArrayLike<number>;
}

export interface VoiceProfile {
  sampleRate: number;
  /** Median F0 of the speaker (Hz); a neutral 140 Hz when the input had no voicing. */
  medianF0Hz: number;
  /** Predictor polynomials (of the pre-emphasised voice) per vowel. */
  vowels: Record<Vowel, Float64Array>;
  /** Wide-band envelope for breath noise (the neutral vowel with formant bandwidths widened). */
  breath: Float64Array;
  /** RMS of the speech frames (linear) that inserted sounds are levelled against. */
  speechRms: number;
  /** The quietest 300 ms of the input (the room's own background), for filling inserted time. */
  roomTone: Float32Array;
  /** Frames the vowel envelopes were chosen from (0 = fallback formant envelopes). */
  voicedFramesUsed: number;
  /** Formant scale of the speaker relative to the targets (1 = average adult). */
  formantScale: number;
}

/** At most this many voiced frames are analysed: plenty for six vowel choices, bounded cost on long clips. */
const MAX_FRAMES = 600;
/** Frames averaged per vowel envelope: smooths single-frame estimation noise. */
const FRAMES_PER_VOWEL = 6;
/** 30 ms analysis window: two to three periods of a low voice. */
const LPC_WINDOW_SEC = 0.03;
/** Bandwidth expansion for breath noise: poles pulled in by 0.93 per sample (≈ +550 Hz bandwidth at 24 kHz). */
const BREATH_GAMMA = 0.93;
/** Neutral F0 when the input had none (e.g. whispered): between typical adult male and female medians. */
const NEUTRAL_F0_HZ = 140;
const ROOM_TONE_SEC = 0.3;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function frameRms(x: Float32Array, centre: number, len: number): number {
  let s = 0;
  let c = 0;
  for (let i = Math.max(0, centre - (len >> 1)); i < Math.min(x.length, centre + (len >> 1)); i++) {
    s += x[i]! * x[i]!;
    c++;
  }
  return c > 0 ? Math.sqrt(s / c) : 0;
}

/** Energy (every 4th sample) of the windows starting at s = from, from + step, … < to; the lowest and where. */
function lowestWindow(x: Float32Array, len: number, step: number, from: number, to: number, best: { e: number; at: number }): void {
  for (let s = from; s < to && s + len <= x.length; s += step) {
    let e = 0;
    for (let i = s; i < s + len; i += 4) e += x[i]! * x[i]!;
    if (e < best.e) {
      best.e = e;
      best.at = s;
    }
  }
}

function* quietestSpanSteps(x: Float32Array, len: number, step: number): Steps<Float32Array> {
  if (x.length <= len) return x.slice();
  const best = { e: Infinity, at: 0 };
  // ~1 ms per piece: each window sums len/4 samples.
  const per = step * Math.max(1, Math.floor((SAMPLE_BLOCK * 4) / len));
  for (let s = 0; s + len <= x.length; s += per) {
    lowestWindow(x, len, step, s, s + per, best);
    yield;
  }
  return x.slice(best.at, best.at + len);
}

/** frameRms of the frames centred at centres[from, to). */
function frameRmsMany(x: Float32Array, centres: number[], len: number, out: number[], from: number, to: number): void {
  for (let j = from; j < to; j++) out.push(frameRms(x, centres[j]!, len));
}

export function buildVoiceProfile(x: Float32Array, sampleRate: number, f0: F0TrackLike): VoiceProfile {
  return runSync(buildVoiceProfileSteps(x, sampleRate, f0));
}

/** buildVoiceProfile in pieces (see ../steps). */
export function* buildVoiceProfileSteps(x: Float32Array, sampleRate: number, f0: F0TrackLike): Steps<VoiceProfile> {
  const sr = sampleRate;
  const order = speechLpcOrder(sr);
  const win = Math.round(LPC_WINDOW_SEC * sr);
  const hann = new Float64Array(win);
  for (let i = 0; i < win; i++) hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / win);

  const voiced: number[] = [];
  const f0s: number[] = [];
  for (let i = 0; i < f0.f0Hz.length; i++) {
    if (f0.f0Hz[i]! > 0) {
      voiced.push(i);
      f0s.push(f0.f0Hz[i]!);
    }
  }
  const medianF0Hz = f0s.length >= 5 ? median(f0s) : NEUTRAL_F0_HZ;

  // Level of each voiced frame; keep the strong ones (vowel nuclei), within 15 dB of the 95th percentile.
  const centres = voiced.map((i) => Math.round(i * f0.hopSec * sr));
  const rms: number[] = [];
  const perPiece = Math.max(1, Math.floor(SAMPLE_BLOCK / win));
  for (let j = 0; j < centres.length; j += perPiece) {
    frameRmsMany(x, centres, win, rms, j, Math.min(centres.length, j + perPiece));
    yield;
  }
  const sortedRms = [...rms].sort((a, b) => a - b);
  const p95 = sortedRms[Math.floor(0.95 * (sortedRms.length - 1))] ?? 0;
  let strong = voiced.filter((_, j) => rms[j]! >= p95 * 10 ** (-15 / 20) && rms[j]! > 0);
  if (strong.length > MAX_FRAMES) {
    const stride = strong.length / MAX_FRAMES;
    strong = Array.from({ length: MAX_FRAMES }, (_, j) => strong[Math.floor(j * stride)]!);
  }

  // Speech level: RMS over frames within 30 dB of the loudest 10 ms frame.
  const hop10 = Math.max(1, Math.round(0.01 * sr));
  const levels: number[] = [];
  const levelCentres: number[] = [];
  for (let c = 0; c < x.length; c += hop10) levelCentres.push(c);
  const levelsPerPiece = Math.max(1, Math.floor(SAMPLE_BLOCK / (2 * hop10)));
  for (let j = 0; j < levelCentres.length; j += levelsPerPiece) {
    frameRmsMany(x, levelCentres, hop10 * 2, levels, j, Math.min(levelCentres.length, j + levelsPerPiece));
    yield;
  }
  let maxLevel = 0;
  for (const v of levels) if (v > maxLevel) maxLevel = v;
  const act = levels.filter((v) => v > maxLevel * 10 ** (-30 / 20));
  const speechRms = act.length > 0 ? Math.sqrt(act.reduce((a, b) => a + b * b, 0) / act.length) : 0;

  interface Cand {
    r: Float64Array;
    f1: number;
    f2: number;
  }
  const cands: Cand[] = [];
  const buf = new Float64Array(win);
  for (let k = 0; k < strong.length; k++) {
    const fi = strong[k]!;
    if (k % 16 === 15) yield;
    const centre = Math.round(fi * f0.hopSec * sr);
    const start = centre - (win >> 1);
    let prev = start - 1 >= 0 && start - 1 < x.length ? x[start - 1]! : 0;
    for (let i = 0; i < win; i++) {
      const idx = start + i;
      const v = idx >= 0 && idx < x.length ? x[idx]! : 0;
      buf[i] = (v - PRE_EMPHASIS * prev) * hann[i]!;
      prev = v;
    }
    const r = autocorrelation(buf, order);
    if (!(r[0]! > 0)) continue;
    const rn = r.map((v) => v / r[0]!);
    const peaks = formantPeaks(levinson(rn, order).a, sr);
    if (!peaks) continue;
    cands.push({ r: rn, f1: peaks[0], f2: peaks[1] });
  }

  const vowels = {} as Record<Vowel, Float64Array>;
  let formantScale = 1;
  if (cands.length >= FRAMES_PER_VOWEL) {
    const mF1 = median(cands.map((c) => c.f1));
    const mF2 = median(cands.map((c) => c.f2));
    formantScale = Math.sqrt((mF1 / TARGET_MEAN[0]) * (mF2 / TARGET_MEAN[1]));
    formantScale = Math.min(1.5, Math.max(0.75, formantScale));
    for (const v of Object.keys(VOWEL_TARGETS) as Vowel[]) {
      const [t1, t2] = VOWEL_TARGETS[v];
      const l1 = Math.log(t1 * formantScale);
      const l2 = Math.log(t2 * formantScale);
      const ranked = cands
        .map((c) => ({ c, d: (Math.log(c.f1) - l1) ** 2 + (Math.log(c.f2) - l2) ** 2 }))
        .sort((p, q) => p.d - q.d)
        .slice(0, v === 'schwa' ? cands.length : FRAMES_PER_VOWEL);
      const acc = new Float64Array(order + 1);
      for (const { c } of ranked) for (let j = 0; j <= order; j++) acc[j] = acc[j]! + c.r[j]!;
      vowels[v] = levinson(acc, order).a;
    }
  } else {
    for (const v of Object.keys(VOWEL_TARGETS) as Vowel[]) {
      const [f1, f2] = VOWEL_TARGETS[v];
      vowels[v] = formantsToPredictor(
        [
          [f1, FALLBACK_BW[0]!],
          [f2, FALLBACK_BW[1]!],
          [FALLBACK_F3, FALLBACK_BW[2]!],
          [FALLBACK_F4, FALLBACK_BW[3]!],
        ],
        sr,
      );
    }
  }
  return {
    sampleRate: sr,
    medianF0Hz,
    vowels,
    breath: expandBandwidth(vowels.schwa, BREATH_GAMMA),
    speechRms,
    roomTone: yield* quietestSpanSteps(x, Math.round(ROOM_TONE_SEC * sr), Math.max(1, Math.round(0.01 * sr))),
    voicedFramesUsed: cands.length >= FRAMES_PER_VOWEL ? cands.length : 0,
    formantScale,
  };
}
