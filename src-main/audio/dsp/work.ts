// Cooperative long-running DSP work: progress reporting in a sub-range of 0..1, abort checks between blocks, and a
// periodic yield to the event loop so that a cancel message can reach the AbortSignal while a block loop runs.

import { giveTurn, turnDue, type Steps } from '../steps';

export interface WorkOptions {
  signal?: AbortSignal;
  /** Progress of this piece of work in 0..1. */
  onProgress?: (value: number) => void;
}

export class Work {
  private lastReported = -1;
  constructor(
    private readonly opts: WorkOptions = {},
    private readonly from = 0,
    private readonly to = 1,
  ) {}

  /** A sub-range [a, b] (fractions of this one) as its own Work. */
  sub(a: number, b: number): Work {
    const span = this.to - this.from;
    return new Work(this.opts, this.from + span * a, this.from + span * b);
  }

  get signal(): AbortSignal | undefined {
    return this.opts.signal;
  }

  /** Throws when aborted. */
  check(): void {
    this.opts.signal?.throwIfAborted();
  }

  /** Reports `fraction` (0..1 of this range) without checking or yielding (for nested work's progress callbacks). */
  report(fraction: number): void {
    const v = this.from + (this.to - this.from) * Math.min(1, Math.max(0, fraction));
    if (this.opts.onProgress && v > this.lastReported) {
      this.lastReported = v;
      this.opts.onProgress(v);
    }
  }

  /** Options for a nested piece of work that reports into this range. */
  nested(): WorkOptions {
    const sig = this.opts.signal;
    return { ...(sig ? { signal: sig } : {}), onProgress: (v: number) => this.report(v) };
  }

  /** Reports `fraction` (0..1 of this range), checks the signal, and yields now and then (see ../steps). */
  async step(fraction: number): Promise<void> {
    this.check();
    this.report(fraction);
    if (turnDue()) {
      await giveTurn();
      this.check();
    }
  }

  /** Runs a piece-wise computation cooperatively; the progress it yields reports into this range. */
  async run<T>(steps: Steps<T>): Promise<T> {
    this.check();
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      this.check();
      if (r.value !== undefined) this.report(r.value);
      if (turnDue()) {
        await giveTurn();
        this.check();
      }
    }
  }

  async done(): Promise<void> {
    await this.step(1);
  }
}
