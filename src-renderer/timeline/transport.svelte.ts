// The timeline's transport: the playhead and the cursor it plays from, play / stop (Space: stop returns to the
// cursor, as in REAPER and Pro Tools), seeking, looping the selection (L), following playback, and the master meter
// readings. It plays the MIX of every track (gain, mute and solo per track, changed live) through the shared audio
// output, which streams the media (see audio/mix-engine.ts).

import type { Track } from '../../src-main/contract';
import type { MeterReading } from '../audio/loudness';
import { FLOOR_DB } from '../audio/loudness';
import type { Program, Segment } from '../audio/mix-engine';
import type { OutputUser, SharedOutput } from '../audio/shared-output';
import type { ArrangementController } from '../lib/arrangement.svelte';
import type { ErrorsController } from '../lib/errors.svelte';
import { t } from '../lib/i18n.svelte';
import type { ProjectController } from '../lib/project.svelte';
import type { SampleRange } from './geometry';
import type { TimelineController } from './timeline.svelte';

export interface TransportDeps {
  project: ProjectController;
  arrangement: ArrangementController;
  timeline: TimelineController;
  errors: ErrorsController;
  output: SharedOutput;
  /** A media URL as the page fetches it. */
  resolveUrl: (url: string) => string;
  /** Frame scheduling (requestAnimationFrame in the page). */
  frame?: (cb: () => void) => unknown;
}

const SILENT: MeterReading = { peakDb: FLOOR_DB, momentary: FLOOR_DB, shortTerm: FLOOR_DB };
// After stopping, the meter keeps reading this long so its hold and fall finish on screen.
const METER_TAIL_MS = 3000;

export function dbToGain(db: number): number {
  return db <= -96 ? 0 : 10 ** (db / 20);
}

/** The bus gain of a track in the mix: its gain, or 0 when muted or another track is soloed. */
export function trackGain(track: Track, anySolo: boolean): number {
  if (track.muted || (anySolo && !track.solo)) return 0;
  return dbToGain(track.gainDb);
}

/** What a program plays (segments and where), without the bus gains that change live. */
function signature(p: Program): string {
  return p.segments.map((s) => `${s.key}:${s.bus}:${s.url}:${s.start}:${s.offset}:${s.duration}:${s.gain}`).join('|');
}

export class TransportController implements OutputUser {
  private readonly deps: TransportDeps;
  /** Where the playhead is (samples). */
  position = $state(0);
  /** Where playback starts, and returns to on stop (samples). */
  cursor = $state(0);
  playing = $state(false);
  /** Play was pressed and the first audio is being read. */
  starting = $state(false);
  loop = $state(false);
  follow = $state(true);
  meter = $state.raw<MeterReading>(SILENT);
  /** The span looped while `loop` is on: the time range, else the selected clips. */
  loopSpan: SampleRange | null = $derived.by(() => (this.loop ? this.deps.timeline.selectionSpan() : null));
  private ticking = false;
  private meterUntil = 0;
  private runToken = 0;
  /** What is playing, to tell whether an arrangement change touched it. */
  private playingSignature = '';

  constructor(deps: TransportDeps) {
    this.deps = deps;
  }

  private get sr(): number {
    return this.deps.project.sampleRate;
  }

  /** The arrangement as the output plays it. */
  program(): Program {
    const { arrangement, resolveUrl } = this.deps;
    const sr = this.sr;
    const buses: Record<string, number> = {};
    for (const tr of arrangement.tracks) buses[String(tr.id)] = trackGain(tr, arrangement.anySolo);
    // Every clip is in the program, a muted track's at gain 0, so unmuting is heard at once.
    const segments: Segment[] = arrangement.clips.map((c) => ({
      key: `clip-${c.id}`,
      bus: String(c.trackId),
      url: resolveUrl(c.media.url),
      start: c.start / sr,
      offset: c.inPoint / sr,
      duration: (c.outPoint - c.inPoint) / sr,
      gain: dbToGain(c.gainDb),
    }));
    return { segments, buses };
  }

  async play(): Promise<void> {
    if (this.playing || this.starting) return;
    await this.start(this.cursor);
  }

  private async start(fromSample: number): Promise<void> {
    const token = ++this.runToken;
    const out = this.deps.output.claim(this);
    const sr = this.sr;
    const span = this.loopSpan;
    this.starting = true;
    const program = this.program();
    this.playingSignature = signature(program);
    try {
      const ok = await this.deps.errors.guard(t('ctx.play'), async () => {
        await out.play(program, fromSample / sr, span ? { start: span.start / sr, end: span.end / sr } : null);
        return true;
      });
      if (token !== this.runToken) return;
      if (!ok) {
        this.deps.output.release(this);
        this.playing = false;
        return;
      }
      this.playing = true;
      this.tick();
    } finally {
      if (token === this.runToken) this.starting = false;
    }
  }

  /** Stops; the playhead goes back to the cursor. */
  stop(): void {
    this.runToken++;
    this.starting = false;
    if (this.playing) this.deps.output.release(this);
    this.playing = false;
    this.position = this.cursor;
    this.meterUntil = Date.now() + METER_TAIL_MS;
  }

  async toggle(): Promise<void> {
    if (this.playing || this.starting) this.stop();
    else await this.play();
  }

  /** Moves the cursor and the playhead (a click on the ruler or a lane); playback goes on from there. */
  async seek(sample: number): Promise<void> {
    const at = Math.max(0, Math.round(sample));
    this.cursor = at;
    this.position = at;
    if (this.playing) {
      this.playing = false;
      await this.start(at);
    }
  }

  toggleLoop(): void {
    this.loop = !this.loop;
    if (this.playing) void this.restartHere();
  }

  toggleFollow(): void {
    this.follow = !this.follow;
  }

  /** The arrangement changed while playing: go on with the new program from where the playhead is. */
  async restartHere(): Promise<void> {
    if (!this.playing) return;
    this.playing = false;
    await this.start(this.position);
  }

  /** Track gain, mute or solo changed: heard at once (muted tracks stay in the program at gain 0). */
  applyMix(): void {
    const { arrangement, output } = this.deps;
    if (!output.owns(this)) return;
    for (const tr of arrangement.tracks) output.output.setBusGain(String(tr.id), trackGain(tr, arrangement.anySolo));
  }

  /** Clips were moved, trimmed, added or removed: if that changes what plays, playback goes on with the new mix. */
  arrangementChanged(): void {
    if (this.playing && signature(this.program()) !== this.playingSignature) void this.restartHere();
  }

  outputStopped(reason: 'taken' | 'ended'): void {
    this.runToken++;
    this.playing = false;
    this.starting = false;
    if (reason === 'ended') this.position = this.cursor;
    this.meterUntil = Date.now() + METER_TAIL_MS;
  }

  private tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    const frame = this.deps.frame ?? ((cb: () => void) => requestAnimationFrame(cb));
    const step = () => {
      const out = this.deps.output.output;
      if (this.playing) {
        const pos = out.position();
        if (pos !== null) {
          this.position = Math.round(pos * this.sr);
          if (this.follow) this.deps.timeline.follow(this.position);
        }
      }
      this.meter = out.meter();
      if (this.playing || Date.now() < this.meterUntil) frame(step);
      else {
        this.meter = SILENT;
        this.ticking = false;
      }
    };
    frame(step);
  }

  reset(): void {
    this.stop();
    this.cursor = 0;
    this.position = 0;
    this.loop = false;
  }

  dispose(): void {
    this.stop();
  }
}
