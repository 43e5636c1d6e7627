// The persisted undo/redo log. An undoable operation runs inside `record()`: every row it touches in tracks, clips
// or takes is snapshotted before and after (only the columns that undoable operations change), and the pair list is
// stored as one history entry. Undo writes the `before` values back, redo the `after` values. Rows are never
// deleted, only flagged, so a snapshot can always be re-applied. A new user operation drops the redo branch; an
// entry recorded for work that finished in the background (a job's takes) keeps it, and redo stays last-undone-first.

import type { Db } from './db';
import type { HistoryRow, VersionedTable } from './rows';

/** Columns restored by undo/redo. Not here: take names and stars (kept as the user last set them). */
export const HISTORY_COLUMNS: Record<VersionedTable, readonly string[]> = {
  tracks: ['name', 'ord', 'gain_db', 'muted', 'deleted'],
  clips: ['track_id', 'name', 'start', 'in_point', 'out_point', 'gain_db', 'active_take_id', 'deleted'],
  takes: ['deleted'],
};

type Snapshot = Record<string, unknown>;

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
  constructor(private readonly db: Db) {}

  touch(table: VersionedTable, id: number): void {
    const key = `${table}:${id}`;
    if (this.before.has(key)) return;
    this.before.set(key, { table, id, snap: snapshot(this.db, table, id) });
  }

  created(table: VersionedTable, id: number): void {
    const key = `${table}:${id}`;
    if (!this.before.has(key)) this.before.set(key, { table, id, snap: null });
  }

  finish(): HistoryChange[] {
    const out: HistoryChange[] = [];
    for (const { table, id, snap } of this.before.values()) {
      const after = snapshot(this.db, table, id);
      if (!after) throw new Error(`History: ${table} row ${id} vanished`);
      // A row created by the operation did not exist before: undo hides it.
      const before = snap ?? { ...after, deleted: 1 };
      if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ table, id, before, after });
    }
    return out;
  }
}

function snapshot(db: Db, table: VersionedTable, id: number): Snapshot | null {
  const cols = HISTORY_COLUMNS[table];
  const row = db.prepare(`SELECT ${cols.join(', ')} FROM ${table} WHERE id = ?`).get(id) as Snapshot | undefined;
  return row ?? null;
}

function applySnapshot(db: Db, table: VersionedTable, id: number, snap: Snapshot): void {
  const cols = HISTORY_COLUMNS[table].filter((c) => c in snap);
  if (cols.length === 0) return;
  const set = cols.map((c) => `${c} = @${c}`).join(', ');
  db.prepare(`UPDATE ${table} SET ${set} WHERE id = @__id`).run({ ...pick(snap, cols), __id: id });
}

function pick(o: Snapshot, keys: readonly string[]): Snapshot {
  const r: Snapshot = {};
  for (const k of keys) r[k] = o[k];
  return r;
}

export class History {
  constructor(private readonly db: Db) {}

  /**
   * Runs `fn` in a transaction and stores what it changed as one undoable entry labelled `label`.
   * Returns fn's result. An operation that changed nothing leaves no entry.
   */
  record<T>(label: string, fn: (rec: ChangeRecorder) => T, opts: { keepRedo?: boolean } = {}): T {
    return this.db.transaction(() => {
      const rec = new ChangeRecorder(this.db);
      const result = fn(rec);
      const changes = rec.finish();
      if (changes.length > 0) {
        if (!opts.keepRedo) this.db.prepare('DELETE FROM history WHERE undone = 1').run();
        this.db
          .prepare('INSERT INTO history (label, changes, undone, created_at) VALUES (?, ?, 0, ?)')
          .run(label, JSON.stringify(changes), new Date().toISOString());
      }
      return result;
    })();
  }

  private top(undone: boolean): HistoryRow | undefined {
    return this.db
      .prepare(
        undone
          ? 'SELECT * FROM history WHERE undone = 1 ORDER BY undo_seq DESC, id DESC LIMIT 1'
          : 'SELECT * FROM history WHERE undone = 0 ORDER BY id DESC LIMIT 1',
      )
      .get() as HistoryRow | undefined;
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
    return this.db.transaction(() => {
      const row = this.top(false);
      if (!row) return null;
      const changes = JSON.parse(row.changes) as HistoryChange[];
      for (let i = changes.length - 1; i >= 0; i--) {
        const c = changes[i]!;
        applySnapshot(this.db, c.table, c.id, c.before);
      }
      this.db
        .prepare('UPDATE history SET undone = 1, undo_seq = (SELECT coalesce(max(undo_seq), 0) + 1 FROM history) WHERE id = ?')
        .run(row.id);
      return { id: row.id, label: row.label, changes, undone: true };
    })();
  }

  /** Re-applies the most recently undone entry; returns it, or null when there is nothing to redo. */
  redo(): HistoryEntry | null {
    return this.db.transaction(() => {
      const row = this.top(true);
      if (!row) return null;
      const changes = JSON.parse(row.changes) as HistoryChange[];
      for (const c of changes) applySnapshot(this.db, c.table, c.id, c.after);
      this.db.prepare('UPDATE history SET undone = 0, undo_seq = NULL WHERE id = ?').run(row.id);
      return { id: row.id, label: row.label, changes, undone: false };
    })();
  }
}
