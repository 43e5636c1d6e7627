// Every emotion/style/speed option and every paralinguistic tag, plus denoise and vad, runs on a short corpus clip:
// no error, finite output, true peak ≤ −1 dBTP, integrated loudness within 1 LU of the input plus the change the preset
// declares. Every one of the 52 options is also measured by the analysis (F0 median and range, duration, voiced ratio,
// loudness, spectral balance) and each change must go the way its preset declares: an option replaced by a plain gain
// keeps its loudness but fails its pitch, tempo or timbre. Also: same seed → byte-identical output; another seed
// changes noise-driven output.

import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, integratedLoudness, truePeak } from '../../../src-main/audio/analysis';
import type { TakeMetrics } from '../../../src-main/audio/analysis';
import { RealFFT, hann } from '../../../src-main/audio/fft';
import type { AudioData } from '../../../src-main/audio/types';
import { EMOTION_PRESETS, SPEED_PRESETS, STYLE_PRESETS, TAG_NAMES } from '../../../src-main/engines/prosody';
import { scaleParams } from '../../../src-main/engines/prosody/presets';
import { allFinite, corpus, edit } from './helpers';

const TEXT = '上次你说鞋子有点磨脚，我给你买了一双软软的鞋垫。';
let input: AudioData;
let inputLufs: number;
let before: TakeMetrics;
let beforeBalance: number;

beforeAll(async () => {
  input = await corpus('speed_prompt.wav');
  inputLufs = integratedLoudness(input)!;
  before = await analyze(input);
  beforeBalance = spectralBalanceDb(input);
});

/**
 * Spectral balance: energy at 2–5 kHz over energy at 150–800 Hz, dB, from Hann-windowed 2048-point spectra. A tilt of
 * the spectrum around 1 kHz moves it by roughly 2.5 octaves × the tilt.
 */
function spectralBalanceDb(a: AudioData): number {
  const x = a.channels[0]!;
  const size = 2048;
  const fft = new RealFFT(size);
  const w = hann(size);
  const frame = new Float64Array(size);
  const re = new Float64Array(size / 2 + 1);
  const im = new Float64Array(size / 2 + 1);
  const bin = (hz: number) => Math.round((hz * size) / a.sampleRate);
  let lo = 0;
  let hi = 0;
  for (let s = 0; s + size <= x.length; s += size / 2) {
    for (let i = 0; i < size; i++) frame[i] = x[s + i]! * w[i]!;
    fft.forward(frame, re, im);
    for (let k = bin(150); k < bin(800); k++) lo += re[k]! ** 2 + im[k]! ** 2;
    for (let k = bin(2000); k < bin(5000); k++) hi += re[k]! ** 2 + im[k]! ** 2;
  }
  return 10 * Math.log10(hi / lo);
}

/**
 * What each option is declared to do, written down here rather than read from presets.ts, so that a preset whose data is
 * replaced (say `angry` by a plain +3 dB gain) fails: f0± (median F0 up/down), f0= (stays), range± (F0 span
 * wider/narrower), faster/slower/tempo=, louder/softer/level=, brighter/darker (spectral balance), breathy (less
 * voicing). Only changes large enough to be measured on a 4 s clip are listed (presets.ts gives each one's reason).
 */
const DECLARED: Record<string, string> = {
  // emotion
  'emotion/happy': 'f0+ range+ faster louder',
  'emotion/angry': 'f0+ range+ faster louder brighter',
  'emotion/sad': 'f0- range- slower softer darker',
  'emotion/humour': 'f0+ range+ faster louder',
  'emotion/confusion': 'f0+ range+ slower softer',
  'emotion/disgusted': 'f0- range- slower level=',
  'emotion/empathy': 'f0- range- slower softer darker',
  'emotion/embarrass': 'f0+ range- slower softer',
  'emotion/fear': 'f0+ range- faster softer',
  'emotion/surprised': 'f0+ range+ tempo= louder',
  'emotion/excited': 'f0+ range+ faster louder brighter',
  'emotion/depressed': 'f0- range- slower softer darker',
  'emotion/coldness': 'f0- range- slower level=',
  'emotion/admiration': 'f0+ range+ slower louder',
  'emotion/remove': 'f0= level= tempo=',
  // style
  'style/serious': 'f0- range- slower level=',
  'style/arrogant': 'f0- range+ slower louder',
  'style/child': 'f0+ range+ faster level=',
  'style/older': 'f0- range- slower level= darker',
  'style/girl': 'f0+ range+ faster level=',
  'style/pure': 'f0+ range+ tempo= softer',
  'style/sister': 'f0- slower level=',
  'style/sweet': 'f0+ range+ slower softer',
  'style/ethereal': 'f0+ range- slower softer darker breathy',
  'style/whisper': 'slower softer breathy',
  'style/gentle': 'f0+ range- slower softer darker',
  'style/recite': 'f0= range+ slower louder',
  'style/generous': 'f0- range+ slower louder',
  'style/act_coy': 'f0+ range+ slower softer',
  'style/warm': 'f0- slower level= darker',
  'style/shy': 'f0+ range- slower softer darker',
  'style/comfort': 'f0- range- slower softer darker',
  'style/authority': 'f0- range- slower louder',
  'style/chat': 'f0= range+ faster softer',
  'style/radio': 'f0- range+ tempo= louder',
  'style/soulful': 'f0- range+ slower level=',
  'style/story': 'f0= range+ slower level=',
  'style/vivid': 'f0+ range+ faster louder',
  'style/program': 'f0+ range+ faster louder',
  'style/news': 'f0- range- faster louder',
  'style/advertising': 'f0+ range+ faster louder brighter',
  'style/roar': 'f0+ range+ slower louder brighter',
  'style/murmur': 'f0- range- slower softer darker breathy',
  'style/shout': 'f0+ range+ tempo= louder brighter',
  'style/deeply': 'f0- range- slower louder darker',
  'style/loudly': 'f0+ tempo= louder brighter',
  'style/remove': 'f0= level=',
  'style/exaggerated': 'f0+ range+ slower louder',
  // speed
  'speed/faster': 'f0= faster level=',
  'speed/slower': 'f0= slower level=',
  'speed/more faster': 'f0= faster level=',
  'speed/more slower': 'f0= slower level=',
};

/**
 * Checks the measured change against the declared directions. Thresholds come from what the analysis resolves on this
 * clip: F0 median to ~0.2 st, F0 range to ~0.5 st, loudness to 0.1 LU, voiced ratio to ~0.1, durations exactly (a
 * declared tempo change is at least 3 %), and a spectral balance (2–5 kHz over 150–800 Hz) that the stretcher itself
 * darkens by up to 4 dB, so "brighter" means above the input and "darker" at least 1 dB below it.
 */
function checkDirections(task: string, option: string, after: TakeMetrics, balance: number): void {
  const label = `${task}/${option}`;
  const words = DECLARED[label]!.split(' ');
  const dF0 = after.f0MedianSt! - before.f0MedianSt!;
  const dRange = after.f0RangeSt! - before.f0RangeSt!;
  const duration = after.durationSec / before.durationSec;
  const dL = after.loudnessLufs! - before.loudnessLufs!;
  const dBalance = balance - beforeBalance;
  const dVoiced = after.voicedRatio! - before.voicedRatio!;
  const checks: Record<string, () => void> = {
    'f0+': () => expect(dF0, `${label}: F0 median up`).toBeGreaterThan(0.15),
    'f0-': () => expect(dF0, `${label}: F0 median down`).toBeLessThan(-0.15),
    'f0=': () => expect(Math.abs(dF0), `${label}: F0 median stays`).toBeLessThan(0.7),
    'range+': () => expect(dRange, `${label}: F0 range wider`).toBeGreaterThan(0),
    'range-': () => expect(dRange, `${label}: F0 range narrower`).toBeLessThan(0),
    faster: () => expect(duration, `${label}: shorter`).toBeLessThan(0.975),
    slower: () => expect(duration, `${label}: longer`).toBeGreaterThan(1.025),
    'tempo=': () => expect(Math.abs(duration - 1), `${label}: same length`).toBeLessThan(0.005),
    louder: () => expect(dL, `${label}: louder`).toBeGreaterThan(0.4),
    softer: () => expect(dL, `${label}: softer`).toBeLessThan(-0.4),
    'level=': () => expect(Math.abs(dL), `${label}: same loudness`).toBeLessThan(0.25),
    brighter: () => expect(dBalance, `${label}: brighter`).toBeGreaterThan(0.5),
    darker: () => expect(dBalance, `${label}: darker`).toBeLessThan(-1),
    breathy: () => expect(dVoiced, `${label}: less voicing`).toBeLessThan(-0.2),
  };
  for (const w of words) checks[w]!();
  // The speed options and the presets agree with the table on tempo exactly.
  if (task === 'speed') expect(duration, `${label}: duration`).toBeCloseTo(1 / SPEED_PRESETS.find((x) => x.option === option)!.tempo, 2);
}

function declared(task: string, option: string): number {
  const list = task === 'emotion' ? EMOTION_PRESETS : STYLE_PRESETS;
  const p = list.find((x) => x.option === option)!;
  return p.kind === 'shape' ? scaleParams(p.params, 0.5).loudnessDb : 0;
}

function checkOutput(out: AudioData, expectedLufs: number): void {
  expect(allFinite(out)).toBe(true);
  expect(20 * Math.log10(truePeak(out))).toBeLessThanOrEqual(-1);
  const lufs = integratedLoudness(out);
  expect(lufs).not.toBeNull();
  expect(Math.abs(lufs! - expectedLufs)).toBeLessThanOrEqual(1);
}

const cases: Array<[string, string]> = [
  ...EMOTION_PRESETS.map((p): [string, string] => ['emotion', p.option]),
  ...STYLE_PRESETS.map((p): [string, string] => ['style', p.option]),
  ...SPEED_PRESETS.map((p): [string, string] => ['speed', p.option]),
];

describe('every option', () => {
  it('covers the 52 options of EDITX-SPEC §2, each with declared directions', () => {
    expect(cases.length).toBe(52);
    expect(Object.keys(DECLARED).sort()).toEqual(cases.map(([t, o]) => `${t}/${o}`).sort());
  });

  it.each(cases)('%s / %s', async (task, option) => {
    const res = await edit(input, { task, option });
    checkOutput(res.audio, inputLufs + (task === 'speed' ? 0 : declared(task, option)));
    expect(res.progress.length).toBeGreaterThan(0);
    expect(res.progress[res.progress.length - 1]).toBe(1);
    checkDirections(task, option, await analyze(res.audio), spectralBalanceDb(res.audio));
  });
});

describe('every tag', () => {
  it.each([...TAG_NAMES])('[%s]', async (tag) => {
    const newText = `上次你说鞋子有点磨脚，[${tag}]我给你买了一双软软的鞋垫。`;
    const res = await edit(input, { task: 'paralinguistic', text: TEXT, newText });
    checkOutput(res.audio, inputLufs);
    expect(res.audio.channels[0]!.length).toBeGreaterThan(input.channels[0]!.length + 0.2 * input.sampleRate);
  });

  it('several tags in one text', async () => {
    const newText = `[Breathing]上次你说鞋子有点磨脚，[Uhm]我给你买了一双软软的鞋垫。[Laughter]`;
    const res = await edit(input, { task: 'paralinguistic', text: TEXT, newText });
    checkOutput(res.audio, inputLufs);
    const tags = (res.info as { tags: unknown[] }).tags;
    expect(tags.length).toBe(3);
  });
});

describe('denoise and vad on clean speech', () => {
  it.each(['denoise', 'vad'])('%s', async (task) => {
    const res = await edit(input, { task });
    checkOutput(res.audio, inputLufs);
  });
});

describe('reproducibility', () => {
  const bytes = (a: AudioData) => Buffer.from(a.channels[0]!.buffer, a.channels[0]!.byteOffset, a.channels[0]!.byteLength);
  it.each<[string, string | undefined, string | undefined]>([
    ['style', 'whisper', undefined],
    ['emotion', 'fear', undefined],
    ['paralinguistic', undefined, `上次你说鞋子有点磨脚，[Laughter]我给你买了一双软软的鞋垫。`],
  ])('%s %s: same seed gives byte-identical output, another seed differs', async (task, option, newText) => {
    const req = { task, ...(option ? { option } : {}), ...(newText ? { text: TEXT, newText } : {}) };
    const a = await edit(input, { ...req, seed: 42 });
    const b = await edit(input, { ...req, seed: 42 });
    const c = await edit(input, { ...req, seed: 43 });
    expect(bytes(a.audio).equals(bytes(b.audio))).toBe(true);
    expect(bytes(a.audio).equals(bytes(c.audio))).toBe(false);
  });

  it('speed is deterministic across runs', async () => {
    const a = await edit(input, { task: 'speed', option: 'faster', seed: 1 });
    const b = await edit(input, { task: 'speed', option: 'faster', seed: 2 });
    expect(bytes(a.audio).equals(bytes(b.audio))).toBe(true);
  });
});
