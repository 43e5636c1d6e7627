// Whether a folder is a model pack the EditX engine can run, in two depths:
// - probePack (synchronous, cheap: capabilities() calls it): the manifest parses (format and version included), every
//   component the pipeline needs is there, and every file the pack lists for them exists with its listed size;
// - verifyPackHashes (asynchronous, before the first run of a pack in a process): every file the run will read has the
//   sha256 the manifest lists. A file hashed once is stamped (size, modification time, hash) in the pack's cache
//   folder, so later runs hash only files that changed since; an altered file is caught whatever its size.
// Every problem is a sentence naming the pack folder and the file.

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { RetakeError } from '../../contract/errors';
import { parseManifest, verifyPackFiles } from './pack/load';
import { decoderFiles, manifestFiles, type FileEntry, type PackManifest } from './pack/manifest';

const REEXPORT = 'Download the pack again or re-export it with tools/export.';

/** The components one edit or clone reads, in pipeline order. */
export const REQUIRED_COMPONENTS = ['textTokenizer', 'vq02', 'vq06', 'lm', 'flow', 'vocoder', 'speakerEncoder'] as const;

export interface PackProbe {
  dir: string;
  manifest: PackManifest;
  /** sha256 of manifest.json: the manifest lists every file's hash, so this names the pack's whole content. */
  hash: string;
  /** manifest.json's size and modification time: a new manifest means a new probe. */
  stamp: string;
}

/** Reads and checks the manifest (cached by the caller on `stamp`); throws E_ENGINE_UNAVAILABLE naming the problem. */
export function probeManifest(dir: string): PackProbe {
  const file = path.join(dir, 'manifest.json');
  let st;
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', `The EditX model pack folder ${dir} does not exist.`);
  }
  let bytes: Buffer;
  try {
    st = statSync(file);
    bytes = readFileSync(file);
  } catch {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', `No model pack in ${dir}: manifest.json is missing. ${REEXPORT}`);
  }
  const manifest = parseManifest(bytes.toString('utf8'), file);
  const missing = REQUIRED_COMPONENTS.filter((c) => manifest.components[c] === undefined);
  if (missing.length > 0) {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `The model pack in ${dir} lacks ${missing.map((c) => `components.${c}`).join(', ')} in ${file}, so it cannot edit or clone. ${REEXPORT}`,
    );
  }
  return { dir, manifest, hash: createHash('sha256').update(bytes).digest('hex'), stamp: `${st.size} ${st.mtimeMs}` };
}

/** Files of the components the pipeline reads, with the LM variants named (each file once). */
export function pipelineFiles(m: PackManifest, variants: readonly string[]): FileEntry[] {
  const out = new Map<string, FileEntry>();
  for (const f of [...manifestFiles(m, variants), ...decoderFiles(m)]) out.set(f.path, f);
  return [...out.values()];
}

/** Size check of `files` (synchronous); throws naming the first file that is missing or of another size. */
export function checkFileSizes(dir: string, files: readonly FileEntry[]): void {
  for (const f of files) {
    let size: number;
    try {
      const st = statSync(path.join(dir, f.path));
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${dir} is missing ${f.path}. ${REEXPORT}`);
    }
    if (size !== f.bytes) {
      throw new RetakeError(
        'E_ENGINE_UNAVAILABLE',
        `${f.path} in the model pack ${dir} has ${size} bytes, the manifest says ${f.bytes} (an incomplete copy?). ${REEXPORT}`,
      );
    }
  }
}

/** The LM variants a probe accepts: those whose files are all there (a download may hold one variant only). */
export function presentVariants(p: PackProbe): string[] {
  const lm = p.manifest.components.lm!;
  return Object.entries(lm.variants)
    .filter(([, v]) => {
      try {
        checkFileSizes(p.dir, v.files);
        return true;
      } catch {
        return false;
      }
    })
    .map(([name]) => name);
}

/** Everything the sizes can tell (synchronous): the non-LM files, and at least one LM variant complete. */
export function checkPackSizes(p: PackProbe): void {
  checkFileSizes(p.dir, pipelineFiles(p.manifest, []));
  if (presentVariants(p).length === 0) {
    const lm = p.manifest.components.lm!;
    // Name the first problem of the variant the CPU would use.
    checkFileSizes(p.dir, (lm.variants[lm.defaultVariant.cpu] ?? Object.values(lm.variants)[0]!).files);
  }
}

interface Stamp {
  bytes: number;
  mtimeMs: number;
  sha256: string;
}

/**
 * Checks the sha256 of `files` against the manifest, hashing only files that changed since they were last stamped in
 * `stampFile` (JSON; null: hash every time). Throws E_ENGINE_UNAVAILABLE naming the first damaged file.
 */
export async function verifyPackHashes(
  dir: string,
  files: readonly FileEntry[],
  stampFile: string | null,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ hashed: string[] }> {
  let stamps: Record<string, Stamp> = {};
  if (stampFile) {
    try {
      stamps = JSON.parse(await fsp.readFile(stampFile, 'utf8')) as Record<string, Stamp>;
    } catch {
      stamps = {};
    }
  }
  const todo: { f: FileEntry; bytes: number; mtimeMs: number }[] = [];
  for (const f of files) {
    const st = await fsp.stat(path.join(dir, f.path)).catch(() => null);
    if (!st) throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${dir} is missing ${f.path}. ${REEXPORT}`);
    const s = stamps[f.path];
    if (s && s.bytes === st.size && s.mtimeMs === st.mtimeMs && s.sha256 === f.sha256) continue;
    todo.push({ f, bytes: st.size, mtimeMs: st.mtimeMs });
  }
  const total = todo.reduce((s, t) => s + t.f.bytes, 0);
  let done = 0;
  for (const t of todo) {
    // verifyPackFiles words a size or hash mismatch as the pack loader does everywhere else.
    await verifyPackFiles(dir, [t.f], 'sha256', {
      ...(opts.signal ? { signal: opts.signal } : {}),
      onProgress: (p) => opts.onProgress?.(done + p.bytesDone, total),
    });
    done += t.f.bytes;
    stamps[t.f.path] = { bytes: t.bytes, mtimeMs: t.mtimeMs, sha256: t.f.sha256 };
  }
  if (stampFile && todo.length > 0) {
    try {
      await fsp.mkdir(path.dirname(stampFile), { recursive: true });
      const tmp = `${stampFile}.${process.pid}.part`;
      await fsp.writeFile(tmp, JSON.stringify(stamps, null, 1));
      await fsp.rename(tmp, stampFile);
    } catch (e) {
      console.error(`EditX: could not record the checked files in ${stampFile} (${(e as Error).message}); they will be hashed again next time.`);
    }
  }
  return { hashed: todo.map((t) => t.f.path) };
}
