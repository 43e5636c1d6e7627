// Opening an audio file for reading: only a regular file, whose size is known before the first byte is read, is
// opened, and it is read up to that size and no further. A FIFO (which would block forever), a link to /dev/zero (which
// never ends), a socket or a folder is refused with one clear error before any reading. Paths may be Buffers, so that
// file names that are not valid UTF-8 (possible on Linux) can be opened; messages name them as text.

import { constants as fsc, promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { RetakeError } from '../contract/errors';

/** A file's path: text, or the raw bytes of a name that is not valid UTF-8. */
export type FilePath = string | Buffer;

/**
 * Largest file read whole into memory (the CLI, the engine host's whole decodes, imports of formats other than WAV).
 * 4 GiB is the web shell's upload limit and the largest Buffer Node 20 allocates; decoded, such a file already needs
 * several times that in float samples. Streamed WAV imports do not read their file whole and are not bound by it.
 */
export const MAX_WHOLE_FILE_BYTES = 4 * 1024 ** 3;

/** How a path is named in messages (a Buffer path as UTF-8 with replacement characters). */
export function displayPath(p: FilePath): string {
  return typeof p === 'string' ? p : p.toString('utf8');
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The error to report when a file cannot be opened or read (`e` from node:fs). */
export function fileReadError(file: FilePath, e: unknown): RetakeError {
  const p = displayPath(file);
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new RetakeError('E_FILE_NOT_FOUND', `Cannot find "${p}". Check that the file still exists and was not moved or renamed.`, { file: p });
  }
  if (code === 'EISDIR') {
    return new RetakeError('E_UNSUPPORTED_AUDIO', `Cannot read "${p}": it is a folder, not an audio file. Choose a file inside it.`, { file: p });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new RetakeError('E_IO', `Cannot read "${p}": permission denied. Check the file's permissions and try again.`, { file: p });
  }
  return new RetakeError('E_IO', `Cannot read "${p}" (${errText(e)}). Check the disk or location and try again.`, { file: p });
}

/** What a file that is not a regular file is, in words, or null for a regular file. */
function notRegular(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'something else';
}

/** Refuses what is not a regular file (after following links), or larger than `maxBytes`. */
export function checkRegularFile(file: FilePath, st: Stats, maxBytes = MAX_WHOLE_FILE_BYTES): void {
  const p = displayPath(file);
  const what = notRegular(st);
  if (what === 'a folder') throw fileReadError(file, Object.assign(new Error('is a folder'), { code: 'EISDIR' }));
  if (what) {
    throw new RetakeError(
      'E_UNSUPPORTED_AUDIO',
      `Cannot read "${p}": it is ${what}, not a regular file of known size. Retake reads audio only from regular files; save the audio to a file first.`,
      { file: p },
    );
  }
  checkWholeReadSize(file, st.size, maxBytes);
}

/** Refuses a file too large to be read whole (MAX_WHOLE_FILE_BYTES unless told otherwise). */
export function checkWholeReadSize(file: FilePath, size: number, maxBytes = MAX_WHOLE_FILE_BYTES): void {
  if (size <= maxBytes) return;
  const p = displayPath(file);
  throw new RetakeError(
    'E_INPUT_TOO_LONG',
    `Cannot read "${p}": it is ${(size / 1024 ** 3).toFixed(1)} GB, more than the ${(maxBytes / 1024 ** 3).toFixed(0)} GB Retake reads at once. Split it into shorter files.`,
    { file: p },
  );
}

/**
 * Opens a regular file for reading and returns it with its size. The path is checked before opening (opening a FIFO
 * would block until a writer appears) and the opened file again (the path may have been replaced in between).
 * `maxBytes`: the largest size accepted (Infinity for streamed reads).
 */
export async function openRegularFile(file: FilePath, maxBytes = MAX_WHOLE_FILE_BYTES): Promise<{ fh: FileHandle; size: number }> {
  let st: Stats;
  try {
    st = await fsp.stat(file);
  } catch (e) {
    throw fileReadError(file, e);
  }
  checkRegularFile(file, st, maxBytes);
  let fh: FileHandle;
  try {
    // O_NONBLOCK: should a FIFO have taken the file's place since the check, opening it does not wait for a writer.
    // (Windows has no such flag and no FIFOs at a path.)
    fh = await fsp.open(file, fsc.O_NONBLOCK === undefined ? fsc.O_RDONLY : fsc.O_RDONLY | fsc.O_NONBLOCK);
  } catch (e) {
    throw fileReadError(file, e);
  }
  try {
    const now = await fh.stat();
    checkRegularFile(file, now, maxBytes);
    return { fh, size: now.size };
  } catch (e) {
    await fh.close();
    throw e instanceof RetakeError ? e : fileReadError(file, e);
  }
}

/**
 * Reads a whole regular file, at most its size when opened: a file that grows while it is read is read to that size;
 * one that shrinks is reported as changed. Errors: those of openRegularFile, E_IO for a failed or short read.
 */
export async function readRegularFile(file: FilePath, maxBytes = MAX_WHOLE_FILE_BYTES): Promise<Uint8Array> {
  const { fh, size } = await openRegularFile(file, maxBytes);
  try {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(size);
    } catch (e) {
      throw fileReadError(file, e);
    }
    let done = 0;
    while (done < size) {
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(bytes, done, size - done, done));
      } catch (e) {
        throw fileReadError(file, e);
      }
      if (n === 0) {
        throw new RetakeError(
          'E_IO',
          `Cannot read "${displayPath(file)}": it became shorter while it was read (${done} of ${size} bytes). Was it changed or moved? Try again.`,
          { file: displayPath(file) },
        );
      }
      done += n;
    }
    return bytes;
  } finally {
    await fh.close();
  }
}
