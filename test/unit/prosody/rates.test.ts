import { describe, expect, it } from 'vitest';
import { breathify } from '../../../src-main/audio/dsp/breathy';
import { timeStretch } from '../../../src-main/audio/dsp/stretch';
import { RealFFT } from '../../../src-main/audio/fft';
import { resampleChannel } from '../../../src-main/audio/resample';
import { createProsodyEngine } from '../../../src-main/engines/prosody';
import { corpus } from '../../integration/prosody/helpers';
import { harmonic } from './signals';

/** Energy of each band [edges[k], edges[k+1]) in dB relative to the energy below 8 kHz (Welch, ~170 ms Hann frames). */
function bandLevels(x: Float32Array, sr: number, edges: number[]): number[] {
  const n = 1 << Math.round(Math.log2(sr / 6));
  const fft = new RealFFT(n);
  const re = new Float64Array(n / 2 + 1);
  const im = new Float64Array(n / 2 + 1);
  const acc = new Float64Array(n / 2 + 1);
  const buf = new Float64Array(n);
  for (let s = 0; s + n <= x.length; s += n / 2) {
    for (let i = 0; i < n; i++) buf[i] = x[s + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
    fft.forward(buf, re, im);
    for (let k = 0; k <= n / 2; k++) acc[k]! += re[k]! ** 2 + im[k]! ** 2;
  }
  const hz = (k: number) => (k * sr) / n;
  let total = 0;
  for (let k = 0; k <= n / 2; k++) if (hz(k) < 8000) total += acc[k]!;
  return edges.slice(0, -1).map((lo, j) => {
    let e = 0;
    for (let k = 0; k <= n / 2; k++) if (hz(k) >= lo && hz(k) < edges[j + 1]!) e += acc[k]!;
    return 10 * Math.log10(e / total);
  });
}

describe('results do not depend on the sample rate', () => {
  it('a full whisper has the same spectral balance at 16, 24, 48 and 96 kHz (within 2 dB per band)', async () => {
    const a = await corpus('en_happy_prompt.wav');
    const x24 = resampleChannel(a.channels[0]!, a.sampleRate, 24000);
    const edges = [250, 500, 1000, 2000, 4000, 8000];
    const levelsAt = async (sr: number): Promise<number[]> => {
      const x = sr === 24000 ? x24 : resampleChannel(x24, 24000, sr);
      const y = await breathify({ sampleRate: sr, channels: [x] }, { amount: 1, seed: 1 });
      return bandLevels(y.channels[0]!, sr, edges);
    };
    const ref = await levelsAt(24000);
    for (const sr of [16000, 48000, 96000]) {
      const lv = await levelsAt(sr);
      lv.forEach((v, k) => {
        // Before the LPC ran at 24 kHz at most, 48 and 96 kHz put 9 dB more into 4–8 kHz and 4 dB more into 2–4 kHz.
        expect(Math.abs(v - ref[k]!), `${sr} Hz, ${edges[k]}–${edges[k + 1]} Hz: ${v.toFixed(1)} dB vs ${ref[k]!.toFixed(1)} dB`).toBeLessThan(2);
      });
    }
  });

  it('a pitch track is followed at the same time resolution at every rate', async () => {
    // One process() call of the stretcher per block of the track, and one progress report per call.
    const blocksAt = async (sr: number): Promise<number> => {
      const x = harmonic(() => 150, sr, 1, 0.4);
      let reports = 0;
      await timeStretch(
        { sampleRate: sr, channels: [x] },
        {
          tempo: 1,
          pitchTrack: { hopSeconds: 0.01, semitones: Float32Array.from({ length: 101 }, (_, i) => Math.sin(i / 5)) },
          onProgress: (v) => {
            if (v < 1) reports++;
          },
        },
      );
      return reports;
    };
    const at24 = await blocksAt(24000);
    expect(at24).toBeGreaterThan(80);
    for (const sr of [16000, 48000, 96000]) expect(Math.abs((await blocksAt(sr)) - at24), `${sr} Hz`).toBeLessThanOrEqual(1);
  });
});

describe('input length', () => {
  it('the engine declares a longest input', () => {
    const caps = createProsodyEngine().capabilities();
    expect(caps.maxInputSeconds).toBe(600);
  });
});
