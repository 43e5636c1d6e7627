// The project's tracks and clips as the core has them (`timeline.get`), kept in step with `timeline.changed`, and the
// calls that change them. It holds no view state (zoom, scroll, drags: the TimelineController) and no selection.

import type { Clip, Params, Track } from '../../src-main/contract';
import type { Client } from './client';
import { coalesce, Disposables, Signal } from './disposables';
import type { ErrorsController } from './errors.svelte';

export class ArrangementController {
  tracks = $state.raw<Track[]>([]);
  clips = $state.raw<Clip[]>([]);
  clipsByTrack: ReadonlyMap<number, Clip[]> = $derived.by(() => {
    const by = new Map<number, Clip[]>();
    for (const c of this.clips) {
      const list = by.get(c.trackId);
      if (list) list.push(c);
      else by.set(c.trackId, [c]);
    }
    return by;
  });
  /** The sample after the last clip's end: how long the arrangement is. */
  endSample = $derived(this.clips.reduce((end, c) => Math.max(end, c.start + (c.outPoint - c.inPoint)), 0));
  /** The clips were replaced or one of them changed. */
  readonly changed = new Signal();
  private readonly client: Client;
  private readonly errors: ErrorsController;
  private readonly isOpen: () => boolean;
  private readonly owner = new Disposables();

  constructor(client: Client, errors: ErrorsController, isOpen: () => boolean) {
    this.client = client;
    this.errors = errors;
    this.isOpen = isOpen;
    this.owner.add(client.on('timeline.changed', () => void errors.guard('Refresh the timeline', this.refresh)));
  }

  clip(id: number | null): Clip | null {
    return id === null ? null : (this.clips.find((c) => c.id === id) ?? null);
  }

  readonly refresh = coalesce(async () => {
    if (!this.isOpen()) return;
    const tl = await this.client.call('timeline.get', {});
    this.tracks = [...tl.tracks].sort((a, b) => a.order - b.order);
    this.clips = tl.clips;
    this.changed.emit();
  });

  clear(): void {
    this.tracks = [];
    this.clips = [];
    this.changed.emit();
  }

  /** Puts a clip the core returned in place of the one with its id. */
  replace(clip: Clip): void {
    this.clips = this.clips.map((c) => (c.id === clip.id ? clip : c));
    this.changed.emit();
  }

  async addTrack(): Promise<void> {
    await this.errors.guard('Add a track', async () => {
      await this.client.call('tracks.add', {});
      await this.refresh();
    });
  }

  async deleteClip(clip: Clip): Promise<void> {
    await this.errors.guard(`Delete ${clip.name}`, async () => {
      await this.client.call('clips.delete', { clipId: clip.id });
      await this.refresh();
    });
  }

  /** Moves a clip (in time, and to another track when given); one history entry. */
  async move(clip: Clip, to: Omit<Params<'clips.move'>, 'clipId'>): Promise<void> {
    this.replace(await this.client.call('clips.move', { clipId: clip.id, ...to }));
  }

  /** Sets a clip's in and out points inside its take; one history entry. */
  async trim(clip: Clip, to: Omit<Params<'clips.trim'>, 'clipId'>): Promise<void> {
    this.replace(await this.client.call('clips.trim', { clipId: clip.id, ...to }));
  }

  dispose(): void {
    this.owner.dispose();
    this.changed.clear();
  }
}
