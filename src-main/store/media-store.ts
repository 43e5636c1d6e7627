// The content-addressed media store of a project: media/<first two hex>/<sha256>.<ext>. A file enters only through a
// temp file in media/.tmp that is written, fsynced and renamed into place, so a reader never sees half a file; once
// in place a file is made read-only and never modified. Leftover temp files (a crash mid-write) are removed on open.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp, constants as fsc } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { RetakeError } from '../contract/errors';

const HASH_RE = /^[a-f0-9]{64}$/;
const EXT_RE = /^[a-z0-9]{1,8}$/;

export interface StoredMedia {
  hash: string;
  path: string;
  bytes: number;
  /** False when identical content was already stored. */
  created: boolean;
}

async function fsyncDir(dir: string): Promise<void> {
  // Directories cannot be opened for fsync on Windows; the rename is durable enough there.
  if (process.platform === 'win32') return;
  const h = await fsp.open(dir, fsc.O_RDONLY);
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

export class MediaStore {
  readonly root: string;
  readonly tmpDir: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.tmpDir = path.join(this.root, '.tmp');
  }

  async init(): Promise<void> {
    await fsp.mkdir(this.tmpDir, { recursive: true });
    await this.cleanTemp();
  }

  /** Removes temp files left by an interrupted write. */
  async cleanTemp(): Promise<number> {
    let n = 0;
    for (const name of await fsp.readdir(this.tmpDir).catch(() => [] as string[])) {
      await fsp.rm(path.join(this.tmpDir, name), { force: true, recursive: true });
      n++;
    }
    return n;
  }

  /** A fresh path inside the temp folder (same file system as the store, so rename is atomic). */
  tempPath(ext: string): string {
    checkExt(ext);
    return path.join(this.tmpDir, `${randomBytes(12).toString('hex')}.${ext}`);
  }

  pathFor(hash: string, ext: string): string {
    if (!HASH_RE.test(hash)) throw new RetakeError('E_VALIDATION', `Not a media hash: ${hash}.`);
    checkExt(ext);
    return path.join(this.root, hash.slice(0, 2), `${hash}.${ext}`);
  }

  peaksPath(hash: string): string {
    return this.pathFor(hash, 'peaks');
  }

  async has(hash: string, ext: string): Promise<boolean> {
    try {
      await fsp.access(this.pathFor(hash, ext));
      return true;
    } catch {
      return false;
    }
  }

  /** Stores bytes; returns the content hash. */
  async putBytes(bytes: Uint8Array, ext: string): Promise<StoredMedia> {
    const tmp = this.tempPath(ext);
    const h = await fsp.open(tmp, 'wx');
    try {
      await h.writeFile(bytes);
      await h.sync();
    } finally {
      await h.close();
    }
    const hash = createHash('sha256').update(bytes).digest('hex');
    return this.commit(tmp, hash, ext, bytes.byteLength);
  }

  /** Copies a file into the store (the source is only read). */
  async importFile(src: string, ext: string): Promise<StoredMedia> {
    const tmp = this.tempPath(ext);
    const hasher = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hasher.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(createReadStream(src), tap, createWriteStream(tmp, { flags: 'wx' }));
      const h = await fsp.open(tmp, 'r+');
      try {
        await h.sync();
      } finally {
        await h.close();
      }
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new RetakeError('E_FILE_NOT_FOUND', `The file ${src} does not exist.`);
      if (code === 'EISDIR') throw new RetakeError('E_UNSUPPORTED_AUDIO', `${src} is a folder, not an audio file.`);
      throw new RetakeError('E_IO', `Could not read ${src}: ${(e as Error).message}.`);
    }
    return this.commit(tmp, hasher.digest('hex'), ext, bytes);
  }

  /** Moves a finished temp file (e.g. an engine's output) into the store. */
  async adoptTemp(tmp: string, ext: string): Promise<StoredMedia> {
    const resolved = path.resolve(tmp);
    if (path.dirname(resolved) !== this.tmpDir) {
      throw new RetakeError('E_INTERNAL', `Refusing to adopt ${tmp}: not a temp file of this media store.`);
    }
    const hasher = createHash('sha256');
    let bytes = 0;
    for await (const chunk of createReadStream(resolved)) {
      hasher.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    const h = await fsp.open(resolved, 'r+');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
    return this.commit(resolved, hasher.digest('hex'), ext, bytes);
  }

  /**
   * Removes a stored file and its peaks again: only for media this run added and no project row references (an
   * import cancelled or failed after its file entered the store).
   */
  async discard(hash: string, ext: string): Promise<void> {
    await fsp.rm(this.pathFor(hash, ext), { force: true });
    await fsp.rm(this.peaksPath(hash), { force: true });
  }

  /** Writes a derived cache file (e.g. peaks) atomically next to its media. Not content-addressed by itself. */
  async putDerived(hash: string, ext: string, bytes: Uint8Array): Promise<string> {
    const dest = this.pathFor(hash, ext);
    const tmp = this.tempPath(ext);
    await fsp.writeFile(tmp, bytes, { flag: 'wx' });
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    await fsp.rename(tmp, dest);
    return dest;
  }

  private async commit(tmp: string, hash: string, ext: string, bytes: number): Promise<StoredMedia> {
    const dest = this.pathFor(hash, ext);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    if (await this.has(hash, ext)) {
      await fsp.rm(tmp, { force: true });
      return { hash, path: dest, bytes, created: false };
    }
    await fsp.chmod(tmp, 0o444);
    await fsp.rename(tmp, dest);
    await fsyncDir(path.dirname(dest));
    return { hash, path: dest, bytes, created: true };
  }
}

function checkExt(ext: string): void {
  if (!EXT_RE.test(ext)) throw new RetakeError('E_VALIDATION', `Not a media file extension: ${ext}.`);
}
