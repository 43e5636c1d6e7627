// Installed model packs: folders in RETAKE_HOME/models/<name>/. Listing (size, status and, for a pack that cannot be
// used, the reason), installing from a folder (a ready pack is copied with every file's sha256 checked; a folder of
// published files is built through the graph templates), verifying (every sha256 and the text tokenizer) and removing.
// An install writes into a hidden `.<name>.partial-…` folder and renames it into place when complete; a partial
// folder left by a crash is listed as an interrupted install and cleared by the next install or remove.

import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { RetakeError } from '../../../contract/errors';
import { buildPack, partialDir, type BuildProgress } from './build';
import { catalogueModel, defaultVariantsOf, loadCatalogue, recognise, templatesFor, templatesRoot, type Catalogue } from './catalogue';
import { loadPack, parseManifest } from './load';
import { freeGpuBytes, freeRamBytes } from '../lm/memory';
import type { LmDevice } from '../lm/ort-lm';
import { chooseLmVariant, lmVariantBytes } from '../lm/variant-choice';
import { lmVariantNames, manifestFiles, type LmComponent, type PackManifest } from './manifest';
import { variantQualityNote, variantQualityProblem } from './quality';
import { openPackTokenizer } from './text-tokenizer';

export type PackStatus = 'ready' | 'unusable' | 'interrupted';

export interface InstalledPack {
  name: string;
  dir: string;
  /** Bytes on disk (every file in the folder). */
  bytes: number;
  status: PackStatus;
  /** Why the pack cannot be used (unusable, interrupted); null when ready. */
  reason: string | null;
  description: string | null;
  /** Components of the manifest ('lm', 'textTokenizer', …). */
  components: string[];
  variants: string[];
  /** How it was made: 'retake pack build' (templates), 'tools/export', or null for a pack without an origin. */
  origin: string | null;
  /** When every sha256 was last checked, and whether they matched. */
  verified: { at: string; ok: boolean } | null;
  /** The LM variants (size, recorded agreement, why one may not be used) and what "auto" picks now, and why. */
  lm: PackLmInfo | null;
}

export interface PackLmInfo {
  variants: {
    name: string;
    dtype: 'fp32' | 'fp16' | 'int8' | 'int4';
    bytes: number;
    agreement: { top1: number; positions: number } | null;
    problem: string | null;
    /** A usable variant's caveat: its quality gate was not measured, and why (pack/quality.ts). */
    note: string | null;
  }[];
  auto: { device: LmDevice; variant: string; reason: string; fits: boolean }[];
}

/** Free memory per device for the "auto" choice (null: unknown, e.g. no NVIDIA GPU). */
export type FreeMemory = (device: LmDevice) => number | null;

const measuredFree: FreeMemory = (device) => (device === 'gpu' ? freeGpuBytes() : freeRamBytes());

export interface PackProgress {
  stage: string;
  /** 0..1 */
  fraction: number;
}

export interface PackJobOptions {
  signal?: AbortSignal;
  onProgress?: (p: PackProgress) => void;
}

/** Pack names are folder names: letters, digits, dot, dash, underscore; not hidden. */
export const PACK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function modelsDir(home: string): string {
  return join(home, 'models');
}

const VERIFIED_FILE = '.verified.json';

function checkName(name: string): void {
  if (!PACK_NAME.test(name)) {
    throw new RetakeError('E_VALIDATION', `"${name}" is not a pack name: use letters, digits, ".", "-" and "_" (at most 64, not starting with a dot).`);
  }
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}

type VerifiedMap = Record<string, { at: string; ok: boolean; reason?: string }>;

async function readVerified(home: string): Promise<VerifiedMap> {
  try {
    return JSON.parse(await readFile(join(modelsDir(home), VERIFIED_FILE), 'utf8')) as VerifiedMap;
  } catch {
    return {};
  }
}

async function writeVerified(home: string, update: (m: VerifiedMap) => void): Promise<void> {
  const m = await readVerified(home);
  update(m);
  await mkdir(modelsDir(home), { recursive: true });
  const tmp = join(modelsDir(home), `${VERIFIED_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(m, null, 1));
  await rename(tmp, join(modelsDir(home), VERIFIED_FILE));
}

/** A partial folder's pack name: `.name.partial-1234abcd` → name. */
function partialName(entry: string): string | null {
  const m = /^\.(.+)\.partial-[0-9a-f]+$/.exec(entry);
  return m ? m[1]! : null;
}

export async function listPacks(home: string, free: FreeMemory = measuredFree): Promise<InstalledPack[]> {
  // Measured once per listing (nvidia-smi is a process), only when some pack has an LM.
  const memo = new Map<LmDevice, number | null>();
  const freeOnce: FreeMemory = (d) => {
    if (!memo.has(d)) memo.set(d, free(d));
    return memo.get(d)!;
  };
  const root = modelsDir(home);
  const verified = await readVerified(home);
  const out: InstalledPack[] = [];
  for (const e of (await readdir(root, { withFileTypes: true }).catch(() => [])).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isDirectory()) continue;
    const dir = join(root, e.name);
    const partial = partialName(e.name);
    if (partial !== null) {
      out.push({
        name: partial,
        dir,
        bytes: await folderBytes(dir),
        status: 'interrupted',
        reason: 'An install of this pack was interrupted (Retake stopped before it finished). Install it again; the partial files are removed then.',
        description: null,
        components: [],
        variants: [],
        origin: null,
        verified: null,
        lm: null,
      });
      continue;
    }
    if (e.name.startsWith('.')) continue;
    const base: InstalledPack = {
      name: e.name,
      dir,
      bytes: await folderBytes(dir),
      status: 'ready',
      reason: null,
      description: null,
      components: [],
      variants: [],
      origin: null,
      verified: verified[e.name] ? { at: verified[e.name]!.at, ok: verified[e.name]!.ok } : null,
      lm: null,
    };
    try {
      const text = await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => {
        throw new RetakeError('E_ENGINE_UNAVAILABLE', `${dir} has no manifest.json: it is not a model pack.`);
      });
      const manifest = parseManifest(text, join(dir, 'manifest.json'));
      Object.assign(base, describe(manifest));
      base.lm = lmInfo(manifest.components.lm, freeOnce);
      await loadPack(dir, { verify: 'size' });
      const v = verified[e.name];
      if (v && !v.ok) {
        base.status = 'unusable';
        base.reason = v.reason ?? 'Its files did not match their sha256 when last verified.';
      }
    } catch (err) {
      base.status = 'unusable';
      base.reason = err instanceof Error ? err.message : String(err);
    }
    out.push(base);
  }
  return out;
}

function describe(m: PackManifest): Pick<InstalledPack, 'description' | 'components' | 'variants' | 'origin'> {
  return {
    description: m.description ?? null,
    components: Object.keys(m.components),
    variants: lmVariantNames(m),
    origin: m.origin?.tool ?? null,
  };
}

/**
 * The LM variants as the variant setting shows them, and what "auto" would pick on each device whose free memory is
 * known — the same choice the engine makes when the LM opens (../parts.ts), so the page says what will happen.
 */
export function lmInfo(lm: LmComponent | undefined, free: FreeMemory): PackLmInfo | null {
  if (!lm) return null;
  const variants = Object.entries(lm.variants).map(([name, v]) => ({
    name,
    dtype: v.dtype,
    bytes: lmVariantBytes(lm, v),
    agreement: v.quality ? { top1: v.quality.top1Agreement, positions: v.quality.positions } : null,
    // The runner refuses other cache layouts (../lm/ort-lm.ts), as the gate refuses a variant under it.
    problem: v.kvIo === 'append' ? variantQualityProblem(name, v) : `LM variant "${name}" uses the "${v.kvIo}" cache layout; Retake runs only "append"`,
    note: variantQualityNote(name, v),
  }));
  const auto: PackLmInfo['auto'] = [];
  if (variants.some((v) => v.problem === null)) {
    for (const device of ['cpu', 'gpu'] as const) {
      const bytes = free(device);
      if (bytes === null) continue;
      const c = chooseLmVariant(lm, device, bytes);
      auto.push({ device, variant: c.name, reason: c.reason, fits: c.fits });
    }
  }
  return { variants, auto };
}

/** Checks every file's sha256 and the text tokenizer; the result is remembered for the list. */
export async function verifyInstalled(home: string, name: string, opts: PackJobOptions = {}): Promise<InstalledPack> {
  checkName(name);
  const dir = join(modelsDir(home), name);
  if (!existsSync(dir)) throw new RetakeError('E_NOT_FOUND', `No model pack named "${name}" is installed.`);
  let ok = true;
  let reason: string | undefined;
  try {
    await verifyPackFolder(dir, opts);
  } catch (e) {
    if (RetakeError.is(e, 'E_CANCELLED')) throw e;
    ok = false;
    reason = e instanceof Error ? e.message : String(e);
  }
  await writeVerified(home, (m) => {
    m[name] = { at: new Date().toISOString(), ok, ...(reason ? { reason } : {}) };
  });
  const listed = (await listPacks(home)).find((p) => p.name === name && p.status !== 'interrupted');
  if (!listed) throw new RetakeError('E_NOT_FOUND', `No model pack named "${name}" is installed.`);
  return listed;
}

/** Every file of a pack folder against its sha256, then its text tokenizer. Throws what is wrong. */
export async function verifyPackFolder(dir: string, opts: PackJobOptions = {}): Promise<PackManifest> {
  const pack = await loadPack(dir, {
    verify: 'sha256',
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (p) => opts.onProgress?.({ stage: `checking ${p.file}`, fraction: p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 1 }),
  });
  if (pack.manifest.components.textTokenizer) await openPackTokenizer(pack);
  return pack.manifest;
}

export async function removePack(home: string, name: string): Promise<void> {
  checkName(name);
  const root = modelsDir(home);
  const targets = [join(root, name), ...(await readdir(root).catch(() => [])).filter((e) => partialName(e) === name).map((e) => join(root, e))];
  if (!targets.some((t) => existsSync(t))) throw new RetakeError('E_NOT_FOUND', `No model pack named "${name}" is installed.`);
  for (const t of targets) await rm(t, { recursive: true, force: true });
  await writeVerified(home, (m) => {
    delete m[name];
  });
}

export interface InstallOptions extends PackJobOptions {
  /** A ready pack (with manifest.json) or a folder of published files. */
  from: string;
  /** Default: the manifest's name, or the catalogue model's id. */
  name?: string;
  /** For published files: the variants to build (default: fp16 and fp32). */
  variants?: readonly string[];
  modelRevision?: string | null;
  catalogue?: Catalogue;
  templatesDir?: string;
  /** Template folders to build with instead of the catalogue's (tests, parts not yet in the catalogue). */
  templates?: readonly string[];
}

export interface InstallResult {
  pack: InstalledPack;
  /** 'copied' (a ready pack) or 'built' (published files through the templates). */
  how: 'copied' | 'built';
}

async function clearPartials(home: string, name: string): Promise<void> {
  const root = modelsDir(home);
  for (const e of await readdir(root).catch(() => [])) if (partialName(e) === name) await rm(join(root, e), { recursive: true, force: true });
}

/** Installs a pack into RETAKE_HOME/models/<name>/ (see the module comment). */
export async function installPack(home: string, opts: InstallOptions): Promise<InstallResult> {
  const from = resolve(opts.from);
  if (!existsSync(from) || !(await stat(from)).isDirectory()) throw new RetakeError('E_FILE_NOT_FOUND', `There is no folder ${from}.`);
  await mkdir(modelsDir(home), { recursive: true });
  const ready = existsSync(join(from, 'manifest.json'));
  let name = opts.name;
  let how: InstallResult['how'];
  if (ready) {
    const manifest = parseManifest(await readFile(join(from, 'manifest.json'), 'utf8'), join(from, 'manifest.json'));
    name ??= manifest.name;
    checkName(name);
    const dest = join(modelsDir(home), name);
    if (existsSync(dest)) throw new RetakeError('E_VALIDATION', `A model pack named "${name}" is installed already; remove it first or choose another name.`);
    await clearPartials(home, name);
    await copyPack(from, dest, manifest, opts);
    how = 'copied';
  } else {
    const catalogue = opts.catalogue ?? (await loadCatalogue());
    const found = await recognise(catalogue, from);
    if (!found && !opts.templates) {
      throw new RetakeError(
        'E_MODEL_INVALID',
        `${from} holds neither a model pack (manifest.json) nor published model files Retake knows (${catalogue.models.map((m) => m.source.repo).join(', ')}).`,
      );
    }
    const model = found ? catalogueModel(catalogue, found.model.id) : null;
    const variants = opts.variants && opts.variants.length > 0 ? opts.variants : model ? defaultVariantsOf(model) : undefined;
    const templatesDir = opts.templatesDir ?? templatesRoot();
    const templates = opts.templates ?? templatesFor(model!, variants!).map((id) => join(templatesDir, id));
    if (templates.length === 0) throw new RetakeError('E_VALIDATION', `No graph template builds ${model!.title} for ${variants!.join(', ')}.`);
    name ??= model?.id ?? 'model';
    checkName(name);
    const dest = join(modelsDir(home), name);
    if (existsSync(dest)) throw new RetakeError('E_VALIDATION', `A model pack named "${name}" is installed already; remove it first or choose another name.`);
    await clearPartials(home, name);
    await buildPack({
      from: found?.root ?? from,
      templates,
      ...(variants ? { variants } : {}),
      out: dest,
      name,
      ...(model ? { model: model.id } : {}),
      modelRevision: opts.modelRevision !== undefined ? opts.modelRevision : (model?.modelRevision ?? null),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onProgress: (p: BuildProgress) => opts.onProgress?.({ stage: p.stage, fraction: p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0 }),
    });
    how = 'built';
  }
  await writeVerified(home, (m) => {
    // Every file was hashed while it was written or copied.
    m[name] = { at: new Date().toISOString(), ok: true };
  });
  const pack = (await listPacks(home)).find((p) => p.name === name && p.status !== 'interrupted')!;
  return { pack, how };
}

/** Copies a ready pack's manifest and listed files, checking each file's sha256 as it is copied. */
async function copyPack(from: string, dest: string, manifest: PackManifest, opts: PackJobOptions): Promise<void> {
  const all = manifestFiles(manifest);
  const total = all.reduce((s, f) => s + f.bytes, 0);
  const tmp = partialDir(dest);
  await mkdir(tmp, { recursive: true });
  let done = 0;
  try {
    for (const f of all) {
      const src = join(from, f.path);
      if (!existsSync(src)) throw new RetakeError('E_MODEL_INVALID', `The model pack in ${from} is missing ${f.path}.`);
      const out = join(tmp, f.path);
      await mkdir(dirname(out), { recursive: true });
      const fh = await open(out, 'w');
      const hash = createHash('sha256');
      let bytes = 0;
      try {
        for await (const piece of createReadStream(src, { highWaterMark: 8 << 20 }) as AsyncIterable<Buffer>) {
          if (opts.signal?.aborted) throw new RetakeError('E_CANCELLED', 'Installing the model pack was cancelled.');
          await fh.write(piece);
          hash.update(piece);
          bytes += piece.length;
          done += piece.length;
          opts.onProgress?.({ stage: `copying ${f.path}`, fraction: total > 0 ? done / total : 1 });
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      const sha = hash.digest('hex');
      if (sha !== f.sha256 || bytes !== f.bytes) {
        throw new RetakeError(
          'E_MODEL_INVALID',
          `${f.path} in ${from} is damaged: sha256 ${sha} (${bytes} bytes), the manifest says ${f.sha256} (${f.bytes} bytes).`,
        );
      }
    }
    await writeFile(join(tmp, 'manifest.json'), await readFile(join(from, 'manifest.json')));
    const pack = await loadPack(tmp, { verify: 'size' });
    if (pack.manifest.components.textTokenizer) await openPackTokenizer(pack);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
