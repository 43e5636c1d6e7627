// RETAKE_HOME: the folder for settings, model packs and default projects. Tests isolate themselves by setting it.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ExecutionProvider, RecentProject } from '../contract/entities';
import { readProviderSetting, readSettingsFile, retakeHome, updateSettingsFile } from '../settings-file';

export { retakeHome };

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

const MAX_RECENT = 12;

/** The names engines/editx/locate.ts accepts (LM_VARIANT_NAME there; the studio may not import engines). */
const LM_VARIANT_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

function editxOf(s: Record<string, unknown>): Record<string, unknown> {
  return s.editx && typeof s.editx === 'object' ? (s.editx as Record<string, unknown>) : {};
}

interface RecentEntry {
  dir: string;
  name: string;
  openedAt: string;
}

/** settings.json in RETAKE_HOME (../settings-file.ts): recent projects and the execution provider. */
export class Settings {
  constructor(readonly home: string) {}

  private recentEntries(): RecentEntry[] {
    const r = readSettingsFile(this.home).recent;
    return Array.isArray(r) ? (r as RecentEntry[]).filter((x) => typeof x?.dir === 'string') : [];
  }

  private setRecent(list: RecentEntry[]): void {
    updateSettingsFile(this.home, (s) => {
      s.recent = list;
    });
  }

  recent(): RecentProject[] {
    return this.recentEntries().map((r) => ({ ...r, exists: existsSync(path.join(r.dir, 'project.sqlite')) }));
  }

  removeRecent(dir: string): void {
    this.setRecent(this.recentEntries().filter((r) => r.dir !== dir));
  }

  /** The EditX LM variant (`{"editx": {"variant": …}}`, read by the engine: engines/editx/locate.ts): "auto" (chosen
   *  from the device's free memory, engines/editx/lm/variant-choice.ts) unless one was named; a damaged value reads as
   *  "auto". */
  lmVariant(): string {
    const v = editxOf(readSettingsFile(this.home)).variant;
    return typeof v === 'string' && LM_VARIANT_NAME.test(v) ? v : 'auto';
  }

  setLmVariant(variant: string): void {
    if (!LM_VARIANT_NAME.test(variant)) throw new RangeError(`"${variant}" is not an LM variant name`);
    updateSettingsFile(this.home, (s) => {
      const editx = { ...editxOf(s) };
      if (variant === 'auto') delete editx.variant;
      else editx.variant = variant;
      s.editx = editx;
    });
  }

  addRecent(dir: string, name: string): void {
    this.setRecent([{ dir, name, openedAt: new Date().toISOString() }, ...this.recentEntries().filter((r) => r.dir !== dir)].slice(0, MAX_RECENT));
  }

  get executionProvider(): ExecutionProvider {
    return readProviderSetting(this.home);
  }

  set executionProvider(v: ExecutionProvider) {
    updateSettingsFile(this.home, (s) => {
      s.executionProvider = v;
    });
  }
}
