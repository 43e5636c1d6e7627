// The prepared-statement cache of one database: every SQL text is compiled once per connection and reused after, so
// repositories can write each statement where it is used without paying for a compile per call. Parameters are
// named (@name) only: a positional `?` is refused, so no call site depends on the order of its arguments.

import type Database from 'better-sqlite3';
import type { Db } from './db';

export class Statements {
  private readonly cache = new Map<string, Database.Statement<unknown[], unknown>>();

  constructor(readonly db: Db) {}

  /** The statement for `sql`, compiled on first use. P: its named parameters (null: none); R: one result row. */
  get<P extends object | null = null, R = unknown>(sql: string): Database.Statement<P extends object ? [P] : [], R> {
    let s = this.cache.get(sql);
    if (!s) {
      if (/\?/.test(sql)) throw new Error(`Positional parameter in SQL (use @name): ${sql}`);
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s as unknown as Database.Statement<P extends object ? [P] : [], R>;
  }

  /** Runs fn in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
