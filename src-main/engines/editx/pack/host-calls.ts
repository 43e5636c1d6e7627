// What an engine host does for the studio's model-pack calls (protocol.ts: packs, packInstall, packVerify,
// packRemove): the installed packs with the catalogue, an install from a folder or by download (the published files
// land in RETAKE_HOME/models/.downloads/<id>/, resumable, and are deleted once the pack is built), a check, a removal.
// They run in the audio host: copying and converting gigabytes must not block the studio's process.

import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RetakeError } from '../../../contract/errors';
import type { HostArgs, HostResults } from '../../host/protocol';
import { catalogueModel, loadCatalogue, templatesFor, variantsOf } from './catalogue';
import { DEFAULT_BASE_URL, downloadModel } from './download';
import { installPack, listPacks, modelsDir, removePack, verifyInstalled } from './installed';

export interface PackCallContext {
  signal: AbortSignal;
  progress: (value: number, stage?: string | null) => void;
}

// A download is most of an install's time (7 GB over the network vs. one pass over the disk to build).
const DOWNLOAD_SHARE = 0.75;

export async function packsCall(args: HostArgs['packs']): Promise<HostResults['packs']> {
  const catalogue = await loadCatalogue();
  return {
    dir: modelsDir(args.home),
    packs: await listPacks(args.home),
    catalogue: catalogue.models.map((m) => ({
      id: m.id,
      title: m.title,
      repo: m.source.repo,
      buildable: templatesFor(m, variantsOf(m)).length > 0,
      variants: variantsOf(m),
    })),
  };
}

export async function packInstallCall(args: HostArgs['packInstall'], ctx: PackCallContext): Promise<HostResults['packInstall']> {
  const common = {
    ...(args.name ? { name: args.name } : {}),
    ...(args.variants ? { variants: args.variants } : {}),
    signal: ctx.signal,
  };
  if (args.source.kind === 'folder') {
    return installPack(args.home, { ...common, from: args.source.path, onProgress: (p) => ctx.progress(p.fraction, p.stage) });
  }
  const catalogue = await loadCatalogue();
  const model = catalogueModel(catalogue, args.source.model);
  const variants = args.variants ?? variantsOf(model);
  const built = Object.entries(model.parts).filter(([, p]) => variants.some((v) => p.templates[v]));
  const parts = built.filter(([, p]) => !p.from).map(([name]) => name);
  if (built.length === 0) throw new RetakeError('E_VALIDATION', `${model.title} cannot be built into a pack yet (no graph template).`);
  // Parts built from another repository's files (vq02 from Step-Audio-Tokenizer): that model is downloaded too, into
  // its folder inside this one's.
  const others = [...new Set(built.flatMap(([, p]) => (p.from ? [p.from] : [])))].map((id) => catalogueModel(catalogue, id));
  // Downloads go to a folder of their own; an interrupted one resumes (download.ts), a complete one that was not
  // built yet (the build was cancelled) is built without downloading again. Each model's download is its own step.
  const dest = join(modelsDir(args.home), '.downloads', model.id);
  const steps = [{ m: model, dir: dest, parts }, ...others.map((m) => ({ m, dir: join(dest, m.folder), parts: undefined }))];
  for (const [i, step] of steps.entries()) {
    if (existsSync(step.dir)) continue;
    const share = DOWNLOAD_SHARE / steps.length;
    await downloadModel(step.m, {
      dest: step.dir,
      baseUrl: process.env.RETAKE_MODEL_MIRROR ?? DEFAULT_BASE_URL,
      ...(step.parts ? { parts: step.parts } : {}),
      signal: ctx.signal,
      onProgress: (p) => ctx.progress(share * (i + (p.bytesTotal ? Math.min(1, p.bytesDone / p.bytesTotal) : 0)), `downloading ${p.file}`),
    });
  }
  try {
    const r = await installPack(args.home, {
      ...common,
      from: dest,
      catalogue,
      onProgress: (p) => ctx.progress(DOWNLOAD_SHARE + (1 - DOWNLOAD_SHARE) * p.fraction, p.stage),
    });
    await rm(dest, { recursive: true, force: true });
    return r;
  } catch (e) {
    // Files that do not build are not kept for another try; a cancelled build keeps them.
    if (RetakeError.is(e, 'E_MODEL_INVALID')) await rm(dest, { recursive: true, force: true });
    throw e;
  }
}

export async function packVerifyCall(args: HostArgs['packVerify'], ctx: PackCallContext): Promise<HostResults['packVerify']> {
  return verifyInstalled(args.home, args.name, { signal: ctx.signal, onProgress: (p) => ctx.progress(p.fraction, p.stage) });
}

export async function packRemoveCall(args: HostArgs['packRemove']): Promise<HostResults['packRemove']> {
  await removePack(args.home, args.name);
  return { removed: args.name };
}
