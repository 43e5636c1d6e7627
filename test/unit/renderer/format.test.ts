import { afterEach, describe, expect, it } from 'vitest';
import { factor, formatBytes, formatTime, loudnessShortfall, signed, summarizeMetrics } from '../../../src-renderer/lib/format';
import { i18n } from '../../../src-renderer/lib/i18n.svelte';

afterEach(() => i18n.setLocale(null));

describe('renderer formatting', () => {
  it('formats times with and without milliseconds', () => {
    expect(formatTime(3.25)).toBe('0:03.250');
    expect(formatTime(61.5, false)).toBe('1:01');
    expect(formatTime(-1)).toBe('0:00.000');
    expect(formatTime(Number.NaN)).toBe('0:00.000');
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
  });

  it('signs changes with a real minus, reads a rounded zero as ±0, and shows ratios as factors', () => {
    expect(signed(12.4, 0, ' Hz')).toBe('+12 Hz');
    expect(signed(-1.26, 1, ' LU')).toBe('−1.3 LU');
    expect(signed(-0.2, 0, ' Hz')).toBe('±0 Hz');
    expect(factor(0.8)).toBe('×0.80');
  });

  it('puts the known metrics first with units and the studio deltas (differences and ratios)', () => {
    const s = summarizeMetrics(
      {
        analysisVersion: 1,
        sampleRate: 44100,
        channels: 1,
        durationSec: 4.016,
        speechSec: 3.75,
        segments: [{ start: 0, end: 1 }, { start: 2, end: 3 }],
        f0MedianHz: 91.2,
        f0MedianSt: -1.6,
        f0RangeSt: 10.56,
        voicedRatio: 0.39,
        loudnessLufs: -23.7,
        truePeakDbtp: -5.52,
        speakingRateSyllPerSec: 5.6,
        custom: 0.123456,
      },
      {
        durationRatio: 0.8,
        speechSecRatio: 0.815,
        f0MedianSt: 0.94,
        f0RangeSt: -0.02,
        f0RangeRatio: 0.99,
        voicedRatio: -0.031,
        voicedRatioRatio: 0.93,
        loudnessLu: 0.01,
        truePeakDb: 0.3,
        speakingRateRatio: 1.17,
        novel: 2,
      },
    );
    expect(s.primary).toEqual([
      { key: 'f0MedianHz', label: 'F0', value: '91 Hz', delta: '+0.9 st', trend: 'up' },
      { key: 'loudnessLufs', label: 'Loudness', value: '−23.7 LUFS', delta: '±0.0 LU', trend: 'same' },
      { key: 'durationSec', label: 'Length', value: '4.02 s', delta: '×0.80', trend: 'down' },
      { key: 'speechSec', label: 'Speech', value: '3.75 s', delta: '×0.81', trend: 'down' },
      { key: 'voicedRatio', label: 'Voiced', value: '39%', delta: '−3 pts', trend: 'down' },
      { key: 'speakingRateSyllPerSec', label: 'Rate', value: '5.6 syll/s', delta: '×1.17', trend: 'up' },
    ]);
    expect(s.more).toEqual([
      { key: 'f0RangeSt', label: 'F0 range', value: '10.6 st', delta: '±0.0 st', trend: 'same' },
      { key: 'truePeakDbtp', label: 'True peak', value: '−5.5 dBTP', delta: '+0.3 dB', trend: 'up' },
      { key: 'segments', label: 'segments', value: '2 items' },
      { key: 'custom', label: 'custom', value: '0.1235' },
      { key: 'Δnovel', label: 'Δ novel', value: '2' },
    ]);
  });

  it('translates word units and keeps symbols', () => {
    i18n.setLocale('zh-CN');
    const s = summarizeMetrics(
      { f0MedianHz: 120, voicedRatio: 0.4, speakingRateSyllPerSec: 5.6, f0RangeSt: 10.6 },
      { f0MedianSt: 0.94, voicedRatio: -0.031, speakingRateSyllPerSec: 0.3, f0RangeSt: -0.5 },
    );
    expect(s.primary.map((m) => [m.value, m.delta])).toEqual([
      ['120 Hz', '+0.9 半音'],
      ['40%', '−3 个百分点'],
      ['5.6 音节/秒', '+0.3 音节/秒'],
    ]);
    expect(s.more.map((m) => [m.label, m.value, m.delta])).toEqual([['基频范围', '10.6 半音', '−0.5 半音']]);
  });

  it('reads a delta under the metric name as a plain difference', () => {
    const s = summarizeMetrics({ f0MedianHz: 120 }, { f0MedianHz: -12.4 });
    expect(s.primary).toEqual([{ key: 'f0MedianHz', label: 'F0', value: '120 Hz', delta: '−12 Hz', trend: 'down' }]);
  });

  it('falls back to key: value when no metric is known, and to nothing without metrics', () => {
    expect(summarizeMetrics(null, null)).toEqual({ primary: [], more: [] });
    expect(summarizeMetrics({ snr: 21.5, label: 'ok', missing: null }, null)).toEqual({
      primary: [
        { key: 'snr', label: 'snr', value: '21.5' },
        { key: 'label', label: 'label', value: 'ok' },
      ],
      more: [],
    });
  });
});

describe('loudnessShortfall', () => {
  it('reads the engine-reported shortfall and ignores absent or non-positive values', () => {
    expect(loudnessShortfall({ engineInfo: { loudness: { shortfallLu: 1.2 } } })).toBe(1.2);
    expect(loudnessShortfall({ engineInfo: { loudness: { shortfallLu: null } } })).toBeNull();
    expect(loudnessShortfall({ engineInfo: { loudness: { shortfallLu: 0 } } })).toBeNull();
    expect(loudnessShortfall({})).toBeNull();
  });
});
