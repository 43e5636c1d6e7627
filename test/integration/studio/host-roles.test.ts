// Two engine hosts from one entry: the audio host (imports, exports, the built-in engine) and the model host
// (neural engines; here the `test` engine). A model run that blocks its process, and the kill that ends it, leave
// imports and exports on the audio host working; an edit given one output per iteration reports each as it is
// written.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import type { IterationReport } from '../../../src-main/engines/host/protocol';
import { tempDir } from '../../helpers/tmp';
import { corpusFile, makeStudio, type TestStudio } from '../../helpers/studio';

const home = tempDir('retake-roles-');
const projectDir = path.join(home, 'project');
let t: TestStudio;
let clipId = 0;

beforeAll(async () => {
  t = makeStudio(home, { cancelGraceMs: 800 });
  await t.studio.call('project.create', { dir: projectDir });
  clipId = (await t.studio.call('media.import', { source: { kind: 'path', path: corpusFile('speed_prompt.wav') } })).clip.id;
});
afterAll(async () => {
  await t.close();
});

describe('audio host and model host', () => {
  it('runs as two processes and lists the engines of both, each with its role', async () => {
    const engines = await t.studio.call('engines.list', {});
    // EditX is listed by the model host whether or not a model pack is installed (unavailable without one).
    expect(engines.map((e) => e.id)).toEqual(['prosody', 'test', 'editx']);
    expect(engines.map((e) => (e as { role?: string }).role)).toEqual(['audio', 'model', 'model']);
    expect(engines.find((e) => e.id === 'editx')!.available).toBe(false);
    expect(t.audioHost.pid).toBeDefined();
    expect(t.host.pid).toBeDefined();
    expect(t.host.pid).not.toBe(t.audioHost.pid);
  });

  it('imports and exports while a model run blocks its host, and through the kill that ends it', async () => {
    const audioPid = t.audioHost.pid;
    const job = await t.studio.call('jobs.submit', { clipId, engine: 'test', task: 'hang', option: '30000' });
    await t.next('job.progress', (p) => p.jobId === job.id && p.stage === 'blocking');
    // The model host is blocked for 30 s: an import and an export finish meanwhile.
    const t0 = Date.now();
    const during = await t.studio.call('media.import', { source: { kind: 'path', path: corpusFile('en_happy_prompt.wav') } });
    const exported = await t.studio.call('export.clip', { clipId: during.clip.id, format: 'pcm16' });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(existsSync(exported.path)).toBe(true);
    // Kill the model host while an import is under way on the audio host.
    const importing = t.studio.call('media.import', { source: { kind: 'path', path: corpusFile('zero_shot_en_prompt.wav') } });
    const finished = t.next('job.finished', (p) => p.job.id === job.id);
    process.kill(t.host.pid!, 'SIGKILL');
    const imported = await importing;
    expect(imported.media).toMatchObject({ sampleRate: 44100, format: 'wav' });
    const done = (await finished).job;
    expect(done).toMatchObject({ status: 'failed', error: { code: 'E_ENGINE_CRASHED' } });
    expect(done.error!.message).toMatch(/SIGKILL/);
    expect(t.audioHost.pid).toBe(audioPid);
    expect(t.restarts).toEqual(['crashed with signal SIGKILL']);
    // Both keep working: a model edit on the respawned model host, a built-in edit on the audio host.
    for (const [engine, task, option] of [['test', 'gain', 'half'], ['prosody', 'speed', 'faster']] as const) {
      const j = await t.studio.call('jobs.submit', { clipId, engine, task, option });
      expect((await t.next('job.finished', (p) => p.job.id === j.id)).job.status).toBe('done');
    }
  });

  it('reports each iteration of an edit given one output per iteration, before its result', async () => {
    const input = corpusFile('speed_prompt.wav');
    const dir = tempDir('retake-roles-out-');
    const outputs = [0, 1, 2].map((i) => path.join(dir, `it${i}.wav`));
    const reports: IterationReport[] = [];
    const result = await t.hosts.call(
      'edit',
      { engine: 'test', request: { task: 'gain', option: 'half', seed: 1 }, input, outputs, peaksOuts: [null, null, null], analyze: false },
      {
        onIteration: async (r) => {
          // The file is complete when reported.
          expect((await decodeFile(r.output)).channels[0]!.length).toBe(r.result.frames);
          reports.push(r);
        },
      },
    );
    expect(reports.map((r) => [r.index, r.output])).toEqual(outputs.map((o, i) => [i, o]));
    expect(result).toEqual(reports[2]!.result);
    const src = await decodeFile(input);
    const last = await decodeFile(outputs[2]!);
    const peak = (c: Float32Array) => c.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(peak(last.channels[0]!) / peak(src.channels[0]!)).toBeCloseTo(0.125, 3);
  });
});
