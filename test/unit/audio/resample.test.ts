import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resample, resampleChannel, resampledLength } from '../../../src-main/audio/resample';
import { firstDifference, rms, sine, toneAmplitude } from './helpers';

interface GoldenCase { from: number; to: number; n: number; seed: number; inputSum: number; output: number[] }
const golden = JSON.parse(
  readFileSync(new URL('../../fixtures/audio/torchaudio_resample_golden.json', import.meta.url), 'utf8'),
) as { cases: GoldenCase[] };

/** Same signal as make_torchaudio_resample_golden.py (float64 maths, then float32). */
function goldenSignal(sr: number, n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const x = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    state = (Math.imul(1103515245, state) + 12345) >>> 0;
    const noise = ((state >>> 8) / 16777216) * 2 - 1;
    x[k] = 0.45 * noise + 0.3 * Math.sin((2 * Math.PI * 440 * k) / sr) + 0.2 * Math.sin(2 * Math.PI * 0.43 * k);
  }
  return x;
}

const db = (a: number, b: number): number => 20 * Math.log10(a / b);

describe('resample: torchaudioHann matches torchaudio.functional.resample', () => {
  for (const c of golden.cases) {
    it(`${c.from} → ${c.to} Hz (${c.n} samples)`, () => {
      const x = goldenSignal(c.from, c.n, c.seed);
      let sum = 0;
      for (const v of x) sum += v;
      expect(Math.abs(sum - c.inputSum)).toBeLessThan(1e-9);
      const y = resampleChannel(x, c.from, c.to, { mode: 'torchaudioHann' });
      expect(y.length).toBe(c.output.length);
      let maxErr = 0;
      for (let i = 0; i < y.length; i++) maxErr = Math.max(maxErr, Math.abs(y[i]! - c.output[i]!));
      // The brief asks for 1e-5; the float32-faithful kernel reaches ~1.2e-7 (the golden keeps 8 significant digits).
      expect(maxErr).toBeLessThanOrEqual(1e-6);
    });
  }
});

describe('resample: high quality', () => {
  it('keeps passband sine amplitudes within 0.1 dB', () => {
    const pairs: [number, number, number[]][] = [
      [48000, 16000, [100, 1000, 3000, 6500]],
      [44100, 16000, [440, 2500, 7000]],
      [24000, 16000, [300, 5000]],
      [16000, 24000, [1000, 7000]],
      [16000, 44100, [200, 7100]],
    ];
    for (const [from, to, freqs] of pairs) {
      for (const f of freqs) {
        const x = sine(f, from, Math.round(from * 0.25));
        const y = resampleChannel(x, from, to);
        const edge = Math.round(to * 0.02); // skip the zero-padded ends
        const a = toneAmplitude(y, f, to, edge, y.length - edge);
        expect(Math.abs(db(a, 0.5)), `${from}→${to} at ${f} Hz`).toBeLessThan(0.1);
      }
    }
  });

  it('attenuates tones above the new Nyquist by at least 80 dB', () => {
    const cases: [number, number, number][] = [
      [48000, 16000, 9000],
      [48000, 16000, 15000],
      [44100, 16000, 8200],
      [44100, 16000, 12000],
      [24000, 16000, 10000],
      [44100, 24000, 13000],
    ];
    for (const [from, to, f] of cases) {
      const x = sine(f, from, Math.round(from * 0.25), 0.9);
      const y = resampleChannel(x, from, to);
      const edge = Math.round(to * 0.02);
      const level = rms(y, edge, y.length - edge) * Math.SQRT2;
      expect(db(level, 0.9), `${from}→${to}, ${f} Hz`).toBeLessThan(-80);
    }
  });

  it('is the identity (a copy) when the rates are equal', () => {
    const x = sine(1234, 22050, 5000);
    const y = resampleChannel(x, 22050, 22050);
    expect(firstDifference(y, x)).toBe(-1);
    expect(y).not.toBe(x);
    expect(firstDifference(resampleChannel(x, 22050, 22050, { mode: 'torchaudioHann' }), x)).toBe(-1);
  });

  it('gives round(n·to/from) samples in high mode and ceil(n·to/from) in torchaudioHann mode', () => {
    for (const [n, from, to] of [[1001, 44100, 16000], [7, 48000, 44100], [12345, 8000, 22050], [1, 16000, 8000]] as const) {
      const exact = (n * to) / from;
      expect(resampleChannel(new Float32Array(n), from, to).length).toBe(Math.round(exact));
      expect(resampledLength(n, from, to)).toBe(Math.round(exact));
      expect(resampleChannel(new Float32Array(n), from, to, { mode: 'torchaudioHann' }).length).toBe(Math.ceil(exact));
    }
    // Chunks of whole gcd periods add up exactly.
    expect(resampledLength(441 * 10, 44100, 16000) * 3).toBe(resampledLength(441 * 30, 44100, 16000));
  });

  it('handles awkward ratios through the interpolated kernel', () => {
    // 44100 → 44101 has 44101 phases: too many to tabulate exactly.
    const x = sine(1000, 44100, 22050);
    const y = resampleChannel(x, 44100, 44101);
    expect(y.length).toBe(22050 + 1); // round(22050 · 44101 / 44100) = 22050.5 → 22051
    expect(Math.abs(db(toneAmplitude(y, 1000, 44101, 1000, y.length - 1000), 0.5))).toBeLessThan(0.01);
    const z = resampleChannel(sine(3000, 16001, 16001), 16001, 48000);
    expect(Math.abs(db(toneAmplitude(z, 3000, 48000, 2000, z.length - 2000), 0.5))).toBeLessThan(0.01);
  });

  it('resamples every channel of AudioData and keeps DC at unit gain', () => {
    const dc = new Float32Array(4800).fill(0.25);
    const out = resample({ sampleRate: 48000, channels: [dc, sine(440, 48000, 4800)] }, 16000);
    expect(out.sampleRate).toBe(16000);
    expect(out.channels).toHaveLength(2);
    expect(out.channels[0]!.length).toBe(1600);
    for (let i = 200; i < 1400; i++) expect(Math.abs(out.channels[0]![i]! - 0.25)).toBeLessThan(1e-5);
  });

  it('rejects rates that are not positive integers', () => {
    expect(() => resampleChannel(new Float32Array(10), 44100.5, 16000)).toThrow(/whole number/);
    expect(() => resampleChannel(new Float32Array(10), 44100, 0)).toThrow(/whole number/);
  });
});
