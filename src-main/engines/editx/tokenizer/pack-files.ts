// The audio tokenizers' data files inside a pack, as published: `am.mvn` (FunASR's CMVN, Kaldi nnet1 text) and
// `linguistic_tokenizer.npy` (the vq02 codebook, a float32 NumPy array). Each parser names the file and what is wrong
// with it. (audio/features offers the same two formats for its debug tools; these keep the tokenizer free of them.)

import { readFile } from 'node:fs/promises';
import { RetakeError } from '../../../contract/errors';
import type { ModelPack } from '../pack/load';
import type { FileEntry } from '../pack/manifest';

export interface Cmvn {
  addShift: Float32Array;
  rescale: Float32Array;
}

const REEXPORT = 'Download the pack again or re-export it with tools/export.';

/** The bytes of a file the pack's manifest lists. */
export async function readPackFile(pack: ModelPack, entry: FileEntry): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(pack.path(entry)));
  } catch (e) {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${pack.dir} cannot read ${entry.path} (${(e as Error).message}). ${REEXPORT}`);
  }
}

/** `<AddShift> D D` / `<Rescale> D D`, each followed by `<LearnRateCoef> x [ v1 … vD ]`. */
export function parseAmMvn(text: string, source: string): Cmvn {
  const tokens = text.split(/\s+/).filter((t) => t.length > 0);
  const bad = (why: string): never => {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', `${source} is not a FunASR am.mvn file: ${why}. ${REEXPORT}`);
  };
  const vector = (name: string): Float32Array => {
    const at = tokens.indexOf(name);
    if (at < 0) bad(`it has no ${name}`);
    const dim = Number(tokens[at + 1]);
    const open = at + 5;
    const close = tokens.indexOf(']', open);
    if (!Number.isInteger(dim) || dim <= 0 || tokens[at + 3] !== '<LearnRateCoef>' || tokens[open] !== '[' || close < 0) {
      bad(`${name} is not "${name} D D <LearnRateCoef> x [ … ]"`);
    }
    const values = tokens.slice(open + 1, close).map(Number);
    if (values.length !== dim) bad(`${name} declares ${dim} values but holds ${values.length}`);
    if (values.some((v) => !Number.isFinite(v))) bad(`${name} holds a value that is not a number`);
    return Float32Array.from(values);
  };
  const addShift = vector('<AddShift>');
  const rescale = vector('<Rescale>');
  if (addShift.length !== rescale.length) bad(`<AddShift> has ${addShift.length} values, <Rescale> ${rescale.length}`);
  return { addShift, rescale };
}

/** A little-endian float32 C-order .npy (format 1.0–3.0): its values and shape. */
export function parseNpy(bytes: Uint8Array, source: string): { data: Float32Array; shape: number[] } {
  const bad = (why: string): never => {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', `${source} is not a float32 array in .npy format: ${why}. ${REEXPORT}`);
  };
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) bad('no NumPy header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + headerLen;
  if (major < 1 || major > 3 || start > bytes.length) bad(`unknown format version ${major}`);
  const header = new TextDecoder('latin1').decode(bytes.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== '<f4') bad(`its values are ${descr ?? 'of no declared type'}, not little-endian float32`);
  if (fortran !== 'False') bad('it is stored in Fortran order');
  const dims = (shape ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape === undefined || dims.some((d) => !Number.isInteger(d) || d < 0)) bad(`its shape is (${shape ?? ''})`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - start !== count * 4) bad(`it holds ${bytes.length - start} data bytes for ${count} floats`);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(start + 4 * i, true);
  return { data, shape: dims };
}
