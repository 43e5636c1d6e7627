// `retake debug decode`: audio codes → 24 kHz speech through a pack's EditX decoder (flow + HiFT), for tests and
// checks of the decoder on its own.
//
//   retake debug decode --pack DIR --codes FILE.json --prompt IN [--seed S] -o OUT.wav [--mel FILE.npy]
//
// FILE.json: {"codes": [...], "prompt": [...]} — the codes to decode and, optionally, the prompt audio's mixed codes;
// values are codes 0..5119 or token ids 65536..70655. IN is the prompt: an audio file (its 24 kHz mel and CAM++
// embedding through the shared feature front ends, and its codes through the pack's audio tokenizers unless the JSON
// gives them), or a .safetensors file holding `mel` (frames × 80) and `embedding` (192) computed elsewhere (then the
// JSON must give the prompt's codes). --mel writes the decoded mel (80 × frames, float32) as .npy.

import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { RetakeError } from '../contract/errors';
import { decodeFile } from '../audio/decode';
import { readRegularFile } from '../audio/file-read';
import { encodeNpy } from '../audio/features';
import { toMono } from '../audio/types';
import { encodeWav } from '../audio/wav';
import { EditxDecoder } from '../engines/editx/decoder/decoder';
import { PROMPT_FRONT_ENDS } from '../engines/editx/decoder/front-end';
import type { FeatureMatrix } from '../engines/editx/decoder/prompt-cond';
import type { PromptFrontEnds } from '../engines/editx/decoder/speaker';
import { loadPack } from '../engines/editx/pack/load';
import { AUDIO_FEATURES_FRONT_END } from '../engines/editx/tokenizer/front-end';
import { AudioTokenizer } from '../engines/editx/tokenizer/tokenize';
import { defineCommand, UsageError } from './table';

export interface DebugDecodeArgs {
  pack: string;
  codes: string;
  prompt: string;
  output: string;
  seed?: number;
  mel?: string;
  /** The feature front ends for an audio prompt; default: audio/features. */
  frontEnds?: PromptFrontEnds;
  progress?: (value: number, stage: string) => void;
  signal?: AbortSignal;
}

export interface DebugDecodeResult {
  /** Where the prompt's codes came from. */
  promptCodes: 'json' | 'tokenizer';
  samples: number;
  sampleRate: number;
  melFrames: number;
  windows: number;
  seconds: number;
}

const AUDIO_ID_BASE = 65536;
const CODES = 5120;

function readCodes(value: unknown, what: string, file: string): number[] {
  if (!Array.isArray(value)) throw new RetakeError('E_VALIDATION', `${file}: "${what}" must be an array of audio codes.`);
  return value.map((v, i) => {
    const n = typeof v === 'number' && v >= AUDIO_ID_BASE ? v - AUDIO_ID_BASE : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= CODES) {
      throw new RetakeError('E_VALIDATION', `${file}: ${what}[${i}] is ${JSON.stringify(v)}; use codes 0..${CODES - 1} or ids ${AUDIO_ID_BASE}..${AUDIO_ID_BASE + CODES - 1}.`);
    }
    return n;
  });
}

async function readJson(file: string): Promise<unknown> {
  const text = Buffer.from(
    await readRegularFile(file).catch((e: unknown) => {
      throw RetakeError.is(e, 'E_FILE_NOT_FOUND') ? new RetakeError('E_FILE_NOT_FOUND', `${file} does not exist.`) : e;
    }),
  ).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RetakeError('E_VALIDATION', `${file} is not valid JSON (${(e as Error).message}).`);
  }
}

/** `mel` (frames × bins) and `embedding` from a float32 safetensors file. */
async function readPromptFeatures(file: string): Promise<{ mel: FeatureMatrix; embedding: Float32Array }> {
  const buf = Buffer.from(await readRegularFile(file));
  const bad = (why: string): RetakeError => new RetakeError('E_VALIDATION', `${file}: ${why}`);
  if (buf.length < 8) throw bad('too short to be a safetensors file.');
  const n = Number(buf.readBigUInt64LE(0));
  if (n > buf.length - 8) throw bad('its header does not fit the file.');
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  } catch {
    throw bad('its header is not JSON.');
  }
  const get = (name: string): { data: Float32Array; shape: number[] } => {
    const e = header[name];
    if (!e || e.dtype !== 'F32') throw bad(`no float32 tensor "${name}".`);
    const [a, b] = e.data_offsets;
    const bytes = new Uint8Array(b - a);
    bytes.set(buf.subarray(8 + n + a, 8 + n + b));
    return { data: new Float32Array(bytes.buffer), shape: e.shape };
  };
  const mel = get('mel');
  const shape = mel.shape.filter((d, i) => !(d === 1 && i < mel.shape.length - 2));
  if (shape.length !== 2) throw bad(`"mel" must be frames × bins, got [${mel.shape.join(', ')}].`);
  return {
    mel: { data: mel.data, frames: shape[0] as number, bins: shape[1] as number },
    embedding: get('embedding').data,
  };
}

export async function debugDecode(a: DebugDecodeArgs): Promise<DebugDecodeResult> {
  const t0 = performance.now();
  const json = (await readJson(a.codes)) as { prompt?: unknown; codes?: unknown } | null;
  if (!json || typeof json !== 'object') throw new RetakeError('E_VALIDATION', `${a.codes} must hold {"codes": [...], "prompt": [...]}.`);
  const codes = readCodes(json.codes, 'codes', a.codes);
  let promptCodes = json.prompt === undefined ? null : readCodes(json.prompt, 'prompt', a.codes);
  const pack = await loadPack(a.pack, { variants: [] });
  const dec = await EditxDecoder.open(pack);
  try {
    let features: { mel: FeatureMatrix; embedding: Float32Array };
    if (a.prompt.endsWith('.safetensors')) {
      if (!promptCodes) throw new RetakeError('E_VALIDATION', `${a.codes} must give the prompt's codes ("prompt") when the prompt is a features file.`);
      features = await readPromptFeatures(a.prompt);
    } else {
      const audio = await decodeFile(path.resolve(a.prompt));
      features = await dec.promptFeatures(toMono(audio), audio.sampleRate, a.frontEnds ?? PROMPT_FRONT_ENDS);
      if (!promptCodes) {
        const tok = await AudioTokenizer.open(pack, AUDIO_FEATURES_FRONT_END);
        try {
          promptCodes = (await tok.tokenize(audio)).codes;
        } finally {
          await tok.release();
        }
      }
    }
    const res = await dec.decode(codes, { codes: promptCodes, ...features }, {
      seed: a.seed ?? 0,
      ...(a.signal ? { signal: a.signal } : {}),
      ...(a.progress ? { progress: a.progress } : {}),
    });
    await fsp.writeFile(a.output, encodeWav({ sampleRate: res.sampleRate, channels: [res.samples] }, 'float32'));
    if (a.mel) await fsp.writeFile(a.mel, encodeNpy(res.mel, [res.melBins, res.melFrames]));
    return {
      promptCodes: json.prompt === undefined ? 'tokenizer' : 'json',
      samples: res.samples.length,
      sampleRate: res.sampleRate,
      melFrames: res.melFrames,
      windows: res.windows,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await dec.release();
  }
}

async function checkOutput(file: string): Promise<void> {
  const dir = await fsp.stat(path.dirname(file)).catch(() => null);
  if (!dir?.isDirectory()) throw new RetakeError('E_FILE_NOT_FOUND', `The output folder ${path.dirname(file)} does not exist.`);
  const st = await fsp.stat(file).catch(() => null);
  if (st?.isDirectory()) throw new RetakeError('E_IO', `The output ${file} is a folder; give a file name such as out.wav.`);
}

export const debugDecodeCommand = defineCommand({
  name: 'debug decode',
  options: {
    pack: { type: 'string', usage: '--pack DIR' },
    codes: { type: 'string', usage: '--codes FILE.json' },
    prompt: { type: 'string', usage: '--prompt IN' },
    seed: { type: 'string', usage: '[--seed S]' },
    output: { type: 'string', short: 'o', usage: '-o OUT.wav' },
    mel: { type: 'string', usage: '[--mel FILE.npy]' },
  },
  async run({ values: v, positionals, out }) {
    if (positionals.length > 0) throw new UsageError('debug decode takes no positional arguments.');
    for (const k of ['pack', 'codes', 'prompt', 'output'] as const) {
      if (typeof v[k] !== 'string') throw new UsageError(`debug decode needs ${k === 'output' ? '-o OUT.wav' : `--${k}`}.`);
    }
    let seed: number | undefined;
    if (v.seed !== undefined) {
      seed = Number(v.seed);
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError(`--seed must be an integer from 0 to ${0xffffffff} (got "${v.seed}").`);
    }
    const output = path.resolve(v.output as string);
    await checkOutput(output);
    const r = await debugDecode({
      pack: v.pack as string,
      codes: path.resolve(v.codes as string),
      prompt: v.prompt as string,
      output,
      ...(seed !== undefined ? { seed } : {}),
      ...(typeof v.mel === 'string' ? { mel: path.resolve(v.mel) } : {}),
    });
    out(
      `${output}: ${(r.samples / r.sampleRate).toFixed(2)} s at ${r.sampleRate} Hz (${r.melFrames} mel frames, ${r.windows} ` +
        `window${r.windows === 1 ? '' : 's'}; prompt codes from the ${r.promptCodes === 'json' ? 'codes file' : 'tokenizer'}) in ${r.seconds.toFixed(1)} s`,
    );
  },
});
