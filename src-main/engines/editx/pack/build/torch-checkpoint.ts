// torch `.pt` checkpoints as torch.save writes them since 1.6 (`flow.pt`, `hift.pt` of the published model): a zip
// archive whose `<prefix>/data.pkl` is a pickle of the state dict (read by the safe unpickler, ./pickle.ts) and whose
// `<prefix>/data/<key>` entries are the raw storages. A tensor is a contiguous view of a storage, so it becomes a byte
// range of the archive and is read on demand like a safetensors tensor.

import { RetakeError } from '../../../../contract/errors';
import { DTYPE_BYTES, elementCount } from './dtypes';
import { PickleError, PyDict, TensorValue, unpickle, type PyValue } from './pickle';
import { FileReader, modelError, type TensorRef, type TensorSet } from './tensors';
import { readZipDirectory, readZipEntry } from './zip';

/** The state dict inside what was pickled: the object itself, or its "state_dict" entry (a training checkpoint). */
function stateDict(root: PyValue, file: string): PyDict {
  if (!(root instanceof PyDict)) throw modelError(`${file} does not hold a dict of tensors (a state dict).`);
  const inner = root.map.get('state_dict');
  return inner instanceof PyDict ? inner : root;
}

/** C-order strides of a shape (dims of size 1 may have any stride). */
function isContiguous(shape: number[], stride: number[]): boolean {
  if (shape.length !== stride.length) return false;
  let expect = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i]! !== 1 && stride[i]! !== expect) return false;
    expect *= shape[i]!;
  }
  return true;
}

export async function readTorchCheckpoint(file: string, reader: FileReader): Promise<TensorSet> {
  const entries = await readZipDirectory(file, reader);
  const pkls = [...entries.keys()].filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (pkls.length !== 1) {
    throw modelError(
      `${file} is not a torch checkpoint archive (${pkls.length === 0 ? 'no data.pkl' : 'several data.pkl'}); checkpoints saved by torch older than 1.6 are not supported, re-save them with torch.save.`,
    );
  }
  const pklName = pkls[0]!;
  const prefix = pklName.slice(0, pklName.length - 'data.pkl'.length);
  const order = entries.get(`${prefix}byteorder`);
  if (order) {
    const text = new TextDecoder().decode(await readZipEntry(file, reader, order)).trim();
    if (text !== 'little') throw modelError(`${file} was saved on a ${text}-endian machine; only little-endian checkpoints are read.`);
  }
  let root: PyValue;
  try {
    root = unpickle(await readZipEntry(file, reader, entries.get(pklName)!));
  } catch (e) {
    if (e instanceof PickleError) throw modelError(`${file} is refused: ${e.message}.`);
    if (e instanceof RetakeError) throw e;
    throw modelError(`${file}: its pickle cannot be read (${(e as Error).message}).`);
  }
  const sd = stateDict(root, file);
  const tensors = new Map<string, TensorRef>();
  const notTensors: string[] = [];
  for (const [key, v] of sd.map) {
    const name = String(key);
    if (!(v instanceof TensorValue)) {
      notTensors.push(name);
      continue;
    }
    const entry = entries.get(`${prefix}data/${v.storage.key}`);
    if (!entry) throw modelError(`${file} lacks the storage ${prefix}data/${v.storage.key} of tensor ${name} (truncated or damaged).`);
    if (entry.method !== 0) throw modelError(`${file}: the storage of ${name} is compressed; torch.save never does that.`);
    if (!isContiguous(v.shape, v.stride)) {
      throw modelError(`${file}: tensor ${name} is a non-contiguous view (stride [${v.stride.join(', ')}]); save it with .contiguous().`);
    }
    const size = DTYPE_BYTES[v.storage.dtype];
    const bytes = elementCount(v.shape) * size;
    if ((v.storageOffset + elementCount(v.shape)) * size > entry.size) {
      throw modelError(`${file}: tensor ${name} reaches beyond its storage (${entry.size} bytes).`);
    }
    tensors.set(name, { name, dtype: v.storage.dtype, shape: v.shape, file, offset: entry.dataOffset + v.storageOffset * size, bytes });
  }
  if (notTensors.length > 0) {
    throw modelError(`${file}: the state dict holds entries that are not tensors: ${notTensors.slice(0, 10).join(', ')}${notTensors.length > 10 ? ', …' : ''}.`);
  }
  return { tensors, files: [file] };
}
