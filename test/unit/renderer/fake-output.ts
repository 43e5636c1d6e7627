// A stand-in for the page's audio output (audio/mix-engine.ts) in controller tests: it records what it is asked to
// play, runs a clock the test moves, and ends or wraps like the real one.

import { FLOOR_DB, type MeterReading } from '../../../src-renderer/audio/loudness';
import { type AudioOutput, type LoopSpan, type Program } from '../../../src-renderer/audio/mix-engine';

export class FakeOutput implements AudioOutput {
  readonly plays: { program: Program; from: number; loop: LoopSpan | null }[] = [];
  readonly gains: [bus: string, gain: number][] = [];
  stops = 0;
  /** Seconds since the current play started (the test moves it). */
  elapsed = 0;
  private running: { from: number; loop: LoopSpan | null; program: Program } | null = null;
  private readonly ended = new Set<() => void>();

  async play(program: Program, from: number, loop: LoopSpan | null): Promise<void> {
    this.plays.push({ program, from, loop });
    const start = loop && (from < loop.start || from >= loop.end) ? loop.start : from;
    this.running = { from: start, loop, program };
    this.elapsed = 0;
  }

  stop(): void {
    this.stops++;
    this.running = null;
  }

  position(): number | null {
    const r = this.running;
    if (!r) return null;
    const t = r.from + this.elapsed;
    if (r.loop && t >= r.loop.end) return r.loop.start + ((t - r.loop.start) % (r.loop.end - r.loop.start));
    return t;
  }

  /** The program ran out: tell the listeners, as the engine does. */
  end(): void {
    this.running = null;
    for (const cb of [...this.ended]) cb();
  }


  onEnded(cb: () => void): () => void {
    this.ended.add(cb);
    return () => this.ended.delete(cb);
  }

  setBusGain(bus: string, gain: number): void {
    this.gains.push([bus, gain]);
  }

  meter(): MeterReading {
    return { peakDb: FLOOR_DB, momentary: FLOOR_DB, shortTerm: FLOOR_DB };
  }

  dispose(): void {
    this.running = null;
  }
}

/** Frames the test runs by hand (requestAnimationFrame stand-in). */
export class ManualFrames {
  private queue: (() => void)[] = [];
  readonly schedule = (cb: () => void): void => {
    this.queue.push(cb);
  };
  run(times = 1): void {
    for (let i = 0; i < times; i++) {
      const q = this.queue;
      this.queue = [];
      for (const cb of q) cb();
    }
  }
}
