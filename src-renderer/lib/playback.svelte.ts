// Audition of the selected clip with A/B against its source take, through the shared streaming output (nothing is
// decoded whole, so a take of an hour auditions like a take of a second; see audio/mix-engine.ts).
//
// Fair by default: each take plays gain-compensated to its source's integrated loudness (level-match.ts), so the
// louder take does not win; `matched` off plays raw levels. The compensation is the deck's bus gain, so switching
// matched/raw while playing is a short gain glide on the same sound.
//
// The A/B switch keeps the playhead on the same words: the position maps through the spans the edits changed
// (take-map.ts; outside an edited span the audio is the same, so the same moment; inside it, the same share of the
// span). The take being left and the one being started play together for a short equal-power crossfade, on the
// output's one clock, so the switch neither clicks nor skips.

import type { Take } from '../../src-main/contract';
import type { OutputUser, SharedOutput } from '../audio/shared-output';
import { dbToGain } from './level-match';
import type { Decks } from './takes-tree';

export type { Decks } from './takes-tree';

export type Side = 'a' | 'b';

// The crossfade of an A/B switch: long enough that neither take's edge is heard as a click, short enough to be heard
// as a cut between the two (a switch is about hearing the difference).
export const AB_CROSSFADE_SEC = 0.03;

export interface PlaybackOptions {
  /** The gain (dB) that plays a take at its source's loudness; null when unknown. None: every take plays raw. */
  gainOf?: (take: Take) => number | null;
  /** The time in take `to` that matches `sec` in take `from`. None: the same share of each take's length. */
  mapTime?: (from: Take, to: Take, sec: number) => number;
  /** Frame scheduling (requestAnimationFrame in the page). */
  frame?: (cb: () => void) => unknown;
}

const BUS: Record<Side, string> = { a: 'audition-a', b: 'audition-b' };

export class PlaybackController implements OutputUser {
  private readonly decks: () => Decks;
  private readonly resolveUrl: (url: string) => string;
  private readonly shared: SharedOutput;
  private readonly frame: (cb: () => void) => unknown;
  private readonly gainOf: (take: Take) => number | null;
  private readonly mapTime: (from: Take, to: Take, sec: number) => number;
  side = $state<Side>('b');
  playing = $state(false);
  loading = $state(false);
  /** Takes play at their source's loudness (fair A/B); false: raw levels. */
  matched = $state(true);
  /** Seconds into the audible take. */
  position = $state(0);
  private playingTakeId: number | null = null;
  private playingSide: Side | null = null;
  private runToken = 0;
  private ticking = false;
  private disposed = false;

  constructor(decks: () => Decks, resolveUrl: (url: string) => string, shared: SharedOutput, opts: PlaybackOptions = {}) {
    this.decks = decks;
    this.resolveUrl = resolveUrl;
    this.shared = shared;
    this.frame = opts.frame ?? ((cb) => requestAnimationFrame(cb));
    this.gainOf = opts.gainOf ?? (() => null);
    this.mapTime =
      opts.mapTime ?? ((from, to, sec) => (from.media.durationSec > 0 ? (sec / from.media.durationSec) * to.media.durationSec : 0));
  }

  get a(): Take | null {
    return this.decks().a;
  }
  get b(): Take | null {
    return this.decks().b;
  }
  /** A/B makes sense only when the take under audition is not the source itself. */
  get canCompare(): boolean {
    const { a, b } = this.decks();
    return !!a && !!b && a.id !== b.id;
  }
  get audible(): Take | null {
    const { a, b } = this.decks();
    return this.side === 'a' && this.canCompare ? a : (b ?? a);
  }
  get duration(): number {
    return this.audible?.media.durationSec ?? 0;
  }
  /** The compensation of the take under audition (B) against its source, dB; null when its loudness is unknown. */
  get matchDb(): number | null {
    const b = this.b;
    return b ? this.gainOf(b) : null;
  }

  /** The gain a take plays at now (linear). */
  private gainFor(take: Take): number {
    if (!this.matched) return 1;
    const db = this.gainOf(take);
    return db === null ? 1 : dbToGain(db);
  }

  private livePosition(): number {
    return this.playing ? (this.shared.output.position() ?? this.position) : this.position;
  }

  private async startTake(take: Take, side: Side, from: number, crossfade = false): Promise<void> {
    const token = ++this.runToken;
    const out = this.shared.claim(this);
    this.loading = true;
    try {
      const bus = BUS[side];
      const program = {
        segments: [{ key: `take-${take.id}`, bus, url: this.resolveUrl(take.media.url), start: 0, offset: 0, duration: take.media.durationSec, gain: 1 }],
        buses: { [bus]: this.gainFor(take) },
      };
      await out.play(program, from, null, crossfade ? { crossfadeSec: AB_CROSSFADE_SEC } : {});
      if (token !== this.runToken || this.disposed) return;
      this.playingTakeId = take.id;
      this.playingSide = side;
      this.position = from;
      this.playing = true;
      this.tick();
    } finally {
      if (token === this.runToken) this.loading = false;
    }
  }

  private tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    const step = () => {
      if (!this.playing) {
        this.ticking = false;
        return;
      }
      this.position = Math.min(this.livePosition(), this.duration);
      this.frame(step);
    };
    this.frame(step);
  }

  outputStopped(reason: 'taken' | 'ended'): void {
    this.runToken++;
    this.playing = false;
    this.loading = false;
    this.playingTakeId = null;
    this.playingSide = null;
    if (reason === 'ended') this.position = 0;
  }

  /** Plays from the current position. */
  async play(): Promise<void> {
    const take = this.audible;
    if (!take || this.disposed) return;
    const from = this.position < take.media.durationSec ? this.position : 0;
    await this.startTake(take, this.side === 'a' && this.canCompare ? 'a' : 'b', from);
  }

  pause(): void {
    this.runToken++;
    this.loading = false;
    if (this.playing) this.position = Math.min(this.livePosition(), this.duration);
    this.shared.release(this);
    this.playing = false;
    this.playingTakeId = null;
    this.playingSide = null;
  }

  /** Stops and rewinds (used when the clip or its takes change). */
  stop(): void {
    this.pause();
    this.position = 0;
  }

  async toggle(): Promise<void> {
    if (this.playing || this.loading) this.pause();
    else await this.play();
  }

  /** Plays one take from its start, as the take under audition. */
  async playFrom(side: Side): Promise<void> {
    this.pause();
    this.side = side;
    this.position = 0;
    await this.play();
  }

  /** Moves the playhead (seconds into the audible take); keeps playing when playing. */
  async seek(sec: number): Promise<void> {
    const to = Math.max(0, Math.min(sec, this.duration));
    this.position = to;
    const take = this.audible;
    if (this.playing && take) await this.startTake(take, this.side === 'a' && this.canCompare ? 'a' : 'b', to);
  }

  /** Switches A/B on the same words, crossfading while playing. */
  async toggleAB(): Promise<void> {
    if (!this.canCompare) return;
    const from = this.audible;
    const pos = this.livePosition();
    const wasPlaying = this.playing || this.loading;
    this.side = this.side === 'a' ? 'b' : 'a';
    const to = this.audible;
    if (!from || !to) return;
    this.position = Math.max(0, Math.min(this.mapTime(from, to, pos), to.media.durationSec));
    if (wasPlaying) await this.startTake(to, this.side, this.position, this.playing);
  }

  /** Matched loudness on or off (raw levels); heard at once while playing. */
  setMatched(on: boolean): void {
    this.matched = on;
    const take = this.playingTakeId === null ? null : this.audible;
    if (this.playing && take && take.id === this.playingTakeId && this.playingSide) {
      this.shared.output.setBusGain(BUS[this.playingSide], this.gainFor(take));
    }
  }

  /** Stops playing a take that is no longer on a deck (called when the clip's takes change). */
  prune(): void {
    const { a, b } = this.decks();
    if (this.playingTakeId !== null && this.playingTakeId !== a?.id && this.playingTakeId !== b?.id) this.stop();
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
  }
}
