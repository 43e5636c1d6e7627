// One caller over the two engine hosts, so the studio keeps calling a single `call(type, args, opts)`: an edit goes
// to the host of its engine's role (learned from the hosts' engine lists, whose capabilities say it), `engines`
// merges both hosts' lists, and everything else (inspect, export) goes to the audio host. Each host crashes, is
// killed and respawns on its own: a stuck model run never fails an import or an export running beside it.

import { toErrorPayload } from '../../contract/errors';
import type { EngineCapabilities } from '../types';
import { EngineHost, type CallOptions, type EngineHostOptions, type HostCaller, type HostSpawner } from './client';
import type { CallArgs, HostCallType, HostResults, HostRole } from './protocol';

export interface HostRouterOptions extends Omit<EngineHostOptions, 'onRestart'> {
  /** Called after either host restarted (crash or kill), with the role of the one that did. */
  onRestart?: (reason: string, role: HostRole) => void;
}

export class HostRouter implements HostCaller {
  readonly audio: EngineHost;
  readonly model: EngineHost;
  /** Engine id → role, from the last merged engine list. */
  private roles = new Map<string, HostRole>();

  constructor(spawner: (role: HostRole) => HostSpawner, opts: HostRouterOptions = {}) {
    const { onRestart, ...common } = opts;
    this.audio = new EngineHost(spawner('audio'), { ...common, onRestart: (why) => onRestart?.(why, 'audio') });
    this.model = new EngineHost(spawner('model'), { ...common, onRestart: (why) => onRestart?.(why, 'model') });
  }

  host(role: HostRole): EngineHost {
    return role === 'audio' ? this.audio : this.model;
  }

  /** Starts the audio host (imports need it first); the model host starts with its first call. */
  start(): Promise<void> {
    return this.audio.start();
  }

  call<T extends HostCallType>(type: T, args: CallArgs<T>, opts: CallOptions<T> = {}): Promise<HostResults[T]> {
    if (type === 'engines') return this.engines(opts) as Promise<HostResults[T]>;
    // The model host opens the onnxruntime sessions, so it knows which providers they got.
    if (type === 'providers') return this.model.call(type, args, opts);
    // Only the model host opens packs; one not running holds nothing open and is not started for this.
    if (type === 'packRelease') {
      return (this.model.pid === undefined ? Promise.resolve({ released: [] }) : this.model.call(type, args, opts)) as Promise<HostResults[T]>;
    }
    if (type === 'edit') {
      return this.roleOf((args as CallArgs<'edit'>).engine).then((role) => this.host(role).call(type, args, opts));
    }
    return this.audio.call(type, args, opts);
  }

  /**
   * Both hosts' engines, the audio host's first. A model host that cannot answer (it keeps crashing) leaves the
   * built-in engine usable: its engines are left out and the reason is logged.
   */
  private async engines(opts: CallOptions): Promise<EngineCapabilities[]> {
    const { signal } = opts;
    const [audio, model] = await Promise.allSettled([
      this.audio.call('engines', {}, signal ? { signal } : {}),
      this.model.call('engines', {}, signal ? { signal } : {}),
    ]);
    if (audio.status === 'rejected') throw audio.reason;
    if (model.status === 'rejected') {
      console.error(`Model host: could not list its engines (${toErrorPayload(model.reason).message}); only the built-in engines are offered.`);
    }
    const list = [...audio.value, ...(model.status === 'fulfilled' ? model.value : [])];
    this.roles = new Map(list.map((e) => [e.id, e.role]));
    return list;
  }

  /** The role of an engine; an id neither host lists goes to the audio host, which names the engines it has. */
  private async roleOf(engine: string): Promise<HostRole> {
    if (!this.roles.has(engine)) await this.engines({}).catch(() => {});
    return this.roles.get(engine) ?? 'audio';
  }

  async dispose(): Promise<void> {
    await Promise.all([this.audio.dispose(), this.model.dispose()]);
  }
}
