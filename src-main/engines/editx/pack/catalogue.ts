// The model catalogue (models/catalogue.json): each published model Retake knows — where to download it, its files
// (with sha256 and size where known), its tensor counts, and which graph templates (models/templates/<id>) turn each
// part into a pack for each variant — and where the app's copies of the catalogue and the templates live.

import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { RetakeError } from '../../../contract/errors';
import { appRoot } from '../../../paths';

export const CATALOGUE_FORMAT = 'retake-model-catalogue';

const RelPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p) && p.split('/').every((s) => s !== '..' && s !== '' && s !== '.'), 'must be a relative path');

export const CatalogueFileSchema = z.strictObject({
  path: RelPath,
  /** Known hash and size; a downloaded or copied file that differs is refused. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  bytes: z.number().int().nonnegative().optional(),
  /** A shard index (model.safetensors.index.json): the shards it names are downloaded too. */
  shardIndex: z.boolean().optional(),
  /** The part of the model the file belongs to (default "lm"). */
  part: z.string().optional(),
});
export type CatalogueFile = z.infer<typeof CatalogueFileSchema>;

export const CatalogueModelSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  title: z.string(),
  publisher: z.string().optional(),
  license: z.string().optional(),
  source: z.strictObject({ kind: z.literal('huggingface'), repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/), revision: z.string().min(1) }),
  /** The folder name of a download (git clone) of the repository. */
  folder: z.string().min(1),
  /** Release date of the weights the source revision serves (picks the prompt profile). */
  modelRevision: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  modelRevisionNote: z.string().optional(),
  files: z.array(CatalogueFileSchema).min(1),
  tensors: z.record(z.string(), z.number().int().positive()),
  parts: z.record(
    z.string(),
    z.strictObject({
      /** Variant → template id. */
      templates: z.record(z.string(), z.string()),
      /** Why a part has no template yet. */
      pending: z.string().optional(),
      /** Another catalogue model whose files this part is built from (vq02: Step-Audio-Tokenizer): a download
       *  fetches that model too, into its folder inside this one's, where the template (its `folder`) finds it. */
      from: z.string().optional(),
    }),
  ),
});
export type CatalogueModel = z.infer<typeof CatalogueModelSchema>;

export const CatalogueSchema = z.strictObject({
  format: z.literal(CATALOGUE_FORMAT),
  formatVersion: z.literal(1),
  comment: z.string().optional(),
  models: z.array(CatalogueModelSchema),
});
export type Catalogue = z.infer<typeof CatalogueSchema>;

/**
 * models/ of the application (the repository in development, the app's resources when packaged): catalogue.json and
 * templates/. RETAKE_MODELS_DIR points elsewhere (tests, a catalogue with more models).
 */
export function modelsRoot(): string {
  return process.env.RETAKE_MODELS_DIR ? resolve(process.env.RETAKE_MODELS_DIR) : join(appRoot(), 'models');
}

export function templatesRoot(): string {
  return join(modelsRoot(), 'templates');
}

export async function loadCatalogue(path = join(modelsRoot(), 'catalogue.json')): Promise<Catalogue> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new RetakeError('E_INTERNAL', `The model catalogue ${path} cannot be read (${(e as Error).message}); reinstall Retake.`);
  }
  const parsed = CatalogueSchema.safeParse(raw);
  if (!parsed.success) throw new RetakeError('E_INTERNAL', `The model catalogue ${path} is damaged:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function catalogueModel(c: Catalogue, id: string): CatalogueModel {
  const m = c.models.find((x) => x.id === id);
  if (!m) throw new RetakeError('E_VALIDATION', `The catalogue has no model "${id}" (it has ${c.models.map((x) => x.id).join(', ')}).`);
  return m;
}

/** The template ids that build `variants` of a model (every part that has a template for the variant). */
export function templatesFor(m: CatalogueModel, variants: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const part of Object.values(m.parts)) for (const v of variants) if (part.templates[v]) ids.add(part.templates[v]);
  return [...ids];
}

/** What a build makes when no variant is named: the float LMs (the quantized ones are asked for by name). */
export const DEFAULT_BUILD_VARIANTS = ['fp16', 'fp32'] as const;

/** The variants a build without --variant makes: the model's float ones (every one it has when it has none). */
export function defaultVariantsOf(m: CatalogueModel): string[] {
  const all = variantsOf(m);
  const floats = all.filter((v) => (DEFAULT_BUILD_VARIANTS as readonly string[]).includes(v));
  return floats.length > 0 ? floats : all;
}

/** Variants some part of the model has a template for. */
export function variantsOf(m: CatalogueModel): string[] {
  return [...new Set(Object.values(m.parts).flatMap((p) => Object.keys(p.templates)))];
}

/**
 * Which catalogue model a folder of published files is, and the folder that holds its files: the folder itself
 * (a clone of the repository) or its subfolder named after the repository (the upstream layout: one folder holding
 * Step-Audio-EditX/ and Step-Audio-Tokenizer/). A model is recognised when its first file and at least half of its
 * files are there; null when none is.
 */
export async function recognise(c: Catalogue, dir: string): Promise<{ model: CatalogueModel; root: string } | null> {
  let best: { model: CatalogueModel; root: string; score: number } | null = null;
  for (const model of c.models) {
    for (const root of [dir, join(dir, model.folder)]) {
      if (!existsSync(root) || !(await stat(root)).isDirectory()) continue;
      const present = model.files.filter((f) => existsSync(join(root, f.path))).length;
      const first = model.files[0]!;
      const score = present / model.files.length;
      if (existsSync(join(root, first.path)) && score >= 0.5 && (!best || score > best.score)) best = { model, root, score };
    }
  }
  if (best) return { model: best.model, root: best.root };
  // A bare checkpoint folder (config.json + safetensors, no tokenizer_config.json) is still the LM.
  const lm = c.models.find((m) => m.parts.lm);
  if (lm && existsSync(join(dir, 'config.json')) && (await readdir(dir)).some((f) => f.endsWith('.safetensors'))) {
    return { model: lm, root: dir };
  }
  return null;
}
