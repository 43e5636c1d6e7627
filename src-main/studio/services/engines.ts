// The engines the host offers and their capabilities, asked once and cached until the host restarts.

import type { EngineInfo } from '../../contract';
import type { StudioContext } from '../context';

export class EnginesService {
  private cache: EngineInfo[] | null = null;

  constructor(private readonly ctx: StudioContext) {}

  async list(): Promise<EngineInfo[]> {
    if (!this.cache) this.cache = await this.ctx.host.call('engines', {});
    return this.cache;
  }

  /** The host restarted: capabilities may have changed. */
  hostRestarted(): void {
    this.cache = null;
    this.ctx.events.emit('engines.changed', {});
  }
}
