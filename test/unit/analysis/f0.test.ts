import { describe, expect, it } from 'vitest';
import { hzToSt, stToHz, summarizeF0, trackF0, ST_REF_HZ } from '../../../src-main/audio/analysis/f0';
import { harmonicTone, noise } from './corpus';

const RATES = [16000, 24000, 44100, 48000];

function stError(track: ReturnType<typeof trackF0>, truth: (t: number) => number, from = 0.1, to = Infinity): number[] {
  const errs: number[] = [];
  for (let i = 0; i < track.f0Hz.length; i++) {
    const t = i * track.hopSec;
    if (t < from || t > to || track.f0Hz[i]! <= 0) continue;
    errs.push(Math.abs(hzToSt(track.f0Hz[i]!) - hzToSt(truth(t))));
  }
  return errs;
}

describe('semitone scale', () => {
  it('is relative to 100 Hz and invertible', () => {
    expect(ST_REF_HZ).toBe(100);
    expect(hzToSt(100)).toBe(0);
    expect(hzToSt(200)).toBeCloseTo(12, 12);
    expect(hzToSt(50)).toBeCloseTo(-12, 12);
    expect(stToHz(hzToSt(173.3))).toBeCloseTo(173.3, 9);
  });
});

describe('trackF0 on harmonic tones', () => {
  for (const sr of RATES) {
    it(`finds F0 from 65 to 590 Hz at ${sr} Hz within 0.1 semitone`, () => {
      for (const f of [65, 80, 120, 220, 350, 500, 590]) {
        const s = summarizeF0(trackF0(harmonicTone(() => f, sr, 1), sr));
        expect(s.medianHz, `${f} Hz`).not.toBeNull();
        expect(Math.abs(s.medianSt! - hzToSt(f)), `${f} Hz`).toBeLessThan(0.1);
        expect(s.rangeSt!, `${f} Hz`).toBeLessThan(0.1);
        expect(s.voicedRatio!, `${f} Hz`).toBeGreaterThan(0.95);
      }
    });
  }

  it('follows vibrato (±1 st at 5.5 Hz) frame by frame and reports its range', () => {
    const sr = 24000;
    const f0 = (t: number) => 200 * 2 ** (Math.sin(2 * Math.PI * 5.5 * t) / 12);
    const track = trackF0(harmonicTone(f0, sr, 2), sr);
    const errs = stError(track, f0, 0.05, 1.95);
    expect(errs.length).toBeGreaterThan(180);
    expect(Math.max(...errs)).toBeLessThan(0.2);
    expect(errs.reduce((a, b) => a + b, 0) / errs.length).toBeLessThan(0.07);
    const s = summarizeF0(track);
    expect(Math.abs(s.medianSt! - hzToSt(200))).toBeLessThan(0.1);
    // 5th–95th percentile of a sinusoid of amplitude 1 st: 2·sin(0.45π) = 1.975 st.
    expect(Math.abs(s.rangeSt! - 2 * Math.sin(0.45 * Math.PI))).toBeLessThan(0.2);
  });

  it('follows a fast glide (100 → 300 Hz in 1 s)', () => {
    const sr = 16000;
    const f0 = (t: number) => 100 * 3 ** Math.min(1, t);
    const track = trackF0(harmonicTone(f0, sr, 1.2), sr);
    const errs = stError(track, f0, 0.05, 1.15);
    expect(errs.length).toBeGreaterThan(100);
    expect(Math.max(...errs)).toBeLessThan(0.2);
    expect(errs.reduce((a, b) => a + b, 0) / errs.length).toBeLessThan(0.05);
  });

  it('keeps the fundamental when the second harmonic dominates (no octave error)', () => {
    const sr = 24000;
    const n = sr;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const p = (2 * Math.PI * 150 * i) / sr;
      x[i] = 0.1 * Math.sin(p) + 0.3 * Math.sin(2 * p) + 0.1 * Math.sin(3 * p) + 0.05 * Math.sin(4 * p);
    }
    const s = summarizeF0(trackF0(x, sr));
    expect(Math.abs(s.medianSt! - hzToSt(150))).toBeLessThan(0.1);
  });

  it('places frames at i·10 ms: a tone starting at 0.5 s is voiced from frame ≈ 50', () => {
    const sr = 16000;
    const x = new Float32Array(sr * 1.5);
    x.set(harmonicTone(() => 180, sr, 1), sr / 2);
    const track = trackF0(x, sr);
    expect(track.f0Hz.length).toBe(151);
    const first = track.f0Hz.findIndex((f) => f > 0);
    expect(Math.abs(first - 50)).toBeLessThanOrEqual(3);
    expect(track.voicedProb[100]!).toBeGreaterThan(0.9);
    expect(track.aperiodicity[100]!).toBeLessThan(0.05);
  });
});

/** Two-formant "vowel" filter (resonators at 700 and 1200 Hz, 80 Hz bandwidth), output normalised to an RMS of 0.1. */
function vowel(excitation: Float32Array, sr: number): Float32Array {
  let x = Float64Array.from(excitation);
  for (const [f, bw] of [
    [700, 80],
    [1200, 80],
  ] as const) {
    const r = Math.exp((-Math.PI * bw) / sr);
    const c = 2 * r * Math.cos((2 * Math.PI * f) / sr);
    const y = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = x[i]! + c * (y[i - 1] ?? 0) - r * r * (y[i - 2] ?? 0);
    x = y;
  }
  let ms = 0;
  for (const v of x) ms += v * v;
  const g = 0.1 / Math.sqrt(ms / x.length);
  return Float32Array.from(x, (v) => v * g);
}

function rms(x: Float32Array): number {
  let ms = 0;
  for (const v of x) ms += v * v;
  return Math.sqrt(ms / x.length);
}

describe('voicing', () => {
  it('separates a voiced vowel, a breathy one and a whispered one', () => {
    const sr = 16000;
    const pulses = harmonicTone(() => 120, sr, 2);
    const hiss = noise(2 * sr, 21, 1);
    const mix = (noiseShare: number) => {
      const a = Math.sqrt(1 - noiseShare) / rms(pulses);
      const b = Math.sqrt(noiseShare) / rms(hiss);
      return Float32Array.from(pulses, (v, i) => a * v + b * hiss[i]!);
    };
    const voiced = summarizeF0(trackF0(vowel(mix(0), sr), sr));
    const breathy = summarizeF0(trackF0(vowel(mix(0.3), sr), sr));
    const whisper = summarizeF0(trackF0(vowel(mix(1), sr), sr));
    expect(voiced.voicedRatio!).toBeGreaterThan(0.95);
    expect(breathy.voicedRatio!).toBeGreaterThan(0.6);
    expect(Math.abs(breathy.medianSt! - hzToSt(120))).toBeLessThan(0.3);
    expect(whisper.voicedRatio!).toBeLessThan(0.1);
    expect(whisper.medianHz).toBeNull();
  });

  it('calls white noise unvoiced', () => {
    for (const sr of [16000, 48000]) {
      const s = summarizeF0(trackF0(noise(sr * 2, 11, 0.3), sr));
      expect(s.voicedRatio!).toBeLessThan(0.05);
      expect(s.speechFrames).toBeGreaterThan(150);
    }
  });

  it('returns no F0 and no voiced ratio for digital silence', () => {
    const track = trackF0(new Float32Array(32000), 16000);
    expect(track.f0Hz.every((f) => f === 0)).toBe(true);
    const s = summarizeF0(track);
    expect(s).toMatchObject({ medianHz: null, medianSt: null, rangeSt: null, voicedRatio: null, speechFrames: 0 });
  });

  it('measures half voiced for tone then noise at the same level', () => {
    const sr = 24000;
    const x = new Float32Array(2 * sr);
    x.set(harmonicTone(() => 140, sr, 1, 0.3), 0);
    x.set(noise(sr, 5, 0.3), sr);
    const s = summarizeF0(trackF0(x, sr));
    expect(Math.abs(s.voicedRatio! - 0.5)).toBeLessThan(0.05);
  });

  it('counts only frames inside the given speech segments', () => {
    const sr = 16000;
    const x = new Float32Array(3 * sr);
    x.set(harmonicTone(() => 140, sr, 1, 0.3), 0);
    x.set(noise(sr, 9, 0.3), 2 * sr);
    const track = trackF0(x, sr);
    const onlyTone = summarizeF0(track, [{ start: 0, end: 1 }]);
    expect(onlyTone.speechFrames).toBe(100);
    expect(onlyTone.voicedRatio!).toBeGreaterThan(0.95);
    const both = summarizeF0(track, [
      { start: 0, end: 1 },
      { start: 2, end: 3 },
    ]);
    expect(Math.abs(both.voicedRatio! - 0.5)).toBeLessThan(0.05);
    // Without segments the silent middle second does not dilute the ratio either (energy gate).
    expect(Math.abs(summarizeF0(track).voicedRatio! - 0.5)).toBeLessThan(0.05);
  });
});
