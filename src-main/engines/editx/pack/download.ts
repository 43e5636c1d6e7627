// Downloading a catalogue model's published files (models/catalogue.json) when the machine is online: each file
// into `<dest>.download/<path>.part`, resumed with an HTTP Range request after an interruption (a later attempt, or a
// later session, continues where the bytes end), hashed as it arrives and checked against the catalogue's sha256
// (else against the server's own sha256 of a Git LFS file, its X-Linked-Etag), then renamed; the folder becomes
// `<dest>` only when every file is complete. A file that fails its hash is deleted and named in the error.
// The shards of a safetensors checkpoint come from its index, fetched first.

import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { RetakeError } from '../../../contract/errors';
import type { CatalogueFile, CatalogueModel } from './catalogue';

export interface DownloadProgress {
  file: string;
  /** Bytes of every file so far (known sizes only) and the total when known. */
  bytesDone: number;
  bytesTotal: number | null;
}

export interface DownloadOptions {
  /** Where the files end up (the folder must not exist yet). */
  dest: string;
  /** "https://huggingface.co" by default; a mirror or a test server otherwise. The URL of a file is
   *  `${baseUrl}/${repo}/resolve/${revision}/${path}`. */
  baseUrl?: string;
  /** Only the files of these parts (default: every file). */
  parts?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Attempts per file before giving up (each resumes where the last stopped). */
  attempts?: number;
  /** Milliseconds before the second attempt (doubled for each further one). */
  retryDelayMs?: number;
}

export interface DownloadResult {
  dir: string;
  files: { path: string; sha256: string; bytes: number; checked: 'catalogue' | 'server' | 'none' }[];
}

export const DEFAULT_BASE_URL = 'https://huggingface.co';

function urlOf(base: string, model: CatalogueModel, path: string): string {
  const enc = path.split('/').map(encodeURIComponent).join('/');
  return `${base.replace(/\/+$/, '')}/${model.source.repo}/resolve/${encodeURIComponent(model.source.revision)}/${enc}`;
}

function cancelled(): RetakeError {
  return new RetakeError('E_CANCELLED', 'The download was cancelled; it continues where it stopped when started again.');
}

async function sizeOf(p: string): Promise<number> {
  try {
    return (await stat(p)).size;
  } catch {
    return 0;
  }
}

/** Hashes what a partial file already holds, so the hash of the whole file comes out of a resumed transfer. */
async function hashExisting(p: string, bytes: number, hash: Hash): Promise<void> {
  if (bytes === 0) return;
  for await (const piece of createReadStream(p, { start: 0, end: bytes - 1 }) as AsyncIterable<Buffer>) hash.update(piece);
}

/** The sha256 a server states for a Git LFS file (Hugging Face: X-Linked-Etag), when it is one. */
function serverSha256(res: Response): string | null {
  for (const h of ['x-linked-etag', 'etag']) {
    const v = res.headers.get(h)?.replace(/^W\//, '').replace(/"/g, '');
    if (v && /^[0-9a-f]{64}$/.test(v)) return v;
  }
  return null;
}

interface FileResult {
  sha256: string;
  bytes: number;
  checked: 'catalogue' | 'server' | 'none';
}

/** One attempt at (the rest of) one file. Returns null when the connection broke (retry), the result when done. */
async function attempt(url: string, part: string, file: CatalogueFile, opts: DownloadOptions, report: (n: number) => void): Promise<FileResult | null> {
  let have = await sizeOf(part);
  const headers: Record<string, string> = {};
  if (have > 0) headers.range = `bytes=${have}-`;
  let res: Response;
  try {
    res = await fetch(url, { headers, ...(opts.signal ? { signal: opts.signal } : {}), redirect: 'follow' });
  } catch {
    if (opts.signal?.aborted) throw cancelled();
    return null; // no connection: the next attempt tries again
  }
  if (res.status === 416 && have > 0) {
    // Nothing left to send: the partial file is complete (or longer than the file; the hash decides).
    await res.body?.cancel();
    return finish(part, file, have, null, null);
  }
  if (res.status === 200 && have > 0) {
    // The server ignored the range: start over.
    await rm(part, { force: true });
    have = 0;
  } else if (res.status === 206) {
    const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== have) {
      await res.body?.cancel();
      await rm(part, { force: true });
      throw new RetakeError('E_NETWORK', `${url} answered a resume with the wrong range (${res.headers.get('content-range')}); start the download again.`);
    }
  } else if (res.status !== 200) {
    await res.body?.cancel();
    const what = res.status === 404 ? 'is not there (404)' : res.status === 401 || res.status === 403 ? `refused access (${res.status})` : `answered ${res.status} ${res.statusText}`;
    throw new RetakeError('E_NETWORK', `${url} ${what}.`);
  }
  const hash = createHash('sha256');
  await hashExisting(part, have, hash);
  const fh = await open(part, have > 0 ? 'a' : 'w');
  let got = have;
  let broke = false;
  try {
    if (!res.body) throw new RetakeError('E_NETWORK', `${url} sent no body.`);
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
      await fh.write(piece);
      hash.update(piece);
      got += piece.length;
      report(piece.length);
    }
  } catch (e) {
    if (opts.signal?.aborted) throw cancelled();
    if (e instanceof RetakeError) throw e;
    broke = true;
  } finally {
    await fh.sync().catch(() => {});
    await fh.close();
  }
  const length = Number(res.headers.get('content-length') ?? NaN);
  if (broke || (Number.isFinite(length) && got - have < length)) return null;
  return finish(part, file, got, hash, serverSha256(res));
}

async function finish(part: string, file: CatalogueFile, bytes: number, hash: Hash | null, server: string | null): Promise<FileResult> {
  let sha: string;
  if (hash) sha = hash.digest('hex');
  else {
    const h = createHash('sha256');
    await hashExisting(part, bytes, h);
    sha = h.digest('hex');
  }
  const want = file.sha256 ?? server;
  if ((want && sha !== want) || (file.bytes !== undefined && bytes !== file.bytes)) {
    await rm(part, { force: true });
    throw new RetakeError(
      'E_MODEL_INVALID',
      `${file.path} arrived damaged: sha256 ${sha} (${bytes} bytes), expected ${want ?? '(any)'}${file.bytes !== undefined ? ` (${file.bytes} bytes)` : ''}. It was deleted; download it again.`,
    );
  }
  return { sha256: sha, bytes, checked: file.sha256 ? 'catalogue' : server ? 'server' : 'none' };
}

async function downloadFile(model: CatalogueModel, file: CatalogueFile, tmp: string, opts: DownloadOptions, report: (n: number) => void): Promise<FileResult> {
  const url = urlOf(opts.baseUrl ?? DEFAULT_BASE_URL, model, file.path);
  const done = join(tmp, file.path);
  const part = `${done}.part`;
  await mkdir(dirname(done), { recursive: true });
  if (existsSync(done)) {
    // Completed in an earlier session; a known hash is checked again, an unknown one is taken as it was.
    const r = await finish(done, file, await sizeOf(done), null, null);
    report(r.bytes);
    return r;
  }
  const attempts = Math.max(1, opts.attempts ?? 4);
  let delay = opts.retryDelayMs ?? 1000;
  for (let i = 0; i < attempts; i++) {
    if (opts.signal?.aborted) throw cancelled();
    const r = await attempt(url, part, file, opts, report);
    if (r) {
      await rename(part, done);
      return r;
    }
    if (i + 1 < attempts) {
      await new Promise((ok) => setTimeout(ok, delay));
      delay *= 2;
    }
  }
  throw new RetakeError('E_NETWORK', `Downloading ${file.path} from ${url} kept breaking off (${attempts} attempts); the bytes so far are kept and the next download resumes them.`);
}

/** Where a download in progress keeps its files (stable, so a later session resumes it). */
export function downloadTmp(dest: string): string {
  return `${resolve(dest)}.download`;
}

export async function downloadModel(model: CatalogueModel, opts: DownloadOptions): Promise<DownloadResult> {
  const dest = resolve(opts.dest);
  if (existsSync(dest)) throw new RetakeError('E_VALIDATION', `${dest} exists already; remove it or choose another folder.`);
  const tmp = downloadTmp(dest);
  await mkdir(tmp, { recursive: true });
  const wanted = model.files.filter((f) => !opts.parts || opts.parts.includes(f.part ?? 'lm'));
  // Small files of unknown size (config, tokenizer) are left out of the total; the shards' come from their index.
  let total: number | null = wanted.reduce((s, f) => s + (f.bytes ?? 0), 0);
  let doneBytes = 0;
  let current = '';
  const report = (n: number) => {
    doneBytes += n;
    opts.onProgress?.({ file: current, bytesDone: doneBytes, bytesTotal: total });
  };
  const results: DownloadResult['files'] = [];
  const queue = [...wanted];
  while (queue.length > 0) {
    const file = queue.shift()!;
    current = file.path;
    const r = await downloadFile(model, file, tmp, opts, report);
    results.push({ path: file.path, ...r });
    if (file.shardIndex) {
      let index: { weight_map?: Record<string, string>; metadata?: { total_size?: unknown } };
      try {
        index = JSON.parse(await readFile(join(tmp, file.path), 'utf8')) as typeof index;
      } catch (e) {
        throw new RetakeError('E_MODEL_INVALID', `${file.path} is not a readable shard index (${(e as Error).message}).`);
      }
      const base = file.path.includes('/') ? file.path.slice(0, file.path.lastIndexOf('/') + 1) : '';
      const shards = [...new Set(Object.values(index.weight_map ?? {}))].sort();
      if (shards.length === 0 || shards.some((s) => typeof s !== 'string' || s.includes('/') || s.includes('..'))) {
        throw new RetakeError('E_MODEL_INVALID', `${file.path} names no shards, or shards outside its folder.`);
      }
      for (const s of shards) queue.push({ path: base + s, ...(file.part ? { part: file.part } : {}) });
      // The index states the shards' total size (transformers writes it): the progress total when known.
      const shardBytes = index.metadata?.total_size;
      total = typeof shardBytes === 'number' && total !== null ? total + shardBytes : null;
    }
  }
  await rename(tmp, dest);
  return { dir: dest, files: results };
}
