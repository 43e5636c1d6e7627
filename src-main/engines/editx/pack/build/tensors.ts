// What every checkpoint reader of the pack builder produces: tensors as byte ranges of files (name, element type,
// shape, file, offset, length; row-major and little-endian), read on demand in pieces, so a 7 GB checkpoint is never
// in memory. Safetensors, torch `.pt` archives and `.npy` files all store contiguous tensors this way.

import { open, type FileHandle } from 'node:fs/promises';
import { RetakeError } from '../../../../contract/errors';
import { DTYPE_BYTES, elementCount, type Dtype } from './dtypes';

export interface TensorRef {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** Absolute path of the file holding the bytes. */
  file: string;
  /** Byte offset of the first element in the file. */
  offset: number;
  bytes: number;
}

/** A checkpoint's tensors by name, plus the files it read (for error messages). */
export interface TensorSet {
  tensors: Map<string, TensorRef>;
  files: string[];
}

/** The error every reader throws for a damaged or unexpected model file. */
export function modelError(message: string, details?: unknown): RetakeError {
  return new RetakeError('E_MODEL_INVALID', message, details);
}

/** Checks a tensor's byte count against its shape and element type, and its range against the file's size. */
export function checkRef(t: TensorRef, fileSize: number): void {
  const want = elementCount(t.shape) * DTYPE_BYTES[t.dtype];
  if (t.bytes !== want) {
    throw modelError(`${t.file}: tensor ${t.name} has ${t.bytes} bytes, its shape [${t.shape.join(', ')}] of ${t.dtype} needs ${want}.`);
  }
  if (t.offset + t.bytes > fileSize) {
    throw modelError(
      `${t.file} is truncated: tensor ${t.name} ends at byte ${t.offset + t.bytes}, the file has ${fileSize} (download it again).`,
    );
  }
}

/** Open file handles shared by the reads of one build; close() releases them all. */
export class FileReader {
  private readonly handles = new Map<string, Promise<FileHandle>>();

  private handle(path: string): Promise<FileHandle> {
    let h = this.handles.get(path);
    if (!h) {
      h = open(path, 'r');
      this.handles.set(path, h);
      h.catch(() => this.handles.delete(path));
    }
    return h;
  }

  /** Exactly `length` bytes at `position` (an error naming the file when it ends early). */
  async read(path: string, position: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const fh = await this.handle(path);
    const buf = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(buf, done, length - done, position + done);
      if (bytesRead === 0) throw modelError(`${path} ended after ${position + done} bytes while reading (is it truncated?).`);
      done += bytesRead;
    }
    return buf;
  }

  /** A whole tensor's bytes. */
  tensor(t: TensorRef): Promise<Uint8Array> {
    return this.read(t.file, t.offset, t.bytes);
  }

  async close(): Promise<void> {
    const all = [...this.handles.values()];
    this.handles.clear();
    for (const h of all) {
      try {
        await (await h).close();
      } catch {
        /* a handle that failed to open holds nothing */
      }
    }
  }
}
