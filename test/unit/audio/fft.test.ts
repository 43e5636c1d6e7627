// The shared FFTs against a direct DFT: the mixed-radix complex transform (every radix path, including the generic
// butterfly), and the real-input FFT for power-of-two and other even sizes, forward and inverse.
import { describe, expect, it } from 'vitest';
import { FFT, MixedRadixFFT, RealFFT } from '../../../src-main/audio/fft';

function noise(n: number, seed: number): Float64Array {
  let state = seed >>> 0;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    state = (Math.imul(1664525, state) + 1013904223) >>> 0;
    x[i] = state / 2 ** 31 - 1;
  }
  return x;
}

/** Direct DFT in float64 (e^{-iωt}). */
function dft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const outR = new Float64Array(n);
  const outI = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * ((k * t) % n)) / n;
      sr += re[t]! * Math.cos(a) - im[t]! * Math.sin(a);
      si += re[t]! * Math.sin(a) + im[t]! * Math.cos(a);
    }
    outR[k] = sr;
    outI[k] = si;
  }
  return [outR, outI];
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): number {
  let d = 0;
  for (let i = 0; i < n; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('MixedRadixFFT', () => {
  const sizes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 20, 25, 30, 32, 49, 60, 77, 100, 120, 128, 200, 256, 243, 480, 960, 2 * 3 * 5 * 7 * 11];
  for (const n of sizes) {
    it(`equals a direct DFT at n = ${n}, and inverts`, () => {
      const re = noise(n, n);
      const im = noise(n, n + 7);
      const [er, ei] = dft(re, im);
      const fr = re.slice();
      const fi = im.slice();
      const f = new MixedRadixFFT(n);
      f.transform(fr, fi);
      const scale = Math.sqrt(n);
      expect(maxDiff(fr, er) / scale).toBeLessThan(1e-13);
      expect(maxDiff(fi, ei) / scale).toBeLessThan(1e-13);
      f.transform(fr, fi, true);
      expect(maxDiff(fr, re)).toBeLessThan(1e-13);
      expect(maxDiff(fi, im)).toBeLessThan(1e-13);
    });
  }

  it('agrees with the radix-2 FFT on powers of two', () => {
    for (const n of [2, 8, 64, 1024]) {
      const re = noise(n, 3);
      const im = noise(n, 4);
      const a = [re.slice(), im.slice()] as const;
      const b = [re.slice(), im.slice()] as const;
      new FFT(n).transform(a[0], a[1]);
      new MixedRadixFFT(n).transform(b[0], b[1]);
      expect(maxDiff(a[0], b[0])).toBeLessThan(1e-12);
      expect(maxDiff(a[1], b[1])).toBeLessThan(1e-12);
    }
  });

  it('refuses sizes with a large prime factor', () => {
    expect(() => new MixedRadixFFT(37)).toThrow(/prime factor 37/);
    expect(() => new MixedRadixFFT(0)).toThrow(/positive integer/);
  });
});

describe('RealFFT', () => {
  for (const n of [4, 16, 400, 512, 1920, 2 * 3 * 7]) {
    it(`gives bins 0..n/2 of a direct DFT at n = ${n}, and inverts`, () => {
      const x = noise(n, n);
      const [er, ei] = dft(x, new Float64Array(n));
      const re = new Float64Array(n / 2 + 1);
      const im = new Float64Array(n / 2 + 1);
      const f = new RealFFT(n);
      f.forward(x, re, im);
      expect(maxDiff(re, er, n / 2 + 1) / Math.sqrt(n)).toBeLessThan(1e-13);
      expect(maxDiff(im, ei, n / 2 + 1) / Math.sqrt(n)).toBeLessThan(1e-13);
      const back = new Float64Array(n);
      f.inverse(re, im, back);
      expect(maxDiff(back, x)).toBeLessThan(1e-13);
    });
  }

  it('refuses odd sizes', () => {
    expect(() => new RealFFT(401)).toThrow(/even/);
  });
});
