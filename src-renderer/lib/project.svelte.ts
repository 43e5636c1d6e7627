// The open project and the start screen's part: which project is open (kept in step with `project.changed`), the
// recent list, and create / open / close, one at a time (`busy`). Loading a project announces `loaded`, which the
// other controllers answer by resetting or reloading their part before the load counts as done.

import type { ProjectInfo, RecentProject } from '../../src-main/contract';
import type { Client } from './client';
import { Disposables, Signal } from './disposables';
import type { ErrorsController } from './errors.svelte';
import { t } from './i18n.svelte';

// A project's own rate is always known once one is open; this only sizes an empty view.
const DEFAULT_SAMPLE_RATE = 48_000;

export class ProjectController {
  current = $state.raw<ProjectInfo | null>(null);
  recent = $state.raw<RecentProject[]>([]);
  /** A create, open or close is under way. */
  busy = $state(false);
  sampleRate = $derived(this.current?.sampleRate ?? DEFAULT_SAMPLE_RATE);
  /**
   * A project was loaded (or none is open): `changed` is true when it is another project than before. Awaited, in
   * subscription order, before the load completes.
   */
  readonly loaded = new Signal<[project: ProjectInfo | null, changed: boolean]>();
  private readonly client: Client;
  private readonly errors: ErrorsController;
  private readonly owner = new Disposables();

  constructor(client: Client, errors: ErrorsController) {
    this.client = client;
    this.errors = errors;
    this.owner.add(
      client.on('project.changed', ({ project }) => {
        if (project?.dir === this.current?.dir) {
          this.current = project;
          return;
        }
        void errors.guard(t('ctx.loadProject'), () => this.load(project));
      }),
    );
  }

  get isOpen(): boolean {
    return this.current !== null;
  }

  /** Loads whatever project the core has open (at start and after a reconnect). */
  async sync(): Promise<void> {
    await this.load(await this.client.call('project.current', {}));
  }

  private async load(project: ProjectInfo | null): Promise<void> {
    const changed = project?.dir !== this.current?.dir;
    this.current = project;
    await this.loaded.emitAsync(project, changed);
    if (!project) this.recent = await this.client.call('project.listRecent', {});
  }

  async create(dir: string, name?: string): Promise<void> {
    await this.whileBusy(t('ctx.createProject'), async () => {
      const params: { dir: string; name?: string } = { dir: dir.trim() };
      if (name?.trim()) params.name = name.trim();
      await this.load(await this.client.call('project.create', params));
    });
  }

  async open(dir: string): Promise<void> {
    await this.whileBusy(t('ctx.openProject'), async () => {
      await this.load(await this.client.call('project.open', { dir: dir.trim() }));
    });
  }

  async close(): Promise<void> {
    await this.whileBusy(t('ctx.closeProject'), async () => {
      await this.client.call('project.close', {});
      await this.load(null);
    });
  }

  /** Forgets a project in the recent list (its folder stays as it is). */
  async removeRecent(dir: string): Promise<void> {
    await this.errors.guard(t('ctx.removeRecent'), async () => {
      this.recent = await this.client.call('project.removeRecent', { dir });
    });
  }

  private async whileBusy(context: string, fn: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await this.errors.guard(context, fn);
    } finally {
      this.busy = false;
    }
  }

  dispose(): void {
    this.owner.dispose();
    this.loaded.clear();
  }
}
