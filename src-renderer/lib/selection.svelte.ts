// What the user has selected: a set of clips (edits act on all of them) with one primary clip (the last clicked,
// whose takes, jobs and edit form the panels show), the take under audition on the B deck, a track (where imports
// and pastes go), and a time range in samples. Changing the primary clip announces `clipChanged`, which the other
// controllers answer (stop playback, load that clip's takes and jobs); clips and tracks that leave the arrangement
// leave the selection.

import type { Clip } from '../../src-main/contract';
import type { ArrangementController } from './arrangement.svelte';
import { Disposables, Signal } from './disposables';
import type { SampleRange } from '../timeline/geometry';

export interface ClickModifiers {
  /** Shift: add to the selection. */
  add?: boolean;
  /** Ctrl / ⌘: add or remove this clip. */
  toggle?: boolean;
}

export class SelectionController {
  private readonly arrangement: ArrangementController;
  /** The primary clip (shown in the panels), or null. */
  clipId = $state<number | null>(null);
  /** Every selected clip, the primary one included, in the order they were selected. */
  clipIds = $state.raw<number[]>([]);
  /** The take chosen for audition (B deck); the clip's active take when null. */
  takeId = $state<number | null>(null);
  trackId = $state<number | null>(null);
  /** A time range on the timeline, in samples at the project rate. */
  range = $state.raw<SampleRange | null>(null);
  clip: Clip | null = $derived.by(() => this.arrangement.clip(this.clipId));
  /** The selected clips as the arrangement has them. */
  clips: Clip[] = $derived.by(() => {
    const set = new Set(this.clipIds);
    return this.arrangement.clips.filter((c) => set.has(c.id));
  });
  /** The primary clip changed (another one, or none). */
  readonly clipChanged = new Signal<[clipId: number | null]>();
  private readonly owner = new Disposables();

  constructor(arrangement: ArrangementController) {
    this.arrangement = arrangement;
    this.owner.add(
      arrangement.changed.on(() => {
        const kept = this.clipIds.filter((id) => arrangement.clip(id));
        if (kept.length !== this.clipIds.length) this.clipIds = kept;
        if (this.clipId !== null && !arrangement.clip(this.clipId)) this.setPrimary(kept.at(-1) ?? null);
        if (this.trackId !== null && !arrangement.tracks.some((t) => t.id === this.trackId)) this.trackId = arrangement.tracks[0]?.id ?? null;
      }),
    );
  }

  isSelected(clipId: number): boolean {
    return this.clipIds.includes(clipId);
  }

  private setPrimary(clipId: number | null): void {
    if (clipId === this.clipId) return;
    this.clipId = clipId;
    this.takeId = null;
    const track = this.arrangement.clip(clipId)?.trackId;
    if (track !== undefined) this.trackId = track;
    this.clipChanged.emit(clipId);
  }

  /** Selects one clip alone (null: none). */
  selectClip(clipId: number | null): void {
    this.clipIds = clipId === null ? [] : [clipId];
    this.setPrimary(clipId);
  }

  /** A click on a clip: alone, added (Shift), or toggled (Ctrl/⌘). */
  click(clipId: number, mods: ClickModifiers = {}): void {
    if (mods.toggle) {
      if (this.isSelected(clipId)) {
        this.clipIds = this.clipIds.filter((id) => id !== clipId);
        if (this.clipId === clipId) this.setPrimary(this.clipIds.at(-1) ?? null);
        return;
      }
      this.clipIds = [...this.clipIds, clipId];
      this.setPrimary(clipId);
      return;
    }
    if (mods.add) {
      if (!this.isSelected(clipId)) this.clipIds = [...this.clipIds, clipId];
      this.setPrimary(clipId);
      return;
    }
    this.selectClip(clipId);
  }

  /** Replaces the selection (a marquee, select all); `add` keeps what was selected. */
  setClips(ids: readonly number[], add = false): void {
    const next = add ? [...this.clipIds, ...ids.filter((id) => !this.clipIds.includes(id))] : [...ids];
    this.clipIds = next;
    const primary = this.clipId !== null && next.includes(this.clipId) ? this.clipId : (next.at(-1) ?? null);
    this.setPrimary(primary);
  }

  selectTrack(trackId: number | null): void {
    this.trackId = trackId;
  }

  /** Picks the take to audition on the B deck (null: the clip's active take). */
  auditionTake(takeId: number | null): void {
    this.takeId = takeId;
  }

  setRange(range: SampleRange | null): void {
    this.range = range && range.end > range.start ? range : null;
  }

  dispose(): void {
    this.owner.dispose();
    this.clipChanged.clear();
  }
}
