// F0 contour reshaping: from a measured F0 track, the per-frame transposition (semitones) that turns the speaker's
// contour into a target with a shifted mean, a scaled range, an added declination and an optional vibrato. The result
// drives the block-wise transposition of the formant-preserving stretcher (stretch.ts, `pitchTrack`).
//
// Why block-wise transposition rather than PSOLA: signalsmith's phase-vocoder transposition keeps the spectral envelope
// (formant compensation) and handles unvoiced and mixed frames gracefully, whereas PSOLA needs reliable pitch marks and
// produces buzz or doubled pulses wherever the tracker errs (creaky voice, fast transitions). The contour changes we
// need are smooth (mean, range, declination, ~5 Hz vibrato), well within the ~10–30 ms update of the block-wise path.

export interface ContourTrack {
  hopSec: number;
  /** F0 per frame in Hz, 0 where unvoiced. */
  f0Hz: ArrayLike<number>;
}

export interface ContourTarget {
  /** Shift of the mean (median) F0 in semitones. */
  shiftSt?: number;
  /** Multiplier of F0 excursions around the median, in the semitone domain (1 = unchanged, 0 = monotone). */
  rangeScale?: number;
  /** Added F0 slope inside each phrase, semitones per second (negative = more falling), centred on the phrase. */
  declinationStPerSec?: number;
  /** Vibrato depth (semitones, peak) and rate (Hz). */
  vibratoSt?: number;
  vibratoHz?: number;
  /** Phrases (seconds) over which declination runs; the whole clip when absent. */
  phrases?: ReadonlyArray<{ start: number; end: number }>;
  /** Hz → semitones reference for the output's "median" (default: the track's own voiced median). */
  medianHz?: number;
}

/** Declination is capped at ±4 st over a phrase: beyond that it stops sounding like intonation. */
const MAX_DECLINATION_ST = 4;
/** Transpositions are clamped to ±12 st: larger shifts are never an expressive intent. */
const MAX_SHIFT_ST = 12;
/** 50 ms smoothing of the interpolated contour: removes tracker jitter, keeps accents (~150–300 ms). */
const SMOOTH_SEC = 0.05;

export interface ContourResult {
  hopSeconds: number;
  semitones: Float32Array;
  /** Median F0 (Hz) of the voiced frames, or null when the track had too few. */
  medianHz: number | null;
}

/** Median of voiced frames in Hz (null below 5 voiced frames). */
export function voicedMedianHz(f0Hz: ArrayLike<number>): number | null {
  const v: number[] = [];
  for (let i = 0; i < f0Hz.length; i++) if (f0Hz[i]! > 0) v.push(f0Hz[i]!);
  if (v.length < 5) return null;
  v.sort((a, b) => a - b);
  return v[v.length >> 1]!;
}

/** Semitone contour with unvoiced gaps bridged linearly (held at the ends), lightly smoothed. */
export function continuousContourSt(f0Hz: ArrayLike<number>, hopSec: number, refHz: number): Float64Array | null {
  const n = f0Hz.length;
  const st = new Float64Array(n);
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (f0Hz[i]! > 0) {
      const v = 12 * Math.log2(f0Hz[i]! / refHz);
      if (last < 0) for (let j = 0; j < i; j++) st[j] = v;
      else {
        const a = st[last]!;
        for (let j = last + 1; j < i; j++) st[j] = a + ((v - a) * (j - last)) / (i - last);
      }
      st[i] = v;
      last = i;
    }
  }
  if (last < 0) return null;
  for (let j = last + 1; j < n; j++) st[j] = st[last]!;
  const half = Math.max(1, Math.round(SMOOTH_SEC / hopSec / 2));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let c = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(n - 1, i + half); j++) {
      s += st[j]!;
      c++;
    }
    out[i] = s / c;
  }
  return out;
}

/** The per-frame transposition (semitones, at the track's hop) that realises `target` on the track's contour. */
export function reshapeContour(track: ContourTrack, target: ContourTarget): ContourResult {
  const n = track.f0Hz.length;
  const hop = track.hopSec;
  const shift = target.shiftSt ?? 0;
  const scale = target.rangeScale ?? 1;
  const decl = target.declinationStPerSec ?? 0;
  const vib = target.vibratoSt ?? 0;
  const vibHz = target.vibratoHz ?? 5.5;
  const semis = new Float32Array(n);
  const median = target.medianHz ?? voicedMedianHz(track.f0Hz);
  const contour = median !== null ? continuousContourSt(track.f0Hz, hop, median) : null;
  const duration = n * hop;
  const phrases = target.phrases && target.phrases.length > 0 ? target.phrases : [{ start: 0, end: duration }];
  for (let i = 0; i < n; i++) {
    const t = i * hop;
    let s = shift;
    if (contour && scale !== 1) s += (scale - 1) * contour[i]!;
    if (decl !== 0) {
      // Declination within the phrase holding t (or the nearest one), zero-mean over the phrase.
      let ph = phrases[0]!;
      let best = Infinity;
      for (const p of phrases) {
        const d = t < p.start ? p.start - t : t > p.end ? t - p.end : 0;
        if (d < best) {
          best = d;
          ph = p;
        }
      }
      const mid = (ph.start + ph.end) / 2;
      const tt = Math.min(ph.end, Math.max(ph.start, t));
      const span = Math.min(MAX_DECLINATION_ST, Math.abs(decl) * (ph.end - ph.start)) / 2;
      const raw = decl * (tt - mid);
      s += Math.max(-span, Math.min(span, raw));
    }
    if (vib !== 0) s += vib * Math.sin(2 * Math.PI * vibHz * t);
    semis[i] = Math.max(-MAX_SHIFT_ST, Math.min(MAX_SHIFT_ST, s));
  }
  return { hopSeconds: hop, semitones: semis, medianHz: median };
}
