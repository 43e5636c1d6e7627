// RETAKE_HOME: the folder for settings, model packs and default projects. Tests isolate themselves by setting it.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RecentProject } from '../contract/entities';

export { retakeHome } from '../paths';

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
  /** Keys other parts own (e.g. `editx`, read by the engine host: engines/editx/locate.ts), kept as they are. */
  [key: string]: unknown;
}


const MAX_RECENT = 12;

/** The names engines/editx/locate.ts accepts (LM_VARIANT_NAME there; the studio may not import engines). */
const LM_VARIANT_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

function editxOf(s: SettingsFile): Record<string, unknown> {
  return s.editx && typeof s.editx === 'object' ? (s.editx as Record<string, unknown>) : {};
}

/** settings.json in RETAKE_HOME; written atomically, tolerant of a missing or damaged file. */
export class Settings {
  private readonly file: string;
  constructor(readonly home: string) {
    this.file = path.join(home, 'settings.json');
  }

  private read(): SettingsFile {
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<SettingsFile>;
      const recent = Array.isArray(data.recent) ? data.recent.filter((r) => typeof r?.dir === 'string') : [];
      return { ...(data && typeof data === 'object' ? data : {}), recent };
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

  /** The EditX LM variant (`{"editx": {"variant": …}}`, read by the engine: engines/editx/locate.ts): "auto" (chosen
   *  from the device's free memory, engines/editx/lm/variant-choice.ts) unless one was named; a damaged value reads as
   *  "auto". */
  lmVariant(): string {
    const v = editxOf(this.read()).variant;
    return typeof v === 'string' && LM_VARIANT_NAME.test(v) ? v : 'auto';
  }

  setLmVariant(variant: string): void {
    if (!LM_VARIANT_NAME.test(variant)) throw new RangeError(`"${variant}" is not an LM variant name`);
    const s = this.read();
    const editx = { ...editxOf(s) };
    if (variant === 'auto') delete editx.variant;
    else editx.variant = variant;
    s.editx = editx;
    this.write(s);
  }

  addRecent(dir: string, name: string): void {
    const s = this.read();
    s.recent = [{ dir, name, openedAt: new Date().toISOString() }, ...s.recent.filter((r) => r.dir !== dir)].slice(0, MAX_RECENT);
    this.write(s);
  }
}
