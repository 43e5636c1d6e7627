// Errors the user should see, as toasts: every failed action reports here with what the user was doing, keeps its
// stable code, and goes away on its own after a while (the timer stands still while the pointer or the focus is on
// the toast, so one being read is never pulled away). `guard` is how every controller runs a user action: a failure
// becomes a toast instead of an unhandled rejection.

import { toClientError } from './client';

export interface ErrorEntry {
  id: number;
  code: string;
  message: string;
  /** What the user was doing ("Import song.wav"). */
  context: string;
}

/** Runs an action and reports its failure; resolves with undefined when it failed. */
export type Guard = <T>(context: string, fn: () => Promise<T>) => Promise<T | undefined>;

// Older toasts give way beyond this many, so a burst of failures cannot fill the window.
const MAX_ERRORS = 4;
// Long enough to read a two-line message and note its code; a toast being hovered or focused waits for the user.
export const ERROR_TOAST_MS = 15_000;

interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export class ErrorsController {
  entries = $state.raw<ErrorEntry[]>([]);
  private nextId = 1;
  private readonly timers = new Map<number, unknown>();
  /** How many reasons (pointer over it, focus in it) keep each toast from expiring. */
  private readonly held = new Map<number, number>();
  private readonly lifetimeMs: number;
  private readonly clock: Timers;

  constructor(options: { lifetimeMs?: number; clock?: Timers } = {}) {
    this.lifetimeMs = options.lifetimeMs ?? ERROR_TOAST_MS;
    this.clock = options.clock ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
    };
  }

  report(e: unknown, context: string): void {
    const err = toClientError(e);
    console.warn(`${context}: ${err.code} ${err.message}`);
    const entry: ErrorEntry = { id: this.nextId++, code: err.code, message: err.message, context };
    const kept = [...this.entries, entry].slice(-MAX_ERRORS);
    for (const old of this.entries) if (!kept.includes(old)) this.forget(old.id);
    this.entries = kept;
    this.arm(entry.id);
  }

  dismiss(id: number): void {
    this.forget(id);
    this.entries = this.entries.filter((e) => e.id !== id);
  }

  /** The user is reading the toast (pointer over it, or focus in it): it stays until released. */
  hold(id: number): void {
    this.held.set(id, (this.held.get(id) ?? 0) + 1);
    this.disarm(id);
  }

  /** One reason to keep the toast is gone; when none is left its full lifetime starts again. */
  release(id: number): void {
    const n = this.held.get(id);
    if (n === undefined) return;
    if (n > 1) {
      this.held.set(id, n - 1);
      return;
    }
    this.held.delete(id);
    if (this.entries.some((e) => e.id === id)) this.arm(id);
  }

  readonly guard: Guard = async (context, fn) => {
    try {
      return await fn();
    } catch (e) {
      this.report(e, context);
      return undefined;
    }
  };

  private arm(id: number): void {
    this.disarm(id);
    if (this.held.has(id)) return;
    this.timers.set(
      id,
      this.clock.setTimeout(() => {
        this.timers.delete(id);
        this.dismiss(id);
      }, this.lifetimeMs),
    );
  }

  private disarm(id: number): void {
    const t = this.timers.get(id);
    if (t === undefined) return;
    this.clock.clearTimeout(t);
    this.timers.delete(id);
  }

  private forget(id: number): void {
    this.disarm(id);
    this.held.delete(id);
  }

  dispose(): void {
    for (const id of [...this.timers.keys()]) this.disarm(id);
    this.held.clear();
  }
}
