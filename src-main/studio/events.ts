// A typed event emitter for the contract's events; `on` returns its unsubscribe.

import type { EventName, Events } from '../contract/events';

type Listener<E extends EventName> = (payload: Events[E]) => void;

export class Emitter {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();
  private readonly any = new Set<(event: EventName, payload: unknown) => void>();

  on<E extends EventName>(event: E, cb: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(cb as Listener<EventName>);
    return () => set.delete(cb as Listener<EventName>);
  }

  /** Every event, for shells that forward all of them. */
  onAny(cb: (event: EventName, payload: unknown) => void): () => void {
    this.any.add(cb);
    return () => this.any.delete(cb);
  }

  /** Calls every listener; one that throws is reported and does not stop the others or the emitter's caller. */
  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const cb of this.listeners.get(event) ?? []) guard(() => cb(payload), event);
    for (const cb of this.any) guard(() => cb(event, payload), event);
  }
}

function guard(fn: () => void, event: string): void {
  try {
    fn();
  } catch (e) {
    console.error(`A listener of ${event} failed:`, e);
  }
}
