// The reference front ends (tools/export/retake_export/goldens/features.py, on Debian's torch/torchaudio/numpy) run on
// WAV files into a temporary folder, for the feature parity tests. Corpus-derived references are never committed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeNpy, type NpyArray } from '../../src-main/audio/features';
import { runExporterModule } from './exporter-python';

/** The kinds of `retake debug features`, plus resample24k (the prompt mel's input). */
export const REFERENCE_KINDS = [
  'resample16k',
  'resample24k',
  'preprocess16k',
  'fbank',
  'lfr-cmvn',
  'whisper-mel',
  'prompt-mel',
  'campplus-fbank',
] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];

export interface ReferenceRun {
  /** The reference array of input i and a kind. */
  array(i: number, kind: ReferenceKind): NpyArray;
  /** preprocess16k's span and resampling note for input i. */
  trim(i: number): { start: number; end: number; resampledFrom: number | null };
}

/**
 * Runs the reference on `inputs` (WAV paths) for `kinds`, writing into `dir`. `precision` '64' runs the same torch
 * code on float64 tensors (see features.py). Fails with the interpreter's own message when it cannot run.
 */
export function runFeatureReference(
  inputs: string[],
  dir: string,
  opts: { kinds?: readonly ReferenceKind[]; mvn?: string; precision?: '32' | '64' } = {},
): ReferenceRun {
  const args = ['--out', dir, '--kinds', (opts.kinds ?? REFERENCE_KINDS).join(','), '--precision', opts.precision ?? '64'];
  if (opts.mvn) args.push('--mvn', opts.mvn);
  const r = runExporterModule('retake_export.goldens.features', [...args, ...inputs]);
  if (r.status !== 0) {
    throw new Error(
      `The reference front ends (/usr/bin/python3 -m retake_export.goldens.features) failed; they need Debian's ` +
        `python3-torch, python3-torchaudio, python3-numpy and python3-scipy.\n${r.error?.message ?? ''}${r.stderr}`,
    );
  }
  return {
    array(i, kind) {
      const file = path.join(dir, `${i}.${kind}.npy`);
      if (!existsSync(file)) throw new Error(`The reference wrote no ${file}.`);
      return decodeNpy(readFileSync(file), file);
    },
    trim(i) {
      return JSON.parse(readFileSync(path.join(dir, `${i}.trim.json`), 'utf8')) as ReturnType<ReferenceRun['trim']>;
    },
  };
}

/** A Kaldi nnet1 `am.mvn` with seeded statistics of the usual magnitudes (shifts ≈ −8…−16, scales ≈ 0.1…0.4). */
export function writeTestAmMvn(file: string, dim = 560, seed = 1): { addShift: number[]; rescale: number[] } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(1664525, state) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const addShift = Array.from({ length: dim }, () => Number((-8 - 8 * next()).toFixed(6)));
  const rescale = Array.from({ length: dim }, () => Number((0.1 + 0.3 * next()).toFixed(6)));
  const text = [
    '<Nnet>',
    `<Splice> ${dim} ${dim}`,
    '[ 0 ]',
    `<AddShift> ${dim} ${dim}`,
    `<LearnRateCoef> 0 [ ${addShift.join(' ')} ]`,
    `<Rescale> ${dim} ${dim}`,
    `<LearnRateCoef> 0 [ ${rescale.join(' ')} ]`,
    '</Nnet>',
    '',
  ].join('\n');
  writeFileSync(file, text);
  return { addShift, rescale };
}
