// Audition of the selected clip with A/B against its source take, on Tone.js (Web Audio).
//
// Both takes are decoded ahead of time, so switching is instant. The switch keeps the *relative* position (the same
// fraction of each take's length) rather than the same second: an edit that changes tempo (speed ×1.25) then lines up
// word for word with its source, and for length-preserving edits the two are identical. The audible player stops
// with a short fade while the other starts with a fade-in, so the switch does not click.

import type { Player as TonePlayer } from 'tone';
import type { Take } from '../../src-main/contract';
import { ClientError } from './client';
import type { Decks } from './takes-tree';

export type { Decks } from './takes-tree';

// 8 ms fades: long enough to avoid a click on the switch, short enough not to be heard as a fade.
const SWITCH_FADE_SEC = 0.008;

interface ToneParts {
  Player: typeof import('tone').Player;
}

// Only the parts of Tone.js this player needs, loaded on first use. The package entry would create its default
// context on import, whose clock runs in a blob: Worker that a strict CSP (no worker-src blob:) refuses; this context
// is made first with a timer clock instead, and with no look-ahead because nothing is scheduled ahead.
let tonePromise: Promise<ToneParts> | null = null;
function loadTone(): Promise<ToneParts> {
  if (!tonePromise) {
    window.TONE_SILENCE_LOGGING = true;
    tonePromise = Promise.all([
      import('tone/build/esm/core/context/Context.js'),
      import('tone/build/esm/core/Global.js'),
      import('tone/build/esm/source/buffer/Player.js'),
    ]).then(([{ Context }, { setContext }, { Player }]) => {
      setContext(new Context({ clockSource: 'timeout', lookAhead: 0 }));
      return { Player };
    });
  }
  return tonePromise;
}

async function resumeAudio(): Promise<void> {
  const { getContext } = await import('tone/build/esm/core/Global.js');
  await getContext().resume();
}

export type Side = 'a' | 'b';

export class PlaybackController {
  private readonly decks: () => Decks;
  private readonly resolveUrl: (url: string) => string;
  side = $state<Side>('b');
  playing = $state(false);
  loading = $state(false);
  /** Seconds into the audible take. */
  position = $state(0);
  private players = new Map<number, Promise<TonePlayer>>();
  private current: { player: TonePlayer; takeId: number; startedAt: number; offset: number } | null = null;
  private raf = 0;
  private runToken = 0;
  private disposed = false;

  constructor(decks: () => Decks, resolveUrl: (url: string) => string) {
    this.decks = decks;
    this.resolveUrl = resolveUrl;
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

  private player(take: Take): Promise<TonePlayer> {
    let p = this.players.get(take.id);
    if (!p) {
      p = loadTone().then(async ({ Player }) => {
        const player = new Player({ fadeIn: SWITCH_FADE_SEC, fadeOut: SWITCH_FADE_SEC }).toDestination();
        try {
          await player.load(this.resolveUrl(take.media.url));
        } catch (e) {
          player.dispose();
          throw new ClientError('E_MEDIA_MISSING', `Could not load the audio of “${take.name}” for playback: ${e instanceof Error ? e.message : String(e)}.`);
        }
        return player;
      });
      p.catch(() => this.players.delete(take.id));
      this.players.set(take.id, p);
    }
    return p;
  }

  private now(): number {
    return this.current ? this.current.player.context.currentTime : 0;
  }

  private livePosition(): number {
    const c = this.current;
    if (!c) return this.position;
    return c.offset + (this.now() - c.startedAt);
  }

  private startTake(player: TonePlayer, takeId: number, offset: number): void {
    const ctx = player.context;
    const at = ctx.currentTime;
    player.start(at, offset);
    this.current = { player, takeId, startedAt: at, offset };
    this.position = offset;
    this.playing = true;
    this.tick();
  }

  private stopCurrent(): void {
    const c = this.current;
    this.current = null;
    if (c && c.player.state === 'started') c.player.stop();
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
  }

  private tick = (): void => {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      if (!this.current) return;
      const pos = this.livePosition();
      if (pos >= this.duration) {
        this.stopCurrent();
        this.playing = false;
        this.position = 0;
        return;
      }
      this.position = pos;
      this.tick();
    });
  };

  /** Plays from the current position (both decks are loaded first so A/B switches instantly). */
  async play(): Promise<void> {
    const token = ++this.runToken;
    const take = this.audible;
    if (!take || this.disposed) return;
    this.loading = true;
    try {
      await loadTone();
      await resumeAudio();
      const { a, b } = this.decks();
      const wanted = [a, b].filter((t): t is Take => !!t);
      const loaded = await Promise.all(wanted.map((t) => this.player(t)));
      if (token !== this.runToken || this.disposed) return;
      const audible = this.audible;
      const idx = audible ? wanted.findIndex((t) => t.id === audible.id) : -1;
      const player = loaded[idx];
      if (!audible || !player) return;
      this.stopCurrent();
      const from = this.position < audible.media.durationSec ? this.position : 0;
      this.startTake(player, audible.id, from);
    } finally {
      if (token === this.runToken) this.loading = false;
    }
  }

  pause(): void {
    this.runToken++;
    this.loading = false;
    if (this.current) this.position = Math.min(this.livePosition(), this.duration);
    this.stopCurrent();
    this.playing = false;
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
    const c = this.current;
    if (!c) {
      this.position = to;
      return;
    }
    this.runToken++;
    this.stopCurrent();
    this.startTake(c.player, c.takeId, to);
  }

  /** Switches A/B, keeping the relative position in the take. */
  async toggleAB(): Promise<void> {
    if (!this.canCompare) return;
    const from = this.audible;
    const pos = this.current ? this.livePosition() : this.position;
    const wasPlaying = this.playing;
    this.side = this.side === 'a' ? 'b' : 'a';
    const to = this.audible;
    if (!from || !to) return;
    const mapped = from.media.durationSec > 0 ? (pos / from.media.durationSec) * to.media.durationSec : 0;
    this.position = Math.max(0, Math.min(mapped, to.media.durationSec));
    if (!wasPlaying) return;
    const token = ++this.runToken;
    const next = await this.player(to);
    if (token !== this.runToken || this.disposed) return;
    const exact = this.current ? (this.livePosition() / from.media.durationSec) * to.media.durationSec : this.position;
    this.stopCurrent();
    this.startTake(next, to.id, Math.max(0, Math.min(exact, to.media.durationSec)));
  }

  /** Forgets decoded takes that are no longer on a deck (called when the clip's takes change). */
  prune(): void {
    const { a, b } = this.decks();
    const keep = new Set([a?.id, b?.id]);
    if (this.current && !keep.has(this.current.takeId)) this.stop();
    for (const [id, p] of this.players) {
      if (keep.has(id)) continue;
      this.players.delete(id);
      void p.then((player) => player.dispose()).catch(() => {});
    }
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
    for (const p of this.players.values()) void p.then((player) => player.dispose()).catch(() => {});
    this.players.clear();
  }
}
