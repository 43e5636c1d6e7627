// Row shapes of project.sqlite as better-sqlite3 returns them (the repositories' results).

export interface ProjectRow {
  id: number;
  name: string;
  sample_rate: number;
  created_at: string;
  region_length_mode: LengthModeValue;
  clip_length_mode: LengthModeValue;
}

export type LengthModeValue = 'fit' | 'ripple' | 'free';

export interface MediaRow {
  hash: string;
  ext: string;
  format: string;
  sample_rate: number;
  channels: number;
  frames: number;
  bytes: number;
  original_name: string | null;
  created_at: string;
}

export interface TrackRow {
  id: number;
  name: string;
  ord: number;
  gain_db: number;
  muted: number;
  solo: number;
  deleted: number;
  created_at: string;
}

export interface ClipRow {
  id: number;
  track_id: number;
  name: string;
  start: number;
  in_point: number;
  out_point: number;
  gain_db: number;
  active_take_id: number;
  deleted: number;
  created_at: string;
  transcript: string | null;
}

export interface TakeRow {
  id: number;
  clip_id: number;
  parent_id: number | null;
  media_hash: string;
  kind: 'source' | 'edit';
  name: string;
  starred: number;
  engine: string | null;
  engine_version: string | null;
  pack_hash: string | null;
  task: string | null;
  option: string | null;
  iteration: number | null;
  seed: number | null;
  text_before: string | null;
  text_after: string | null;
  params: string;
  metrics: string | null;
  deltas: string | null;
  job_id: number | null;
  state: TakeState;
  created_at: string;
  /** JSON of the contract's TakeChange; null for source takes and older edits. */
  change: string | null;
}

/**
 * pending: made by a job that has not ended (listed, not choosable); visible; deleted: hidden (undone, or its job's
 * step undone). Rows are never removed, so undo can bring a take back.
 */
export type TakeState = 'pending' | 'visible' | 'deleted';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobRow {
  id: number;
  /** Which runner does the work (edit, …); `spec` is that kind's JSON, checked against its schema when read. */
  kind: string;
  spec: string;
  /** The clip the job works on, when it works on one (guards against hiding it, listing per clip). */
  clip_id: number | null;
  status: JobStatus;
  progress: number;
  stage: string | null;
  error_code: string | null;
  error_message: string | null;
  result_take_ids: string;
  /** The kind's JSON result besides takes (an export's files); null until it has one. */
  result: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface HistoryRow {
  id: number;
  label: string;
  changes: string;
  undone: number;
  created_at: string;
  /** When undone: the order of undoing (redo takes the highest first). */
  undo_seq: number | null;
}

/** Tables whose rows the undo log snapshots. Rows there are never deleted, only hidden (`deleted`, a take's `state`). */
export type VersionedTable = 'tracks' | 'clips' | 'takes';

export function parseJson<T>(s: string | null, fallback: T): T {
  if (s === null) return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}
