// The takes of the selected clip: the DAG as an indented list, kept in step with `takes.changed`, and the star /
// rename / set-active operations.

import type { Clip, Take } from '../../src-main/contract';
import type { Client } from './client';
import { coalesce, Disposables } from './disposables';
import type { ErrorsController } from './errors.svelte';
import { flattenTakes, rootOf, type TakeRow } from './takes-tree';
import { t } from './i18n.svelte';

export class TakesController {
  private readonly client: Client;
  private readonly errors: ErrorsController;
  private readonly owner = new Disposables();
  clipId = $state<number | null>(null);
  takes = $state.raw<Take[]>([]);
  rows: TakeRow[] = $derived(flattenTakes(this.takes));
  loading = $state(false);
  /** Take whose name is being edited in place. */
  renamingId = $state<number | null>(null);

  constructor(client: Client, errors: ErrorsController) {
    this.client = client;
    this.errors = errors;
    this.owner.add(
      client.on('takes.changed', ({ clipId }) => {
        if (clipId === this.clipId) void errors.guard(t('ctx.refreshTakes'), this.refresh);
      }),
    );
  }

  /** Shows the takes of another clip; resolves once they are loaded. */
  async setClip(clipId: number | null): Promise<void> {
    if (clipId === this.clipId) return;
    this.clipId = clipId;
    this.takes = [];
    this.renamingId = null;
    if (clipId !== null) await this.refresh();
  }

  readonly refresh = coalesce(async () => {
    const clipId = this.clipId;
    if (clipId === null) {
      this.takes = [];
      return;
    }
    this.loading = true;
    try {
      const takes = await this.client.call('takes.list', { clipId });
      if (this.clipId === clipId) this.takes = takes;
    } finally {
      this.loading = false;
    }
  });

  byId(id: number | null | undefined): Take | undefined {
    return id === null || id === undefined ? undefined : this.takes.find((t) => t.id === id);
  }

  sourceOf(takeId: number): Take | undefined {
    return rootOf(this.takes, takeId);
  }

  private replace(take: Take): void {
    this.takes = this.takes.map((t) => (t.id === take.id ? take : t));
  }

  async star(take: Take): Promise<void> {
    await this.errors.guard(t('ctx.starTake'), async () => {
      this.replace(await this.client.call('takes.star', { takeId: take.id, starred: !take.starred }));
    });
  }

  startRename(take: Take): void {
    this.renamingId = take.id;
  }

  cancelRename(): void {
    this.renamingId = null;
  }

  async rename(take: Take, name: string): Promise<void> {
    this.renamingId = null;
    const trimmed = name.trim();
    if (!trimmed || trimmed === take.name) return;
    await this.errors.guard(t('ctx.renameTake'), async () => {
      this.replace(await this.client.call('takes.rename', { takeId: take.id, name: trimmed }));
    });
  }

  /** Makes a take the clip's active one; resolves with the clip as the core now has it. */
  async setActive(clipId: number, takeId: number): Promise<Clip> {
    return this.client.call('takes.setActive', { clipId, takeId });
  }

  dispose(): void {
    this.owner.dispose();
  }
}
