// One owner for listeners, timers and subscriptions: everything added here is undone by dispose(), newest first.

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
