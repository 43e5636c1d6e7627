// Jobs of any kind through the studio's queue, with a test-only kind (no engine host): status, monotonic progress,
// one job at a time, cancel, failure codes, spec checks, the busy guard, and what a crash of the whole app leaves —
// jobs of every kind failed on the next open, pending takes shown, rows this build cannot read left out of lists.
import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RetakeError, type Job } from '../../../src-main/contract';
import type { EngineHost } from '../../../src-main/engines/host/client';
import type { JobKind } from '../../../src-main/studio/services/jobs/kinds';
import { Studio } from '../../../src-main/studio/studio';
import { codeOf } from '../../helpers/errors';
import { tempDir } from '../../helpers/tmp';

const home = tempDir('retake-kinds-');
const projectDir = path.join(home, 'project');

const CountSpec = z
  .object({
    steps: z.number().int().min(1),
    fail: z.enum(['no', 'engine', 'bug']).default('no'),
    /** Wait for the abort signal after the steps. */
    hold: z.boolean().default(false),
  })
  .strict();
type CountSpec = z.infer<typeof CountSpec>;

const log: string[] = [];
const tick = () => new Promise<void>((r) => setImmediate(r));

const count: JobKind<CountSpec> = {
  name: 'count',
  spec: CountSpec,
  describe: (s, clipId) => ({
    kind: 'edit',
    clipId: clipId ?? 0,
    inputTakeId: 0,
    engine: 'none',
    task: 'count',
    option: null,
    iterations: s.steps,
    seed: 0,
    params: {},
    range: null,
    lengthMode: 'free',
  }),
  label: (s) => `count ${s.steps}`,
  async run({ id, spec, signal, progress }) {
    log.push(`start ${id}`);
    for (let i = 0; i < spec.steps; i++) {
      signal.throwIfAborted();
      await tick();
      progress((i + 1) / spec.steps, `step ${i + 1}`);
      // A value below the last one is ignored.
      progress(0, 'backwards');
    }
    if (spec.fail === 'engine') throw new RetakeError('E_ENGINE_FAILED', 'the engine said no');
    if (spec.fail === 'bug') throw new Error('boom');
    if (spec.hold) {
      await new Promise((_r, reject) => {
        const stop = () => reject(signal.reason as Error);
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop);
      });
    }
    log.push(`end ${id}`);
  },
};

const host = {
  call: async (type: string) => {
    throw new Error(`this test has no engine host (called ${type})`);
  },
} as unknown as EngineHost;

const studio = new Studio({ host, home, analyze: false });
studio.services.jobs.register(count);

function finished(id: number): Promise<Job> {
  return new Promise((resolve) => {
    const off = studio.events.on('job.finished', (p) => {
      if (p.job.id === id) {
        off();
        resolve(p.job);
      }
    });
  });
}

describe('job kinds', () => {
  it('runs a job of a registered kind: queued → running → done, with monotonic progress', async () => {
    await studio.call('project.create', { dir: projectDir });
    const statuses: string[] = [];
    const progress: number[] = [];
    const offU = studio.events.on('job.updated', (p) => statuses.push(p.job.status));
    const offP = studio.events.on('job.progress', (p) => progress.push(p.progress));
    const job = studio.services.jobs.enqueue('count', { steps: 4 }, null);
    expect(job).toMatchObject({ status: 'queued', task: 'count', iterations: 4, progress: 0 });
    const done = await finished(job.id);
    offU();
    offP();
    expect(done).toMatchObject({ status: 'done', progress: 1, stage: 'step 4', error: null });
    expect(statuses).toEqual(['queued', 'running', 'done']);
    expect(progress).toEqual([0.25, 0.5, 0.75, 1]);
    const [listed] = await studio.call('jobs.list', {});
    expect(listed).toEqual(done);
  });

  it('runs one job at a time, in submission order', async () => {
    log.length = 0;
    const a = studio.services.jobs.enqueue('count', { steps: 3 }, null);
    const b = studio.services.jobs.enqueue('count', { steps: 1 }, null);
    await Promise.all([finished(a.id), finished(b.id)]);
    expect(log).toEqual([`start ${a.id}`, `end ${a.id}`, `start ${b.id}`, `end ${b.id}`]);
  });

  it('cancels a queued job without running it, and a running one through its signal', async () => {
    log.length = 0;
    const running = studio.services.jobs.enqueue('count', { steps: 1, hold: true }, null);
    const queued = studio.services.jobs.enqueue('count', { steps: 1 }, null);
    expect((await studio.call('jobs.cancel', { jobId: queued.id })).status).toBe('cancelled');
    const ended = finished(running.id);
    await new Promise((r) => setTimeout(r, 20));
    await studio.call('jobs.cancel', { jobId: running.id });
    expect((await ended).status).toBe('cancelled');
    expect(log).toEqual([`start ${running.id}`]);
  });

  it("fails a job with its runner's error code, and E_INTERNAL for a bug", async () => {
    const engine = studio.services.jobs.enqueue('count', { steps: 1, fail: 'engine' }, null);
    expect(await finished(engine.id)).toMatchObject({ status: 'failed', error: { code: 'E_ENGINE_FAILED', message: 'the engine said no' } });
    const bug = studio.services.jobs.enqueue('count', { steps: 1, fail: 'bug' }, null);
    expect(await finished(bug.id)).toMatchObject({ status: 'failed', error: { code: 'E_INTERNAL' } });
  });

  it('refuses a spec its kind would not read back, and an unknown kind, storing nothing', async () => {
    const before = (await studio.call('jobs.list', {})).length;
    expect(() => studio.services.jobs.enqueue('count', { steps: 0 }, null)).toThrow(/damaged spec/);
    expect(() => studio.services.jobs.enqueue('count', { steps: 1, extra: true }, null)).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
    expect(() => studio.services.jobs.enqueue('teleport', {}, null)).toThrow(/does not know \("teleport"\)/);
    expect((await studio.call('jobs.list', {})).length).toBe(before);
  });

  it('after a crash of the whole app: every kind of job fails on open, pending takes are shown, unreadable rows are left out', async () => {
    await studio.call('project.close', {});
    const hash = 'b'.repeat(64);
    const db = new Database(path.join(projectDir, 'project.sqlite'));
    db.exec(`
      INSERT INTO media (hash, ext, format, sample_rate, channels, frames, bytes, created_at) VALUES ('${hash}', 'wav', 'wav', 48000, 1, 48000, 10, 'now');
      INSERT INTO clips (track_id, name, start, in_point, out_point, active_take_id, created_at) VALUES (1, 'c', 0, 0, 48000, 0, 'now');
    `);
    const clipId = Number(db.prepare('SELECT max(id) AS id FROM clips').pluck().get());
    const source = Number(
      db.prepare(`INSERT INTO takes (clip_id, media_hash, kind, name, state, created_at) VALUES (?, ?, 'source', 'Source', 'visible', 'now')`).run(clipId, hash).lastInsertRowid,
    );
    db.prepare('UPDATE clips SET active_take_id = ? WHERE id = ?').run(source, clipId);
    const spec = JSON.stringify({ inputTakeId: source, engine: 'prosody', task: 'speed', option: 'faster', iterations: 2, seed: 1, params: {} });
    const edit = Number(db.prepare(`INSERT INTO jobs (kind, spec, clip_id, status, created_at) VALUES ('edit', ?, ?, 'running', 'now')`).run(spec, clipId).lastInsertRowid);
    const made = Number(
      db.prepare(`INSERT INTO takes (clip_id, parent_id, media_hash, kind, name, job_id, state, created_at) VALUES (?, ?, ?, 'edit', 'faster #1', ?, 'pending', 'now')`).run(clipId, source, hash, edit).lastInsertRowid,
    );
    db.prepare('UPDATE jobs SET result_take_ids = ? WHERE id = ?').run(JSON.stringify([made]), edit);
    const queued = Number(db.prepare(`INSERT INTO jobs (kind, spec, status, created_at) VALUES ('count', '{"steps":2}', 'queued', 'now')`).run().lastInsertRowid);
    const future = Number(db.prepare(`INSERT INTO jobs (kind, spec, status, created_at) VALUES ('from-the-future', '{}', 'done', 'now')`).run().lastInsertRowid);
    const damaged = Number(db.prepare(`INSERT INTO jobs (kind, spec, status, created_at) VALUES ('count', '{"steps":"many"}', 'done', 'now')`).run().lastInsertRowid);
    db.close();

    await studio.call('project.open', { dir: projectDir });
    const jobs = await studio.call('jobs.list', {});
    const ids = jobs.map((j) => j.id);
    expect(ids).toContain(edit);
    expect(ids).toContain(queued);
    expect(ids).not.toContain(future);
    expect(ids).not.toContain(damaged);
    for (const id of [edit, queued]) {
      const j = jobs.find((x) => x.id === id)!;
      expect(j).toMatchObject({ status: 'failed', error: { code: 'E_ENGINE_CRASHED' } });
      expect(j.error!.message).toMatch(/Interrupted/);
    }
    expect(jobs.find((x) => x.id === edit)).toMatchObject({ clipId, inputTakeId: source, engine: 'prosody', task: 'speed', option: 'faster', iterations: 2, resultTakeIds: [made] });
    // The interrupted edit's finished take is shown and can be chosen.
    const takes = await studio.call('takes.list', { clipId });
    expect(takes.map((t) => [t.id, t.pending])).toEqual([
      [source, false],
      [made, false],
    ]);
    expect((await studio.call('takes.setActive', { clipId, takeId: made })).activeTakeId).toBe(made);

    // A job of any kind that works on a clip guards it while it runs.
    const hold = studio.services.jobs.enqueue('count', { steps: 1, hold: true }, clipId);
    expect(hold.kind === 'edit' && hold.clipId).toBe(clipId);
    expect(await codeOf(studio.call('clips.delete', { clipId }))).toBe('E_JOB_ACTIVE');
    expect((await studio.call('jobs.list', { clipId })).map((j) => j.id)).toEqual([hold.id, edit]);
    const ended = finished(hold.id);
    await studio.call('jobs.cancel', { jobId: hold.id });
    expect((await ended).status).toBe('cancelled');
    expect(await studio.call('clips.delete', { clipId })).toBeNull();
    await studio.dispose();
  });
});
