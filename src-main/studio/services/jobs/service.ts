// The job queue of the open project: one job runs at a time, in submission order, whatever its kind. Here for every
// kind: the row's status (queued → running → done | failed | cancelled), monotonic progress and its events, cancel
// (queued: dropped; running: the runner's signal aborts), the commit of the takes a job made as one undoable step,
// stopping everything when the project closes, and failing jobs a crash of the whole app interrupted.

import { RetakeError, type EditJob, type EditPlan, type Job, type ParsedParams } from '../../../contract';
import type { JobStatus } from '../../../store/rows';
import type { StudioContext } from '../../context';
import type { EnginesService } from '../engines';
import type { TakesService } from '../takes';
import { editKind, editPlan, editSpec } from './edit';
import { subjectClip, type JobKind, type JobKinds, type JobRun, type ReadJob } from './kinds';

interface RunningJob {
  id: number;
  controller: AbortController;
  done: Promise<void>;
}

type Ending = Exclude<JobStatus, 'queued' | 'running'>;

export class JobsService {
  private queue: number[] = [];
  private running: RunningJob | null = null;

  constructor(
    private readonly ctx: StudioContext,
    private readonly kinds: JobKinds,
    private readonly takes: TakesService,
    private readonly engines: EnginesService,
  ) {
    kinds.register(editKind(ctx));
  }

  /** Adds a kind of job (the built-in ones are registered already). */
  register<S>(kind: JobKind<S>): void {
    this.kinds.register(kind);
  }

  /** jobs.submit: an edit job. */
  async submit(p: ParsedParams<'jobs.submit'>): Promise<EditJob> {
    const { clipId, spec } = await editSpec(this.ctx, () => this.engines.list(), p);
    const job = this.enqueue('edit', spec, clipId);
    if (job.kind !== 'edit') throw new RetakeError('E_INTERNAL', 'An edit job was described as another kind.');
    return job;
  }

  /** edits.plan: what an edit would work on. */
  plan(p: ParsedParams<'edits.plan'>): Promise<EditPlan> {
    return editPlan(this.ctx, () => this.engines.list(), p);
  }

  /** Queues a job of any registered kind; it runs when the jobs before it have ended. */
  enqueue(kind: string, spec: unknown, clipId: number | null): Job {
    const { repos } = this.ctx.need();
    const id = repos.jobs.add({ kind, spec: this.kinds.check(kind, spec, clipId), clipId });
    this.queue.push(id);
    const job = this.entity(id);
    this.ctx.events.emit('job.updated', { job });
    this.pump();
    return job;
  }

  cancel(id: number): Job {
    const j = this.row(id);
    if (j.status === 'queued') {
      this.queue = this.queue.filter((q) => q !== id);
      this.finish(id, 'cancelled', null);
    } else if (j.status === 'running' && this.running?.id === id) {
      this.running.controller.abort();
    }
    return this.entity(id);
  }

  list(clipId: number | undefined): Job[] {
    const out: Job[] = [];
    for (const row of this.ctx.need().repos.jobs.list(clipId ?? null)) {
      const job = this.kinds.entity(row);
      if (job) out.push(job);
    }
    return out;
  }

  /** Clips with a queued or running job, and the takes those jobs read or are making. */
  busy(): { clips: Set<number>; takes: Set<number> } {
    return this.kinds.busy(this.ctx.need().repos);
  }

  /**
   * A project was just opened: jobs that were queued or running when the previous session ended did not finish. Say
   * so, and show the takes they had completed (made while running, they were still pending).
   */
  recoverInterrupted(): void {
    const p = this.ctx.need();
    p.transaction(() => {
      p.repos.takes.showPendingOfActiveJobs();
      p.repos.jobs.failActive({
        code: 'E_ENGINE_CRASHED',
        message:
          'Interrupted: Retake stopped while this job was queued or running. Its finished iterations are kept as takes; submit it again for the rest.',
      });
    });
  }

  /** The project is closing: the queue is cancelled and the running job stopped (this waits for it). */
  async stopAll(): Promise<void> {
    for (const id of this.queue) this.finish(id, 'cancelled', null);
    this.queue = [];
    if (this.running) {
      this.running.controller.abort();
      await this.running.done;
    }
  }

  private row(id: number) {
    const j = this.ctx.need().repos.jobs.get(id);
    if (!j) throw new RetakeError('E_NOT_FOUND', `There is no job ${id}.`);
    return j;
  }

  private entity(id: number): Job {
    const row = this.row(id);
    return this.kinds.entity(row, this.kinds.read(row))!;
  }

  private pump(): void {
    if (this.running || this.queue.length === 0 || !this.ctx.project || this.ctx.closing) return;
    const id = this.queue.shift()!;
    const controller = new AbortController();
    const run: RunningJob = { id, controller, done: Promise.resolve() };
    this.running = run;
    run.done = this.run(id, controller.signal)
      .catch((e: unknown) => {
        // run() records its own failures; reaching here is a bug, but it must not wedge the queue.
        console.error('job runner:', e);
      })
      .finally(() => {
        if (this.running === run) this.running = null;
        this.pump();
      });
  }

  private finish(id: number, status: Ending, error: { code: string; message: string } | null): void {
    const p = this.ctx.project;
    if (!p) return;
    p.repos.jobs.finish(id, status, error);
    const job = this.kinds.entity(p.repos.jobs.get(id)!);
    if (!job) return;
    this.ctx.events.emit('job.updated', { job });
    this.ctx.events.emit('job.finished', { job });
  }

  private async run(id: number, signal: AbortSignal): Promise<void> {
    const proj = this.ctx.need();
    const { jobs } = proj.repos;
    const row = this.row(id);
    let read: ReadJob;
    try {
      read = this.kinds.read(row);
    } catch (e) {
      this.finish(id, 'failed', { code: 'E_INTERNAL', message: (e as Error).message });
      return;
    }
    const { kind, spec, subject } = read;
    const clipId = subjectClip(subject);
    jobs.start(id);
    this.ctx.events.emit('job.updated', { job: this.entity(id) });

    const created: number[] = [];
    let progress = 0;
    const runner: JobRun<unknown> = {
      id,
      spec,
      clipId: row.clip_id,
      signal,
      progress: (value, stage) => {
        if (value < progress || this.ctx.project !== proj) return;
        progress = value;
        jobs.progress(id, value, stage);
        this.ctx.events.emit('job.progress', { jobId: id, kind: subject.kind, clipId, progress: value, stage });
      },
      madeTake: (takeId) => {
        created.push(takeId);
        jobs.setResults(id, created);
        if (clipId !== null) this.ctx.events.emit('takes.changed', { clipId });
      },
      setResult: (result) => {
        if (this.ctx.project !== proj) return;
        jobs.setResult(id, JSON.stringify(result));
        this.ctx.events.emit('job.updated', { job: this.entity(id) });
      },
      results: (takeIds) => jobs.setResults(id, [...created, ...takeIds]),
    };

    let error: { code: string; message: string } | null = null;
    let status: Ending = 'done';
    try {
      await kind.run(runner);
    } catch (e) {
      if (signal.aborted || RetakeError.is(e, 'E_CANCELLED')) {
        status = 'cancelled';
      } else {
        status = 'failed';
        error = e instanceof RetakeError ? { code: e.code, message: e.message } : { code: 'E_INTERNAL', message: String(e) };
        // An engine found its model unusable (e.g. a damaged pack file): it now lists itself as unavailable.
        if (error.code === 'E_ENGINE_UNAVAILABLE') this.engines.invalidate();
      }
    }
    if (this.ctx.project !== proj) return;
    try {
      if (created.length > 0 && clipId !== null) {
        this.takes.commitJobTakes(clipId, created, kind.label(spec, created.length), kind.commit?.(spec) ?? { ripple: false });
      }
    } catch (e) {
      // The takes stay recorded in the job; report it rather than leave the job hanging.
      status = 'failed';
      error = { code: 'E_INTERNAL', message: `The job's takes could not be added to the history: ${(e as Error).message}.` };
    } finally {
      this.finish(id, status, error);
    }
  }
}
