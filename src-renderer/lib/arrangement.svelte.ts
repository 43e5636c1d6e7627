// The project's tracks and clips as the core has them (`timeline.get`), kept in step with `timeline.changed`, and the
// calls that change them: each is one call to the core and so one history entry (named by the core after the clip or
// track). It holds no view state (zoom, scroll, drags: the TimelineController) and no selection.

import type { Clip, Params, Track } from '../../src-main/contract';
import type { Client } from './client';
import { coalesce, Disposables, Signal } from './disposables';
import type { ErrorsController } from './errors.svelte';
import { t } from './i18n.svelte';

export type ClipMove = Params<'clips.moveMany'>['moves'][number];

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
  /** Track ids top to bottom. */
  trackOrder: number[] = $derived(this.tracks.map((t) => t.id));
  /** The sample after the last clip's end: how long the arrangement is. */
  endSample = $derived(this.clips.reduce((end, c) => Math.max(end, c.start + (c.outPoint - c.inPoint)), 0));
  /** Whether any track is soloed (then only soloed tracks play). */
  anySolo = $derived(this.tracks.some((t) => t.solo));
  /** The clips were replaced or one of them changed. */
  readonly changed = new Signal();
  /** The tracks were replaced or one changed (name, order, gain, mute, solo). */
  readonly tracksChanged = new Signal();
  private readonly client: Client;
  private readonly errors: ErrorsController;
  private readonly isOpen: () => boolean;
  private readonly owner = new Disposables();

  constructor(client: Client, errors: ErrorsController, isOpen: () => boolean) {
    this.client = client;
    this.errors = errors;
    this.isOpen = isOpen;
    this.owner.add(client.on('timeline.changed', () => void errors.guard(t('ctx.refreshTimeline'), this.refresh)));
  }

  clip(id: number | null): Clip | null {
    return id === null ? null : (this.clips.find((c) => c.id === id) ?? null);
  }

  track(id: number | null): Track | null {
    return id === null ? null : (this.tracks.find((x) => x.id === id) ?? null);
  }

  /** Whether a track is heard: not muted, and soloed when any track is. */
  audible(track: Track): boolean {
    return !track.muted && (!this.anySolo || track.solo);
  }

  readonly refresh = coalesce(async () => {
    if (!this.isOpen()) return;
    const tl = await this.client.call('timeline.get', {});
    this.tracks = [...tl.tracks].sort((a, b) => a.order - b.order);
    this.clips = tl.clips;
    this.changed.emit();
    this.tracksChanged.emit();
  });

  clear(): void {
    this.tracks = [];
    this.clips = [];
    this.changed.emit();
    this.tracksChanged.emit();
  }

  private setTracks(tracks: Track[]): void {
    this.tracks = tracks;
    this.tracksChanged.emit();
  }

  /** Puts clips the core returned in place of those with their ids. */
  replace(...clips: Clip[]): void {
    const by = new Map(clips.map((c) => [c.id, c]));
    this.clips = this.clips.map((c) => by.get(c.id) ?? c);
    this.changed.emit();
  }

  private guarded<T>(context: string, fn: () => Promise<T>): Promise<T | undefined> {
    return this.errors.guard(context, fn);
  }

  // ---- tracks

  async addTrack(): Promise<Track | undefined> {
    return this.guarded(t('ctx.addTrack'), async () => {
      const track = await this.client.call('tracks.add', {});
      await this.refresh();
      return track;
    });
  }

  async renameTrack(track: Track, name: string): Promise<void> {
    const to = name.trim();
    if (!to || to === track.name) return;
    await this.guarded(t('ctx.renameTrack', { name: track.name }), async () => {
      const next = await this.client.call('tracks.rename', { trackId: track.id, name: to });
      this.setTracks(this.tracks.map((x) => (x.id === next.id ? next : x)));
    });
  }

  async deleteTrack(track: Track): Promise<void> {
    await this.guarded(t('ctx.deleteTrack', { name: track.name }), async () => {
      await this.client.call('tracks.delete', { trackId: track.id });
      await this.refresh();
    });
  }

  async reorderTrack(track: Track, index: number): Promise<void> {
    const from = this.tracks.findIndex((x) => x.id === track.id);
    if (from < 0 || from === index) return;
    // Shown in the new order at once; the core's answer confirms it, a refusal puts the old order back.
    const moved = [...this.tracks];
    moved.splice(from, 1);
    moved.splice(index, 0, track);
    this.setTracks(moved);
    const ok = await this.guarded(t('ctx.moveTrack', { name: track.name }), async () => {
      const order = await this.client.call('tracks.reorder', { trackId: track.id, index });
      this.setTracks([...order].sort((a, b) => a.order - b.order));
      return true;
    });
    if (!ok) await this.guarded(t('ctx.refreshTimeline'), this.refresh);
  }

  /** Shows (and lets the mix play) a track's gain while its slider moves; setMix commits it. */
  previewMix(track: Track, mix: { gainDb?: number }): void {
    this.setTracks(this.tracks.map((x) => (x.id === track.id ? { ...x, ...mix } : x)));
  }

  /** Gain (dB), mute and solo of a track; the change is heard at once and is one history entry. */
  async setMix(track: Track, mix: { gainDb?: number; muted?: boolean; solo?: boolean }): Promise<void> {
    this.setTracks(this.tracks.map((x) => (x.id === track.id ? { ...x, ...mix } : x)));
    const ok = await this.guarded(t('ctx.mixTrack', { name: track.name }), async () => {
      const next = await this.client.call('tracks.setMix', { trackId: track.id, ...mix });
      this.setTracks(this.tracks.map((x) => (x.id === next.id ? next : x)));
      return true;
    });
    if (!ok) await this.guarded(t('ctx.refreshTimeline'), this.refresh);
  }

  // ---- clips

  async deleteClips(clips: readonly Clip[]): Promise<void> {
    if (clips.length === 0) return;
    const context = clips.length === 1 ? t('ctx.deleteClip', { name: clips[0]!.name }) : t('ctx.deleteClips', { n: clips.length });
    await this.guarded(context, async () => {
      if (clips.length === 1) await this.client.call('clips.delete', { clipId: clips[0]!.id });
      else await this.client.call('clips.deleteMany', { clipIds: clips.map((c) => c.id) });
      await this.refresh();
    });
  }

  /** Removes one clip (one history entry). */
  deleteClip(clip: Clip): Promise<void> {
    return this.deleteClips([clip]);
  }

  /** Moves a clip (in time, and to another track when given); one history entry. */
  async move(clip: Clip, to: Omit<Params<'clips.move'>, 'clipId'>): Promise<void> {
    this.replace(await this.client.call('clips.move', { clipId: clip.id, ...to }));
  }

  /** Moves several clips as one history entry. */
  async moveMany(moves: ClipMove[]): Promise<void> {
    if (moves.length === 0) return;
    this.replace(...(await this.client.call('clips.moveMany', { moves })));
  }

  /** Sets a clip's in and out points (and its start, for a left trim); one history entry. */
  async trim(clip: Clip, to: Omit<Params<'clips.trim'>, 'clipId'>): Promise<void> {
    this.replace(await this.client.call('clips.trim', { clipId: clip.id, ...to }));
  }

  /** Splits a clip at a timeline sample inside it; returns the right-hand clip. */
  async split(clip: Clip, at: number): Promise<Clip | undefined> {
    return this.guarded(t('ctx.split', { name: clip.name }), async () => {
      const { right } = await this.client.call('clips.split', { clipId: clip.id, at: Math.round(at) });
      await this.refresh();
      return right;
    });
  }

  /** Copies clips so the earliest starts at `start` (on `trackId`, the others keeping their distance); one entry. */
  async copy(clips: readonly Clip[], start: number, trackId?: number): Promise<Clip[] | undefined> {
    if (clips.length === 0) return [];
    const context = clips.length === 1 ? t('ctx.paste', { name: clips[0]!.name }) : t('ctx.pasteMany', { n: clips.length });
    return this.guarded(context, async () => {
      const params: Params<'clips.copy'> = { clipIds: clips.map((c) => c.id), start: Math.max(0, Math.round(start)) };
      if (trackId !== undefined) params.trackId = trackId;
      const made = await this.client.call('clips.copy', params);
      await this.refresh();
      return made;
    });
  }

  dispose(): void {
    this.owner.dispose();
    this.changed.clear();
    this.tracksChanged.clear();
  }
}
