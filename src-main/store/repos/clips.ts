// Rows of the clips table: position on a track (start), the played range of the active take (in/out, in timeline
// samples), gain. Hidden rows (deleted = 1) are kept for undo; `get` returns shown clips only, `any` every row.

import type { ClipRow } from '../rows';
import type { Statements } from '../statements';

export interface NewClip {
  track_id: number;
  name: string;
  start: number;
  in_point: number;
  out_point: number;
  gain_db?: number;
  transcript?: string | null;
}

export class ClipsRepo {
  constructor(private readonly sql: Statements) {}

  get(id: number): ClipRow | undefined {
    return this.sql.get<{ id: number }, ClipRow>('SELECT * FROM clips WHERE id = @id AND deleted = 0').get({ id });
  }

  /** A clip row whether shown or hidden. */
  any(id: number): ClipRow | undefined {
    return this.sql.get<{ id: number }, ClipRow>('SELECT * FROM clips WHERE id = @id').get({ id });
  }

  /** The shown clips' ids in timeline order. */
  listIds(): number[] {
    return this.sql
      .get<null, { id: number }>('SELECT id FROM clips WHERE deleted = 0 ORDER BY track_id, start, id')
      .all()
      .map((r) => r.id);
  }

  /** The shown clips of a track, in timeline order. */
  ofTrack(trackId: number): ClipRow[] {
    return this.sql
      .get<{ trackId: number }, ClipRow>('SELECT * FROM clips WHERE track_id = @trackId AND deleted = 0 ORDER BY start, id')
      .all({ trackId });
  }

  /** Where the last shown clip of a track ends (0 on an empty track). */
  trackEnd(trackId: number): number {
    return this.sql
      .get<{ trackId: number }, { e: number }>(
        'SELECT coalesce(max(start + out_point - in_point), 0) AS e FROM clips WHERE track_id = @trackId AND deleted = 0',
      )
      .get({ trackId })!.e;
  }

  /** A new clip; it has no active take yet (0) until `setActiveTake`. */
  add(c: NewClip): number {
    const r = this.sql
      .get<Required<NewClip> & { at: string }>(
        `INSERT INTO clips (track_id, name, start, in_point, out_point, gain_db, transcript, active_take_id, created_at)
         VALUES (@track_id, @name, @start, @in_point, @out_point, @gain_db, @transcript, 0, @at)`,
      )
      .run({ gain_db: 0, transcript: null, ...c, at: new Date().toISOString() });
    return Number(r.lastInsertRowid);
  }

  move(id: number, start: number, trackId: number): void {
    this.sql.get<{ id: number; start: number; trackId: number }>('UPDATE clips SET start = @start, track_id = @trackId WHERE id = @id').run({ id, start, trackId });
  }

  setPlacement(id: number, start: number, inPoint: number, outPoint: number): void {
    this.sql
      .get<{ id: number; start: number; inPoint: number; outPoint: number }>(
        'UPDATE clips SET start = @start, in_point = @inPoint, out_point = @outPoint WHERE id = @id',
      )
      .run({ id, start, inPoint, outPoint });
  }

  setRange(id: number, inPoint: number, outPoint: number): void {
    this.sql
      .get<{ id: number; inPoint: number; outPoint: number }>('UPDATE clips SET in_point = @inPoint, out_point = @outPoint WHERE id = @id')
      .run({ id, inPoint, outPoint });
  }

  setActiveTake(id: number, takeId: number, inPoint: number, outPoint: number): void {
    this.sql
      .get<{ id: number; takeId: number; inPoint: number; outPoint: number }>(
        'UPDATE clips SET active_take_id = @takeId, in_point = @inPoint, out_point = @outPoint WHERE id = @id',
      )
      .run({ id, takeId, inPoint, outPoint });
  }

  hide(id: number): void {
    this.sql.get<{ id: number }>('UPDATE clips SET deleted = 1 WHERE id = @id').run({ id });
  }

  setTranscript(id: number, transcript: string | null): void {
    this.sql.get<{ id: number; transcript: string | null }>('UPDATE clips SET transcript = @transcript WHERE id = @id').run({ id, transcript });
  }
}
