// The engine host after repeated crashes: it rests, the refusal says in how many seconds it starts again (it used to
// say "Restart Retake" although it recovered by itself), and the first call after that starts it.
import { describe, expect, it } from 'vitest';
import { EngineHost, type HostChannel } from '../../../src-main/engines/host/client';
import type { HostMessage } from '../../../src-main/engines/host/protocol';
import { RetakeError } from '../../../src-main/contract/errors';

/** A host that says it is ready at once and exits when told to. */
function fakeSpawner() {
  const channels: Array<{ exit: () => void }> = [];
  const spawn = (): HostChannel => {
    let onMsg: (m: HostMessage) => void = () => {};
    let onExit: (code: number | null, signal: string | null) => void = () => {};
    setImmediate(() => onMsg({ type: 'ready', pid: 1, role: null }));
    channels.push({ exit: () => onExit(1, null) });
    return {
      pid: 1,
      send: () => {},
      onMessage: (cb) => (onMsg = cb),
      onExit: (cb) => (onExit = cb),
      kill: () => onExit(null, 'SIGKILL'),
    };
  };
  return { spawn, channels };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('engine host crash limit', () => {
  it('says when it will start again, and starts for the first request after that', async () => {
    const f = fakeSpawner();
    const host = new EngineHost(f.spawn, { maxCrashes: 3, crashWindowMs: 3000 });
    await host.start();
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      f.channels.at(-1)!.exit();
      await sleep(20);
      if (i < 2) await host.start();
    }
    // Three crashes within the window: no new process, a refusal that names the wait.
    const spawned = f.channels.length;
    let err: unknown;
    await host.start().catch((e: unknown) => (err = e));
    expect(err).toBeInstanceOf(RetakeError);
    const e = err as RetakeError;
    expect(e.code).toBe('E_ENGINE_UNAVAILABLE');
    const m = /crashed 3 times within 3 s, so Retake lets it rest: it starts it again for the first request in (\d+) s or later/.exec(e.message);
    expect(m, e.message).not.toBeNull();
    expect(e.message).not.toMatch(/Restart Retake/);
    // About 3 s after the first crash (a loaded machine may have taken a while to get here).
    const wait = Number(m![1]);
    expect(wait).toBeGreaterThanOrEqual(Math.ceil((t0 + 3000 - Date.now()) / 1000));
    expect(wait).toBeLessThanOrEqual(3);
    expect((e.details as { retryInSeconds: number }).retryInSeconds).toBe(wait);
    expect(f.channels.length).toBe(spawned);
    // Still resting a little later: the wait counts down from the first crash of the three.
    await sleep(1100);
    const later = await host.start().then(() => null, (x: unknown) => x as RetakeError);
    expect(Number(/in (\d+) s or later/.exec(later?.message ?? '')?.[1])).toBeLessThan(wait);
    // Once the first of them has left the window the next request starts it.
    await sleep(Math.max(0, t0 + 3100 - Date.now()));
    await host.start();
    expect(f.channels.length).toBe(spawned + 1);
    await host.dispose();
  });
});
