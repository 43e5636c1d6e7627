// `retake debug decode`: audio codes → 24 kHz speech through a pack's EditX decoder (flow + HiFT), for tests and
// checks of the decoder on its own.
//
//   retake debug decode --pack DIR --codes FILE.json --prompt IN [--seed S] -o OUT.wav [--mel FILE.npy]
//
// FILE.json: {"prompt": [...], "codes": [...]} — the prompt audio's mixed codes (as its tokenizer interleaves them) and
// the codes to decode; values are codes 0..5119 or token ids 65536..70655. IN is the prompt: an audio file (its 24 kHz
// mel and CAM++ embedding come from the shared feature front ends) or a .safetensors file holding `mel` (frames × 80)
// and `embedding` (192) computed elsewhere. --mel writes the decoded mel (80 × frames, float32) as .npy.

import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { RetakeError } from '../contract/errors';
import { decodeFile } from '../audio/decode';
import { toMono } from '../audio/types';
import { encodeWav } from '../audio/wav';
import { EditxDecoder } from '../engines/editx/decoder/decoder';
import type { FeatureMatrix } from '../engines/editx/decoder/prompt-cond';
import type { PromptFrontEnds } from '../engines/editx/decoder/speaker';
import { loadPack } from '../engines/editx/pack/load';

export interface DebugDecodeArgs {
  pack: string;
  codes: string;
  prompt: string;
  output: string;
  seed?: number;
  mel?: string;
  /** The feature front ends for an audio prompt (src-main/audio/features); absent, only .safetensors prompts work. */
  frontEnds?: PromptFrontEnds;
  progress?: (value: number, stage: string) => void;
  signal?: AbortSignal;
}

export interface DebugDecodeResult {
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
  const text = await fsp.readFile(file, 'utf8').catch(() => {
    throw new RetakeError('E_FILE_NOT_FOUND', `${file} does not exist.`);
  });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RetakeError('E_VALIDATION', `${file} is not valid JSON (${(e as Error).message}).`);
  }
}

/** `mel` (frames × bins) and `embedding` from a float32 safetensors file. */
async function readPromptFeatures(file: string): Promise<{ mel: FeatureMatrix; embedding: Float32Array }> {
  const buf = await fsp.readFile(file);
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

/** A float32 .npy file (format 1.0, little-endian, C order). */
export function npyFloat32(data: Float32Array, shape: readonly number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

export async function debugDecode(a: DebugDecodeArgs): Promise<DebugDecodeResult> {
  const t0 = performance.now();
  const json = (await readJson(a.codes)) as { prompt?: unknown; codes?: unknown } | null;
  if (!json || typeof json !== 'object') throw new RetakeError('E_VALIDATION', `${a.codes} must hold {"prompt": [...], "codes": [...]}.`);
  const promptCodes = readCodes(json.prompt ?? [], 'prompt', a.codes);
  const codes = readCodes(json.codes, 'codes', a.codes);
  const pack = await loadPack(a.pack, { variants: [] });
  const dec = await EditxDecoder.open(pack);
  try {
    let features: { mel: FeatureMatrix; embedding: Float32Array };
    if (a.prompt.endsWith('.safetensors')) features = await readPromptFeatures(a.prompt);
    else {
      if (!a.frontEnds) {
        throw new RetakeError(
          'E_ENGINE_UNAVAILABLE',
          'Decoding from prompt audio needs the feature front ends (src-main/audio/features), which this build does not have; ' +
            'pass the prompt as a .safetensors file with "mel" and "embedding".',
        );
      }
      const audio = await decodeFile(path.resolve(a.prompt));
      features = await dec.promptFeatures(toMono(audio), audio.sampleRate, a.frontEnds);
    }
    const res = await dec.decode(codes, { codes: promptCodes, ...features }, {
      seed: a.seed ?? 0,
      ...(a.signal ? { signal: a.signal } : {}),
      ...(a.progress ? { progress: a.progress } : {}),
    });
    await fsp.writeFile(a.output, encodeWav({ sampleRate: res.sampleRate, channels: [res.samples] }, 'float32'));
    if (a.mel) await fsp.writeFile(a.mel, npyFloat32(res.mel, [res.melBins, res.melFrames]));
    return {
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
