import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPLICATION_ID, migrate, openDatabase } from '../../../src-main/store/db';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../src-main/store/migrations';
import { RetakeError } from '../../../src-main/contract/errors';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let n = 0;
const file = () => path.join(dir, `db${n++}.sqlite`);

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

describe('migrations', () => {
  it('are numbered 1..N without gaps', () => {
    MIGRATIONS.forEach((m, i) => expect(m.version).toBe(i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('migration 1 creates the data model as STRICT tables', () => {
    const db = new Database(':memory:');
    expect(migrate(db, MIGRATIONS.slice(0, 1))).toBe(1);
    expect(tables(db)).toEqual(['clips', 'history', 'jobs', 'media', 'project', 'takes', 'tracks']);
    for (const t of tables(db)) {
      const sql = (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(t) as { sql: string }).sql;
      expect(sql.trim().endsWith('STRICT'), t).toBe(true);
    }
    // STRICT: a wrong type is refused instead of stored.
    expect(() => db.prepare("INSERT INTO tracks (name, ord, created_at) VALUES ('a', 'first', 'now')").run()).toThrow(/cannot store TEXT/);
    // Checks: a clip's out point must be after its in point.
    db.prepare("INSERT INTO tracks (name, ord, created_at) VALUES ('a', 0, 'now')").run();
    expect(() =>
      db.prepare("INSERT INTO clips (track_id, name, start, in_point, out_point, active_take_id, created_at) VALUES (1, 'c', 0, 10, 10, 0, 'now')").run(),
    ).toThrow(/CHECK/);
  });

  it('each migration applies on top of the previous version and is not re-applied', () => {
    for (let k = 1; k <= MIGRATIONS.length; k++) {
      const db = new Database(':memory:');
      migrate(db, MIGRATIONS.slice(0, k - 1));
      expect(db.pragma('user_version', { simple: true })).toBe(k - 1);
      expect(migrate(db, MIGRATIONS.slice(0, k))).toBe(k);
      expect(migrate(db, MIGRATIONS.slice(0, k))).toBe(k);
      expect(db.pragma('user_version', { simple: true })).toBe(k);
    }
  });

  it('migration 2 orders undone entries so redo after the upgrade picks what it picked before', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 1));
    const ins = db.prepare("INSERT INTO history (label, changes, undone, created_at) VALUES (?, '[]', ?, 'now')");
    ins.run('a', 0);
    ins.run('b', 1);
    ins.run('c', 1);
    migrate(db, MIGRATIONS.slice(0, 2));
    // Schema 1 redid the oldest undone entry first ('b'); schema 2 redoes the highest undo_seq first.
    const next = db.prepare('SELECT label FROM history WHERE undone = 1 ORDER BY undo_seq DESC LIMIT 1').get() as { label: string };
    expect(next.label).toBe('b');
    expect(db.prepare('SELECT undo_seq FROM history WHERE undone = 0').get()).toEqual({ undo_seq: null });
  });

  it('rolls back a failing migration as a whole', () => {
    const db = new Database(':memory:');
    const bad = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE ok_one (x INTEGER) STRICT; CREATE TABLE broken (' }];
    expect(() => migrate(db, bad)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(tables(db)).not.toContain('ok_one');
  });

  it('marks new databases as Retake projects and refuses foreign ones', () => {
    const f = file();
    openDatabase(f, { create: true }).close();
    const raw = new Database(f);
    expect(raw.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();

    const foreign = file();
    const other = new Database(foreign);
    other.exec('CREATE TABLE notes (x TEXT)');
    other.close();
    expect(() => openDatabase(foreign, { create: true })).toThrow(RetakeError);
    expect(() => openDatabase(foreign, { create: false })).toThrow(expect.objectContaining({ code: 'E_NOT_A_PROJECT' }));

    const text = file();
    writeFileSync(text, 'this is not a database at all, just text '.repeat(100));
    expect(() => openDatabase(text, { create: false })).toThrow(/not a Retake project/);
  });

  it('refuses a project from a newer schema', () => {
    const f = file();
    openDatabase(f, { create: true }).close();
    const raw = new Database(f);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(f, { create: false })).toThrow(/newer version of Retake/);
  });
});
