// Rows of the media table: one per content-addressed file of the project's media store.

import type { MediaRow } from '../rows';
import type { Statements } from '../statements';

export class MediaRepo {
  constructor(private readonly sql: Statements) {}

  get(hash: string): MediaRow | undefined {
    return this.sql.get<{ hash: string }, MediaRow>('SELECT * FROM media WHERE hash = @hash').get({ hash });
  }

  /** Records a stored file; identical content already recorded keeps its first row (and original name). */
  add(m: Omit<MediaRow, 'created_at'>): void {
    this.sql
      .get<MediaRow>(
        `INSERT OR IGNORE INTO media (hash, ext, format, sample_rate, channels, frames, bytes, original_name, created_at)
         VALUES (@hash, @ext, @format, @sample_rate, @channels, @frames, @bytes, @original_name, @created_at)`,
      )
      .run({ ...m, created_at: new Date().toISOString() });
  }
}
