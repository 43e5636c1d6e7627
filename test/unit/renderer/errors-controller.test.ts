// Error toasts: a failed action shows its code and what the user was doing, expires after its lifetime, waits while
// the user reads it (pointer or focus on it), and older toasts give way beyond four.

import { describe, expect, it } from 'vitest';
import { ErrorsController } from '../../../src-renderer/lib/errors.svelte';

/** A clock the test advances by hand. */
class ManualClock {
  now = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.timers]) {
      if (t.at <= this.now) {
        this.timers.delete(id);
        t.fn();
      }
    }
  }
  get pending(): number {
    return this.timers.size;
  }
}

function setup() {
  const clock = new ManualClock();
  const errors = new ErrorsController({ lifetimeMs: 1000, clock });
  return { clock, errors };
}

describe('error toasts', () => {
  it('turns a failed action into a toast with its code and context, and expires it', async () => {
    const { clock, errors } = setup();
    const r = await errors.guard('Import a.wav', () => Promise.reject({ code: 'E_CORRUPT_AUDIO', message: 'Broken.' }));
    expect(r).toBeUndefined();
    expect(errors.entries).toMatchObject([{ code: 'E_CORRUPT_AUDIO', message: 'Broken.', context: 'Import a.wav' }]);
    clock.advance(999);
    expect(errors.entries).toHaveLength(1);
    clock.advance(1);
    expect(errors.entries).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('passes a result through when the action succeeds', async () => {
    const { errors } = setup();
    await expect(errors.guard('Count', async () => 3)).resolves.toBe(3);
    expect(errors.entries).toEqual([]);
  });

  it('waits while the toast is hovered or focused, then gives it its full lifetime again', () => {
    const { clock, errors } = setup();
    errors.report(new Error('boom'), 'Play');
    const id = errors.entries[0]!.id;
    expect(errors.entries[0]!.code).toBe('E_INTERNAL');
    clock.advance(900);
    errors.hold(id); // pointer enters
    errors.hold(id); // focus moves in
    clock.advance(10_000);
    expect(errors.entries).toHaveLength(1);
    errors.release(id); // pointer leaves, focus still in
    clock.advance(10_000);
    expect(errors.entries).toHaveLength(1);
    errors.release(id);
    clock.advance(999);
    expect(errors.entries).toHaveLength(1);
    clock.advance(1);
    expect(errors.entries).toEqual([]);
  });

  it('keeps the newest four and forgets the timers of those dropped or dismissed', () => {
    const { clock, errors } = setup();
    for (let i = 0; i < 6; i++) errors.report({ code: 'E_IO', message: `m${i}` }, `a${i}`);
    expect(errors.entries.map((e) => e.message)).toEqual(['m2', 'm3', 'm4', 'm5']);
    expect(clock.pending).toBe(4);
    errors.dismiss(errors.entries[0]!.id);
    expect(clock.pending).toBe(3);
    errors.dispose();
    expect(clock.pending).toBe(0);
  });
});
