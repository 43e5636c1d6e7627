// Voice cloning (clone.submit): checks the request against the engine and queues a `clone` job (./jobs/clone.ts),
// whose result lands as a new clip.

import { RetakeError, type CloneJob, type ParsedParams } from '../../contract';
import type { StudioContext } from '../context';
import type { EnginesService } from './engines';
import { cloneKind, cloneSpec } from './jobs/clone';
import type { JobsService } from './jobs/service';
import type { TimelineService } from './timeline';

export class CloneService {
  constructor(
    private readonly ctx: StudioContext,
    private readonly jobs: JobsService,
    private readonly engines: EnginesService,
    timeline: TimelineService,
  ) {
    jobs.register(cloneKind(ctx, timeline));
  }

  async submit(p: ParsedParams<'clone.submit'>): Promise<CloneJob> {
    const { clipId, spec } = await cloneSpec(this.ctx, () => this.engines.list(), p);
    const job = this.jobs.enqueue('clone', spec, clipId);
    if (job.kind !== 'clone') throw new RetakeError('E_INTERNAL', 'A clone job was described as another kind.');
    return job;
  }
}
