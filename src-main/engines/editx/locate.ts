// Which model pack the EditX engine uses, and on which execution providers: the one small lookup every entry point
// shares (the engine host, the CLI without --pack, the bench), so aligning it with the pack manager is one place.
//
// The pack, first match wins:
//   1. RETAKE_EDITX_PACK (a folder): tests and scripts;
//   2. settings.json in RETAKE_HOME, `{"editx": {"pack": …}}`: a folder, or the name of an installed pack (the one
//      the user selected);
//   3. the first installed pack (RETAKE_HOME/models/<name>/manifest.json, names in code-point order) that has every
//      component an edit needs, else the first installed one (whose reason the engine then shows).
// The providers: RETAKE_EDITX_PROVIDER, else settings `{"editx": {"provider": "auto" | "cpu" | "gpu"}}`, else the
// execution provider chosen in Settings (the Models page: `executionProvider`; cuda, directml and coreml are 'gpu'),
// else 'auto' (the platform's GPU provider when it starts, the CPU otherwise, saying why).
// The LM variant: RETAKE_EDITX_VARIANT, else settings `{"editx": {"variant": "auto" | "int4" | "int8" | "fp16" | "fp32" | …}}`,
// else 'auto' (the most precise variant that fits the device's free memory: ./lm/variant-choice.ts).
// Everything here is synchronous and cheap (a settings read and a folder listing): capabilities() runs it.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { probeManifest } from './pack-check';

export type EditxProvider = 'auto' | 'cpu' | 'gpu';
export const EDITX_PROVIDERS: readonly EditxProvider[] = ['auto', 'cpu', 'gpu'];

export interface PackLocation {
  /** The pack folder, or null when none is configured or installed. */
  dir: string | null;
  /** Where the choice came from (for messages). */
  from: 'env' | 'settings' | 'installed' | 'argument' | 'none';
  /** Why there is no pack (dir null), as a sentence that says what to do. */
  reason?: string;
}

/** LM variant names are the pack manifest's keys (lowercase words, digits and dashes), or "auto". */
export const LM_VARIANT_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface EditxSettings {
  pack: PackLocation;
  provider: EditxProvider;
  /** "auto" or a variant name of the pack's LM (checked against the pack when it opens). */
  variant: string;
  /** A settings value that was not understood, said as a sentence (the default is used instead). */
  warnings: string[];
}

/** RETAKE_HOME/models: where installed packs live, one folder each. */
export function modelsDir(home: string): string {
  return path.join(home, 'models');
}

function readSettings(home: string): Record<string, unknown> {
  try {
    const data = JSON.parse(readFileSync(path.join(home, 'settings.json'), 'utf8')) as unknown;
    return data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Installed packs: folders of RETAKE_HOME/models that hold a manifest.json, sorted by name. */
export function installedPacks(home: string): string[] {
  const dir = modelsDir(home);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => !n.startsWith('.') && existsSync(path.join(dir, n, 'manifest.json')))
    .sort()
    .map((n) => path.join(dir, n));
}

const NO_PACK =
  'No EditX model pack is installed. Install one from the published weights (retake pack install, or Models in the app), ' +
  'or point settings.json at a pack folder ({"editx": {"pack": "/path/to/pack"}}).';

/** The Settings' execution provider (settings-file.ts) as the engine's provider choice. */
const SETTINGS_PROVIDER: Record<string, EditxProvider> = { auto: 'auto', cpu: 'cpu', cuda: 'gpu', directml: 'gpu', coreml: 'gpu' };

/** The pack and providers to use, by the rules of the module comment. `pack` (the CLI's --pack) overrides the pack. */
export function editxSettings(home: string, env: NodeJS.ProcessEnv = process.env, pack?: string): EditxSettings {
  const settings = readSettings(home);
  const editx = (settings.editx && typeof settings.editx === 'object' ? settings.editx : {}) as Record<string, unknown>;
  const warnings: string[] = [];
  let provider: EditxProvider = 'auto';
  const p = env.RETAKE_EDITX_PROVIDER ?? editx.provider;
  if (p !== undefined) {
    if ((EDITX_PROVIDERS as readonly unknown[]).includes(p)) provider = p as EditxProvider;
    else warnings.push(`The EditX provider setting "${String(p)}" is not one of ${EDITX_PROVIDERS.join(', ')}; using auto.`);
  } else {
    const chosen = SETTINGS_PROVIDER[String(settings.executionProvider)];
    if (chosen) provider = chosen;
  }
  let variant = 'auto';
  const v = env.RETAKE_EDITX_VARIANT ?? editx.variant;
  if (v !== undefined) {
    if (typeof v === 'string' && LM_VARIANT_NAME.test(v)) variant = v;
    else warnings.push(`The EditX LM variant setting "${String(v)}" is not a variant name (auto, int4, int8, fp16, fp32, …); using auto.`);
  }
  return { pack: locatePack(home, env, editx, pack), provider, variant, warnings };
}

function locatePack(home: string, env: NodeJS.ProcessEnv, editx: Record<string, unknown>, pack: string | undefined): PackLocation {
  if (pack !== undefined) return { dir: path.resolve(pack), from: 'argument' };
  if (env.RETAKE_EDITX_PACK) return { dir: path.resolve(env.RETAKE_EDITX_PACK), from: 'env' };
  const chosen = editx.pack;
  if (typeof chosen === 'string' && chosen.trim() !== '') {
    const byName = path.join(modelsDir(home), chosen);
    const isName = !chosen.includes('/') && !chosen.includes('\\') && isDir(byName);
    return { dir: isName ? byName : path.resolve(home, chosen), from: 'settings' };
  }
  const installed = installedPacks(home);
  const usable = installed.find((dir) => {
    try {
      probeManifest(dir);
      return true;
    } catch {
      return false;
    }
  });
  const first = usable ?? installed[0];
  if (first) return { dir: first, from: 'installed' };
  return { dir: null, from: 'none', reason: NO_PACK };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
