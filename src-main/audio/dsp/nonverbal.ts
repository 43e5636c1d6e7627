// Source–filter synthesis of non-verbal sounds (breaths, laughs, sighs, interjections) in a given speaker's voice:
// a glottal pulse train following an F0 contour relative to the speaker's median, mixed with aspiration noise, through
// the speaker's own vowel envelopes (voice.ts), or breath noise through a widened envelope. Recipes are data
// (engines/prosody/tags.ts); every random choice comes from the seeded generator.

import { deEmphasize, latticeSynthesis, predictorToReflection, type LpcTrack } from './lpc';
import { Rng } from './prng';
import type { Vowel, VoiceProfile } from './voice';

export type Sound = Vowel | 'm' | 'n';

export interface VoicedEvent {
  kind: 'voiced';
  /** Seconds. */
  dur: number;
  /** Sound at the start, and (optionally) the one it glides to by the end. */
  from: Sound;
  to?: Sound;
  /** F0 contour in semitones relative to the speaker's median, evenly spaced over the event (≥ 1 point). */
  f0St: number[];
  /** Level of the event's RMS relative to the speaker's speech RMS, dB. */
  levelDb: number;
  /** Aspiration noise share of the excitation, 0..1. */
  breath: number;
  /** Raised-cosine fade in / out, seconds. */
  attack: number;
  release: number;
}

export interface NoiseEvent {
  kind: 'noise';
  dur: number;
  /** inhale: brighter, slow rise; exhale: darker, quick rise and long fall; h: aspiration before a vowel. */
  shape: 'inhale' | 'exhale' | 'h';
  levelDb: number;
  attack: number;
  release: number;
}

export interface GapEvent {
  kind: 'gap';
  dur: number;
}

export type NonverbalEvent = VoicedEvent | NoiseEvent | GapEvent;

/** Nasal murmur: the /u/ envelope under a low-pass at 450 Hz (nasal murmurs carry most energy below ~500 Hz; Fujimura
 * 1962), applied as two one-pole sections. */
const NASAL_LP_HZ = 450;
/** Cycle-to-cycle F0 jitter (≈ 0.5 %) and amplitude shimmer (≈ 4 %): typical healthy-voice values that keep the
 * pulse train from sounding mechanical (Baken & Orlikoff 2000). */
const JITTER = 0.005;
const SHIMMER = 0.04;
/** Half-width of the band-limited pulse (windowed sinc), samples. */
const PULSE_HALF = 8;
/** Envelopes are interpolated between sounds every 5 ms. */
const ENV_HOP_SEC = 0.005;

function envelopeOf(p: VoiceProfile, s: Sound): Float64Array {
  if (s === 'm' || s === 'n') return p.vowels.u;
  return p.vowels[s];
}

function fade(n: number, attack: number, release: number, shape: 'cos' | 'inhale' | 'exhale' = 'cos'): Float32Array {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 1;
    if (i < attack) v = 0.5 - 0.5 * Math.cos((Math.PI * i) / attack);
    const fromEnd = n - 1 - i;
    if (fromEnd < release) v *= 0.5 - 0.5 * Math.cos((Math.PI * fromEnd) / release);
    if (shape === 'exhale') v *= Math.pow(1 - i / n, 0.7);
    g[i] = v;
  }
  return g;
}

function onePoleLowpass(x: Float32Array, hz: number, sr: number): Float32Array {
  const a = Math.exp((-2 * Math.PI * hz) / sr);
  const y = new Float32Array(x.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    s = (1 - a) * x[i]! + a * s;
    y[i] = s;
  }
  return y;
}

function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return x.length > 0 ? Math.sqrt(s / x.length) : 0;
}

function levelTo(x: Float32Array, p: VoiceProfile, levelDb: number): Float32Array {
  const r = rms(x);
  if (r === 0) return x;
  // A profile of digital silence still gets an audible (−30 dBFS) reference.
  const ref = p.speechRms > 0 ? p.speechRms : 0.03;
  const g = (ref * Math.pow(10, levelDb / 20)) / r;
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * g;
  return x;
}

/** LPC track gliding from one envelope to another (in reflection coefficients, which keeps every step stable). */
function glideTrack(a0: Float64Array, a1: Float64Array, n: number, hop: number): LpcTrack {
  const k0 = predictorToReflection(a0);
  const k1 = predictorToReflection(a1);
  const order = Math.min(k0.length, k1.length);
  const frames = Math.max(2, Math.ceil(n / hop) + 1);
  const k = new Float64Array(frames * order);
  for (let f = 0; f < frames; f++) {
    // Smoothstep: the glide dwells on both ends like a diphthong rather than moving at a constant rate.
    const t0 = Math.min(1, f / (frames - 1));
    const t = t0 * t0 * (3 - 2 * t0);
    for (let j = 0; j < order; j++) k[f * order + j] = k0[j]! * (1 - t) + k1[j]! * t;
  }
  return { order, hop, k, frames };
}

function contourAt(points: number[], t: number): number {
  if (points.length === 1) return points[0]!;
  const x = t * (points.length - 1);
  const i = Math.min(points.length - 2, Math.floor(x));
  const f = x - i;
  return points[i]! * (1 - f) + points[i + 1]! * f;
}

function synthVoiced(ev: VoicedEvent, p: VoiceProfile, rng: Rng): Float32Array {
  const sr = p.sampleRate;
  const n = Math.max(1, Math.round(ev.dur * sr));
  const exc = new Float32Array(n);
  // Glottal pulses: band-limited impulses (Hann-windowed sinc) at fractional positions, negative polarity like the
  // glottal closure instants of the LPC residual.
  let phase = rng.next();
  let jit = 0;
  const pulseAmp = (): number => 1 + SHIMMER * rng.gauss();
  for (let i = 0; i < n; i++) {
    const st = contourAt(ev.f0St, i / n);
    const f0 = p.medianF0Hz * Math.pow(2, st / 12) * (1 + jit);
    const step = f0 / sr;
    const next = phase + step;
    if (next >= 1) {
      const frac = (1 - phase) / step; // position of the closure inside this sample step
      const amp = -pulseAmp();
      for (let k = -PULSE_HALF; k <= PULSE_HALF; k++) {
        const idx = i + k;
        if (idx < 0 || idx >= n) continue;
        const d = k - frac;
        const sinc = Math.abs(d) < 1e-9 ? 1 : Math.sin(Math.PI * d) / (Math.PI * d);
        const w = 0.5 + 0.5 * Math.cos((Math.PI * d) / (PULSE_HALF + 1));
        exc[idx] = exc[idx]! + amp * sinc * w;
      }
      jit = JITTER * rng.gauss();
      phase = next - 1;
    } else phase = next;
  }
  // Aspiration noise, power-matched to the pulse train (≈ f0/sr per sample), shaped by the glottal cycle.
  const meanF0 = p.medianF0Hz * Math.pow(2, ev.f0St.reduce((a, b) => a + b, 0) / ev.f0St.length / 12);
  const noiseSd = Math.sqrt(meanF0 / sr);
  const b = Math.min(1, Math.max(0, ev.breath));
  for (let i = 0; i < n; i++) exc[i] = (1 - b) * exc[i]! + b * noiseSd * rng.gauss();
  const hop = Math.max(1, Math.round(ENV_HOP_SEC * sr));
  const track = glideTrack(envelopeOf(p, ev.from), envelopeOf(p, ev.to ?? ev.from), n, hop);
  let y = deEmphasize(latticeSynthesis(exc, track));
  const nasalFrom = ev.from === 'm' || ev.from === 'n';
  const nasalTo = (ev.to ?? ev.from) === 'm' || (ev.to ?? ev.from) === 'n';
  if (nasalFrom || nasalTo) {
    const lp = onePoleLowpass(onePoleLowpass(y, NASAL_LP_HZ, sr), NASAL_LP_HZ, sr);
    // Cross-fade between oral and nasal over the event when only one end is nasal ("hnn": h → n; "en": e → n).
    for (let i = 0; i < n; i++) {
      const t = i / n;
      const w = nasalFrom && nasalTo ? 1 : nasalTo ? Math.min(1, Math.max(0, (t - 0.3) / 0.4)) : Math.max(0, 1 - t / 0.4);
      // The nasal path loses ~10 dB of level in the low-pass; restore most of it so the murmur is not buried.
      y[i] = (1 - w) * y[i]! + w * 2.5 * lp[i]!;
    }
  }
  y = levelTo(y, p, ev.levelDb);
  const g = fade(n, Math.round(ev.attack * sr), Math.round(ev.release * sr));
  for (let i = 0; i < n; i++) y[i] = y[i]! * g[i]!;
  return y;
}

function synthNoise(ev: NoiseEvent, p: VoiceProfile, rng: Rng): Float32Array {
  const sr = p.sampleRate;
  const n = Math.max(1, Math.round(ev.dur * sr));
  const exc = new Float32Array(n);
  for (let i = 0; i < n; i++) exc[i] = rng.gauss();
  const hop = Math.max(1, Math.round(ENV_HOP_SEC * sr));
  const env = ev.shape === 'h' ? p.vowels.a : p.breath;
  const track = glideTrack(env, env, n, hop);
  let y = latticeSynthesis(exc, track);
  // Exhales and /h/ keep much of the voice's natural downward tilt; inhales stay brighter (turbulence at the glottis
  // and teeth, less tract resonance): a weaker de-emphasis.
  y = deEmphasize(y, ev.shape === 'inhale' ? 0.5 : 0.7);
  // Level is set on the sustained part, before the fades.
  y = levelTo(y, p, ev.levelDb);
  const g = fade(n, Math.round(ev.attack * sr), Math.round(ev.release * sr), ev.shape === 'exhale' ? 'exhale' : 'cos');
  for (let i = 0; i < n; i++) y[i] = y[i]! * g[i]!;
  return y;
}

/** Renders a sequence of events (back to back; gaps are silent) in the speaker's voice. */
export function synthesizeNonverbal(events: readonly NonverbalEvent[], p: VoiceProfile, seed: number): Float32Array {
  const rng = new Rng(seed, 0x7a6);
  const parts: Float32Array[] = [];
  for (const ev of events) {
    if (ev.kind === 'gap') parts.push(new Float32Array(Math.max(0, Math.round(ev.dur * p.sampleRate))));
    else if (ev.kind === 'voiced') parts.push(synthVoiced(ev, p, rng));
    else parts.push(synthNoise(ev, p, rng));
  }
  const total = parts.reduce((a, b) => a + b.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const q of parts) {
    out.set(q, o);
    o += q.length;
  }
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i]!)) out[i] = 0;
  return out;
}
