// The decoder's TypeScript arithmetic on its own: bf16 rounding and the reference's bf16 nearest resize, the token
// reshape, the STFT/ISTFT pair, the NSF source's two forms and its seeded draws.

import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../../../src-main/engines/editx/lm/rng';
import { bf16, cosineGrid, nearestIndices } from '../../../src-main/engines/editx/decoder/prompt-cond';
import { tokenFrames, tokenPairs } from '../../../src-main/engines/editx/decoder/token-pairs';
import { nsfSource, nsfSourceReference, seededDraws } from '../../../src-main/engines/editx/vocoder/source';
import { istft, sourceStft, stftFrames } from '../../../src-main/engines/editx/vocoder/stft';

const settings = {
  sampleRate: 24000,
  samplesPerFrame: 480,
  source: { harmonics: 9, sineAmp: 0.1, noiseStd: 0.003, voicedThreshold: 10, mergeWeight: [0.3, -0.2, 0.1, 0.25, -0.4, 0.05, 0.2, -0.1, 0.15], mergeBias: 0.02 },
};

describe('bf16 and the prompt resize', () => {
  it('rounds to the nearest bfloat16, ties to even', () => {
    expect(bf16(1)).toBe(1);
    expect(bf16(1 + 2 ** -8)).toBe(1); // tie: even mantissa
    expect(bf16(1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6); // tie: rounds up to even
    expect(bf16(1 + 2 ** -8 + 2 ** -12)).toBe(1 + 2 ** -7);
    expect(bf16(-3.14159)).toBe(-3.140625);
    expect(bf16(Infinity)).toBe(Infinity);
  });

  it('picks frames as torch does for bf16 and float32 tensors', () => {
    // 20 → 18: the bf16 scale 1.109375 maps frame 9 to 9, the float32 scale 1.1111 to 10 (measured on torch 1.13).
    expect(nearestIndices(20, 18, true)[9]).toBe(9);
    expect(nearestIndices(20, 18, false)[9]).toBe(10);
    expect([...nearestIndices(7, 7, true)]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...nearestIndices(3, 6, false)]).toEqual([0, 0, 1, 1, 2, 2]);
    expect(Math.max(...nearestIndices(1503, 1500, true))).toBeLessThan(1503);
  });

  it('the cosine time grid', () => {
    const g = cosineGrid(10);
    expect(g).toHaveLength(11);
    expect(g[0]).toBe(0);
    expect(g[10]).toBe(1);
    g.forEach((t, i) => expect(Math.abs(t - (1 - Math.cos((i / 10) * Math.PI / 2)))).toBeLessThan(1e-7));
  });
});

describe('token reshape', () => {
  it('pads each part to whole groups with the reference tail, vq06 rows shifted by one, prompt first', () => {
    const pairs = (p: number[], g: number[]) => [...tokenPairs(p, g).pairs].map(Number);
    expect(pairs([1, 2, 1024 + 3, 1024 + 4, 1024 + 5], [7])).toEqual([1, 1028, 2, 1029, 1024, 1030, 7, 1025, 0, 1025, 1024, 1025]);
    expect(pairs([], [7, 8, 1024 + 9])).toEqual([7, 1034, 8, 1025, 1024, 1025]);
    expect(tokenFrames(0)).toBe(0);
    expect(tokenFrames(6)).toBe(6);
    const tp = tokenPairs([1, 2], [3]);
    expect(tp.promptFrames).toBe(3);
    expect(tp.generatedFrames).toBe(3);
    expect([...tp.pairs.slice(6, 8)]).toEqual([3n, 1025n]);
  });
});

describe('STFT and ISTFT', () => {
  const x = Float32Array.from({ length: 4800 }, (_, i) => Math.sin(i * 0.05) * 0.3 + Math.sin(i * 0.71) * 0.1 + ((i * 7919) % 13) / 130 - 0.05);

  it('the 16-point transform equals a direct DFT of the reflect-padded, windowed frames', () => {
    const frames = stftFrames(x.length, 4);
    const spec = sourceStft(x, 16, 4);
    for (const f of [0, 1, 2, 500, frames - 2, frames - 1]) {
      for (let k = 0; k <= 8; k++) {
        let re = 0;
        let im = 0;
        for (let i = 0; i < 16; i++) {
          let j = f * 4 - 8 + i;
          if (j < 0) j = -j;
          if (j >= x.length) j = 2 * (x.length - 1) - j;
          const w = Math.fround(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 16));
          re += (x[j] as number) * w * Math.cos((2 * Math.PI * k * i) / 16);
          im -= (x[j] as number) * w * Math.sin((2 * Math.PI * k * i) / 16);
        }
        expect(Math.abs((spec[k * frames + f] as number) - re)).toBeLessThan(1e-6);
        expect(Math.abs((spec[(9 + k) * frames + f] as number) - im)).toBeLessThan(1e-6);
      }
    }
  });

  it('reconstructs its input (16 points, and 32 through the general loops)', () => {
    for (const n of [16, 32]) {
      const hop = n / 4;
      const frames = stftFrames(x.length, hop);
      const spec = sourceStft(x, n, hop);
      const bins = n / 2 + 1;
      const y = istft({ real: spec.subarray(0, bins * frames), imag: spec.subarray(bins * frames), bins, frames }, n, hop, 0.99);
      expect(y.length).toBe(x.length);
      let m = 0;
      for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs((y[i] as number) - (x[i] as number)));
      expect(m).toBeLessThan(1e-6);
    }
  });

  it('clamps to the audio limit', () => {
    const loud = x.map((v) => v * 10);
    const frames = stftFrames(loud.length, 4);
    const spec = sourceStft(loud, 16, 4);
    const y = istft({ real: spec.subarray(0, 9 * frames), imag: spec.subarray(9 * frames), bins: 9, frames }, 16, 4, 0.5);
    expect(Math.max(...y)).toBe(0.5);
    expect(Math.min(...y)).toBe(-0.5);
  });
});

describe('NSF source', () => {
  const f0 = Float32Array.from({ length: 60 }, (_, i) => (i % 17 < 3 ? 0 : 90 + 60 * Math.sin(i / 7)));

  it('the fast form equals the float32 reference up to its phase rounding; seeded draws are reproducible', () => {
    const d = seededDraws(5, 9);
    const a = nsfSource(f0, settings, d);
    const b = nsfSourceReference(f0, settings, d);
    expect(a.length).toBe(60 * 480);
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
    // Phases reach ~2π·9·150 Hz·1.2 s ≈ 1e4 rad: half a float32 ulp (5e-4) × 0.1 × Σ|w| (1.8) ≈ 1e-4.
    expect(m).toBeLessThan(2e-4);
    expect(Buffer.from(nsfSource(f0, settings, seededDraws(5, 9)).buffer).equals(Buffer.from(a.buffer))).toBe(true);
    expect(Buffer.from(nsfSource(f0, settings, seededDraws(6, 9)).buffer).equals(Buffer.from(a.buffer))).toBe(false);
  });

  it('is noise alone where unvoiced, at the unvoiced level', () => {
    const silent = new Float32Array(40);
    const s = nsfSource(silent, settings, seededDraws(1, 9));
    let sum = 0;
    let sq = 0;
    for (const v of s) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / s.length;
    const sd = Math.sqrt(sq / s.length - mean * mean);
    const wNorm = Math.hypot(...settings.source.mergeWeight);
    // tanh(b + σ·‖w‖·z) with σ = 0.1/3: nearly linear at this level
    expect(Math.abs(mean - Math.tanh(0.02))).toBeLessThan(2e-3);
    expect(Math.abs(sd / ((0.1 / 3) * wNorm) - 1)).toBeLessThan(0.03); // 19,200 samples: the estimate is within ~1 %
  });

  it('draws bulk words identical to one at a time', () => {
    const a = Xoshiro128.fromSeed(9);
    const b = Xoshiro128.fromSeed(9);
    const words = new Uint32Array(100);
    a.fillUint32(words);
    for (const w of words) expect(w).toBe(b.nextUint32());
    expect(a.nextUint32()).toBe(b.nextUint32());
  });
});
