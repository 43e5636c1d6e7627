// The one edit loop (host `edit` and CLI `edit`): iterations chain with seed + i, progress is one 0..1 over all of
// them, every finished iteration is handed over in order before the next runs, and bad requests are refused before
// the input is decoded. Also the host worker's multi-iteration form and its role.

import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import type { AudioData } from '../../../src-main/audio/types';
import { ANALYSIS_MAX_SEC, measureTake, runEditLoop, type IterationOutput } from '../../../src-main/engines/edit-loop';
import type { HostMessage, HostRequest } from '../../../src-main/engines/host/protocol';
import { HostWorker } from '../../../src-main/engines/host/worker';
import { EngineRegistry } from '../../../src-main/engines/registry';
import type { EditRequest, Engine, EngineCapabilities } from '../../../src-main/engines/types';
import { tempDir } from '../../helpers/tmp';
import { sine, wavBytes } from '../../helpers/wav';

const dir = tempDir('retake-edit-loop-');
const input = path.join(dir, 'in.wav');
writeFileSync(input, wavBytes(sine(220, 1, 16000), 16000));

const caps: EngineCapabilities = {
  id: 'halve',
  role: 'audio',
  name: 'Halving engine',
  version: '2',
  description: 'Halves the level and records what it was asked.',
  tasks: { halve: { options: ['x'], needsText: false, needsNewText: false, intensity: false } },
  languages: [],
  maxInputSeconds: 1.5,
  available: true,
};

/** Halves the level, reports progress at 0.5 and 1, and records each request it ran. */
function halving(seen: EditRequest[]): Engine {
  return {
    capabilities: () => caps,
    async edit(a: AudioData, req, ctx) {
      seen.push(req);
      ctx.progress(0.5, 'half way');
      ctx.progress(1);
      return { audio: { sampleRate: a.sampleRate, channels: a.channels.map((c) => c.map((x) => x * 0.5)) }, info: { seed: req.seed } };
    },
  };
}

const peak = (a: AudioData) => a.channels[0]!.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe('runEditLoop', () => {
  it('chains iterations with seed + i, reports each in order, and maps progress over all of them', async () => {
    const seen: EditRequest[] = [];
    const got: Array<[number, IterationOutput]> = [];
    const progress: Array<[number, string | null]> = [];
    const last = await runEditLoop({
      engine: halving(seen),
      input,
      range: { start: 0, end: 8000 },
      request: { task: 'halve', option: 'x', seed: 0xfffffffe },
      iterations: 3,
      analyzer: async (a) => ({ frames: a.channels[0]!.length }),
      signal: new AbortController().signal,
      progress: (v, s) => progress.push([v, s]),
      onIteration: async (i, out) => {
        // The next iteration has not started while this one is being handed over.
        expect(seen).toHaveLength(i + 1);
        got.push([i, out]);
      },
    });
    expect(seen.map((r) => [r.seed, r.iteration])).toEqual([[0xfffffffe, 0], [0xffffffff, 1], [0, 2]]);
    expect(got.map(([i, o]) => [i, o.audio.channels[0]!.length, o.metrics, o.info])).toEqual([
      [0, 8000, { frames: 8000 }, { seed: 0xfffffffe }],
      [1, 8000, { frames: 8000 }, { seed: 0xffffffff }],
      [2, 8000, { frames: 8000 }, { seed: 0 }],
    ]);
    expect(last).toBe(got[2]![1]);
    const src = await decodeFile(input);
    expect(peak(last.audio) / peak({ sampleRate: 16000, channels: [src.channels[0]!.subarray(0, 8000)] })).toBeCloseTo(0.125, 5);
    const values = progress.map(([v]) => v);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(progress).toContainEqual([(1 + 0.45) / 3, 'half way (iteration 2/3)']);
    expect(progress).toContainEqual([(2 + 0.9) / 3, 'measuring (iteration 3/3)']);
    expect(progress.at(-1)).toEqual([1, 'done']);
  });

  it('refuses a bad request before decoding, and input longer than the engine takes', async () => {
    const missing = path.join(dir, 'missing.wav');
    const base = { engine: halving([]), signal: new AbortController().signal };
    await expect(runEditLoop({ ...base, input: missing, request: { task: 'halve', option: 'y', seed: 1 } })).rejects.toMatchObject({
      code: 'E_UNKNOWN_OPTION',
    });
    await expect(runEditLoop({ ...base, input: missing, request: { task: 'halve', option: 'x', seed: 1 } })).rejects.toMatchObject({
      code: 'E_FILE_NOT_FOUND',
    });
    const long = path.join(dir, 'long.wav');
    writeFileSync(long, wavBytes(sine(220, 2, 16000), 16000));
    // The legacy range form edits the range alone: one run, refused beyond the engine's limit.
    await expect(
      runEditLoop({ ...base, input: long, range: { start: 0, end: 32000 }, request: { task: 'halve', option: 'x', seed: 1 } }),
    ).rejects.toMatchObject({ code: 'E_INPUT_TOO_LONG' });
    const ok = await runEditLoop({ ...base, input: long, range: { start: 100, end: 16100 }, request: { task: 'halve', option: 'x', seed: 1 } });
    expect(ok.audio.channels[0]!.length).toBe(16000);
  });

  it('edits a whole input longer than the engine takes in windows, and returns all of it', async () => {
    const long = path.join(dir, 'long2.wav');
    writeFileSync(long, wavBytes(sine(220, 2, 16000), 16000));
    const seen: EditRequest[] = [];
    const lengths: number[] = [];
    const engine = halving(seen);
    const spy: Engine = { capabilities: engine.capabilities, edit: (a, r, c) => (lengths.push(a.channels[0]!.length), engine.edit(a, r, c)) };
    const out = await runEditLoop({ engine: spy, input: long, request: { task: 'halve', option: 'x', seed: 1 }, signal: new AbortController().signal });
    expect(out.audio.channels[0]!.length).toBe(32000);
    expect(lengths.length).toBeGreaterThanOrEqual(2);
    for (const l of lengths) expect(l).toBeLessThanOrEqual(1.5 * 16000);
    expect(out.region).toMatchObject({ windows: lengths.length, lengthChange: 0, span: { start: 0, end: 32000 } });
    // Halved everywhere; at a junction both sides are the same halved sine, which an equal-power crossfade (made for
    // uncorrelated sides) lifts by at most √2 for its 20 ms.
    const src = (await decodeFile(long)).channels[0]!;
    const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
    expect(rms(out.audio.channels[0]!) / rms(src)).toBeCloseTo(0.5, 1);
    expect(peak(out.audio)).toBeLessThanOrEqual(0.5 * peak({ sampleRate: 16000, channels: [src] }) * Math.SQRT2 + 1e-4);
  });
});

/** A worker whose messages are collected per call until its result or error. */
function worker(registry: EngineRegistry, role: 'audio' | 'model' | null) {
  const waiting = new Map<number, { msgs: HostMessage[]; done: (m: HostMessage[]) => void }>();
  const w = new HostWorker(
    (m) => {
      if (m.type === 'ready') return;
      const entry = waiting.get(m.callId);
      if (!entry) return;
      entry.msgs.push(m);
      if (m.type === 'result' || m.type === 'error') entry.done(entry.msgs);
    },
    registry,
    undefined,
    role,
  );
  return (req: HostRequest) =>
    new Promise<HostMessage[]>((resolve) => {
      waiting.set(req.callId, { msgs: [], done: resolve });
      w.handle(req);
    });
}

describe('host worker: iterations and roles', () => {
  const registry = new EngineRegistry({ testEngines: true, engines: { halve: () => halving([]) } });

  it('writes one file per iteration and reports each before the result', async () => {
    const call = worker(registry, 'audio');
    const outputs = [0, 1].map((i) => path.join(dir, `it${i}.wav`));
    const peaksOuts = [null, path.join(dir, 'it1.peaks')];
    const msgs = await call({
      type: 'edit',
      callId: 1,
      engine: 'halve',
      request: { task: 'halve', option: 'x', seed: 5 },
      input,
      outputs,
      peaksOuts,
      analyze: false,
    });
    const its = msgs.filter((m) => m.type === 'iteration');
    expect(its.map((m) => [m.index, m.output, m.peaksOut, m.result.info])).toEqual([
      [0, outputs[0], null, { seed: 5 }],
      [1, outputs[1], peaksOuts[1], { seed: 6 }],
    ]);
    const result = msgs.at(-1)!;
    expect(result.type).toBe('result');
    expect(msgs.indexOf(its[1]!)).toBeLessThan(msgs.indexOf(result));
    expect(result).toMatchObject({ result: { engineVersion: '2', frames: 16000, info: { seed: 6 } } });
    expect(existsSync(peaksOuts[1]!)).toBe(true);
    const a = await decodeFile(outputs[0]!);
    const b = await decodeFile(outputs[1]!);
    expect(peak(b) / peak(a)).toBeCloseTo(0.5, 5);
  });

  it('refuses outputs and peaks paths of different lengths', async () => {
    const call = worker(registry, null);
    const base = { type: 'edit' as const, engine: 'halve', request: { task: 'halve', option: 'x', seed: 5 }, input, analyze: false };
    const msgs = await call({ ...base, callId: 2, outputs: [path.join(dir, 'x.wav')], peaksOuts: [] });
    expect(msgs.at(-1)).toMatchObject({ type: 'error', error: { code: 'E_VALIDATION' } });
  });

  it("lists and runs only its role's engines", async () => {
    const audio = worker(registry, 'audio');
    const model = worker(registry, 'model');
    const ids = (m: HostMessage[]) => (m.at(-1) as Extract<HostMessage, { type: 'result' }>).result as EngineCapabilities[];
    expect(ids(await audio({ type: 'engines', callId: 3 })).map((e) => e.id)).toEqual(['prosody', 'halve']);
    expect(ids(await model({ type: 'engines', callId: 4 })).map((e) => [e.id, e.role])).toEqual([['test', 'model']]);
    const wrong = await audio({
      type: 'edit',
      callId: 5,
      engine: 'test',
      request: { task: 'gain', option: 'half', seed: 1 },
      input,
      output: path.join(dir, 'wrong.wav'),
      peaksOut: null,
      analyze: false,
    });
    expect(wrong.at(-1)).toMatchObject({ type: 'error', error: { code: 'E_INTERNAL', message: 'The Test engine runs in the model host, not in the audio host.' } });
  });
});

describe('measureTake', () => {
  it('measures a short take whole and a long one on its first ANALYSIS_MAX_SEC seconds, saying so', async () => {
    const seen: number[] = [];
    const analyzer = async (a: AudioData) => {
      seen.push(a.channels[0]!.length);
      return { durationSec: a.channels[0]!.length / a.sampleRate };
    };
    const rate = 100;
    const short = { sampleRate: rate, channels: [new Float32Array(ANALYSIS_MAX_SEC * rate)] };
    expect(await measureTake(analyzer, short, new AbortController().signal)).toEqual({ durationSec: ANALYSIS_MAX_SEC });
    const long = { sampleRate: rate, channels: [new Float32Array(ANALYSIS_MAX_SEC * rate + 1)] };
    expect(await measureTake(analyzer, long, new AbortController().signal)).toEqual({
      durationSec: ANALYSIS_MAX_SEC,
      excerpt: { startSec: 0, endSec: ANALYSIS_MAX_SEC },
    });
    expect(seen).toEqual([ANALYSIS_MAX_SEC * rate, ANALYSIS_MAX_SEC * rate]);
  });
});

describe('runEditLoop: engine output that cannot be a take', () => {
  /** An engine whose output is made by `make` from its input. */
  const faulty = (make: (a: AudioData) => AudioData): Engine => ({ capabilities: () => caps, edit: async (a) => ({ audio: make(a) }) });
  const silent = (a: AudioData): AudioData => ({ sampleRate: a.sampleRate, channels: a.channels.map((c) => new Float32Array(c.length)) });
  const nan = (a: AudioData): AudioData => ({ sampleRate: a.sampleRate, channels: a.channels.map((c) => c.map((x, i) => (i === 5 ? Number.NaN : x))) });

  it('is an engine failure, never a take, in both the range and the region form', async () => {
    const request = { task: 'halve', option: 'x', seed: 1 };
    const signal = new AbortController().signal;
    const kept: IterationOutput[] = [];
    for (const [make, re] of [[silent, /produced silence from audio whose peak is/], [nan, /NaN or infinite/]] as const) {
      await expect(runEditLoop({ engine: faulty(make), input, signal, range: { start: 0, end: 8000 }, request, onIteration: (_i, o) => void kept.push(o) })).rejects.toMatchObject({
        code: 'E_ENGINE_FAILED',
        message: expect.stringMatching(re),
      });
      await expect(runEditLoop({ engine: faulty(make), input, signal, request, onIteration: (_i, o) => void kept.push(o) })).rejects.toMatchObject({
        code: 'E_ENGINE_FAILED',
        message: expect.stringMatching(re),
      });
    }
    expect(kept).toEqual([]);
  });
});
