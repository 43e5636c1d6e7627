// Numbered schema migrations of project.sqlite. Each runs once, in order, inside a transaction; PRAGMA user_version
// records the last one applied. Never edit a released migration: add the next number. Each has a test
// (test/unit/store/migrations.test.ts).

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * The migration rebuilds a table other tables reference (SQLite's create-copy-drop-rename procedure): foreign keys
   * are switched off around it, and `PRAGMA foreign_key_check` must come back empty before it commits.
   */
  rebuildsTables?: boolean;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema: project, media, tracks, clips, takes, jobs, history',
    sql: `
CREATE TABLE project (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL,
  sample_rate INTEGER NOT NULL CHECK (sample_rate BETWEEN 8000 AND 384000),
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE media (
  hash TEXT PRIMARY KEY CHECK (length(hash) = 64),
  ext TEXT NOT NULL,
  format TEXT NOT NULL,
  sample_rate INTEGER NOT NULL,
  channels INTEGER NOT NULL,
  frames INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  original_name TEXT,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE tracks (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  ord INTEGER NOT NULL,
  gain_db REAL NOT NULL DEFAULT 0,
  muted INTEGER NOT NULL DEFAULT 0 CHECK (muted IN (0, 1)),
  deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE clips (
  id INTEGER PRIMARY KEY,
  track_id INTEGER NOT NULL REFERENCES tracks(id),
  name TEXT NOT NULL,
  start INTEGER NOT NULL CHECK (start >= 0),
  in_point INTEGER NOT NULL CHECK (in_point >= 0),
  out_point INTEGER NOT NULL CHECK (out_point > in_point),
  gain_db REAL NOT NULL DEFAULT 0,
  -- No foreign key: clips and takes reference each other; the core keeps it consistent.
  active_take_id INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX clips_track ON clips(track_id);

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  clip_id INTEGER NOT NULL REFERENCES clips(id),
  input_take_id INTEGER NOT NULL,
  engine TEXT NOT NULL,
  task TEXT NOT NULL,
  option TEXT,
  iterations INTEGER NOT NULL CHECK (iterations >= 1),
  seed INTEGER NOT NULL,
  params TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  progress REAL NOT NULL DEFAULT 0,
  stage TEXT,
  error_code TEXT,
  error_message TEXT,
  result_take_ids TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
) STRICT;
CREATE INDEX jobs_clip ON jobs(clip_id);
CREATE INDEX jobs_status ON jobs(status);

CREATE TABLE takes (
  id INTEGER PRIMARY KEY,
  clip_id INTEGER NOT NULL REFERENCES clips(id),
  parent_id INTEGER REFERENCES takes(id),
  media_hash TEXT NOT NULL REFERENCES media(hash),
  kind TEXT NOT NULL CHECK (kind IN ('source', 'edit')),
  name TEXT NOT NULL,
  starred INTEGER NOT NULL DEFAULT 0 CHECK (starred IN (0, 1)),
  engine TEXT,
  engine_version TEXT,
  pack_hash TEXT,
  task TEXT,
  option TEXT,
  iteration INTEGER,
  seed INTEGER,
  text_before TEXT,
  text_after TEXT,
  params TEXT NOT NULL DEFAULT '{}',
  metrics TEXT,
  deltas TEXT,
  job_id INTEGER REFERENCES jobs(id),
  deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX takes_clip ON takes(clip_id);

-- Undo/redo log: each entry holds full row snapshots (before, after) of every row it changed.
CREATE TABLE history (
  id INTEGER PRIMARY KEY,
  label TEXT NOT NULL,
  changes TEXT NOT NULL,
  undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
  created_at TEXT NOT NULL
) STRICT;
`,
  },
  {
    version: 2,
    name: 'history: order of undoing, so redo stays last-in-first-out when jobs append entries behind undone ones',
    sql: `
ALTER TABLE history ADD COLUMN undo_seq INTEGER;
-- Before this, redo took the oldest undone entry first: give older entries the higher sequence.
UPDATE history SET undo_seq = -id WHERE undone = 1;
CREATE INDEX history_undone ON history(undone, undo_seq);
`,
  },
  {
    version: 3,
    name: "takes: a state column (pending / visible / deleted) instead of the overloaded deleted flag",
    sql: `
ALTER TABLE takes ADD COLUMN state TEXT NOT NULL DEFAULT 'visible' CHECK (state IN ('pending', 'visible', 'deleted'));
-- deleted = 1 meant pending while the take's job was queued or running, hidden otherwise.
UPDATE takes SET state = CASE
  WHEN deleted = 0 THEN 'visible'
  WHEN job_id IN (SELECT id FROM jobs WHERE status IN ('queued', 'running')) THEN 'pending'
  ELSE 'deleted'
END;
ALTER TABLE takes DROP COLUMN deleted;
-- The undo log snapshots a take's state now: rewrite the takes' snapshots of existing entries ({"deleted": 1} hid the
-- take, {"deleted": 0} showed it) so undo and redo of entries made before the upgrade still apply.
UPDATE history SET changes = (
  SELECT json_group_array(
    CASE WHEN json_extract(c.value, '$.table') = 'takes'
      THEN json_set(
        json_remove(c.value, '$.before.deleted', '$.after.deleted'),
        '$.before.state', CASE json_extract(c.value, '$.before.deleted') WHEN 1 THEN 'deleted' ELSE 'visible' END,
        '$.after.state', CASE json_extract(c.value, '$.after.deleted') WHEN 1 THEN 'deleted' ELSE 'visible' END)
      ELSE json(c.value)
    END ORDER BY c.key)
  FROM json_each(history.changes) AS c
)
WHERE EXISTS (SELECT 1 FROM json_each(history.changes) AS c WHERE json_extract(c.value, '$.table') = 'takes');
`,
  },
  {
    version: 4,
    name: 'jobs: a kind and its JSON spec, so every long operation (edit, export, pack install…) is a job',
    rebuildsTables: true,
    sql: `
-- The edit-only columns (input take, engine, task, option, iterations, seed, params) move into the edit kind's spec;
-- the clip becomes optional (a pack install works on none). Status, progress, stage, error and result takes stay
-- columns: every kind has them.
CREATE TABLE jobs_v4 (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  spec TEXT NOT NULL CHECK (json_valid(spec)),
  clip_id INTEGER REFERENCES clips(id),
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  progress REAL NOT NULL DEFAULT 0,
  stage TEXT,
  error_code TEXT,
  error_message TEXT,
  result_take_ids TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
) STRICT;
INSERT INTO jobs_v4 (id, kind, spec, clip_id, status, progress, stage, error_code, error_message, result_take_ids,
  created_at, started_at, finished_at)
SELECT id, 'edit',
  json_object('inputTakeId', input_take_id, 'engine', engine, 'task', task, 'option', option,
    'iterations', iterations, 'seed', seed, 'params', json(params)),
  clip_id, status, progress, stage, error_code, error_message, result_take_ids, created_at, started_at, finished_at
FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v4 RENAME TO jobs;
CREATE INDEX jobs_clip ON jobs(clip_id);
CREATE INDEX jobs_status ON jobs(status);
`,
  },
  {
    version: 5,
    name: 'tracks: solo, so the transport plays a mix of soloed tracks and exports can follow it',
    sql: `
ALTER TABLE tracks ADD COLUMN solo INTEGER NOT NULL DEFAULT 0 CHECK (solo IN (0, 1));
`,
  },
  {
    version: 6,
    name: 'region edits: length modes per project, clip transcripts, what each edit changed, and job results',
    sql: `
ALTER TABLE project ADD COLUMN region_length_mode TEXT NOT NULL DEFAULT 'fit'
  CHECK (region_length_mode IN ('fit', 'ripple', 'free'));
ALTER TABLE project ADD COLUMN clip_length_mode TEXT NOT NULL DEFAULT 'free'
  CHECK (clip_length_mode IN ('fit', 'ripple', 'free'));
ALTER TABLE clips ADD COLUMN transcript TEXT;
-- The changed spans, length change and region measurements of an edit take (JSON; NULL for source takes and for takes
-- made before this version).
ALTER TABLE takes ADD COLUMN change TEXT CHECK (change IS NULL OR json_valid(change));
-- What a job produced besides takes (an export's files), as its kind's JSON.
ALTER TABLE jobs ADD COLUMN result TEXT CHECK (result IS NULL OR json_valid(result));
`,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
