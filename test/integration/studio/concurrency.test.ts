// The studio core while jobs run: pending takes, undo/redo guards, the redo branch kept across background commits,
// and project close/open racing with calls.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../src-main/contract';
import { LOCK_FILE } from '../../../src-main/store/project-store';
import { codeOf } from '../../helpers/errors';
import { tempDir } from '../../helpers/tmp';
import { corpusFile, makeStudio, type TestStudio } from '../../helpers/studio';

const home = tempDir('retake-conc-');
const projectDir = path.join(home, 'project');
let t: TestStudio;
let clipId = 0;

const finished = (job: Job) => t.next('job.finished', (p) => p.job.id === job.id).then((p) => p.job);

beforeAll(async () => {
  t = makeStudio(home);
  await t.studio.call('project.create', { dir: projectDir });
  clipId = (await t.studio.call('media.import', { source: { kind: 'path', path: corpusFile('speed_prompt.wav') } })).clip.id;
});
afterAll(async () => {
  await t.close();
});

describe('studio core while jobs run', () => {
  it('lists finished iterations of a running job as pending takes that cannot be chosen yet', async () => {
    const job = await t.studio.call('jobs.submit', { clipId, engine: 'test', task: 'steps', option: '50', iterations: 2 });
    await t.next('takes.changed', (p) => p.clipId === clipId);
    const during = await t.studio.call('takes.list', { clipId });
    const pending = during.filter((x) => x.pending);
    expect(pending).toHaveLength(1);
    expect(await codeOf(t.studio.call('takes.setActive', { clipId, takeId: pending[0]!.id }))).toBe('E_JOB_ACTIVE');
    // Undoing the import would hide the clip the job works on.
    expect(await codeOf(t.studio.call('history.undo', {}))).toBe('E_JOB_ACTIVE');
    expect(await codeOf(t.studio.call('clips.delete', { clipId }))).toBe('E_JOB_ACTIVE');
    const done = await finished(job);
    expect(done.status).toBe('done');
    const after = await t.studio.call('takes.list', { clipId });
    expect(after.every((x) => !x.pending)).toBe(true);
    expect(after).toHaveLength(3);
    const clip = (await t.studio.call('timeline.get', {})).clips[0]!;
    expect(clip.activeTakeId).toBe(done.resultTakeIds[1]);
    // Undo hides both takes and goes back to the source; the clip stays consistent.
    await t.studio.call('history.undo', {});
    expect(await t.studio.call('takes.list', { clipId })).toHaveLength(1);
    expect((await t.studio.call('timeline.get', {})).clips[0]!.activeTakeId).toBe(after[0]!.id);
    await t.studio.call('history.redo', {});
  });

  it('keeps the redo branch when a job finishes in the background', async () => {
    await t.studio.call('clips.move', { clipId, start: 4800 });
    await t.studio.call('history.undo', {});
    expect((await t.studio.call('history.state', {})).redoLabel).toMatch(/^Move/);
    const job = await t.studio.call('jobs.submit', { clipId, engine: 'test', task: 'gain', option: 'half' });
    expect((await finished(job)).status).toBe('done');
    const state = await t.studio.call('history.state', {});
    expect(state.undoLabel).toBe('gain: half');
    expect(state.redoLabel).toMatch(/^Move/);
  });

  it('serializes concurrent opens of the same project and keeps its lock', async () => {
    await t.studio.call('project.close', {});
    const [a, b] = await Promise.all([t.studio.call('project.open', { dir: projectDir }), t.studio.call('project.open', { dir: projectDir })]);
    expect(a.dir).toBe(projectDir);
    expect(b.dir).toBe(projectDir);
    expect(existsSync(path.join(projectDir, LOCK_FILE))).toBe(true);
    expect((await t.studio.call('timeline.get', {})).clips).toHaveLength(1);
  });

  it('closes a project while a job runs: the job is cancelled, calls made meanwhile are refused, nothing crashes', async () => {
    const job = await t.studio.call('jobs.submit', { clipId, engine: 'test', task: 'steps', option: '200' });
    await t.next('job.progress', (p) => p.jobId === job.id && p.progress > 0);
    const ended = finished(job);
    const closing = t.studio.call('project.close', {});
    const late = t.studio.call('jobs.submit', { clipId, engine: 'test', task: 'gain', option: 'half' });
    expect(await codeOf(late)).toBe('E_NO_PROJECT');
    await closing;
    expect((await ended).status).toBe('cancelled');
    expect(await t.studio.call('project.current', {})).toBeNull();
    await t.studio.call('project.open', { dir: projectDir });
    const [last] = await t.studio.call('jobs.list', {});
    expect(last).toMatchObject({ id: job.id, status: 'cancelled' });
  });
});
