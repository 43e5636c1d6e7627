import { describe, expect, it } from 'vitest';
import type { EditJob } from '../../../src-main/contract';
import { isActive, mergeJob } from '../../../src-renderer/lib/jobs-model';

function job(over: Partial<EditJob>): EditJob {
  return {
    kind: 'edit',
    id: 1,
    clipId: 2,
    inputTakeId: 3,
    engine: 'prosody',
    task: 'speed',
    option: 'faster',
    iterations: 1,
    seed: 0,
    params: {},
    range: null,
    lengthMode: 'free',
    status: 'queued',
    progress: 0,
    stage: null,
    error: null,
    resultTakeIds: [],
    createdAt: 't',
    startedAt: null,
    finishedAt: null,
    ...over,
  };
}

describe('job snapshots merged in any order', () => {
  it('never goes from finished back to running (a late submit reply)', () => {
    const done = mergeJob(undefined, job({ status: 'done', progress: 1, resultTakeIds: [9] }));
    const late = mergeJob(done, job({ status: 'queued', progress: 0 }));
    expect(late.status).toBe('done');
    expect(late.resultTakeIds).toEqual([9]);
    expect(late.progress).toBe(1);
  });

  it('keeps progress monotonic and the last known stage', () => {
    const a = mergeJob(undefined, job({ status: 'running', progress: 0.6, stage: 'stretch' }));
    const b = mergeJob(a, job({ status: 'running', progress: 0.4, stage: null }));
    expect(b.progress).toBe(0.6);
    expect(b.stage).toBe('stretch');
  });

  it('takes a failure with its error', () => {
    const a = mergeJob(undefined, job({ status: 'running', progress: 0.3 }));
    const b = mergeJob(a, job({ status: 'failed', error: { code: 'E_ENGINE_FAILED', message: 'boom' } }));
    expect(b.status).toBe('failed');
    expect(b.error).toEqual({ code: 'E_ENGINE_FAILED', message: 'boom' });
    expect(isActive(b.status)).toBe(false);
    expect(isActive(a.status)).toBe(true);
  });

  it('shows a done job at 100%', () => {
    expect(mergeJob(undefined, job({ status: 'done', progress: 0.97 })).progress).toBe(1);
  });
});
