// The studio core's entry: every call of the contract comes through `call` — validated with the method's schema,
// passed through the project lifecycle gate, then handed to the service that owns it (./handlers.ts). Events go out
// through one emitter; `dispose` closes the open project. The work itself lives in ./services over the store's
// repositories. Plain Node: nothing here imports Electron.

import { RetakeError, validateParams, type MethodName, type ParsedParams, type ProjectInfo, type Result, type Handlers } from '../contract';
import type { HostCaller } from '../engines/host/client';
import { StudioContext, type SaveDialog, type UploadResolver } from './context';
import type { Emitter } from './events';
import { handlersFor } from './handlers';
import type { Settings } from './home';
import { createServices, type Services } from './services';

export type { SaveDialog, UploadResolver } from './context';

export interface StudioOptions {
  host: HostCaller;
  home: string;
  /** Measure every take (analysis). Off in tests that do not need it, to save time. */
  analyze?: boolean;
  /** The user's home folder (default: the OS's); tests point it at a temp folder. */
  userHome?: string;
}

/** Methods that open or close projects: serialized, and never run while another one is under way. */
const LIFECYCLE: ReadonlySet<MethodName> = new Set(['project.create', 'project.open', 'project.close']);

export class Studio {
  /** The services behind the handlers, for in-process callers (job kinds, tests); shells go through `call`. */
  readonly services: Services;
  readonly handlers: Handlers;
  private readonly ctx: StudioContext;
  /** Project open/create/close run one at a time, in call order. */
  private lifecycle: Promise<unknown> = Promise.resolve();
  private pendingLifecycle = 0;
  /** Calls that may still touch the open project (imports, exports…); closing waits for them. */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(opts: StudioOptions) {
    this.ctx = new StudioContext(opts.host, opts.home, opts.analyze ?? true, opts.userHome);
    this.services = createServices(this.ctx, async () => {
      await Promise.allSettled([...this.inflight]);
    });
    this.handlers = handlersFor(this.services);
    this.services.engines.watchHome();
  }

  get events(): Emitter {
    return this.ctx.events;
  }

  get settings(): Settings {
    return this.ctx.settings;
  }

  /** Validates params and runs a method: the single entry point every shell uses. */
  async call<M extends MethodName>(method: M, params: unknown): Promise<Result<M>> {
    const parsed = validateParams(method, params);
    const h = this.handlers[method] as (p: ParsedParams<M>) => Promise<Result<M>>;
    if (LIFECYCLE.has(method)) return this.serialize(() => h(parsed));
    // A call made after an open or close sees its outcome.
    if (this.pendingLifecycle > 0) await this.lifecycle;
    if (this.ctx.closing) throw new RetakeError('E_NO_PROJECT', 'The project is closing; try again once a project is open.');
    const op = h(parsed);
    this.inflight.add(op);
    void op.catch(() => {}).finally(() => this.inflight.delete(op));
    return op;
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    this.pendingLifecycle++;
    const next = this.lifecycle.then(fn, fn).finally(() => this.pendingLifecycle--);
    this.lifecycle = next.catch(() => {});
    return next;
  }

  /** A shell that receives uploads (the web shell) says where an upload id's file is. */
  setUploadResolver(fn: UploadResolver | null): void {
    this.ctx.uploads = fn;
  }

  /** A shell that can ask where to save (Electron's native dialog) makes `export.start` with destination 'ask' work. */
  setSaveDialog(fn: SaveDialog | null): void {
    this.ctx.saveDialog = fn;
  }

  /** Called by the shell when the engine host restarted: capabilities may have changed. */
  hostRestarted(): void {
    this.services.engines.hostRestarted();
  }

  /** Opens the project at dir, creating it when the folder holds none (web shell start-up, CLI). */
  async openOrCreate(dir: string): Promise<ProjectInfo> {
    return this.services.projects.exists(dir) ? this.call('project.open', { dir }) : this.call('project.create', { dir });
  }

  get projectDir(): string | null {
    return this.ctx.project?.dir ?? null;
  }

  /** The media store root of the open project (shells serve files from it and nothing else). */
  mediaRoot(): string | null {
    return this.ctx.project?.media.root ?? null;
  }

  exportsDir(): string | null {
    return this.ctx.project?.exportsDir ?? null;
  }

  async dispose(): Promise<void> {
    this.services.engines.dispose();
    await this.services.models.queue.stopAll();
    await this.serialize(() => this.services.projects.close());
  }
}
