// Every take is measured in the engine host, and stores its deltas against its parent.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp';
import { corpusFile, makeStudio, type TestStudio } from '../../helpers/studio';

const home = tempDir('retake-metrics-');
let t: TestStudio;

beforeAll(async () => {
  t = makeStudio(home, { analyze: true });
  await t.studio.call('project.create', { dir: path.join(home, 'p') });
});
afterAll(async () => {
  await t.close();
});

describe('take metrics', () => {
  it('measures the source on import and each edit with its deltas against the parent', async () => {
    const { clip, take: source } = await t.studio.call('media.import', { source: { kind: 'path', path: corpusFile('en_happy_prompt.wav') } });
    const m = source.metrics as Record<string, number>;
    expect(m.durationSec).toBeCloseTo(7.44, 1);
    expect(m.speechSec).toBeGreaterThan(4);
    expect(m.f0MedianHz).toBeGreaterThan(70);
    expect(m.loudnessLufs).toBeLessThan(0);

    const job = await t.studio.call('jobs.submit', { clipId: clip.id, engine: 'prosody', task: 'emotion', option: 'sad', seed: 3 });
    const done = (await t.next('job.finished', (p) => p.job.id === job.id)).job;
    expect(done.status).toBe('done');
    const edit = (await t.studio.call('takes.list', { clipId: clip.id })).find((x) => x.id === done.resultTakeIds[0])!;
    const d = edit.deltas as Record<string, number>;
    const em = edit.metrics as Record<string, number>;
    // Deltas are the difference between the take's and its parent's measurements.
    expect(d.f0MedianSt).toBeCloseTo(em.f0MedianSt! - m.f0MedianSt!, 1);
    expect(d.durationRatio).toBeCloseTo(em.durationSec! / m.durationSec!, 2);
    // Sad lowers the pitch (the check is ≥ 1 semitone).
    expect(d.f0MedianSt).toBeLessThanOrEqual(-1);
  });
});
