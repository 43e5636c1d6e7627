// Rows of the jobs table: one per long operation, of any kind (its runner's name and JSON spec), with the columns
// every kind shares: status, progress, stage, error, the takes it made, and timestamps.

import type { JobRow, JobStatus } from '../rows';
import type { Statements } from '../statements';

const now = () => new Date().toISOString();

export class JobsRepo {
  constructor(private readonly sql: Statements) {}

  get(id: number): JobRow | undefined {
    return this.sql.get<{ id: number }, JobRow>('SELECT * FROM jobs WHERE id = @id').get({ id });
  }

  /** A queued job. */
  add(j: { kind: string; spec: string; clipId: number | null }): number {
    const r = this.sql
      .get<{ kind: string; spec: string; clipId: number | null; at: string }>(
        `INSERT INTO jobs (kind, spec, clip_id, status, created_at) VALUES (@kind, @spec, @clipId, 'queued', @at)`,
      )
      .run({ ...j, at: now() });
    return Number(r.lastInsertRowid);
  }

  /** The newest jobs first (at most 200), of one clip or of all. */
  list(clipId: number | null): JobRow[] {
    return this.sql
      .get<{ clipId: number | null }, JobRow>('SELECT * FROM jobs WHERE @clipId IS NULL OR clip_id = @clipId ORDER BY id DESC LIMIT 200')
      .all({ clipId });
  }

  /** Jobs queued or running. */
  active(): JobRow[] {
    return this.sql.get<null, JobRow>(`SELECT * FROM jobs WHERE status IN ('queued', 'running')`).all();
  }

  start(id: number): void {
    this.sql.get<{ id: number; at: string }>(`UPDATE jobs SET status = 'running', started_at = @at, stage = 'starting' WHERE id = @id`).run({ id, at: now() });
  }

  progress(id: number, progress: number, stage: string | null): void {
    this.sql.get<{ id: number; progress: number; stage: string | null }>('UPDATE jobs SET progress = @progress, stage = @stage WHERE id = @id').run({ id, progress, stage });
  }

  setResults(id: number, takeIds: number[]): void {
    this.sql.get<{ id: number; ids: string }>('UPDATE jobs SET result_take_ids = @ids WHERE id = @id').run({ id, ids: JSON.stringify(takeIds) });
  }

  /** The kind's JSON result (an export's files), recorded as it grows. */
  setResult(id: number, result: string): void {
    this.sql.get<{ id: number; result: string }>('UPDATE jobs SET result = @result WHERE id = @id').run({ id, result });
  }

  /** Ends a job; a done job's progress reads 1. */
  finish(id: number, status: Exclude<JobStatus, 'queued' | 'running'>, error: { code: string; message: string } | null): void {
    this.sql
      .get<{ id: number; status: string; code: string | null; message: string | null; at: string }>(
        `UPDATE jobs SET status = @status, error_code = @code, error_message = @message, finished_at = @at,
           progress = CASE WHEN @status = 'done' THEN 1 ELSE progress END WHERE id = @id`,
      )
      .run({ id, status, code: error?.code ?? null, message: error?.message ?? null, at: now() });
  }

  /** Fails every job still marked queued or running (nothing runs them: the app stopped under them). */
  failActive(error: { code: string; message: string }): void {
    this.sql
      .get<{ code: string; message: string; at: string }>(
        `UPDATE jobs SET status = 'failed', error_code = @code, error_message = @message, finished_at = @at
         WHERE status IN ('queued', 'running')`,
      )
      .run({ ...error, at: now() });
  }
}
