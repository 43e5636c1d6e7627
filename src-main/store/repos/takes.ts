// Rows of the takes table: the take DAG of each clip (source takes and edits with their engine, parameters,
// measurements and deltas). A take's `state` says whether it is pending (its job has not ended), visible, or deleted
// (hidden; kept for undo). `add` is the one INSERT every take goes through.

import type { TakeRow, TakeState } from '../rows';
import type { Statements } from '../statements';

/** A new take: what it is made of; everything else defaults to "not set" (created_at: now). */
export type NewTake = Pick<TakeRow, 'clip_id' | 'media_hash' | 'kind' | 'name' | 'state'> &
  Partial<Omit<TakeRow, 'id' | 'clip_id' | 'media_hash' | 'kind' | 'name' | 'state'>>;

const ACTIVE_JOBS = `SELECT id FROM jobs WHERE status IN ('queued', 'running')`;

export class TakesRepo {
  constructor(private readonly sql: Statements) {}

  /** A take in any state. */
  get(id: number): TakeRow | undefined {
    return this.sql.get<{ id: number }, TakeRow>('SELECT * FROM takes WHERE id = @id').get({ id });
  }

  visible(id: number): TakeRow | undefined {
    return this.sql.get<{ id: number }, TakeRow>(`SELECT * FROM takes WHERE id = @id AND state = 'visible'`).get({ id });
  }

  /** The visible takes of a clip in creation order. */
  visibleOfClip(clipId: number): TakeRow[] {
    return this.sql
      .get<{ clipId: number }, TakeRow>(`SELECT * FROM takes WHERE clip_id = @clipId AND state = 'visible' ORDER BY id`)
      .all({ clipId });
  }

  /**
   * What the take list of a clip shows: visible takes, and the pending ones of jobs still queued or running (a job
   * that ended without committing its takes leaves them out).
   */
  listed(clipId: number): TakeRow[] {
    return this.sql
      .get<{ clipId: number }, TakeRow>(
        `SELECT * FROM takes WHERE clip_id = @clipId
           AND (state = 'visible' OR (state = 'pending' AND job_id IN (${ACTIVE_JOBS}))) ORDER BY id`,
      )
      .all({ clipId });
  }

  /** Measurements of a media file from any take that has them. */
  metricsOf(mediaHash: string): string | undefined {
    return this.sql
      .get<{ mediaHash: string }, { metrics: string }>('SELECT metrics FROM takes WHERE media_hash = @mediaHash AND metrics IS NOT NULL LIMIT 1')
      .get({ mediaHash })?.metrics;
  }

  add(t: NewTake): number {
    const row: Omit<TakeRow, 'id'> = {
      parent_id: null,
      starred: 0,
      engine: null,
      engine_version: null,
      pack_hash: null,
      task: null,
      option: null,
      iteration: null,
      seed: null,
      text_before: null,
      text_after: null,
      params: '{}',
      metrics: null,
      deltas: null,
      job_id: null,
      change: null,
      created_at: new Date().toISOString(),
      ...t,
    };
    const r = this.sql
      .get<Omit<TakeRow, 'id'>>(
        `INSERT INTO takes (clip_id, parent_id, media_hash, kind, name, starred, engine, engine_version, pack_hash, task,
           option, iteration, seed, text_before, text_after, params, metrics, deltas, job_id, state, change, created_at)
         VALUES (@clip_id, @parent_id, @media_hash, @kind, @name, @starred, @engine, @engine_version, @pack_hash, @task,
           @option, @iteration, @seed, @text_before, @text_after, @params, @metrics, @deltas, @job_id, @state, @change,
           @created_at)`,
      )
      .run(row);
    return Number(r.lastInsertRowid);
  }

  setState(id: number, state: TakeState): void {
    this.sql.get<{ id: number; state: TakeState }>('UPDATE takes SET state = @state WHERE id = @id').run({ id, state });
  }

  setStarred(id: number, starred: boolean): void {
    this.sql.get<{ id: number; starred: number }>('UPDATE takes SET starred = @starred WHERE id = @id').run({ id, starred: starred ? 1 : 0 });
  }

  rename(id: number, name: string): void {
    this.sql.get<{ id: number; name: string }>('UPDATE takes SET name = @name WHERE id = @id').run({ id, name });
  }

  /** Shows the pending takes of jobs still marked queued or running (the app stopped under them). */
  showPendingOfActiveJobs(): void {
    this.sql.get(`UPDATE takes SET state = 'visible' WHERE state = 'pending' AND job_id IN (${ACTIVE_JOBS})`).run();
  }
}
