import { describe, expect, it } from 'vitest';
import { truePeak } from '../../../src-main/audio/analysis/loudness';
import { reshapeContour } from '../../../src-main/audio/dsp/contour';
import { truePeakLimit } from '../../../src-main/audio/dsp/dynamics';
import { FFT, RealFFT, stftApplyGain } from '../../../src-main/audio/fft';
import { insertSounds } from '../../../src-main/audio/dsp/insert';
import {
  autocorrelation,
  envelopeDb,
  formantsToPredictor,
  latticeInverse,
  latticeSynthesis,
  levinson,
  lpcTrack,
  predictorToReflection,
  reflectionToPredictor,
} from '../../../src-main/audio/dsp/lpc';
import { Rng } from '../../../src-main/audio/dsp/prng';
import { applyTilt, shapeEnergy } from '../../../src-main/audio/dsp/shape';
import { findBreaths, removeSilences } from '../../../src-main/audio/dsp/silence';
import { harmonic, rms } from './signals';

const SR = 24000;

describe('Rng', () => {
  it('repeats for a seed, differs across seeds and streams, and has unit-variance Gaussians', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const c = new Rng(6);
    const d = new Rng(5, 1);
    const sa = Array.from({ length: 8 }, () => a.u32());
    expect(Array.from({ length: 8 }, () => b.u32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.u32())).not.toEqual(sa);
    expect(Array.from({ length: 8 }, () => d.u32())).not.toEqual(sa);
    const g = new Rng(9);
    let s = 0;
    let s2 = 0;
    const n = 50000;
    for (let i = 0; i < n; i++) {
      const v = g.gauss();
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.03);
  });
});

describe('FFT', () => {
  it('RealFFT matches a direct DFT and inverts exactly', () => {
    const n = 32;
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(0.7 * i) + 0.3 * Math.cos(2.1 * i) + (i % 5) * 0.05);
    const re = new Float64Array(n / 2 + 1);
    const im = new Float64Array(n / 2 + 1);
    const f = new RealFFT(n);
    f.forward(x, re, im);
    for (let k = 0; k <= n / 2; k++) {
      let r = 0;
      let i2 = 0;
      for (let t = 0; t < n; t++) {
        r += x[t]! * Math.cos((2 * Math.PI * k * t) / n);
        i2 -= x[t]! * Math.sin((2 * Math.PI * k * t) / n);
      }
      expect(re[k]).toBeCloseTo(r, 9);
      expect(im[k]).toBeCloseTo(i2, 9);
    }
    const y = new Float64Array(n);
    f.inverse(re, im, y);
    for (let t = 0; t < n; t++) expect(y[t]).toBeCloseTo(x[t]!, 12);
    const c = new FFT(8);
    const cr = Float64Array.from([1, 0, 0, 0, 0, 0, 0, 0]);
    const ci = new Float64Array(8);
    c.transform(cr, ci);
    expect(Array.from(cr)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('STFT with unity gains reconstructs the input', () => {
    const x = harmonic(() => 180, SR, 0.5);
    const y = stftApplyGain(x, 1024, () => {});
    let err = 0;
    for (let i = 0; i < x.length; i++) err = Math.max(err, Math.abs(y[i]! - x[i]!));
    expect(err).toBeLessThan(1e-5);
  });
});

describe('LPC', () => {
  it('Levinson recovers an AR(2) process and the lattice filters invert each other exactly', () => {
    const rng = new Rng(3);
    const n = 20000;
    const x = new Float32Array(n);
    // x[n] = 1.3 x[n-1] − 0.6 x[n-2] + e  →  A(z) = 1 − 1.3 z^-1 + 0.6 z^-2
    for (let i = 0; i < n; i++) x[i] = (i > 1 ? 1.3 * x[i - 1]! - 0.6 * x[i - 2]! : 0) + rng.gauss();
    const { a } = levinson(autocorrelation(x, 2), 2);
    expect(a[1]).toBeCloseTo(-1.3, 1);
    expect(a[2]).toBeCloseTo(0.6, 1);
    const track = lpcTrack(x, 12, 600, 240);
    const back = latticeSynthesis(latticeInverse(x, track), track);
    let err = 0;
    for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(back[i]! - x[i]!));
    expect(err).toBeLessThan(1e-3 * Math.max(...Array.from(x, Math.abs)));
  });

  it('reflection ↔ predictor conversions round-trip; formant polynomials peak at their formants', () => {
    const a = formantsToPredictor([[700, 80], [1200, 100], [2600, 150]], SR);
    const k = predictorToReflection(a);
    const back = reflectionToPredictor(k);
    for (let j = 0; j < a.length; j++) expect(back[j]).toBeCloseTo(a[j]!, 9);
    const env = envelopeDb(a, SR, 4000, 401);
    const at = (hz: number) => env[Math.round(hz / 10)]!;
    expect(at(700)).toBeGreaterThan(at(950));
    expect(at(1200)).toBeGreaterThan(at(950));
  });
});

describe('true-peak limiter', () => {
  it('holds the analysis meter\'s true peak under the ceiling and leaves quiet audio untouched', () => {
    const x = harmonic(() => 220, SR, 1, 1.4);
    const y = truePeakLimit({ sampleRate: SR, channels: [x] }, { ceilingDb: -1.2 });
    expect(20 * Math.log10(truePeak(y))).toBeLessThanOrEqual(-1.1);
    const q = harmonic(() => 220, SR, 1, 0.3);
    const z = truePeakLimit({ sampleRate: SR, channels: [q] }, { ceilingDb: -1.2 });
    expect(Array.from(z.channels[0]!)).toEqual(Array.from(q));
  });
});

describe('shaping', () => {
  it('a positive tilt brightens: 4 kHz gains relative to 250 Hz by about 4 octaves × slope', async () => {
    const n = SR;
    const lo = Float32Array.from({ length: n }, (_, i) => 0.2 * Math.sin((2 * Math.PI * 250 * i) / SR));
    const hi = Float32Array.from({ length: n }, (_, i) => 0.2 * Math.sin((2 * Math.PI * 4000 * i) / SR));
    const tl = (await applyTilt({ sampleRate: SR, channels: [lo] }, 2)).channels[0]!;
    const th = (await applyTilt({ sampleRate: SR, channels: [hi] }, 2)).channels[0]!;
    const mid = [SR / 4, (3 * SR) / 4] as const;
    const gainLo = 20 * Math.log10(rms(tl, ...mid) / rms(lo, ...mid));
    const gainHi = 20 * Math.log10(rms(th, ...mid) / rms(hi, ...mid));
    expect(gainHi - gainLo).toBeCloseTo(8, 0);
  });

  it('energy contrast > 1 widens the level difference between loud and soft parts', async () => {
    const loud = harmonic(() => 150, SR, 0.5, 0.5);
    const soft = harmonic(() => 150, SR, 0.5, 0.1);
    const x = new Float32Array(loud.length + soft.length);
    x.set(loud);
    x.set(soft, loud.length);
    const y = (await shapeEnergy({ sampleRate: SR, channels: [x] }, { contrast: 1.3 })).channels[0]!;
    const before = 20 * Math.log10(rms(x, 2000, 10000) / rms(x, 14000, 22000));
    const after = 20 * Math.log10(rms(y, 2000, 10000) / rms(y, 14000, 22000));
    expect(after - before).toBeGreaterThan(2);
  });
});

describe('contour reshaping', () => {
  it('shift, range and declination act on the semitone contour around its median', () => {
    // 1 s of 100 Hz then 1 s of 200 Hz: median 200 (upper), contour 0 / +12 st around ~150 Hz.
    const f0 = Float32Array.from({ length: 200 }, (_, i) => (i < 100 ? 100 : 200));
    const r = reshapeContour({ hopSec: 0.01, f0Hz: f0 }, { shiftSt: 2, rangeScale: 0.5, medianHz: 200 });
    expect(r.semitones[10]).toBeCloseTo(2 + 0.5 * 12, 1);
    expect(r.semitones[190]).toBeCloseTo(2, 1);
    const d = reshapeContour({ hopSec: 0.01, f0Hz: new Float32Array(200).fill(150) }, { declinationStPerSec: -1 });
    expect(d.semitones[0]! - d.semitones[199]!).toBeCloseTo(2, 1);
    expect(d.semitones[100]).toBeCloseTo(0, 1);
  });
});

describe('silence removal', () => {
  it('caps long pauses, keeps short ones and the speech, crossfades the joins', () => {
    const tone = harmonic(() => 150, SR, 1, 0.3);
    const gap = (s: number) => new Float32Array(Math.round(s * SR));
    const parts = [gap(1), tone, gap(2), tone, gap(0.15), tone, gap(1)];
    const x = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      x.set(p, o);
      o += p.length;
    }
    const segs = [
      { start: 1, end: 2 },
      { start: 4, end: 5 },
      { start: 5.15, end: 6.15 },
    ];
    const { audio } = removeSilences({ sampleRate: SR, channels: [x] }, segs, { maxPauseSec: 0.2, edgeSec: 0.1, padSec: 0.04 });
    const dur = audio.channels[0]!.length / SR;
    // Speech padded by 40 ms a side: [0.96, 2.04] and, merged over the short 0.15 s pause, [3.96, 6.19] = 3.31 s;
    // plus the 2 s pause capped to 0.2 s (the crossfade overlaps material taken from the removed part) and 0.1 s edges.
    expect(dur).toBeCloseTo(3.31 + 0.2 + 0.2, 3);
    // Only silence was removed: the signal energy is all still there.
    const energy = (v: Float32Array) => v.reduce((a, b) => a + b * b, 0);
    expect(energy(audio.channels[0]!) / energy(x)).toBeCloseTo(1, 2);
  });

  it('by default cuts each pause over 100 ms to exactly 100 ms and keeps 30 ms at the ends, with fades there', () => {
    // Speech = constant 0.5 at 1–2 s, 2.05–3, 3.1–4, 4.3–5 and 6–7 s; pauses of 0.05, 0.1, 0.3 and 1 s; 1 s at each end.
    const x = new Float32Array(8 * SR).fill(0.001);
    const segs = [[1, 2], [2.05, 3], [3.1, 4], [4.3, 5], [6, 7]].map(([start, end]) => ({ start: start!, end: end! }));
    for (const g of segs) x.fill(0.5, g.start * SR, g.end * SR);
    const { audio, map } = removeSilences({ sampleRate: SR, channels: [x] }, segs);
    const out = audio.channels[0]!;
    // 4.55 s of speech, the 50 ms and 100 ms pauses whole, the 0.3 s and 1 s pauses at 100 ms, 30 ms margins.
    expect(out.length).toBe(Math.round((4.55 + 0.05 + 0.1 + 0.1 + 0.1 + 0.06) * SR));
    expect(map.kept.map((k) => [k.start / SR, k.end / SR])).toEqual([[0.97, 4.05], [4.25, 5.05], [5.95, 7.03]]);
    // Fades at the output's ends (cut into room tone), untouched samples right after them.
    expect(Math.abs(out[0]!)).toBeLessThan(0.001 / 10);
    expect(out[Math.round(0.01 * SR)]).toBeCloseTo(0.001, 6);
    expect(Math.abs(out[out.length - 1]!)).toBeLessThan(0.001 / 10);
    // A custom kept pause; and a kept pause of 2 s leaves every pause here whole.
    expect(removeSilences({ sampleRate: SR, channels: [x] }, segs, { maxPauseSec: 0.2, edgeSec: 0 }).audio.channels[0]!.length).toBe(
      Math.round((4.55 + 0.05 + 0.1 + 0.2 + 0.2) * SR),
    );
    expect(removeSilences({ sampleRate: SR, channels: [x] }, segs, { maxPauseSec: 2, edgeSec: 1 }).audio.channels[0]!.length).toBe(x.length);
  });

  it('finds a breath in a pause (10 dB over the pause floor, 0.1–1 s) and not room tone or clicks', () => {
    const x = new Float32Array(4 * SR).fill(0);
    for (let i = 0; i < x.length; i++) x[i] = 0.0005 * Math.sin(i * 1.3); // room tone, −69 dBFS
    for (let i = 1.8 * SR; i < 2.1 * SR; i++) x[i] = 0.02 * Math.sin(i * 0.9); // the breath, 300 ms, −37 dBFS
    for (let i = 2.5 * SR; i < 2.52 * SR; i++) x[i] = 0.3; // a 20 ms click: too short
    const speech = [{ start: 0.5, end: 1.5 }, { start: 3, end: 3.5 }];
    const breaths = findBreaths({ sampleRate: SR, channels: [x] }, speech);
    expect(breaths).toHaveLength(1);
    expect(breaths[0]!.start).toBeCloseTo(1.8, 2);
    expect(breaths[0]!.end).toBeCloseTo(2.1, 2);
    expect(findBreaths({ sampleRate: SR, channels: [x] }, [{ start: 0.5, end: 3.5 }])).toEqual([]);
  });

  it('returns the input unchanged when there is no speech', () => {
    const x = new Float32Array(1000).fill(0.01);
    const { audio } = removeSilences({ sampleRate: SR, channels: [x] }, []);
    expect(Array.from(audio.channels[0]!)).toEqual(Array.from(x));
  });
});

describe('insertSounds', () => {
  it('splits at the given times, copies the sound to every channel and reports where it landed', () => {
    const x = new Float32Array(SR).fill(0.1);
    const sound = new Float32Array(SR / 2).fill(0.5);
    const res = insertSounds({ sampleRate: SR, channels: [x, x] }, [{ time: 0.25, sound }], new Float32Array(0), 1);
    expect(res.audio.channels[0]!.length).toBe(SR + SR / 2);
    expect(res.placed[0]!.start).toBeCloseTo(0.25, 3);
    expect(res.placed[0]!.end).toBeCloseTo(0.75, 3);
    expect(res.audio.channels[1]![Math.round(0.5 * SR)]).toBeCloseTo(0.5, 5);
    expect(res.audio.channels[0]![Math.round(0.9 * SR)]).toBeCloseTo(0.1, 5);
  });
});
