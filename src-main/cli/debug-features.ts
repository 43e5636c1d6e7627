// `retake debug features IN --kind K [--pack DIR | --mvn FILE] --out FILE.npy`: one front end of the EditX engine on
// a file, written as a float32 .npy (frames × bins; audio as a 1-D array) so that it can be compared with an
// independent reference (tools/export/retake_export/goldens/features.py does the same on Debian's torchaudio).
//
// Every kind starts from the decoded file mixed to mono (mean of the channels) and resampled to the kind's rate with
// torchaudio's default resampler (16 kHz; prompt-mel 24 kHz) and nothing else; preprocess16k is the one kind that
// also applies the tokenizers' normalisation, trim and length rule. lfr-cmvn needs the CMVN statistics (`am.mvn`):
// from the model pack when it lists one, or from --mvn FILE (packs gain am.mvn with the vq02 tokenizer part).

import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { RetakeError } from '../contract/errors';
import { decodeFile } from '../audio/decode';
import { readRegularFile } from '../audio/file-read';
import {
  campplusFbank,
  encodeNpy,
  kaldiFbank,
  lfrCmvn,
  parseAmMvn,
  preprocess16k,
  promptMel24k,
  resampleTorchaudio,
  whisperLogMel,
  type AmMvn,
  type FeatureMatrix,
} from '../audio/features';
import { toMono, type AudioData } from '../audio/types';
import { parseManifest } from '../engines/editx/pack/load';
import { defineCommand, UsageError } from './table';

export const FEATURE_KINDS = [
  'resample16k',
  'preprocess16k',
  'fbank',
  'lfr-cmvn',
  'whisper-mel',
  'prompt-mel',
  'campplus-fbank',
] as const;
export type FeatureKind = (typeof FEATURE_KINDS)[number];

export function isFeatureKind(k: string): k is FeatureKind {
  return (FEATURE_KINDS as readonly string[]).includes(k);
}

export interface FeatureOutput {
  data: Float32Array;
  /** [frames, bins] for features, [samples] for audio. */
  shape: number[];
  /** The input's rate when the kind resampled it. */
  resampledFrom: number | null;
  /** preprocess16k only: the non-silent span found in the normalised 16 kHz signal. */
  trim?: { start: number; end: number };
}

/** Mono, then torchaudio-exact resampling to `rate` when the file is at another rate. */
function monoAt(audio: AudioData, rate: number): Float32Array {
  if (audio.sampleRate === rate) return toMono(audio);
  // The resampler only reads its input: a mono file's channel needs no copy first.
  return resampleTorchaudio(audio.channels.length === 1 ? audio.channels[0]! : toMono(audio), audio.sampleRate, rate);
}

function matrix(m: FeatureMatrix, audio: AudioData, rate: number): FeatureOutput {
  return { data: m.data, shape: [m.frames, m.bins], resampledFrom: audio.sampleRate === rate ? null : audio.sampleRate };
}

/** One kind on decoded audio (see the module comment); `mvn` is needed by lfr-cmvn only. */
export function computeFeatureKind(audio: AudioData, kind: FeatureKind, mvn?: AmMvn): FeatureOutput {
  switch (kind) {
    case 'preprocess16k': {
      const p = preprocess16k(audio);
      return { data: p.samples, shape: [p.samples.length], resampledFrom: p.resampledFrom, trim: p.trim };
    }
    case 'resample16k': {
      const x = monoAt(audio, 16000);
      return { data: x, shape: [x.length], resampledFrom: audio.sampleRate === 16000 ? null : audio.sampleRate };
    }
    case 'fbank':
      return matrix(kaldiFbank(monoAt(audio, 16000)), audio, 16000);
    case 'lfr-cmvn':
      if (!mvn) throw new RetakeError('E_VALIDATION', 'lfr-cmvn needs the CMVN statistics (am.mvn): give --pack DIR or --mvn FILE.');
      return matrix(lfrCmvn(kaldiFbank(monoAt(audio, 16000)), mvn), audio, 16000);
    case 'whisper-mel':
      return matrix(whisperLogMel(monoAt(audio, 16000)), audio, 16000);
    case 'campplus-fbank':
      return matrix(campplusFbank(monoAt(audio, 16000)), audio, 16000);
    case 'prompt-mel':
      return matrix(promptMel24k(monoAt(audio, 24000)), audio, 24000);
  }
}

/** Path of the pack's am.mvn: the CMVN file of its vq02 tokenizer component. */
async function packAmMvn(packDir: string): Promise<string> {
  const dir = path.resolve(packDir);
  const manifestFile = path.join(dir, 'manifest.json');
  const text = Buffer.from(
    await readRegularFile(manifestFile).catch((e: unknown) => {
      throw RetakeError.is(e, 'E_FILE_NOT_FOUND') ? new RetakeError('E_FILE_NOT_FOUND', `${manifestFile} does not exist: ${packDir} is not a model pack.`) : e;
    }),
  ).toString('utf8');
  const cmvn = parseManifest(text, manifestFile).components.vq02?.cmvn.file.path;
  if (cmvn === undefined) {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `The model pack in ${dir} lists no am.mvn (packs gain it with the vq02 tokenizer part); give the file with --mvn FILE.`,
    );
  }
  return path.join(dir, ...cmvn.split('/'));
}

async function readMvn(file: string): Promise<AmMvn> {
  const text = Buffer.from(
    await readRegularFile(file).catch((e: unknown) => {
      throw RetakeError.is(e, 'E_FILE_NOT_FOUND') ? new RetakeError('E_FILE_NOT_FOUND', `The CMVN file ${file} does not exist.`) : e;
    }),
  ).toString('utf8');
  return parseAmMvn(text, file);
}

export interface DebugFeaturesArgs {
  input: string;
  kind: string;
  out: string;
  pack?: string;
  mvn?: string;
}

/** Computes the kind and writes the .npy; returns a one-line summary (shape, resampling, trim). */
export async function debugFeatures(args: DebugFeaturesArgs): Promise<string> {
  const { kind } = args;
  if (!isFeatureKind(kind)) {
    throw new RetakeError('E_VALIDATION', `Unknown feature kind "${kind}". Kinds: ${FEATURE_KINDS.join(', ')}.`);
  }
  if (args.pack !== undefined && args.mvn !== undefined) {
    throw new RetakeError('E_VALIDATION', 'Give the CMVN statistics either with --pack DIR or with --mvn FILE, not both.');
  }
  const out = path.resolve(args.out);
  const outDir = await fsp.stat(path.dirname(out)).catch(() => null);
  if (!outDir?.isDirectory()) throw new RetakeError('E_FILE_NOT_FOUND', `The output folder ${path.dirname(out)} does not exist.`);
  let mvn: AmMvn | undefined;
  if (kind === 'lfr-cmvn') {
    if (args.pack === undefined && args.mvn === undefined) {
      throw new RetakeError('E_VALIDATION', 'lfr-cmvn needs the CMVN statistics: --pack DIR (with am.mvn) or --mvn FILE.');
    }
    mvn = await readMvn(args.mvn !== undefined ? path.resolve(args.mvn) : await packAmMvn(args.pack!));
  }
  const audio = await decodeFile(path.resolve(args.input));
  const r = computeFeatureKind(audio, kind, mvn);
  const tmp = `${out}.part`;
  try {
    await fsp.writeFile(tmp, encodeNpy(r.data, r.shape));
    await fsp.rename(tmp, out);
  } catch (e) {
    throw new RetakeError('E_IO', `Could not write ${out}: ${(e as Error).message}.`);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
  const notes = [
    r.resampledFrom !== null ? `resampled from ${r.resampledFrom} Hz` : null,
    r.trim ? `trim [${r.trim.start}, ${r.trim.end})` : null,
  ].filter((s) => s !== null);
  return `wrote ${out}: ${kind} (${r.shape.join(' × ')})${notes.length ? `, ${notes.join(', ')}` : ''}`;
}

export const debugFeaturesCommand = defineCommand({
  name: 'debug features',
  args: 'IN',
  options: {
    kind: { type: 'string', usage: `--kind ${FEATURE_KINDS.join('|')}` },
    pack: { type: 'string', usage: '[--pack DIR | --mvn am.mvn]' },
    mvn: { type: 'string' },
    out: { type: 'string', usage: '--out FILE.npy' },
  },
  async run({ values: v, positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('debug features needs exactly one input file.');
    if (typeof v.kind !== 'string') throw new UsageError(`debug features needs --kind (${FEATURE_KINDS.join(', ')}).`);
    if (typeof v.out !== 'string') throw new UsageError('debug features needs --out FILE.npy.');
    out(await debugFeatures({ input: positionals[0]!, kind: v.kind, out: v.out, pack: v.pack, mvn: v.mvn }));
  },
});
