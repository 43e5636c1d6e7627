import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computePeaks, parsePeaks, peakCount, peaksForRenderer, serializePeaks } from '../../../src-main/audio/peaks';
import { decodeWav } from '../../../src-main/audio/wav';
import { retakeError } from './helpers';

const Q = 32767;

describe('computePeaks', () => {
  it('gives min/max per bucket and channel on a known signal, the last bucket partial', () => {
    const ramp = Float32Array.from([0, 0.1, 0.2, 0.3, -0.5, 0.5, 0.25, -0.25, 1, 1.5]);
    const square = Float32Array.from([0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5]);
    const p = computePeaks({ sampleRate: 8000, channels: [ramp, square] }, 4);
    expect(p).toMatchObject({ sampleRate: 8000, samplesPerPeak: 4, frames: 10 });
    expect(peakCount(10, 4)).toBe(3);
    // min rounds down, max rounds up (in 1/32767 steps), values beyond ±1 clip.
    expect(Array.from(p.channels[0]!)).toEqual([0, Math.ceil(0.3 * Q), Math.floor(-0.5 * Q), Math.ceil(0.5 * Q), Q, Q]);
    expect(Array.from(p.channels[1]!)).toEqual([-16384, 16384, -16384, 16384, -16384, 16384]);
  });

  it('never draws the envelope inside the signal', () => {
    const x = new Float32Array(10000);
    let s = 7;
    for (let i = 0; i < x.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      x[i] = (s / 2 ** 32) * 1.8 - 0.9;
    }
    const p = computePeaks({ sampleRate: 16000, channels: [x] }, 100);
    for (let b = 0; b < 100; b++) {
      const seg = x.subarray(b * 100, b * 100 + 100);
      expect(p.channels[0]![2 * b]! / Q).toBeLessThanOrEqual(Math.min(...seg));
      expect(p.channels[0]![2 * b + 1]! / Q).toBeGreaterThanOrEqual(Math.max(...seg));
      expect(Math.max(...seg) - p.channels[0]![2 * b + 1]! / Q).toBeGreaterThan(-1 / Q - 1e-9);
    }
  });

  it('rejects a bucket size that is not a positive whole number', async () => {
    expect((await retakeError(() => computePeaks({ sampleRate: 8000, channels: [new Float32Array(4)] }, 0))).code).toBe('E_VALIDATION');
  });
});

describe('serializePeaks / parsePeaks', () => {
  it('round-trips exactly with a versioned 32-byte header', () => {
    const x = new Float32Array(5000).map((_, i) => Math.sin(i / 30) * (i / 5000));
    const y = new Float32Array(5000).map((_, i) => Math.cos(i / 7) * 0.3);
    const p = computePeaks({ sampleRate: 22050, channels: [x, y] }, 256);
    const bytes = serializePeaks(p);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('RTPK');
    expect(new DataView(bytes.buffer).getUint16(4, true)).toBe(1);
    expect(bytes.length).toBe(32 + 2 * peakCount(5000, 256) * 4);
    expect(parsePeaks(bytes)).toEqual(p);
    // A view into a larger buffer parses too.
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 5);
    expect(parsePeaks(padded.subarray(5, 5 + bytes.length))).toEqual(p);
  });

  it('refuses other files, other versions and truncated caches with E_CORRUPT_AUDIO', async () => {
    const bytes = serializePeaks(computePeaks({ sampleRate: 8000, channels: [new Float32Array(1000)] }, 64));
    const wrongMagic = bytes.slice();
    wrongMagic[0] = 0;
    const newer = bytes.slice();
    newer[4] = 2;
    for (const bad of [wrongMagic, newer, bytes.subarray(0, bytes.length - 1), bytes.subarray(0, 10), new Uint8Array(0)]) {
      const e = await retakeError(() => parsePeaks(bad));
      expect(e.code).toBe('E_CORRUPT_AUDIO');
      expect(e.message).toMatch(/compute it again/);
    }
  });
});

describe('peaksForRenderer', () => {
  const left = Float32Array.from([0.5, -0.25, 0.1, 0.2, -0.8, 0.3, 0, 0]);
  const right = Float32Array.from([0.1, -0.9, 0.4, 0.2, 0.7, -0.1, 0, 0.05]);
  const p = computePeaks({ sampleRate: 4, channels: [left, right] }, 2);
  const q = (v: number, up: boolean): number => (up ? Math.ceil(v * Q) : Math.floor(v * Q)) / Q;

  it('envelope layout: [max, min] over all channels, with the duration', () => {
    const r = peaksForRenderer(p);
    expect(r.duration).toBe(2);
    expect(r.peaks).toHaveLength(2);
    expect(r.peaks[0]).toEqual([q(0.5, true), q(0.4, true), q(0.7, true), q(0.05, true)]);
    expect(r.peaks[1]).toEqual([q(-0.9, false), q(0.1, false), q(-0.8, false), q(0, false)]);
  });

  it('channels layout: the signed extreme of larger magnitude per bucket and channel', () => {
    const r = peaksForRenderer(p, { layout: 'channels' });
    expect(r.peaks).toEqual([
      [q(0.5, true), q(0.2, true), q(-0.8, false), 0],
      [q(-0.9, false), q(0.4, true), q(0.7, true), q(0.05, true)],
    ]);
  });

  it('maxLength merges neighbouring buckets', () => {
    const r = peaksForRenderer(p, { maxLength: 2 });
    expect(r.peaks[0]).toEqual([q(0.5, true), q(0.7, true)]);
    expect(r.peaks[1]).toEqual([q(-0.9, false), q(-0.8, false)]);
    // Two pairs of 2 frames per bucket.
    expect(r.samplesPerBucket).toBe(4);
    expect(peaksForRenderer(p).samplesPerBucket).toBe(2);
  });

  it('works on a corpus file (mono speech)', () => {
    const path = join(process.cwd(), '..', 'shared', 'corpus', 'en_happy_prompt.wav');
    const audio = decodeWav(readFileSync(path), path);
    const peaks = computePeaks(audio);
    const r = peaksForRenderer(peaks);
    expect(r.peaks[0]!.length).toBe(Math.ceil(audio.channels[0]!.length / 256));
    expect(r.duration).toBeCloseTo(7.44, 2);
    expect(Math.max(...r.peaks[0]!)).toBeGreaterThan(0.1);
    expect(Math.min(...r.peaks[1]!)).toBeLessThan(-0.1);
    expect(serializePeaks(peaks).length).toBe(32 + r.peaks[0]!.length * 4);
  });
});
