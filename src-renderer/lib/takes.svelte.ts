// The takes of the selected clip: the DAG as an indented list, and the star / rename / set-active operations.

import type { Take } from '../../src-main/contract';
import type { Client } from './client';
import { coalesce } from './disposables';
import { flattenTakes, rootOf, type TakeRow } from './takes-tree';

export class TakesController {
  private readonly client: Client;
  clipId = $state<number | null>(null);
  takes = $state.raw<Take[]>([]);
  rows: TakeRow[] = $derived(flattenTakes(this.takes));
  loading = $state(false);
  /** Take whose name is being edited in place. */
  renamingId = $state<number | null>(null);

  constructor(client: Client) {
    this.client = client;
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
    this.replace(await this.client.call('takes.star', { takeId: take.id, starred: !take.starred }));
  }

  async rename(take: Take, name: string): Promise<void> {
    this.renamingId = null;
    const trimmed = name.trim();
    if (!trimmed || trimmed === take.name) return;
    this.replace(await this.client.call('takes.rename', { takeId: take.id, name: trimmed }));
  }
}
