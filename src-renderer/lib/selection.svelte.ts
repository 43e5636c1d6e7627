// What the user has selected: one clip (whose takes, jobs and edit form the panels show), the take under audition
// on the B deck, a track, and a time range in samples. Selecting another clip announces `clipChanged`, which the
// other controllers answer (stop playback, load that clip's takes and jobs); a clip that leaves the arrangement is
// deselected.

import type { Clip } from '../../src-main/contract';
import type { ArrangementController } from './arrangement.svelte';
import { Disposables, Signal } from './disposables';
import type { SampleRange } from '../timeline/geometry';

export class SelectionController {
  private readonly arrangement: ArrangementController;
  clipId = $state<number | null>(null);
  /** The take chosen for audition (B deck); the clip's active take when null. */
  takeId = $state<number | null>(null);
  trackId = $state<number | null>(null);
  /** A time range on the timeline, in samples at the project rate. */
  range = $state.raw<SampleRange | null>(null);
  clip: Clip | null = $derived.by(() => this.arrangement.clip(this.clipId));
  /** Another clip (or none) was selected. */
  readonly clipChanged = new Signal<[clipId: number | null]>();
  private readonly owner = new Disposables();

  constructor(arrangement: ArrangementController) {
    this.arrangement = arrangement;
    this.owner.add(
      arrangement.changed.on(() => {
        if (this.clipId !== null && !arrangement.clip(this.clipId)) this.selectClip(null);
        if (this.trackId !== null && !arrangement.tracks.some((t) => t.id === this.trackId)) this.trackId = null;
      }),
    );
  }

  selectClip(clipId: number | null): void {
    if (clipId === this.clipId) return;
    this.clipId = clipId;
    this.takeId = null;
    const track = this.arrangement.clip(clipId)?.trackId;
    if (track !== undefined) this.trackId = track;
    this.clipChanged.emit(clipId);
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
