import { describe, expect, it } from 'vitest';
import {
  ANALYSIS_VERSION,
  analyze,
  formatDeltas,
  formatMetrics,
  metricDeltas,
} from '../../../src-main/audio/analysis';
import type { TakeMetrics } from '../../../src-main/audio/analysis';
import { RetakeError } from '../../../src-main/contract/errors';
import { resampleChannel } from '../../../src-main/audio/resample';
import { MAX_CHANNELS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from '../../../src-main/audio/limits';
import { corpusEntries, readCorpusWav } from './corpus';

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
}

describe('analyze on the corpus', () => {
  it('returns finite, plausible, JSON-serialisable metrics for every file', async () => {
    for (const e of corpusEntries()) {
      const a = readCorpusWav(e.file);
      const m = await analyze(a);
      const dur = a.channels[0]!.length / a.sampleRate;
      expect(JSON.parse(JSON.stringify(m)), e.file).toEqual(m);
      expect(m.analysisVersion).toBe(ANALYSIS_VERSION);
      expect(m.sampleRate).toBe(a.sampleRate);
      expect(m.channels).toBe(1);
      expect(m.durationSec, e.file).toBeCloseTo(dur, 3);
      expect(m.speechSec, e.file).toBeGreaterThan(0.5 * dur);
      expect(m.speechSec, e.file).toBeLessThanOrEqual(m.durationSec);
      for (const g of m.segments) {
        expect(g.start, e.file).toBeGreaterThanOrEqual(0);
        expect(g.end, e.file).toBeLessThanOrEqual(m.durationSec);
      }
      expect(m.f0MedianHz!, e.file).toBeGreaterThan(70);
      expect(m.f0MedianHz!, e.file).toBeLessThan(400);
      expect(m.f0MedianSt!, e.file).toBeCloseTo(12 * Math.log2(m.f0MedianHz! / 100), 2);
      expect(m.f0RangeSt!, e.file).toBeGreaterThan(3);
      expect(m.f0RangeSt!, e.file).toBeLessThan(24);
      expect(m.voicedRatio!, e.file).toBeGreaterThan(0.3);
      expect(m.voicedRatio!, e.file).toBeLessThanOrEqual(1);
      expect(m.loudnessLufs!, e.file).toBeGreaterThan(-35);
      expect(m.loudnessLufs!, e.file).toBeLessThan(-10);
      expect(m.loudnessRangeLu!, e.file).toBeGreaterThanOrEqual(0);
      expect(m.truePeakDbtp!, e.file).toBeGreaterThanOrEqual(m.samplePeakDbfs! - 0.001);
      expect(m.truePeakDbtp!, e.file).toBeLessThan(1);
      expect(m.speakingRateSyllPerSec!, e.file).toBeGreaterThan(2);
      expect(m.speakingRateSyllPerSec!, e.file).toBeLessThan(9);
    }
  });

  it('measures a 2-semitone, 12 % faster replay as +2 st, ×0.89 duration, ×1.12 rate', async () => {
    const a = readCorpusWav('en_happy_prompt.wav');
    const factor = 2 ** (2 / 12);
    const fastRate = Math.round(a.sampleRate * factor);
    const parent = await analyze(a);
    const child = await analyze({ sampleRate: fastRate, channels: a.channels });
    const d = metricDeltas(parent, child);
    expect(Math.abs(d.f0MedianSt! - 2)).toBeLessThan(0.3);
    expect(Math.abs(d.f0RangeSt!)).toBeLessThan(1);
    expect(d.durationRatio!).toBeCloseTo(a.sampleRate / fastRate, 3);
    expect(Math.abs(d.speechSecRatio! - 1 / factor)).toBeLessThan(0.05);
    expect(Math.abs(d.speakingRateRatio! - factor)).toBeLessThan(0.15);
    expect(Math.abs(d.voicedRatioRatio! - 1)).toBeLessThan(0.15);
    expect(Math.abs(d.loudnessLu!)).toBeLessThan(1);
    expect(formatDeltas(d)).toMatch(/^duration ×0\.89 · F0 \+[12]\.\d st · /);
  });
});

describe('analyze edge cases', () => {
  it('reports silence as no speech and null levels', async () => {
    const m = await analyze({ sampleRate: 16000, channels: [new Float32Array(32000)] });
    expect(m).toMatchObject({
      durationSec: 2,
      speechSec: 0,
      segments: [],
      f0MedianHz: null,
      f0MedianSt: null,
      f0RangeSt: null,
      voicedRatio: null,
      loudnessLufs: null,
      truePeakDbtp: null,
      samplePeakDbfs: null,
      speakingRateSyllPerSec: null,
    });
    expect(formatMetrics(m)).toBe('2.00 s (speech 0.00 s) · F0 –, range – · voiced – · – · TP – · –');
  });

  it('measures speech at 4, 6 and 8 kHz like the same band-limited speech at 16 kHz', async () => {
    const a = readCorpusWav('en_happy_prompt.wav');
    for (const sr of [4000, 6000, 8000]) {
      const low = resampleChannel(a.channels[0]!, a.sampleRate, sr);
      const m = await analyze({ sampleRate: sr, channels: [low] });
      const ref = await analyze({ sampleRate: 16000, channels: [resampleChannel(low, sr, 16000)] });
      expect(m.sampleRate).toBe(sr);
      expect(m.durationSec).toBeCloseTo(low.length / sr, 3);
      expect(m.loudnessLufs, `${sr} Hz`).not.toBeNull();
      expect(Math.abs(m.loudnessLufs! - ref.loudnessLufs!), `${sr} Hz loudness`).toBeLessThan(0.2);
      expect(Math.abs(m.f0MedianSt! - ref.f0MedianSt!), `${sr} Hz F0`).toBeLessThan(0.3);
      expect(Math.abs(m.speechSec - ref.speechSec), `${sr} Hz speech`).toBeLessThan(0.1);
      expect(m.truePeakDbtp!).toBeGreaterThanOrEqual(m.samplePeakDbfs! - 0.001);
    }
  });

  it('measures everything at the lowest accepted rate (4 kHz) and refuses anything below it before any work', async () => {
    const a = readCorpusWav('en_happy_prompt.wav');
    const low = resampleChannel(a.channels[0]!, a.sampleRate, MIN_SAMPLE_RATE);
    const m = await analyze({ sampleRate: MIN_SAMPLE_RATE, channels: [low] });
    expect(m.loudnessLufs).not.toBeNull();
    expect(m.truePeakDbtp).not.toBeNull();
    expect(m.durationSec).toBeCloseTo(low.length / MIN_SAMPLE_RATE, 3);
    expect(m.speechSec).toBeGreaterThan(0.5 * m.durationSec);
    expect(m.f0MedianHz).not.toBeNull();
    const below = await errorOf(analyze({ sampleRate: MIN_SAMPLE_RATE - 1, channels: [low] }));
    expect((below as RetakeError).code).toBe('E_UNSUPPORTED_AUDIO');
    expect((below as RetakeError).message).toMatch(/3\.999 kHz.*4 kHz to 768 kHz/);
  });

  it('refuses 1 Hz, 4 GHz and 65-channel audio before any work, with the limit in its details', async () => {
    // The hostile case: 24,000 samples declared at 1 Hz are 24,000 s, which resampled to 16 kHz for the VAD used to
    // take 153 s and 6 GB.
    for (const [sampleRate, channels, limit] of [
      [1, 1, 'sampleRate'],
      [4_000_000_000, 1, 'sampleRate'],
      [MAX_SAMPLE_RATE + 1, 1, 'sampleRate'],
      [48000, MAX_CHANNELS + 1, 'channels'],
    ] as const) {
      const audio = { sampleRate, channels: Array.from({ length: channels }, () => new Float32Array(24000).fill(0.1)) };
      const err = (await errorOf(analyze(audio))) as RetakeError;
      expect(err.code).toBe('E_UNSUPPORTED_AUDIO');
      expect(err.message.split('\n')).toHaveLength(1);
      expect((err.details as { limit: string }).limit).toBe(limit);
    }
    const ok = await analyze({ sampleRate: MAX_SAMPLE_RATE, channels: [new Float32Array(MAX_SAMPLE_RATE / 4)] });
    expect(ok.durationSec).toBe(0.25);
  });

  it('rejects empty, non-finite and invalid-rate audio with the matching error codes', async () => {
    const cases: [Parameters<typeof analyze>[0], string][] = [
      [{ sampleRate: 16000, channels: [new Float32Array(0)] }, 'E_EMPTY_AUDIO'],
      [{ sampleRate: 16000, channels: [Float32Array.from([0, Number.NaN, 0])] }, 'E_INVALID_SAMPLES'],
      [{ sampleRate: 16000, channels: [Float32Array.from([0, 1e30, 0])] }, 'E_INVALID_SAMPLES'],
      [{ sampleRate: 16000, channels: [Float32Array.from([0, -1000.5, 0])] }, 'E_INVALID_SAMPLES'],
      [{ sampleRate: 0, channels: [new Float32Array(4000)] }, 'E_UNSUPPORTED_AUDIO'],
      [{ sampleRate: 16000, channels: [] }, 'E_UNSUPPORTED_AUDIO'],
      [{ sampleRate: 22050.5, channels: [new Float32Array(22050)] }, 'E_UNSUPPORTED_AUDIO'],
      [{ sampleRate: 16000, channels: [new Float32Array(10), new Float32Array(9)] }, 'E_VALIDATION'],
    ];
    for (const [audio, code] of cases) {
      const err = await errorOf(analyze(audio));
      expect(RetakeError.is(err), code).toBe(true);
      expect((err as RetakeError).code).toBe(code);
    }
  });

  it('stops with E_CANCELLED when its signal is aborted', async () => {
    const c = new AbortController();
    c.abort();
    const err = await errorOf(analyze(readCorpusWav('speed_prompt.wav'), { signal: c.signal }));
    expect(RetakeError.is(err, 'E_CANCELLED')).toBe(true);
  });
});

describe('metricDeltas and formatting', () => {
  const base: TakeMetrics = {
    analysisVersion: ANALYSIS_VERSION,
    sampleRate: 24000,
    channels: 1,
    durationSec: 4,
    speechSec: 3,
    segments: [{ start: 0.5, end: 3.5 }],
    f0MedianHz: 200,
    f0MedianSt: 12,
    f0RangeSt: 10,
    voicedRatio: 0.6,
    loudnessLufs: -20,
    loudnessRangeLu: 3,
    truePeakDbtp: -2,
    samplePeakDbfs: -2.2,
    speakingRateSyllPerSec: 5,
  };

  it('takes differences of log quantities and ratios of durations and rates', () => {
    const child = { ...base, durationSec: 5, speechSec: 3.75, f0MedianSt: 10.5, f0RangeSt: 7, voicedRatio: 0.15, loudnessLufs: -21.5, truePeakDbtp: -1, speakingRateSyllPerSec: 4 };
    const d = metricDeltas(base, child);
    expect(d.durationRatio).toBeCloseTo(1.25, 12);
    expect(d.speechSecRatio).toBeCloseTo(1.25, 12);
    expect(d.f0MedianSt).toBeCloseTo(-1.5, 12);
    expect(d.f0RangeSt).toBeCloseTo(-3, 12);
    expect(d.f0RangeRatio).toBeCloseTo(0.7, 12);
    expect(d.voicedRatio).toBeCloseTo(-0.45, 12);
    expect(d.voicedRatioRatio).toBeCloseTo(0.25, 12);
    expect(d.loudnessLu).toBeCloseTo(-1.5, 12);
    expect(d.truePeakDb).toBeCloseTo(1, 12);
    expect(d.speakingRateRatio).toBeCloseTo(0.8, 12);
    expect(formatDeltas(d)).toBe('duration ×1.25 · F0 -1.5 st · range ×0.70 · voiced ×0.25 · loudness -1.5 LU · rate ×0.80');
  });

  it('accepts stored JSON with missing or null fields and never divides by zero', () => {
    const d = metricDeltas({ durationSec: 2, voicedRatio: 0, f0MedianSt: null }, { durationSec: 3, voicedRatio: 0.2 });
    expect(d.durationRatio).toBe(1.5);
    expect(d.voicedRatio).toBe(0.2);
    expect(d.voicedRatioRatio).toBeNull();
    expect(d.f0MedianSt).toBeNull();
    expect(d.loudnessLu).toBeNull();
  });

  it('formats one line', () => {
    expect(formatMetrics(base)).toBe('4.00 s (speech 3.00 s) · F0 200 Hz, range 10.0 st · voiced 60 % · -20.0 LUFS · TP -2.0 dBTP · 5.0 syll/s');
  });
});
