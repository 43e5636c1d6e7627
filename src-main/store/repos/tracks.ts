// Rows of the tracks table. Hidden rows (deleted = 1, undone) are kept for undo and never returned here.

import type { TrackRow } from '../rows';
import type { Statements } from '../statements';

export class TracksRepo {
  constructor(private readonly sql: Statements) {}

  get(id: number): TrackRow | undefined {
    return this.sql.get<{ id: number }, TrackRow>('SELECT * FROM tracks WHERE id = @id AND deleted = 0').get({ id });
  }

  /** The shown tracks in timeline order. */
  list(): TrackRow[] {
    return this.sql.get<null, TrackRow>('SELECT * FROM tracks WHERE deleted = 0 ORDER BY ord, id').all();
  }

  /** The order value after the last shown track. */
  nextOrd(): number {
    return this.sql.get<null, { n: number }>('SELECT coalesce(max(ord), -1) + 1 AS n FROM tracks WHERE deleted = 0').get()!.n;
  }

  add(t: { name: string; ord: number }): number {
    const r = this.sql
      .get<{ name: string; ord: number; at: string }>('INSERT INTO tracks (name, ord, created_at) VALUES (@name, @ord, @at)')
      .run({ ...t, at: new Date().toISOString() });
    return Number(r.lastInsertRowid);
  }

  rename(id: number, name: string): void {
    this.sql.get<{ id: number; name: string }>('UPDATE tracks SET name = @name WHERE id = @id').run({ id, name });
  }

  setOrd(id: number, ord: number): void {
    this.sql.get<{ id: number; ord: number }>('UPDATE tracks SET ord = @ord WHERE id = @id').run({ id, ord });
  }

  setMix(id: number, mix: { gain_db: number; muted: number; solo: number }): void {
    this.sql
      .get<{ id: number; gain_db: number; muted: number; solo: number }>(
        'UPDATE tracks SET gain_db = @gain_db, muted = @muted, solo = @solo WHERE id = @id',
      )
      .run({ id, ...mix });
  }

  hide(id: number): void {
    this.sql.get<{ id: number }>('UPDATE tracks SET deleted = 1 WHERE id = @id').run({ id });
  }
}
