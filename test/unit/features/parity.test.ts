// Every front end against the reference (Debian's torchaudio / numpy written from the spec, run live by
// tools/export/retake_export/goldens/features.py) on every corpus file, on an 8 kHz stereo file and on a 16 kHz file.
//
// - Resampling (16 and 24 kHz) and the 16 kHz preprocessing, from the file: within 1e-5, identical trim spans.
// - Each feature front end on the same samples (the reference's resampled signal fed to both): within 1e-4 of the
//   reference run on float64 tensors ('--precision 64': the same torch code without float32 rounding).
// - Each `retake debug features` kind from the file against the reference in float32, as the upstream code runs:
//   within that run's own rounding noise. Two float32 resamplers that differ by ~1e-7 (ours and torchaudio's conv1d)
//   move log-mel values of near-empty bands by up to ~1e-3, and float32 torchaudio itself is up to ~7e-4 from its
//   float64 result (both measured on the corpus), so 1e-4 is only meaningful on identical input.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import {
  campplusFbank,
  kaldiFbank,
  lfrCmvn,
  parseAmMvn,
  promptMel24k,
  resampleTorchaudio,
  whisperLogMel,
  type AmMvn,
  type FeatureMatrix,
} from '../../../src-main/audio/features';
import { resampleChannel } from '../../../src-main/audio/resample';
import { toMono, type AudioData } from '../../../src-main/audio/types';
import { encodeWav } from '../../../src-main/audio/wav';
import { FEATURE_KINDS, computeFeatureKind } from '../../../src-main/cli/debug-features';
import { runFeatureReference, writeTestAmMvn, type ReferenceRun } from '../../helpers/features-reference';
import { corpus, corpusFile } from '../../helpers/studio';
import { tempDir } from '../../helpers/tmp';

/** The tolerances: features, and audio (resampled / preprocessed). */
const FEATURE_TOL = 1e-4;
const AUDIO_TOL = 1e-5;
/** End to end against float32 torchaudio: its rounding noise and the resamplers' (≤ 2.7e-3 measured) with a margin. */
const FLOAT32_NOISE_TOL = 5e-3;

const dir = tempDir('retake-features-');

interface Input {
  name: string;
  file: string;
  audio: AudioData;
}

const inputs: Input[] = [];
let ref64: ReferenceRun;
let ref32: ReferenceRun;
let mvn: AmMvn;
const worst = new Map<string, number>();

beforeAll(async () => {
  const wavs = readdirSync(corpus)
    .filter((f) => f.endsWith('.wav'))
    .sort();
  if (wavs.length === 0) throw new Error(`${corpus} holds no .wav files: the parity tests need the corpus.`);
  for (const w of wavs) inputs.push({ name: w, file: corpusFile(w), audio: await decodeFile(corpusFile(w)) });
  // 8 kHz stereo (upsampling + mono mixing): a corpus utterance taken to 8 kHz, right channel a quieter delayed copy.
  const src = inputs[0]!.audio;
  const left = resampleChannel(src.channels[0]!, src.sampleRate, 8000);
  const right = new Float32Array(left.length);
  for (let i = 7; i < left.length; i++) right[i] = 0.6 * left[i - 7]!;
  const at8k = path.join(dir, 'stereo-8k.wav');
  writeFileSync(at8k, encodeWav({ sampleRate: 8000, channels: [left, right] }, 'pcm16'));
  // 16 kHz mono: the tokenizer rate itself (no resampling, resampledFrom null).
  const at16k = path.join(dir, 'mono-16k.wav');
  const s2 = inputs[1]!.audio;
  writeFileSync(at16k, encodeWav({ sampleRate: 16000, channels: [resampleChannel(s2.channels[0]!, s2.sampleRate, 16000)] }, 'pcm16'));
  for (const f of [at8k, at16k]) inputs.push({ name: path.basename(f), file: f, audio: await decodeFile(f) });
  const mvnFile = path.join(dir, 'am.mvn');
  writeTestAmMvn(mvnFile);
  mvn = parseAmMvn(readFileSync(mvnFile, 'utf8'), mvnFile);
  const files = inputs.map((i) => i.file);
  ref64 = runFeatureReference(files, path.join(dir, 'ref64'), { mvn: mvnFile, precision: '64' });
  ref32 = runFeatureReference(files, path.join(dir, 'ref32'), { mvn: mvnFile, precision: '32' });
});

afterAll(() => {
  // The measured worst differences, for the record.
  console.info([...worst].map(([k, v]) => `${k}: max |Δ| ${v.toExponential(2)}`).join('\n'));
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    if (!(e <= d)) d = e; // NaN counts as a difference
  }
  return d;
}

function expectClose(what: string, label: string, ours: { data: Float32Array; shape: number[] }, ref: { data: Float32Array; shape: number[] }, tol: number): void {
  expect(ours.shape, label).toEqual(ref.shape);
  expect(ours.data.length, label).toBeGreaterThan(0);
  const d = maxAbsDiff(ours.data, ref.data);
  worst.set(what, Math.max(worst.get(what) ?? 0, d));
  expect(d, label).toBeLessThanOrEqual(tol);
}

const shaped = (m: FeatureMatrix) => ({ data: m.data, shape: [m.frames, m.bins] });

describe('resampling and the 16 kHz preprocessing equal the reference on every input', () => {
  for (const rate of [16000, 24000] as const) {
    it(`torchaudio-exact resampling to ${rate} Hz`, () => {
      inputs.forEach((input, i) => {
        const mono = toMono(input.audio);
        const ours = input.audio.sampleRate === rate ? mono : resampleTorchaudio(mono, input.audio.sampleRate, rate);
        const ref = ref64.array(i, rate === 16000 ? 'resample16k' : 'resample24k');
        expectClose(`resample to ${rate}`, input.name, { data: ours, shape: [ours.length] }, ref, AUDIO_TOL);
      });
    });
  }

  it('preprocess16k: samples, trim span and resampling note', () => {
    inputs.forEach((input, i) => {
      const ours = computeFeatureKind(input.audio, 'preprocess16k');
      expectClose('preprocess16k', input.name, ours, ref64.array(i, 'preprocess16k'), AUDIO_TOL);
      const t = ref64.trim(i);
      expect(ours.trim, input.name).toEqual({ start: t.start, end: t.end });
      expect(ours.resampledFrom, input.name).toBe(t.resampledFrom);
    });
  });
});

describe('each feature front end equals the reference on the same samples (every input)', () => {
  const cases = [
    ['fbank', 'resample16k', (x: Float32Array) => kaldiFbank(x)],
    ['lfr-cmvn', 'resample16k', (x: Float32Array) => lfrCmvn(kaldiFbank(x), mvn)],
    ['whisper-mel', 'resample16k', (x: Float32Array) => whisperLogMel(x)],
    ['campplus-fbank', 'resample16k', (x: Float32Array) => campplusFbank(x)],
    ['prompt-mel', 'resample24k', (x: Float32Array) => promptMel24k(x)],
  ] as const;
  for (const [kind, input, run] of cases) {
    it(kind, () => {
      inputs.forEach((inp, i) => {
        const x = ref64.array(i, input).data;
        expectClose(`${kind} (same input)`, inp.name, shaped(run(x)), ref64.array(i, kind), FEATURE_TOL);
      });
    });
  }
});

describe('each debug-features kind from the file is within float32 noise of the float32 reference', () => {
  for (const kind of FEATURE_KINDS) {
    it(kind, () => {
      inputs.forEach((input, i) => {
        const ours = computeFeatureKind(input.audio, kind, mvn);
        const audio = kind === 'resample16k' || kind === 'preprocess16k';
        expectClose(`${kind} (from the file, float32 reference)`, input.name, ours, ref32.array(i, kind), audio ? AUDIO_TOL : FLOAT32_NOISE_TOL);
      });
    });
  }

  it('resamples 8 kHz and 16 kHz input instead of refusing it, and says so', () => {
    const at8k = inputs.find((i) => i.name === 'stereo-8k.wav')!;
    const at16k = inputs.find((i) => i.name === 'mono-16k.wav')!;
    const p8 = computeFeatureKind(at8k.audio, 'preprocess16k');
    expect(p8.resampledFrom).toBe(8000);
    expect(p8.trim!.end).toBeGreaterThan(p8.trim!.start);
    expect(computeFeatureKind(at16k.audio, 'preprocess16k').resampledFrom).toBeNull();
    expect(computeFeatureKind(at8k.audio, 'fbank').resampledFrom).toBe(8000);
    expect(computeFeatureKind(at8k.audio, 'resample16k').shape).toEqual([at8k.audio.channels[0]!.length * 2]);
  });
});
