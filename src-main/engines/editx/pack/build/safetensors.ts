// Safetensors checkpoints: one file, or shards named by `model.safetensors.index.json` (Hugging Face's layout).
// Format: 8-byte little-endian header length N, N bytes of JSON ({name: {dtype, shape, data_offsets}} plus an optional
// "__metadata__"), then the tensors' bytes; data_offsets are relative to the end of the header. Only the header is
// read here; every tensor is checked against its shape and the file's size, so a truncated shard is named at once.

import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Dtype } from './dtypes';
import { FileReader, checkRef, modelError, type TensorRef, type TensorSet } from './tensors';

const DTYPES: Record<string, Dtype> = {
  BF16: 'bfloat16',
  F16: 'float16',
  F32: 'float32',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

// A header is a JSON table of names; the published LM's is ~30 KB. Anything far larger is not a safetensors file.
const MAX_HEADER = 100 * 1024 * 1024;

/** The tensors of one safetensors file. */
export async function readSafetensorsHeader(file: string, reader: FileReader): Promise<TensorRef[]> {
  const size = (await stat(file)).size;
  if (size < 8) throw modelError(`${file} is too short to be a safetensors file (${size} bytes).`);
  const lenBytes = await reader.read(file, 0, 8);
  const n = Number(new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true));
  if (n > MAX_HEADER || 8 + n > size) {
    throw modelError(`${file} is not a safetensors file or is truncated (header of ${n} bytes in a file of ${size}).`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await reader.read(file, 8, n))) as Record<string, unknown>;
  } catch (e) {
    throw modelError(`${file}: the safetensors header is not valid JSON (${(e as Error).message}).`);
  }
  const base = 8 + n;
  const out: TensorRef[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof e.dtype === 'string' ? DTYPES[e.dtype] : undefined;
    if (!dtype) throw modelError(`${file}: tensor ${name} has an unsupported dtype ${JSON.stringify(e.dtype)}.`);
    const shape = e.shape;
    const offs = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw modelError(`${file}: tensor ${name} has a malformed shape ${JSON.stringify(shape)}.`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0) || offs[1] < offs[0]) {
      throw modelError(`${file}: tensor ${name} has malformed data_offsets ${JSON.stringify(offs)}.`);
    }
    const ref: TensorRef = { name, dtype, shape: shape as number[], file, offset: base + offs[0], bytes: offs[1] - offs[0] };
    checkRef(ref, size);
    out.push(ref);
  }
  return out;
}

export const INDEX_FILE = 'model.safetensors.index.json';

/**
 * A checkpoint folder's safetensors tensors: the shards the index names (each must exist and hold exactly the
 * tensors the index puts there), or every file matching `pattern` ('*.safetensors') when there is no index.
 */
export async function readSafetensorsFolder(
  dir: string,
  reader: FileReader,
  opts: { index?: string; pattern?: string } = {},
): Promise<TensorSet> {
  const indexPath = join(dir, opts.index ?? INDEX_FILE);
  let weightMap: Record<string, string> | null = null;
  try {
    const text = await readFile(indexPath, 'utf8');
    const parsed = JSON.parse(text) as { weight_map?: unknown };
    if (!parsed.weight_map || typeof parsed.weight_map !== 'object') throw new Error('no weight_map');
    weightMap = parsed.weight_map as Record<string, string>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw modelError(`${indexPath} cannot be read (${(e as Error).message}).`);
    }
  }
  let files: string[];
  if (weightMap) {
    files = [...new Set(Object.values(weightMap))].sort();
    const bad = files.filter((f) => typeof f !== 'string' || basename(f) !== f);
    if (bad.length) throw modelError(`${indexPath} names shards outside its folder: ${bad.join(', ')}.`);
  } else {
    const suffix = (opts.pattern ?? '*.safetensors').replace(/^\*/, '');
    files = (await readdir(dir)).filter((f) => f.endsWith(suffix)).sort();
    if (files.length === 0) throw modelError(`${dir} holds no ${opts.pattern ?? '*.safetensors'} file and no ${INDEX_FILE}.`);
  }
  const missing: string[] = [];
  for (const f of files) {
    try {
      await stat(join(dir, f));
    } catch {
      missing.push(f);
    }
  }
  if (missing.length) throw modelError(`${dir} is missing ${missing.join(', ')}${weightMap ? ` (named by ${INDEX_FILE})` : ''}.`);
  const tensors = new Map<string, TensorRef>();
  const twice: string[] = [];
  const misplaced: string[] = [];
  for (const f of files) {
    for (const t of await readSafetensorsHeader(join(dir, f), reader)) {
      if (tensors.has(t.name)) twice.push(t.name);
      if (weightMap && weightMap[t.name] !== f) misplaced.push(`${t.name} (in ${f}, the index says ${weightMap[t.name] ?? 'nothing'})`);
      tensors.set(t.name, t);
    }
  }
  if (twice.length) throw modelError(`${dir}: tensors stored twice: ${twice.join(', ')}.`);
  if (misplaced.length) throw modelError(`${dir}: the shards do not match ${INDEX_FILE}: ${misplaced.join('; ')}.`);
  if (weightMap) {
    const absent = Object.keys(weightMap).filter((n) => !tensors.has(n));
    if (absent.length) throw modelError(`${dir}: ${INDEX_FILE} names tensors no shard holds: ${absent.join(', ')}.`);
  }
  return { tensors, files: files.map((f) => join(dir, f)) };
}
