// The project row (one per database): name, sample rate, creation time.

import type { LengthModeValue, ProjectRow } from '../rows';
import type { Statements } from '../statements';

export class ProjectRepo {
  constructor(private readonly sql: Statements) {}

  /** The project row; undefined only in a database whose creation was interrupted. */
  info(): ProjectRow | undefined {
    return this.sql.get<null, ProjectRow>('SELECT * FROM project WHERE id = 1').get();
  }

  create(p: { name: string; sampleRate: number }): void {
    this.sql
      .get<{ name: string; sampleRate: number; at: string }>(
        'INSERT INTO project (id, name, sample_rate, created_at) VALUES (1, @name, @sampleRate, @at)',
      )
      .run({ ...p, at: new Date().toISOString() });
  }

  setLengthModes(m: { region: LengthModeValue; clip: LengthModeValue }): void {
    this.sql
      .get<{ region: LengthModeValue; clip: LengthModeValue }>(
        'UPDATE project SET region_length_mode = @region, clip_length_mode = @clip WHERE id = 1',
      )
      .run(m);
  }
}
