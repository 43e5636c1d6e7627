// The engines this build offers, created lazily inside whichever process runs them (the engine host, or the CLI).
// `editx` is always listed: it finds its model pack itself (editx/locate.ts) and says it is unavailable without one.

import { RetakeError } from '../contract/errors';
import { retakeHome } from '../paths';
import type { Engine, EngineCapabilities } from './types';
import { createEditxEngine, type EditxEngineOptions } from './editx/engine';
import { createProsodyEngine } from './prosody';
import { createTestEngine } from './testing';

export { checkEditRequest, checkInputLength } from './check';

type Factory = () => Engine;

export class EngineRegistry {
  private readonly factories = new Map<string, Factory>();
  private readonly instances = new Map<string, Engine>();

  constructor(opts: { testEngines?: boolean; engines?: Record<string, Factory> } = {}) {
    this.factories.set('prosody', createProsodyEngine);
    if (opts.testEngines) this.factories.set('test', createTestEngine);
    for (const [id, f] of Object.entries(opts.engines ?? {})) this.factories.set(id, f);
  }

  /** The engines of this process's environment: RETAKE_HOME locates EditX's pack; `editx` overrides its options
   * (the CLI's --pack and --provider). */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, editx: Partial<EditxEngineOptions> = {}): EngineRegistry {
    return new EngineRegistry({
      testEngines: env.RETAKE_TEST_ENGINES === '1',
      engines: { editx: () => createEditxEngine({ home: retakeHome(env), env, ...editx }) },
    });
  }

  ids(): string[] {
    return [...this.factories.keys()];
  }

  get(id: string): Engine {
    let e = this.instances.get(id);
    if (e) return e;
    const f = this.factories.get(id);
    if (!f) {
      throw new RetakeError('E_UNKNOWN_ENGINE', `There is no engine "${id}". Available: ${this.ids().join(', ')}.`);
    }
    e = f();
    this.instances.set(id, e);
    return e;
  }

  capabilities(): EngineCapabilities[] {
    return this.ids().map((id) => this.get(id).capabilities());
  }

  /** The engines (already created) that released what they held open in the pack folder `dir`. */
  async releasePack(dir: string): Promise<string[]> {
    const released: string[] = [];
    for (const [id, e] of this.instances) if (await e.releasePack?.(dir)) released.push(id);
    return released;
  }

  async dispose(): Promise<void> {
    for (const e of this.instances.values()) await e.dispose?.();
    this.instances.clear();
  }
}
