// Jobs as the renderer sees them: the latest edit or clone job per clip (a clone shows on its prompt's clip), merged
// from submit/list replies and job events (jobs of other kinds, such as exports, work on no clip and are left to their
// own views).

import type { Job, Params } from '../../src-main/contract';
import type { Client } from './client';
import { Disposables, Signal } from './disposables';
import { isActive, mergeJob, type JobView } from './jobs-model';

export { isActive, type JobView } from './jobs-model';

export class JobsController {
  private readonly client: Client;
  private readonly owner = new Disposables();
  /** Every job seen this session, by id. */
  jobs = $state.raw<Record<number, JobView>>({});
  /** The newest job id per clip. */
  latest = $state.raw<Record<number, number>>({});
  submitting = $state(false);
  /** A job reached a final status (once per job). */
  readonly finished = new Signal<[job: JobView]>();

  constructor(client: Client) {
    this.client = client;
    this.owner.add(client.on('job.updated', ({ job }) => this.apply(job)));
    this.owner.add(client.on('job.finished', ({ job }) => this.apply(job)));
    this.owner.add(
      client.on('job.progress', (p) => {
        const prev = this.jobs[p.jobId];
        if (p.clipId === null) return;
        if (!prev) {
          this.track({
            id: p.jobId,
            clipId: p.clipId,
            status: 'running',
            progress: p.progress,
            stage: p.stage,
            error: null,
            resultTakeIds: [],
            task: '',
            option: null,
            iterations: 1,
          });
          return;
        }
        if (!isActive(prev.status)) return;
        this.track({
          ...prev,
          status: 'running',
          progress: Math.max(prev.progress, p.progress),
          stage: p.stage ?? prev.stage,
        });
      }),
    );
  }

  forClip(clipId: number | null): JobView | null {
    if (clipId === null) return null;
    const id = this.latest[clipId];
    return id === undefined ? null : (this.jobs[id] ?? null);
  }

  /** A job of the clip is queued or running. */
  isBusy(clipId: number): boolean {
    const j = this.forClip(clipId);
    return !!j && isActive(j.status);
  }

  private track(view: JobView, notify = true): void {
    const prev = this.jobs[view.id];
    this.jobs = { ...this.jobs, [view.id]: view };
    const cur = this.latest[view.clipId];
    if (cur === undefined || cur <= view.id) this.latest = { ...this.latest, [view.clipId]: view.id };
    if (notify && !isActive(view.status) && (!prev || isActive(prev.status))) {
      this.finished.emit(view);
    }
  }

  private apply(job: Job, notify = true): void {
    if (job.kind !== 'edit' && job.kind !== 'clone') return;
    this.track(mergeJob(this.jobs[job.id], job), notify);
  }

  async submit(params: Params<'jobs.submit'>): Promise<JobView> {
    this.submitting = true;
    try {
      const job = await this.client.call('jobs.submit', params);
      this.apply(job);
      return this.jobs[job.id]!;
    } finally {
      this.submitting = false;
    }
  }

  async cancel(jobId: number): Promise<void> {
    const job = await this.client.call('jobs.cancel', { jobId });
    this.apply(job);
  }

  /** Loads the jobs of a clip (on selection and after a reconnect) so a job started elsewhere shows. */
  async loadForClip(clipId: number): Promise<void> {
    const list = await this.client.call('jobs.list', { clipId });
    for (const job of list) this.apply(job, false);
  }

  dispose(): void {
    this.owner.dispose();
    this.finished.clear();
  }
}
