// NumPy .npy files (format 1.0/2.0/3.0) of float32 in C order, the only kind the feature tools exchange: features as
// (frames, bins), audio as (n,). Little-endian '<f4' is written; '<f4' and '>f4' are read.

import { RetakeError } from '../../contract/errors';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyArray {
  data: Float32Array;
  shape: number[];
}

/** A float32 .npy file's bytes (version 1.0; the header padded so that the data starts on a 64-byte boundary). */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RetakeError('E_INTERNAL', `An array of ${data.length} values cannot have the shape (${shape.join(', ')}).`);
  }
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const o = 10 + header.length;
  for (let i = 0; i < data.length; i++) view.setFloat32(o + 4 * i, data[i]!, true);
  return out;
}

/** Parses a float32 C-order .npy; `source` names it in errors. */
export function decodeNpy(bytes: Uint8Array, source = 'the .npy file'): NpyArray {
  const bad = (why: string): never => {
    throw new RetakeError('E_VALIDATION', `${source} is not a float32 .npy array: ${why}.`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) bad('no NumPy magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const headerLen = major === 1 ? view.getUint16(8, true) : major <= 3 ? view.getUint32(8, true) : bad(`format version ${major}`);
  const start = (major === 1 ? 10 : 12) + headerLen;
  if (start > bytes.length) bad('the header is cut short');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== '<f4' && descr !== '>f4') bad(`its dtype is ${descr ?? 'missing'}`);
  if (fortran !== 'False') bad('it is not in C order');
  if (shapeText === undefined) bad('it has no shape');
  const shape = shapeText!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) bad(`its shape (${shapeText}) is not a list of sizes`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - start !== count * 4) bad(`it holds ${bytes.length - start} data bytes for ${count} values`);
  const data = new Float32Array(count);
  const little = descr === '<f4';
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(start + 4 * i, little);
  return { data, shape };
}
