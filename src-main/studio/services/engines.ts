// The engines the host offers and their capabilities, asked once and cached until something they depend on changes:
// the host restarted, a model pack failed its checks, or RETAKE_HOME changed under the app — a pack installed into or
// removed from models/ (by the app, `retake pack install` in a terminal, or by hand) or settings.json choosing
// another pack or provider. The last is watched (watchHome), so the engine picker offers EditX as soon as a pack is
// there, without a restart.

import { mkdirSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { EngineInfo } from '../../contract';
import type { EngineCapabilities } from '../../engines/types';
import type { StudioContext } from '../context';

/** Changes in RETAKE_HOME come in bursts (a copy, an atomic rename, a settings write): one look after they settle. */
const SETTLE_MS = 200;

export class EnginesService {
  private cache: EngineInfo[] | null = null;
  private watchers: FSWatcher[] = [];
  private modelsWatcher: FSWatcher | null = null;
  private stamp: string | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: StudioContext) {}

  async list(): Promise<EngineInfo[]> {
    if (!this.cache) this.cache = (await this.ctx.host.call('engines', {})).map(engineInfo);
    return this.cache;
  }

  /** The host restarted: capabilities may have changed. */
  hostRestarted(): void {
    this.invalidate();
  }

  /** Capabilities may have changed (a model pack failed its checks, or was installed): ask the host again. */
  invalidate(): void {
    this.cache = null;
    this.ctx.events.emit('engines.changed', {});
  }

  /**
   * Watches RETAKE_HOME's settings.json and models/ (non-recursive; neither holds the process open) and invalidates
   * the list when what the engines read there changed. A watch the platform refuses leaves the list as it was: the
   * next restart or failed job still refreshes it.
   */
  watchHome(): void {
    if (this.watchers.length > 0) return;
    const home = this.ctx.home;
    this.stamp = homeStamp(home);
    try {
      mkdirSync(home, { recursive: true });
      const w = watch(home, { persistent: false }, (_event, name) => {
        if (name === 'models') this.watchModels();
        if (name === null || name === 'models' || name === 'settings.json') this.changed();
      });
      w.on('error', () => w.close());
      this.watchers.push(w);
    } catch {
      return;
    }
    this.watchModels();
  }

  private watchModels(): void {
    this.modelsWatcher?.close();
    this.modelsWatcher = null;
    try {
      const w = watch(path.join(this.ctx.home, 'models'), { persistent: false }, () => this.changed());
      w.on('error', () => w.close());
      this.modelsWatcher = w;
    } catch {
      // No models/ yet: the home watcher starts this one when it appears.
    }
  }

  private changed(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const now = homeStamp(this.ctx.home);
      if (now === this.stamp) return;
      this.stamp = now;
      this.invalidate();
    }, SETTLE_MS);
    this.timer.unref();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.watchers) w.close();
    this.watchers = [];
    this.modelsWatcher?.close();
    this.modelsWatcher = null;
  }
}

/**
 * What the engines read in RETAKE_HOME, as a string that changes when it does: the folders of models/ that hold a
 * manifest.json (with its size and time) and the EditX settings (`editx`: which pack, which provider). Recent projects, caches
 * and everything else written there leave it alone.
 */
export function homeStamp(home: string): string {
  const packs: string[] = [];
  try {
    for (const name of readdirSync(path.join(home, 'models')).sort()) {
      if (name.startsWith('.')) continue;
      try {
        const st = statSync(path.join(home, 'models', name, 'manifest.json'));
        packs.push(`${name}:${st.size}:${st.mtimeMs}`);
      } catch {
        // not a pack (yet)
      }
    }
  } catch {
    // no models/ folder
  }
  let chosen: unknown = null;
  try {
    const s = JSON.parse(readFileSync(path.join(home, 'settings.json'), 'utf8')) as Record<string, unknown>;
    chosen = s.editx ?? null;
  } catch {
    // no settings, or a damaged file: the engines read it the same way
  }
  return JSON.stringify({ packs, chosen });
}

/** The contract's view of an engine's capabilities: labels and tags get their defaults (the host role, which the
 * contract does not name, travels along as before). */
export function engineInfo(c: EngineCapabilities): EngineInfo {
  return { ...c, shortName: c.shortName ?? c.id, tags: [...(c.tags ?? [])] };
}
