// The renderer's view of a job and how snapshots and events fold into it (events may arrive in any order: a fast job
// can finish before the submit reply lands).

import type { CloneJob, EditJob, JobStatus } from '../../src-main/contract';

export interface JobView {
  id: number;
  clipId: number;
  status: JobStatus;
  progress: number;
  stage: string | null;
  error: { code: string; message: string } | null;
  resultTakeIds: number[];
  task: string;
  option: string | null;
  iterations: number;
}

const RANK: Record<JobStatus, number> = { queued: 0, running: 1, done: 2, failed: 2, cancelled: 2 };

export function isActive(status: JobStatus): boolean {
  return status === 'queued' || status === 'running';
}

/** Folds a newer snapshot into what is known; a finished job never goes back to running, progress never back. */
export function mergeJob(prev: JobView | undefined, job: EditJob | CloneJob): JobView {
  const next: JobView = {
    id: job.id,
    clipId: job.clipId,
    status: job.status,
    progress: job.status === 'done' ? 1 : job.progress,
    stage: job.stage,
    error: job.error,
    resultTakeIds: job.resultTakeIds,
    task: job.task,
    option: job.option,
    iterations: job.iterations,
  };
  if (!prev) return next;
  if (RANK[prev.status] > RANK[next.status]) return { ...prev, progress: Math.max(prev.progress, next.progress) };
  return { ...next, progress: Math.max(prev.progress, next.progress), stage: next.stage ?? prev.stage };
}
