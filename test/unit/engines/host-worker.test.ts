// The engine host's request handling, in-process: measuring failures keep the take, engine limits are enforced,
// request checks refuse what the engine cannot take.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEditRequest } from '../../../src-main/engines/check';
import type { HostMessage, HostRequest } from '../../../src-main/engines/host/protocol';
import { HostWorker } from '../../../src-main/engines/host/worker';
import { EngineRegistry } from '../../../src-main/engines/registry';
import type { Engine, EngineCapabilities } from '../../../src-main/engines/types';
import { tempDir } from '../../helpers/tmp';
import { sine, wavBytes } from '../../helpers/wav';

const dir = tempDir('retake-worker-');
const input = path.join(dir, 'in.wav');
writeFileSync(input, wavBytes(sine(220, 2, 16000), 16000));

const shortCaps: EngineCapabilities = {
  id: 'short',
  role: 'audio',
  name: 'Short engine',
  version: '1',
  description: 'Takes one second at most.',
  tasks: { copy: { options: [], needsText: false, needsNewText: false, intensity: false } },
  languages: [],
  maxInputSeconds: 1,
  available: true,
};
const shortEngine = (): Engine => ({ capabilities: () => shortCaps, edit: async (a) => ({ audio: a }) });

/** A worker whose replies resolve the call that asked for them. */
function makeWorker(registry: EngineRegistry, analyzer?: ConstructorParameters<typeof HostWorker>[2]) {
  const waiting = new Map<number, (m: HostMessage) => void>();
  const worker = new HostWorker(
    (m) => {
      if (m.type !== 'progress' && m.type !== 'ready') waiting.get(m.callId)?.(m);
    },
    registry,
    analyzer,
  );
  return (req: HostRequest) =>
    new Promise<HostMessage>((resolve) => {
      waiting.set(req.callId, resolve);
      worker.handle(req);
    });
}

describe('engine host worker', () => {
  it('keeps an import when measuring fails: metrics are null, not an error', async () => {
    const call = makeWorker(new EngineRegistry(), async () => {
      throw new Error('analysis broke');
    });
    const r = await call({ type: 'inspect', callId: 1, input, peaksOut: null, analyze: true });
    expect(r).toMatchObject({ type: 'result', result: { format: 'wav', sampleRate: 16000, frames: 32000, metrics: null } });
  });

  it("refuses a range longer than the engine's maximum (E_INPUT_TOO_LONG) and edits a longer whole input in windows", async () => {
    const call = makeWorker(new EngineRegistry({ engines: { short: shortEngine } }));
    const out = path.join(dir, 'out.wav');
    const base = { type: 'edit' as const, engine: 'short', request: { task: 'copy', seed: 1 }, input, output: out, peaksOut: null, analyze: false };
    const tooLong = await call({ ...base, callId: 2, range: { start: 0, end: 32000 } });
    expect(tooLong).toMatchObject({ type: 'error', error: { code: 'E_INPUT_TOO_LONG' } });
    const whole = await call({ ...base, callId: 4 });
    expect(whole).toMatchObject({ type: 'result', result: { frames: 32000 } });
    // A range inside the limit is accepted.
    const ok = await call({ ...base, callId: 3, range: { start: 0, end: 12000 } });
    expect(ok).toMatchObject({ type: 'result', result: { frames: 12000 } });
  });

  it('refuses an intensity for a task that has none', () => {
    expect(() => checkEditRequest(shortCaps, { task: 'copy', intensity: 0.5 })).toThrow(expect.objectContaining({ code: 'E_VALIDATION' }));
    expect(() => checkEditRequest(shortCaps, { task: 'copy' })).not.toThrow();
  });
});
