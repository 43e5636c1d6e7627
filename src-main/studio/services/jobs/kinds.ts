// The table of job kinds. A kind names a runner and the schema of its spec (the JSON in jobs.spec, checked when a
// job is read back, so a damaged or foreign row fails with a clear message instead of running on bad input). The
// queue, progress, cancel, crash handling and the commit of a job's takes are the same for every kind
// (./service.ts); a kind only says what its job does and how the contract shows it.

import { RetakeError, type Job } from '../../../contract';
import type { Repos } from '../../../store/repos';
import type { JobRow } from '../../../store/rows';
import { jobEntity } from '../../mapping';

/** What every job entity has from its row (status, progress, error, takes, times). */
type JobCommonKey = 'id' | 'status' | 'progress' | 'stage' | 'error' | 'resultTakeIds' | 'createdAt' | 'startedAt' | 'finishedAt';

/** How the contract's Job entity shows a job of a kind: its `kind` and the fields of that kind (EditJob, ExportJob…). */
export type JobSubject = Job extends infer J ? (J extends Job ? Omit<J, JobCommonKey> : never) : never;

/** The clip a job works on (progress events name it), or null. */
export function subjectClip(s: JobSubject): number | null {
  return s.kind === 'edit' || s.kind === 'clone' ? s.clipId : null;
}

/** How the takes a job made enter the timeline (in the same undo step that shows them). */
export interface CommitOptions {
  /** Later clips of the track move by the clip's length change (the `ripple` length mode). */
  ripple: boolean;
}

/** What a runner gets: its job's spec, the abort signal, and the ways to report back. */
export interface JobRun<S> {
  readonly id: number;
  readonly spec: S;
  readonly clipId: number | null;
  readonly signal: AbortSignal;
  /** Progress 0..1 with the stage shown beside it; a value below the last one is ignored. */
  progress(value: number, stage: string | null): void;
  /** A take the job wrote (state pending): recorded on the job at once, shown when the job ends. */
  madeTake(takeId: number): void;
  /** Records what the job produced besides takes (the kind's JSON, e.g. an export's files); announced as an update. */
  setResult(result: unknown): void;
  /** Takes the job made and showed itself (e.g. a clone's new clip), recorded as its results; nothing is committed. */
  results(takeIds: number[]): void;
}

/** Any schema with zod's `parse` (throws on bad input). */
export interface SpecSchema<S> {
  parse(data: unknown): S;
}

export interface JobKind<S> {
  readonly name: string;
  readonly spec: SpecSchema<S>;
  /** The job as the contract shows it; `result` is what setResult recorded (parsed JSON), or null. */
  describe(spec: S, clipId: number | null, result: unknown): JobSubject;
  /** The label of the history step that shows the takes the job made. */
  label(spec: S, takes: number): string;
  /** How its takes enter the timeline; no ripple when absent. */
  commit?(spec: S): CommitOptions;
  /** Does the work. Throws to fail (a RetakeError's code is kept); stops with the signal (then: cancelled). */
  run(run: JobRun<S>): Promise<void>;
}

export interface ReadJob {
  kind: JobKind<unknown>;
  spec: unknown;
  subject: JobSubject;
}

export class JobKinds {
  private readonly table = new Map<string, JobKind<unknown>>();

  register<S>(kind: JobKind<S>): void {
    if (this.table.has(kind.name)) throw new Error(`Job kind ${kind.name} is registered twice`);
    this.table.set(kind.name, kind as JobKind<unknown>);
  }

  /** The kind of a job row and its checked spec; E_INTERNAL naming what is wrong when this build cannot read it. */
  read(row: JobRow): ReadJob {
    return this.parse(row.kind, row.spec, row.clip_id, `Job ${row.id}`, row.result);
  }

  /** Refuses a spec that its kind would not read back (checked before the job is stored). */
  check(kind: string, spec: unknown, clipId: number | null): string {
    const json = JSON.stringify(spec);
    this.parse(kind, json, clipId, 'A new job');
    return json;
  }

  private parse(name: string, json: string, clipId: number | null, what: string, result: string | null = null): ReadJob {
    const kind = this.table.get(name);
    if (!kind) throw new RetakeError('E_INTERNAL', `${what} is of a kind this version of Retake does not know ("${name}").`);
    let spec: unknown;
    try {
      spec = kind.spec.parse(JSON.parse(json));
    } catch (e) {
      throw new RetakeError('E_INTERNAL', `${what} (${name}) has a damaged spec: ${(e as Error).message}`);
    }
    let res: unknown;
    try {
      res = result === null ? null : JSON.parse(result);
    } catch {
      throw new RetakeError('E_INTERNAL', `${what} (${name}) has a damaged result.`);
    }
    return { kind, spec, subject: kind.describe(spec, clipId, res) };
  }

  /** The contract's view of a job row, or null for one this build cannot read (left out of lists). */
  entity(row: JobRow, read?: ReadJob): Job | null {
    try {
      return jobEntity(row, (read ?? this.read(row)).subject);
    } catch (e) {
      if (RetakeError.is(e, 'E_INTERNAL')) return null;
      throw e;
    }
  }

  /** Clips with a queued or running job, and the takes those jobs read or are making. */
  busy(repos: Repos): { clips: Set<number>; takes: Set<number> } {
    const clips = new Set<number>();
    const takes = new Set<number>();
    for (const r of repos.jobs.active()) {
      if (r.clip_id !== null) clips.add(r.clip_id);
      const j = this.entity(r);
      if (j?.kind === 'edit' || j?.kind === 'clone') takes.add(j.inputTakeId);
      for (const t of JSON.parse(r.result_take_ids) as number[]) takes.add(t);
    }
    return { clips, takes };
  }
}

// ---------------------------------------------------------------- app jobs (model packs)

/** What an app job's runner gets: its spec, the abort signal, and progress (0..1 with the stage beside it). */
export interface AppJobRun<S> {
  readonly id: number;
  readonly spec: S;
  readonly signal: AbortSignal;
  progress(value: number, stage: string | null): void;
}

/**
 * A kind of job that belongs to the app rather than to a project: installing or checking a model pack. Same shape as
 * a project's kinds (a checked spec and a runner), without clips and takes; the queue is ./app-queue.ts.
 */
export interface AppJobKind<S> {
  readonly name: string;
  readonly spec: SpecSchema<S>;
  /** The pack the job works on and where it reads from, for its entity and for refusing a conflicting removal. */
  subject(spec: S): { kind: 'install' | 'verify'; name: string; source: string | null };
  run(run: AppJobRun<S>): Promise<void>;
}
