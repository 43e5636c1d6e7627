// The statement cache the repositories share: one compile per SQL text and database, named parameters only.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Statements } from '../../../src-main/store/statements';

describe('statement cache', () => {
  it('prepares each SQL text once per database and reuses it', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (a INTEGER, b TEXT)');
    const sql = new Statements(db);
    const insert = 'INSERT INTO t (a, b) VALUES (@a, @b)';
    const first = sql.get<{ a: number; b: string }>(insert);
    expect(sql.get<{ a: number; b: string }>(insert)).toBe(first);
    first.run({ a: 1, b: 'x' });
    sql.get<{ a: number; b: string }>(insert).run({ b: 'y', a: 2 });
    expect(sql.get<null, { a: number; b: string }>('SELECT a, b FROM t ORDER BY a').all()).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ]);
    // Another database (another project) compiles its own.
    const other = new Database(':memory:');
    other.exec('CREATE TABLE t (a INTEGER, b TEXT)');
    expect(new Statements(other).get<{ a: number; b: string }>(insert)).not.toBe(first);
  });

  it('refuses positional parameters', () => {
    const sql = new Statements(new Database(':memory:'));
    expect(() => sql.get('SELECT ? AS x')).toThrow(/use @name/);
  });

  it('runs a transaction as a whole or not at all', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (a INTEGER NOT NULL)');
    const sql = new Statements(db);
    const ins = (a: number | null) => sql.get<{ a: number | null }>('INSERT INTO t (a) VALUES (@a)').run({ a });
    expect(() =>
      sql.transaction(() => {
        ins(1);
        ins(null);
      }),
    ).toThrow(/NOT NULL/);
    expect(sql.get<null, { n: number }>('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 });
  });
});
