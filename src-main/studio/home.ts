// RETAKE_HOME: the folder for settings, model packs and default projects. Tests isolate themselves by setting it.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RecentProject } from '../contract/entities';

export function retakeHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RETAKE_HOME) return path.resolve(env.RETAKE_HOME);
  const home = os.homedir();
  switch (process.platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Retake');
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Retake');
    default:
      return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'retake');
  }
}

export function defaultProjectDir(home: string): string {
  return path.join(projectsDir(home), 'Untitled');
}

/** Where projects go by default: RETAKE_HOME/projects. */
export function projectsDir(home: string): string {
  return path.join(home, 'projects');
}

/**
 * A folder the user typed: `~` and relative paths are taken from the user's home folder — never from the folder
 * Retake happens to run in (the install folder, for a packaged app).
 */
export function resolveUserPath(dir: string, userHome: string): string {
  if (dir === '~') return userHome;
  if (dir.startsWith('~/') || dir.startsWith('~\\')) return path.join(userHome, dir.slice(2));
  return path.isAbsolute(dir) ? path.normalize(dir) : path.join(userHome, dir);
}

interface SettingsFile {
  recent: Array<{ dir: string; name: string; openedAt: string }>;
  /** The EditX LM variant: "auto" (chosen from the device's free memory when the engine opens its pack, see
   *  engines/editx/lm/variant-choice.ts) or a variant name (int4, int8, fp16, fp32). */
  lmVariant?: string;
}

/** Variant names are the pack manifest's keys: lowercase words, digits and dashes. */
const VARIANT_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

const MAX_RECENT = 12;

/** settings.json in RETAKE_HOME; written atomically, tolerant of a missing or damaged file. */
export class Settings {
  private readonly file: string;
  constructor(readonly home: string) {
    this.file = path.join(home, 'settings.json');
  }

  private read(): SettingsFile {
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<SettingsFile>;
      return {
        recent: Array.isArray(data.recent) ? data.recent.filter((r) => typeof r?.dir === 'string') : [],
        ...(typeof data.lmVariant === 'string' && VARIANT_NAME.test(data.lmVariant) ? { lmVariant: data.lmVariant } : {}),
      };
    } catch {
      return { recent: [] };
    }
  }

  private write(s: SettingsFile): void {
    mkdirSync(this.home, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(s, null, 2));
    renameSync(tmp, this.file);
  }

  recent(): RecentProject[] {
    return this.read().recent.map((r) => ({ ...r, exists: existsSync(path.join(r.dir, 'project.sqlite')) }));
  }

  removeRecent(dir: string): void {
    const s = this.read();
    s.recent = s.recent.filter((r) => r.dir !== dir);
    this.write(s);
  }

  /** "auto" unless a variant was chosen; a damaged value reads as "auto". */
  lmVariant(): string {
    return this.read().lmVariant ?? 'auto';
  }

  setLmVariant(variant: string): void {
    if (!VARIANT_NAME.test(variant)) throw new RangeError(`"${variant}" is not an LM variant name`);
    const s = this.read();
    if (variant === 'auto') delete s.lmVariant;
    else s.lmVariant = variant;
    this.write(s);
  }

  addRecent(dir: string, name: string): void {
    const s = this.read();
    s.recent = [{ dir, name, openedAt: new Date().toISOString() }, ...s.recent.filter((r) => r.dir !== dir)].slice(0, MAX_RECENT);
    this.write(s);
  }
}
