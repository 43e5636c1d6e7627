// The queue of app jobs (kinds.ts, AppJobKind: installing and checking model packs), which belong to RETAKE_HOME, not
// to a project: they run with or without a project open, one at a time, beside a project's edit queue. The same rules
// as a project's jobs: status queued → running → done | failed | cancelled, monotonic progress with its stage in
// `models.job` events, cancel (queued: dropped; running: the runner's signal aborts), a failure's code kept. Jobs are
// journaled in RETAKE_HOME/model-jobs.json, so one that a crash of the whole app interrupted is shown as failed on the
// next start (its partial pack folder is listed as an interrupted install until the next install or removal).

import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { RetakeError, type ModelJob } from '../../../contract';
import type { StudioContext } from '../../context';
import type { AppJobKind, AppJobRun } from './kinds';

/** Jobs kept in the list and the journal (the newest). */
const KEEP = 30;

interface Entry {
  job: ModelJob;
  kind: string;
  spec: unknown;
  controller: AbortController | null;
}

export class AppJobQueue {
  private readonly kinds = new Map<string, AppJobKind<unknown>>();
  private entries: Entry[] = [];
  private running: Entry | null = null;
  private nextId = 1;
  private readonly journal: string;

  constructor(
    private readonly ctx: StudioContext,
    file = path.join(ctx.home, 'model-jobs.json'),
  ) {
    this.journal = file;
    this.recover();
  }

  register<S>(kind: AppJobKind<S>): void {
    if (this.kinds.has(kind.name)) throw new Error(`App job kind ${kind.name} is registered twice`);
    this.kinds.set(kind.name, kind as AppJobKind<unknown>);
  }

  /** Newest first. */
  list(): ModelJob[] {
    return this.entries.map((e) => ({ ...e.job }));
  }

  /** Queued or running jobs. */
  active(): ModelJob[] {
    return this.entries.filter((e) => e.job.status === 'queued' || e.job.status === 'running').map((e) => ({ ...e.job }));
  }

  enqueue(kindName: string, rawSpec: unknown): ModelJob {
    const kind = this.kinds.get(kindName);
    if (!kind) throw new RetakeError('E_INTERNAL', `Unknown app job kind ${kindName}.`);
    const spec = kind.spec.parse(rawSpec);
    const s = kind.subject(spec);
    const job: ModelJob = {
      id: this.nextId++,
      kind: s.kind,
      name: s.name,
      source: s.source,
      status: 'queued',
      progress: 0,
      stage: null,
      error: null,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
    };
    const entry: Entry = { job, kind: kindName, spec, controller: null };
    this.entries.unshift(entry);
    this.entries.length = Math.min(this.entries.length, KEEP);
    this.changed(entry);
    const queued = { ...job };
    this.pump();
    return queued;
  }

  cancel(id: number): ModelJob {
    const e = this.entries.find((x) => x.job.id === id);
    if (!e) throw new RetakeError('E_NOT_FOUND', `There is no model job ${id}.`);
    if (e.job.status === 'queued') this.end(e, 'cancelled', null);
    else if (e.job.status === 'running') e.controller?.abort();
    return { ...e.job };
  }

  /** Stops the running job and drops the queue (the app is closing); waits for the runner to return. */
  async stopAll(): Promise<void> {
    for (const e of this.entries) if (e.job.status === 'queued') this.end(e, 'cancelled', null);
    const r = this.running;
    if (r) {
      r.controller?.abort();
      while (this.running === r) await new Promise((ok) => setTimeout(ok, 20));
    }
  }

  private pump(): void {
    if (this.running) return;
    const next = [...this.entries].reverse().find((e) => e.job.status === 'queued');
    if (!next) return;
    this.running = next;
    void this.run(next).finally(() => {
      this.running = null;
      this.pump();
    });
  }

  private async run(e: Entry): Promise<void> {
    const kind = this.kinds.get(e.kind)!;
    const controller = (e.controller = new AbortController());
    e.job.status = 'running';
    e.job.startedAt = new Date().toISOString();
    this.changed(e);
    let last = 0;
    let lastSent = 0;
    const run: AppJobRun<unknown> = {
      id: e.job.id,
      spec: e.spec,
      signal: controller.signal,
      progress: (value, stage) => {
        if (value < last) return;
        last = value;
        const newStage = stage !== e.job.stage;
        e.job.progress = Math.min(1, value);
        e.job.stage = stage;
        // Events at most every 1 % or on a new stage (a 7 GB build reports every few megabytes).
        if (value - lastSent >= 0.01 || newStage) {
          lastSent = value;
          this.ctx.events.emit('models.job', { job: { ...e.job } });
        }
      },
    };
    try {
      await kind.run(run);
      this.end(e, 'done', null);
    } catch (err) {
      if (controller.signal.aborted || RetakeError.is(err, 'E_CANCELLED')) this.end(e, 'cancelled', null);
      else {
        const error = err instanceof RetakeError ? { code: err.code, message: err.message } : { code: 'E_INTERNAL', message: String(err) };
        this.end(e, 'failed', error);
      }
    } finally {
      e.controller = null;
    }
  }

  private end(e: Entry, status: 'done' | 'failed' | 'cancelled', error: ModelJob['error']): void {
    e.job.status = status;
    e.job.error = error;
    e.job.finishedAt = new Date().toISOString();
    if (status === 'done') e.job.progress = 1;
    this.changed(e);
    this.ctx.events.emit('models.changed', {});
  }

  private changed(e: Entry): void {
    this.ctx.events.emit('models.job', { job: { ...e.job } });
    this.save();
  }

  private save(): void {
    try {
      mkdirSync(path.dirname(this.journal), { recursive: true });
      const tmp = `${this.journal}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.entries.map((e) => e.job), null, 1));
      renameSync(tmp, this.journal);
    } catch (err) {
      console.error(`model jobs: could not write ${this.journal}: ${(err as Error).message}`);
    }
  }

  /** Reads the journal: jobs that were queued or running when the app stopped are reported as interrupted. */
  private recover(): void {
    let jobs: ModelJob[] = [];
    try {
      const raw = JSON.parse(readFileSync(this.journal, 'utf8')) as unknown;
      if (Array.isArray(raw)) jobs = raw.filter((j): j is ModelJob => !!j && typeof j === 'object' && typeof (j as ModelJob).id === 'number');
    } catch {
      return;
    }
    let interrupted = false;
    for (const job of jobs) {
      if (job.status === 'queued' || job.status === 'running') {
        interrupted = true;
        job.status = 'failed';
        job.finishedAt = job.finishedAt ?? new Date().toISOString();
        job.error = {
          code: 'E_ENGINE_CRASHED',
          message: 'Interrupted: Retake stopped while this job was queued or running. Nothing of it was installed; start it again.',
        };
      }
    }
    this.entries = jobs.slice(0, KEEP).map((job) => ({ job, kind: '', spec: null, controller: null }));
    this.nextId = Math.max(0, ...jobs.map((j) => j.id)) + 1;
    if (interrupted) this.save();
  }
}
