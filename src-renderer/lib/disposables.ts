// Lifetimes and signals of the controllers: one owner for listeners, timers and subscriptions (everything added is
// undone by dispose(), newest first), a small typed signal for what one controller tells the others, and `coalesce`
// for refreshes that must not run twice at once.

export class Disposables {
  private fns: (() => void)[] = [];
  private disposed = false;

  add(fn: () => void): () => void {
    if (this.disposed) fn();
    else this.fns.push(fn);
    return fn;
  }

  listen<K extends keyof WindowEventMap>(
    target: Window,
    type: K,
    handler: (e: WindowEventMap[K]) => void,
    options?: AddEventListenerOptions,
  ): void {
    target.addEventListener(type, handler, options);
    this.add(() => target.removeEventListener(type, handler, options));
  }

  dispose(): void {
    this.disposed = true;
    for (const fn of this.fns.splice(0).reverse()) {
      try {
        fn();
      } catch (e) {
        console.error('dispose failed', e);
      }
    }
  }
}

/** Runs an async refresh at most once at a time; calls made meanwhile collapse into one re-run after it. */
export function coalesce(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await fn();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
  return run;
}

/**
 * Something one controller announces and others react to (a clip was selected, undo was applied). Listeners run in
 * the order they subscribed; `emitAsync` awaits each in turn, for reactions that must finish before the caller goes on.
 */
export class Signal<A extends unknown[] = []> {
  private readonly listeners = new Set<(...args: A) => void | Promise<void>>();

  /** Subscribes; returns the unsubscribe. */
  on(cb: (...args: A) => void | Promise<void>): () => void {
    this.listeners.add(cb);
    return () => {
      this.listeners.delete(cb);
    };
  }

  emit(...args: A): void {
    for (const cb of [...this.listeners]) void cb(...args);
  }

  async emitAsync(...args: A): Promise<void> {
    for (const cb of [...this.listeners]) await cb(...args);
  }

  clear(): void {
    this.listeners.clear();
  }
}
