// The persisted undo/redo log. An undoable operation runs inside `record()`: every row it touches in tracks, clips
// or takes is snapshotted before and after (only the columns that undoable operations change), and the pair list is
// stored as one history entry. Undo writes the `before` values back, redo the `after` values. Rows are never
// deleted, only hidden (tracks and clips by `deleted`, takes by `state`), so a snapshot can always be re-applied. A new user operation drops the redo branch; an
// entry recorded for work that finished in the background (a job's takes) keeps it, and redo stays last-undone-first.

import type { Db } from './db';
import type { HistoryRow, VersionedTable } from './rows';
import { Statements } from './statements';

/** Columns restored by undo/redo. Not here: take names and stars (kept as the user last set them). */
export const HISTORY_COLUMNS: Record<VersionedTable, readonly string[]> = {
  tracks: ['name', 'ord', 'gain_db', 'muted', 'solo', 'deleted'],
  clips: ['track_id', 'name', 'start', 'in_point', 'out_point', 'gain_db', 'active_take_id', 'deleted', 'transcript'],
  takes: ['state'],
};

type Snapshot = Record<string, unknown>;

/** The hiding column of each table and its hidden value: what a row created by an operation was "before" it. */
const HIDDEN: Record<VersionedTable, Snapshot> = { tracks: { deleted: 1 }, clips: { deleted: 1 }, takes: { state: 'deleted' } };

/** Whether a snapshot leaves its row hidden (a take is shown only when visible). */
export function snapshotHides(table: VersionedTable, snap: Snapshot): boolean {
  return table === 'takes' ? snap.state !== 'visible' : snap.deleted === 1;
}

export interface HistoryChange {
  table: VersionedTable;
  id: number;
  before: Snapshot;
  after: Snapshot;
}

export interface HistoryEntry {
  id: number;
  label: string;
  changes: HistoryChange[];
  undone: boolean;
}

/** Collects the rows an operation touches. Call `touch` BEFORE changing a row, `created` AFTER inserting one. */
export class ChangeRecorder {
  private readonly before = new Map<string, { table: VersionedTable; id: number; snap: Snapshot | null }>();
  constructor(private readonly sql: Statements) {}

  touch(table: VersionedTable, id: number): void {
    const key = `${table}:${id}`;
    if (this.before.has(key)) return;
    this.before.set(key, { table, id, snap: snapshot(this.sql, table, id) });
  }

  created(table: VersionedTable, id: number): void {
    const key = `${table}:${id}`;
    if (!this.before.has(key)) this.before.set(key, { table, id, snap: null });
  }

  finish(): HistoryChange[] {
    const out: HistoryChange[] = [];
    for (const { table, id, snap } of this.before.values()) {
      const after = snapshot(this.sql, table, id);
      if (!after) throw new Error(`History: ${table} row ${id} vanished`);
      // A row created by the operation did not exist before: undo hides it.
      const before = snap ?? { ...after, ...HIDDEN[table] };
      if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ table, id, before, after });
    }
    return out;
  }
}

function snapshot(sql: Statements, table: VersionedTable, id: number): Snapshot | null {
  const cols = HISTORY_COLUMNS[table];
  const row = sql.get<{ id: number }, Snapshot>(`SELECT ${cols.join(', ')} FROM ${table} WHERE id = @id`).get({ id });
  return row ?? null;
}

function applySnapshot(sql: Statements, table: VersionedTable, id: number, snap: Snapshot): void {
  const cols = HISTORY_COLUMNS[table].filter((c) => c in snap);
  if (cols.length === 0) return;
  const set = cols.map((c) => `${c} = @${c}`).join(', ');
  sql.get<Snapshot>(`UPDATE ${table} SET ${set} WHERE id = @__id`).run({ ...pick(snap, cols), __id: id });
}

function pick(o: Snapshot, keys: readonly string[]): Snapshot {
  const r: Snapshot = {};
  for (const k of keys) r[k] = o[k];
  return r;
}

export class History {
  private readonly sql: Statements;
  constructor(db: Db | Statements) {
    this.sql = db instanceof Statements ? db : new Statements(db);
  }

  /**
   * Runs `fn` in a transaction and stores what it changed as one undoable entry labelled `label`.
   * Returns fn's result. An operation that changed nothing leaves no entry.
   */
  record<T>(label: string, fn: (rec: ChangeRecorder) => T, opts: { keepRedo?: boolean } = {}): T {
    return this.sql.transaction(() => {
      const rec = new ChangeRecorder(this.sql);
      const result = fn(rec);
      const changes = rec.finish();
      if (changes.length > 0) {
        if (!opts.keepRedo) this.sql.get('DELETE FROM history WHERE undone = 1').run();
        this.sql
          .get<{ label: string; changes: string; at: string }>(
            'INSERT INTO history (label, changes, undone, created_at) VALUES (@label, @changes, 0, @at)',
          )
          .run({ label, changes: JSON.stringify(changes), at: new Date().toISOString() });
      }
      return result;
    });
  }

  private top(undone: boolean): HistoryRow | undefined {
    return this.sql
      .get<null, HistoryRow>(
        undone
          ? 'SELECT * FROM history WHERE undone = 1 ORDER BY undo_seq DESC, id DESC LIMIT 1'
          : 'SELECT * FROM history WHERE undone = 0 ORDER BY id DESC LIMIT 1',
      )
      .get();
  }

  /** The entry undo (or redo) would apply next, without applying it. */
  peek(which: 'undo' | 'redo'): HistoryEntry | null {
    const row = this.top(which === 'redo');
    return row ? { id: row.id, label: row.label, changes: JSON.parse(row.changes) as HistoryChange[], undone: row.undone === 1 } : null;
  }

  state(): { canUndo: boolean; canRedo: boolean; undoLabel: string | null; redoLabel: string | null } {
    const u = this.top(false);
    const r = this.top(true);
    return { canUndo: !!u, canRedo: !!r, undoLabel: u?.label ?? null, redoLabel: r?.label ?? null };
  }

  /** Reverts the newest entry; returns it, or null when there is nothing to undo. */
  undo(): HistoryEntry | null {
    return this.sql.transaction(() => {
      const row = this.top(false);
      if (!row) return null;
      const changes = JSON.parse(row.changes) as HistoryChange[];
      for (let i = changes.length - 1; i >= 0; i--) {
        const c = changes[i]!;
        applySnapshot(this.sql, c.table, c.id, c.before);
      }
      this.sql
        .get<{ id: number }>('UPDATE history SET undone = 1, undo_seq = (SELECT coalesce(max(undo_seq), 0) + 1 FROM history) WHERE id = @id')
        .run({ id: row.id });
      return { id: row.id, label: row.label, changes, undone: true };
    });
  }

  /** Re-applies the most recently undone entry; returns it, or null when there is nothing to redo. */
  redo(): HistoryEntry | null {
    return this.sql.transaction(() => {
      const row = this.top(true);
      if (!row) return null;
      const changes = JSON.parse(row.changes) as HistoryChange[];
      for (const c of changes) applySnapshot(this.sql, c.table, c.id, c.after);
      this.sql.get<{ id: number }>('UPDATE history SET undone = 0, undo_seq = NULL WHERE id = @id').run({ id: row.id });
      return { id: row.id, label: row.label, changes, undone: false };
    });
  }
}
