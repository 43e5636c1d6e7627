// Opening a model pack: reads and validates manifest.json, checks that the files the caller will use (the text
// tokenizer, the audio tokenizers and the LM variants asked for) are present with their size, and (on request) their sha256. A download of
// one variant (e.g. fp16 only) opens as long as that variant is the one asked for. Every failure is a RetakeError
// whose message names the pack, the file and what to do.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { RetakeError } from '../../../contract/errors';
import type { FileEntry, PackManifest } from './manifest';
import { PACK_FORMAT, PACK_FORMAT_VERSION, PackManifestSchema, decoderFiles, lmVariantNames, manifestFiles, tokenizerFiles } from './manifest';

export type VerifyMode = 'none' | 'size' | 'sha256';

export interface ModelPack {
  /** Absolute path of the pack folder. */
  readonly dir: string;
  readonly manifest: PackManifest;
  /** The LM variants whose files were checked when the pack was opened (see LoadPackOptions.variants). */
  readonly verifiedVariants: readonly string[];
  /** How those files were checked. */
  readonly verifyMode: VerifyMode;
  /** Absolute path of a file the manifest lists. */
  path(entry: FileEntry): string;
}

export interface VerifyProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface LoadPackOptions {
  /** 'size' (default): files exist with the listed size; 'sha256': also hash them (seconds per GB). */
  verify?: VerifyMode;
  /**
   * LM variants whose files are checked (the text tokenizer's files always are): e.g. ['fp16'] for a download that
   * holds only the fp16 graph, [] for the tokenizer alone. Default: every variant the manifest lists.
   */
  variants?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (p: VerifyProgress) => void;
}

const REEXPORT = 'Download the pack again or re-export it with tools/export.';

/** Parses manifest JSON text; `source` names it in errors. */
export function parseManifest(text: string, source: string): PackManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new RetakeError('E_ENGINE_UNAVAILABLE', `${source} is not valid JSON (${(e as Error).message}). ${REEXPORT}`);
  }
  const fmt = (raw as { format?: unknown; formatVersion?: unknown } | null) ?? {};
  if (fmt.format === PACK_FORMAT && typeof fmt.formatVersion === 'number' && fmt.formatVersion > PACK_FORMAT_VERSION) {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `${source} is pack format ${fmt.formatVersion}; this version of Retake reads format ${PACK_FORMAT_VERSION}. Update Retake.`,
    );
  }
  const parsed = PackManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `${source} is not a valid model pack manifest:\n${z.prettifyError(parsed.error)}\n${REEXPORT}`,
      { issues: parsed.error.issues },
    );
  }
  const seen = new Map<string, string>();
  const m = parsed.data;
  const all = [
    ...Object.values(m.components.lm?.variants ?? {}).flatMap((v) => v.files),
    ...(m.components.textTokenizer?.files ?? []),
    ...tokenizerFiles(m),
    ...decoderFiles(m),
  ];
  for (const f of all) {
    const prev = seen.get(f.path);
    if (prev !== undefined && prev !== f.sha256) {
      throw new RetakeError('E_ENGINE_UNAVAILABLE', `${source} lists ${f.path} twice with different hashes. ${REEXPORT}`);
    }
    seen.set(f.path, f.sha256);
  }
  return m;
}

export async function sha256File(path: string, signal?: AbortSignal, onBytes?: (n: number) => void): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let done = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (signal?.aborted) {
      stream.destroy();
      throw new RetakeError('E_CANCELLED', 'Checking the model pack was cancelled.');
    }
    hash.update(chunk);
    done += chunk.length;
    onBytes?.(done);
  }
  return hash.digest('hex');
}

/** Checks the listed files against their size (and hash in 'sha256' mode). */
export async function verifyPackFiles(
  dir: string,
  files: readonly FileEntry[],
  mode: VerifyMode,
  opts: { signal?: AbortSignal; onProgress?: (p: VerifyProgress) => void } = {},
): Promise<void> {
  if (mode === 'none') return;
  const total = files.reduce((s, f) => s + f.bytes, 0);
  let before = 0;
  for (const f of files) {
    const p = join(dir, f.path);
    let size: number;
    try {
      const st = await stat(p);
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
    if (mode === 'sha256') {
      const digest = await sha256File(p, opts.signal, (n) =>
        opts.onProgress?.({ file: f.path, bytesDone: before + n, bytesTotal: total }),
      );
      if (digest !== f.sha256) {
        throw new RetakeError(
          'E_ENGINE_UNAVAILABLE',
          `${f.path} in the model pack ${dir} is damaged (sha256 ${digest.slice(0, 12)}…, expected ${f.sha256.slice(0, 12)}…). ${REEXPORT}`,
        );
      }
    }
    before += f.bytes;
  }
}

export async function loadPack(dir: string, opts: LoadPackOptions = {}): Promise<ModelPack> {
  const abs = resolve(dir);
  try {
    if (!(await stat(abs)).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new RetakeError('E_FILE_NOT_FOUND', `The model pack folder ${abs} does not exist.`);
  }
  const manifestPath = join(abs, 'manifest.json');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `No model pack in ${abs}: manifest.json is missing (choose the folder of an EditX pack; see models/ for how to get one).`,
    );
  }
  const manifest = parseManifest(text, manifestPath);
  const all = lmVariantNames(manifest);
  const variants = opts.variants ?? all;
  const unknown = variants.filter((v) => !all.includes(v));
  if (unknown.length > 0) {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `The model pack in ${abs} has no LM variant ${unknown.map((v) => `"${v}"`).join(', ')} (it has ${all.join(', ') || 'none'}).`,
    );
  }
  const mode = opts.verify ?? 'size';
  await verifyPackFiles(abs, manifestFiles(manifest, variants), mode, opts);
  return {
    dir: abs,
    manifest,
    verifiedVariants: [...new Set(variants)],
    verifyMode: mode,
    path: (entry) => join(abs, entry.path),
  };
}
