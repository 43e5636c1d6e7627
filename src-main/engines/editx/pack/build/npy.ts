// `.npy` arrays (numpy's format, versions 1–3): the magic "\x93NUMPY", a version, a header length (2 bytes in v1, 4
// in v2/v3), a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (1024, 512), } and the raw
// data. The header is parsed as data (never evaluated); only little-endian numeric types in C order are accepted.

import { stat } from 'node:fs/promises';
import { DTYPE_BYTES, elementCount, type Dtype } from './dtypes';
import { FileReader, checkRef, modelError, type TensorRef } from './tensors';

const DESCR: Record<string, Dtype> = {
  '<f2': 'float16',
  '<f4': 'float32',
  '<f8': 'float64',
  '<i8': 'int64',
  '<i4': 'int32',
  '<i2': 'int16',
  '|i1': 'int8',
  '|u1': 'uint8',
  '|b1': 'bool',
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The array of a .npy file as one tensor named `name`. */
export async function readNpy(file: string, reader: FileReader, name: string): Promise<TensorRef> {
  const size = (await stat(file)).size;
  if (size < 10) throw modelError(`${file} is too short to be a .npy file.`);
  const head = await reader.read(file, 0, Math.min(size, 12));
  if (!MAGIC.every((b, i) => head[i] === b)) throw modelError(`${file} is not a .npy file (no \\x93NUMPY magic).`);
  const major = head[6]!;
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = head[8]! | (head[9]! << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    headerLen = new DataView(head.buffer, head.byteOffset).getUint32(8, true);
    start = 12;
  } else {
    throw modelError(`${file}: .npy version ${major} is not supported (1, 2 or 3).`);
  }
  if (start + headerLen > size) throw modelError(`${file} is truncated inside its header.`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(await reader.read(file, start, headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw modelError(`${file}: the .npy header ${JSON.stringify(text.trim())} lacks descr, fortran_order or shape.`);
  }
  const dtype = DESCR[descr];
  if (!dtype) throw modelError(`${file}: element type ${descr} is not supported (little-endian numbers only).`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(v) || v < 0) throw modelError(`${file}: malformed shape (${shapeText}).`);
      return v;
    });
  if (fortran === 'True' && shape.filter((d) => d > 1).length > 1) {
    throw modelError(`${file} is stored in Fortran order; save it in C order (numpy.ascontiguousarray).`);
  }
  const offset = start + headerLen;
  const ref: TensorRef = { name, dtype, shape, file, offset, bytes: elementCount(shape) * DTYPE_BYTES[dtype] };
  checkRef(ref, size);
  if (offset + ref.bytes !== size) {
    throw modelError(`${file} has ${size - offset - ref.bytes} bytes after its array of shape (${shape.join(', ')}); it is not what its header says.`);
  }
  return ref;
}
