import { describe, expect, it } from 'vitest';
import { summarizeF0, trackF0 } from '../../../src-main/audio/analysis/f0';
import { pitchShift, timeStretch } from '../../../src-main/audio/dsp/stretch';
import { harmonic, impulses, peaksAbove } from './signals';

const SR = 24000;

function medianF0St(x: Float32Array): number {
  const s = summarizeF0(trackF0(x, SR));
  expect(s.medianSt).not.toBeNull();
  return s.medianSt!;
}

describe('timeStretch', () => {
  it.each([1, 1.25, 0.8, 1.5, 0.67, 2, 0.5])('tempo %s: length round(n/tempo), clicks land at round(t/tempo)', async (tempo) => {
    const n = SR * 2 + 17;
    const x = impulses(n, 1000, 4800);
    const y = await timeStretch({ sampleRate: SR, channels: [x] }, { tempo });
    expect(y.channels[0]!.length).toBe(Math.round(n / tempo));
    const got = peaksAbove(y.channels[0]!, 0.3);
    for (let k = 1000; k < n - 2000; k += 4800) {
      const want = k / tempo;
      // At slow tempi a click is smeared over a few samples; its nearest peak stays within 1 ms.
      const nearest = got.reduce((b, p) => (Math.abs(p - want) < Math.abs(b - want) ? p : b), -1e9);
      expect(Math.abs(nearest - want)).toBeLessThanOrEqual(0.001 * SR);
    }
  });

  it('keeps channels apart and aligned', async () => {
    const x = impulses(SR, 500, 6000);
    const y = await timeStretch({ sampleRate: SR, channels: [x, x.map((v) => -0.5 * v)] }, { tempo: 1.25 });
    const p = peaksAbove(y.channels[0]!, 0.3)[0]!;
    expect(y.channels[1]![p]! / y.channels[0]![p]!).toBeCloseTo(-0.5, 1);
  });

  it('keeps pitch while changing tempo', async () => {
    const x = harmonic(() => 150, SR, 2);
    const y = await timeStretch({ sampleRate: SR, channels: [x] }, { tempo: 1.5 });
    expect(Math.abs(medianF0St(y.channels[0]!) - medianF0St(x))).toBeLessThan(0.2);
  });

  it('pitch shift moves F0 by the requested semitones', async () => {
    const x = harmonic(() => 150, SR, 2);
    const y = await pitchShift({ sampleRate: SR, channels: [x] }, 3);
    expect(y.channels[0]!.length).toBe(x.length);
    expect(medianF0St(y.channels[0]!) - medianF0St(x)).toBeCloseTo(3, 0);
  });

  it('a pitch track transposes each part of the input by its own amount', async () => {
    const x = harmonic(() => 150, SR, 3);
    // 0 st for the first 1.5 s, +4 st after.
    const semis = Float32Array.from({ length: 300 }, (_, i) => (i < 150 ? 0 : 4));
    const y = await timeStretch({ sampleRate: SR, channels: [x] }, { tempo: 1, pitchTrack: { hopSeconds: 0.01, semitones: semis } });
    const first = medianF0St(y.channels[0]!.subarray(0, Math.round(1.2 * SR)));
    const second = medianF0St(y.channels[0]!.subarray(Math.round(1.8 * SR)));
    expect(second - first).toBeGreaterThan(3.5);
    expect(second - first).toBeLessThan(4.5);
  });

  it('is deterministic', async () => {
    const x = harmonic((t) => 120 + 30 * t, SR, 1);
    const a = await timeStretch({ sampleRate: SR, channels: [x] }, { tempo: 0.8, semitones: 2 });
    const b = await timeStretch({ sampleRate: SR, channels: [x] }, { tempo: 0.8, semitones: 2 });
    expect(Buffer.from(a.channels[0]!.buffer).equals(Buffer.from(b.channels[0]!.buffer))).toBe(true);
  });

  it('rejects a non-positive tempo', async () => {
    await expect(timeStretch({ sampleRate: SR, channels: [new Float32Array(10)] }, { tempo: 0 })).rejects.toMatchObject({
      code: 'E_VALIDATION',
    });
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      timeStretch({ sampleRate: SR, channels: [harmonic(() => 100, SR, 1)] }, { tempo: 1.1, signal: ac.signal }),
    ).rejects.toThrow();
  });
});
