// Audition of the selected clip with A/B against its source take, through the shared streaming output (nothing is
// decoded whole, so a take of an hour auditions like a take of a second; see audio/mix-engine.ts).
//
// The switch keeps the *relative* position (the same fraction of each take's length) rather than the same second: an
// edit that changes tempo (speed ×1.25) then lines up word for word with its source, and for length-preserving edits
// the two are identical. The output fades the take it leaves and fades in the one it starts, so the switch does not
// click.

import type { Take } from '../../src-main/contract';
import type { OutputUser, SharedOutput } from '../audio/shared-output';
import type { Decks } from './takes-tree';

export type { Decks } from './takes-tree';

export type Side = 'a' | 'b';

export class PlaybackController implements OutputUser {
  private readonly decks: () => Decks;
  private readonly resolveUrl: (url: string) => string;
  private readonly shared: SharedOutput;
  private readonly frame: (cb: () => void) => unknown;
  side = $state<Side>('b');
  playing = $state(false);
  loading = $state(false);
  /** Seconds into the audible take. */
  position = $state(0);
  private playingTakeId: number | null = null;
  private runToken = 0;
  private ticking = false;
  private disposed = false;

  constructor(decks: () => Decks, resolveUrl: (url: string) => string, shared: SharedOutput, frame?: (cb: () => void) => unknown) {
    this.decks = decks;
    this.resolveUrl = resolveUrl;
    this.shared = shared;
    this.frame = frame ?? ((cb) => requestAnimationFrame(cb));
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

  private livePosition(): number {
    return this.playing ? (this.shared.output.position() ?? this.position) : this.position;
  }

  private async startTake(take: Take, from: number): Promise<void> {
    const token = ++this.runToken;
    const out = this.shared.claim(this);
    this.loading = true;
    try {
      const program = {
        segments: [{ key: `take-${take.id}`, bus: 'audition', url: this.resolveUrl(take.media.url), start: 0, offset: 0, duration: take.media.durationSec, gain: 1 }],
        buses: { audition: 1 },
      };
      await out.play(program, from, null);
      if (token !== this.runToken || this.disposed) return;
      this.playingTakeId = take.id;
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
    if (reason === 'ended') this.position = 0;
  }

  /** Plays from the current position. */
  async play(): Promise<void> {
    const take = this.audible;
    if (!take || this.disposed) return;
    const from = this.position < take.media.durationSec ? this.position : 0;
    await this.startTake(take, from);
  }

  pause(): void {
    this.runToken++;
    this.loading = false;
    if (this.playing) this.position = Math.min(this.livePosition(), this.duration);
    this.shared.release(this);
    this.playing = false;
    this.playingTakeId = null;
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
    if (this.playing && take) await this.startTake(take, to);
  }

  /** Switches A/B, keeping the relative position in the take. */
  async toggleAB(): Promise<void> {
    if (!this.canCompare) return;
    const from = this.audible;
    const pos = this.livePosition();
    const wasPlaying = this.playing || this.loading;
    this.side = this.side === 'a' ? 'b' : 'a';
    const to = this.audible;
    if (!from || !to) return;
    const mapped = from.media.durationSec > 0 ? (pos / from.media.durationSec) * to.media.durationSec : 0;
    this.position = Math.max(0, Math.min(mapped, to.media.durationSec));
    if (wasPlaying) await this.startTake(to, this.position);
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
