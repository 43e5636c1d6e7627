// The engines the host offers and their capabilities, asked once and cached until the host restarts.

import type { EngineInfo } from '../../contract';
import type { EngineCapabilities } from '../../engines/types';
import type { StudioContext } from '../context';

export class EnginesService {
  private cache: EngineInfo[] | null = null;

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
}

/** The contract's view of an engine's capabilities: labels and tags get their defaults (the host role, which the
 * contract does not name, travels along as before). */
export function engineInfo(c: EngineCapabilities): EngineInfo {
  return { ...c, shortName: c.shortName ?? c.id, tags: [...(c.tags ?? [])] };
}
