// Long synchronous computations cut into pieces. A computation is written once as a generator (`Steps`) that yields at
// safe points, every fraction of a millisecond of work, optionally with its progress (0..1). `runSync` drives it
// straight through (the synchronous API); `runSteps` drives it with a turn of the event loop whenever the loop has
// waited YIELD_EVERY_MS, checking an AbortSignal at every safe point. Both run the same code over the same pieces, so
// their results are identical to the bit.

export type Steps<T> = Generator<number | undefined, T, undefined>;

/**
 * Longest synchronous stretch between turns of the event loop (ms): short enough that a cancel message or a UI tick
 * is served promptly, long enough that the turns (~0.05 ms each) cost nothing measurable.
 */
export const YIELD_EVERY_MS = 40;

/** Samples per piece of a cheap per-sample loop (a few ns each): well under a millisecond per piece. */
export const SAMPLE_BLOCK = 1 << 16;

/** When the event loop last had a turn (shared: any cooperative computation that yields gives every other its turn). */
let lastTurn = performance.now();

/** True when the event loop has waited YIELD_EVERY_MS or more. */
export function turnDue(): boolean {
  return performance.now() - lastTurn >= YIELD_EVERY_MS;
}

/** Lets the event loop run (timers, I/O, messages) before continuing. */
export async function giveTurn(): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
  lastTurn = performance.now();
}

/** Runs a computation to its end without yielding. */
export function runSync<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export interface RunStepsOptions {
  signal?: AbortSignal | undefined;
  /** Receives the progress values the computation yields. */
  onProgress?: ((fraction: number) => void) | undefined;
  /** The error to throw once the signal is aborted (default: the signal's reason). */
  cancelled?: (() => Error) | undefined;
}

/** Runs a computation cooperatively: an abort check at every safe point, a turn of the event loop when one is due. */
export async function runSteps<T>(steps: Steps<T>, opts: RunStepsOptions = {}): Promise<T> {
  const { signal, onProgress, cancelled } = opts;
  const check = (): void => {
    if (!signal?.aborted) return;
    if (cancelled) throw cancelled();
    signal.throwIfAborted();
  };
  check();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    check();
    if (r.value !== undefined && onProgress) onProgress(r.value);
    if (turnDue()) {
      await giveTurn();
      check();
    }
  }
}
