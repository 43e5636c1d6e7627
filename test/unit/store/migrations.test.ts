import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPLICATION_ID, migrate, openDatabase } from '../../../src-main/store/db';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../src-main/store/migrations';
import { RetakeError } from '../../../src-main/contract/errors';
import { History } from '../../../src-main/store/history';
import { EditSpec } from '../../../src-main/studio/services/jobs/edit';
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

  it('migration 3 turns the overloaded deleted flag of takes into a state, and old undo entries still apply', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 2));
    db.exec(`
      INSERT INTO tracks (name, ord, created_at) VALUES ('T', 0, 'now');
      INSERT INTO media (hash, ext, format, sample_rate, channels, frames, bytes, created_at)
        VALUES ('${'a'.repeat(64)}', 'wav', 'wav', 48000, 1, 48000, 10, 'now');
      INSERT INTO clips (track_id, name, start, in_point, out_point, active_take_id, created_at) VALUES (1, 'c', 0, 0, 48000, 1, 'now');
      INSERT INTO jobs (clip_id, input_take_id, engine, task, iterations, seed, status, created_at)
        VALUES (1, 1, 'prosody', 'speed', 2, 7, 'running', 'now'), (1, 1, 'prosody', 'speed', 1, 8, 'done', 'now');
      INSERT INTO takes (clip_id, media_hash, kind, name, job_id, deleted, created_at) VALUES
        (1, '${'a'.repeat(64)}', 'source', 'Source', NULL, 0, 'now'),
        (1, '${'a'.repeat(64)}', 'edit', 'of the running job', 1, 1, 'now'),
        (1, '${'a'.repeat(64)}', 'edit', 'of the done job, undone', 2, 1, 'now'),
        (1, '${'a'.repeat(64)}', 'edit', 'undone, no job', NULL, 1, 'now');
    `);
    // Schema 2 undo entries: the import (clip and source take shown) and the done job's commit (its take shown, then
    // undone); the takes' snapshots name the deleted flag.
    const entry = (label: string, undone: number, changes: unknown) =>
      db.prepare('INSERT INTO history (label, changes, undone, undo_seq, created_at) VALUES (?, ?, ?, ?, ?)').run(label, JSON.stringify(changes), undone, undone ? 1 : null, 'now');
    entry('Import', 0, [
      { table: 'clips', id: 1, before: { start: 0, deleted: 1 }, after: { start: 0, deleted: 0 } },
      { table: 'takes', id: 1, before: { deleted: 1 }, after: { deleted: 0 } },
    ]);
    entry('speed: faster', 1, [{ table: 'takes', id: 3, before: { deleted: 1 }, after: { deleted: 0 } }]);

    migrate(db, MIGRATIONS.slice(0, 3));
    const states = db.prepare('SELECT id, state FROM takes ORDER BY id').all();
    expect(states).toEqual([
      { id: 1, state: 'visible' },
      { id: 2, state: 'pending' },
      { id: 3, state: 'deleted' },
      { id: 4, state: 'deleted' },
    ]);
    const cols = (db.prepare("SELECT name FROM pragma_table_info('takes')").all() as { name: string }[]).map((c) => c.name);
    expect(cols).not.toContain('deleted');
    expect(() => db.prepare("UPDATE takes SET state = 'hidden' WHERE id = 1").run()).toThrow(/CHECK/);
    // The snapshots now name the state, in the same order; clip snapshots are untouched.
    const imp = JSON.parse((db.prepare("SELECT changes FROM history WHERE label = 'Import'").get() as { changes: string }).changes);
    expect(imp).toEqual([
      { table: 'clips', id: 1, before: { start: 0, deleted: 1 }, after: { start: 0, deleted: 0 } },
      { table: 'takes', id: 1, before: { state: 'deleted' }, after: { state: 'visible' } },
    ]);
    // Redo and undo of the entries written before the upgrade work on the new column.
    const history = new History(db);
    history.redo();
    expect(db.prepare('SELECT state FROM takes WHERE id = 3').get()).toEqual({ state: 'visible' });
    history.undo();
    expect(db.prepare('SELECT state FROM takes WHERE id = 3').get()).toEqual({ state: 'deleted' });
    history.undo();
    expect(db.prepare('SELECT state FROM takes WHERE id = 1').get()).toEqual({ state: 'deleted' });
    expect(db.prepare('SELECT deleted FROM clips WHERE id = 1').get()).toEqual({ deleted: 1 });
  });

  it('migration 4 gives jobs a kind and a spec: existing jobs become edit jobs with the same fields', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 3));
    db.exec(`
      INSERT INTO tracks (name, ord, created_at) VALUES ('T', 0, 'now');
      INSERT INTO media (hash, ext, format, sample_rate, channels, frames, bytes, created_at)
        VALUES ('${'a'.repeat(64)}', 'wav', 'wav', 48000, 1, 48000, 10, 'now');
      INSERT INTO clips (track_id, name, start, in_point, out_point, active_take_id, created_at) VALUES (1, 'c', 0, 0, 48000, 1, 'now');
      INSERT INTO jobs (clip_id, input_take_id, engine, task, option, iterations, seed, params, status, progress, stage,
          error_code, error_message, result_take_ids, created_at, started_at, finished_at)
        VALUES (1, 1, 'prosody', 'speed', 'faster', 2, 4294967295, '{"text":"hello","intensity":0.7}', 'failed', 0.5, 'stretch',
          'E_ENGINE_FAILED', 'no', '[2]', 't0', 't1', 't2'),
        (1, 1, 'test', 'crash', NULL, 1, 0, '{}', 'running', 0, NULL, NULL, NULL, '[]', 't3', 't4', NULL);
      INSERT INTO takes (clip_id, media_hash, kind, name, job_id, created_at) VALUES
        (1, '${'a'.repeat(64)}', 'source', 'Source', NULL, 'now'), (1, '${'a'.repeat(64)}', 'edit', 'faster', 1, 'now');
    `);
    migrate(db, MIGRATIONS.slice(0, 4));
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const rows = db.prepare('SELECT * FROM jobs ORDER BY id').all() as Record<string, unknown>[];
    expect(rows.map((r) => ({ ...r, spec: JSON.parse(r.spec as string) }))).toEqual([
      {
        id: 1,
        kind: 'edit',
        spec: { inputTakeId: 1, engine: 'prosody', task: 'speed', option: 'faster', iterations: 2, seed: 4294967295, params: { text: 'hello', intensity: 0.7 } },
        clip_id: 1,
        status: 'failed',
        progress: 0.5,
        stage: 'stretch',
        error_code: 'E_ENGINE_FAILED',
        error_message: 'no',
        result_take_ids: '[2]',
        created_at: 't0',
        started_at: 't1',
        finished_at: 't2',
      },
      {
        id: 2,
        kind: 'edit',
        spec: { inputTakeId: 1, engine: 'test', task: 'crash', option: null, iterations: 1, seed: 0, params: {} },
        clip_id: 1,
        status: 'running',
        progress: 0,
        stage: null,
        error_code: null,
        error_message: null,
        result_take_ids: '[]',
        created_at: 't3',
        started_at: 't4',
        finished_at: null,
      },
    ]);
    // The edit kind reads the converted specs back.
    for (const r of rows) expect(() => EditSpec.parse(JSON.parse(r.spec as string))).not.toThrow();
    // Takes still point at their job; the indexes are back; a job on no clip is allowed, a spec that is not JSON is not.
    expect(db.prepare('SELECT j.kind FROM takes t JOIN jobs j ON j.id = t.job_id').all()).toEqual([{ kind: 'edit' }]);
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(indexes).toEqual(['jobs_clip', 'jobs_status']);
    db.prepare("INSERT INTO jobs (kind, spec, status, created_at) VALUES ('pack-install', '{}', 'queued', 'now')").run();
    expect(() => db.prepare("INSERT INTO jobs (kind, spec, status, created_at) VALUES ('edit', 'not json', 'queued', 'now')").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO jobs (kind, spec, clip_id, status, created_at) VALUES ('edit', '{}', 99, 'queued', 'now')").run()).toThrow(/FOREIGN KEY/);
  });

  it('migration 5 gives tracks a solo flag (off for existing tracks), and undo entries made before it still apply', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 4));
    db.prepare("INSERT INTO tracks (name, ord, muted, created_at) VALUES ('Dialogue', 0, 1, 'now')").run();
    // An entry recorded by schema 4 snapshots tracks without the solo column.
    const old = [{ table: 'tracks', id: 1, before: { name: 'Dialogue', ord: 0, gain_db: 0, muted: 0, deleted: 0 }, after: { name: 'Dialogue', ord: 0, gain_db: 0, muted: 1, deleted: 0 } }];
    db.prepare("INSERT INTO history (label, changes, undone, created_at) VALUES ('Mute Dialogue', ?, 0, 'now')").run(JSON.stringify(old));
    migrate(db, MIGRATIONS.slice(0, 5));
    expect(db.prepare('SELECT solo, muted FROM tracks').get()).toEqual({ solo: 0, muted: 1 });
    expect(() => db.prepare('UPDATE tracks SET solo = 2').run()).toThrow(/CHECK/);
    db.prepare('UPDATE tracks SET solo = 1').run();
    expect(new History(db).undo()?.label).toBe('Mute Dialogue');
    // The old entry restores what it recorded and leaves the newer column alone.
    expect(db.prepare('SELECT solo, muted FROM tracks').get()).toEqual({ solo: 1, muted: 0 });
  });

  it('migration 6 adds length modes (fit for regions, free for clips), clip transcripts, take changes and job results; old edit specs and undo entries still read', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 5));
    db.prepare("INSERT INTO project (id, name, sample_rate, created_at) VALUES (1, 'P', 48000, 'now')").run();
    db.prepare("INSERT INTO tracks (name, ord, created_at) VALUES ('T', 0, 'now')").run();
    db.prepare("INSERT INTO clips (track_id, name, start, in_point, out_point, active_take_id, created_at) VALUES (1, 'Line', 0, 0, 100, 1, 'now')").run();
    const spec = { inputTakeId: 1, engine: 'prosody', task: 'speed', option: 'faster', iterations: 1, seed: 3, params: {} };
    db.prepare("INSERT INTO jobs (kind, spec, clip_id, status, created_at) VALUES ('edit', ?, 1, 'done', 'now')").run(JSON.stringify(spec));
    // An entry made by schema 5 snapshots clips without the transcript.
    const old = [{ table: 'clips', id: 1, before: { track_id: 1, name: 'Line', start: 0, in_point: 0, out_point: 100, gain_db: 0, active_take_id: 1, deleted: 0 }, after: { track_id: 1, name: 'Line', start: 50, in_point: 0, out_point: 100, gain_db: 0, active_take_id: 1, deleted: 0 } }];
    db.prepare("INSERT INTO history (label, changes, undone, created_at) VALUES ('Move Line', ?, 0, 'now')").run(JSON.stringify(old));
    migrate(db, MIGRATIONS.slice(0, 6));
    expect(db.prepare('SELECT region_length_mode, clip_length_mode FROM project').get()).toEqual({ region_length_mode: 'fit', clip_length_mode: 'free' });
    expect(() => db.prepare("UPDATE project SET clip_length_mode = 'stretch'").run()).toThrow(/CHECK/);
    expect(db.prepare('SELECT transcript FROM clips').get()).toEqual({ transcript: null });
    expect(db.prepare('SELECT result FROM jobs').get()).toEqual({ result: null });
    expect(() => db.prepare("UPDATE jobs SET result = 'not json'").run()).toThrow(/CHECK/);
    const cols = (db.prepare("SELECT name FROM pragma_table_info('takes')").all() as { name: string }[]).map((r) => r.name);
    expect(cols).toContain('change');
    // An edit spec written before region edits reads as a whole-clip edit in the free mode.
    const read = EditSpec.parse(JSON.parse((db.prepare('SELECT spec FROM jobs').get() as { spec: string }).spec));
    expect(read).toMatchObject({ requested: null, range: null, lengthMode: 'free', textSource: null, name: null, engineLabel: null });
    db.prepare("UPDATE clips SET start = 50, transcript = 'hello there'").run();
    expect(new History(db).undo()?.label).toBe('Move Line');
    // The old entry restores what it recorded and leaves the transcript alone.
    expect(db.prepare('SELECT start, transcript FROM clips').get()).toEqual({ start: 0, transcript: 'hello there' });
  });

  it('a table rebuild that breaks a foreign key is rolled back, and foreign keys are switched on again', () => {
    const db = new Database(':memory:');
    migrate(db);
    db.exec(`
      INSERT INTO tracks (name, ord, created_at) VALUES ('T', 0, 'now');
      INSERT INTO clips (track_id, name, start, in_point, out_point, active_take_id, created_at) VALUES (1, 'c', 0, 0, 10, 0, 'now');
    `);
    const v = MIGRATIONS.length;
    const dropsTracks = { version: v + 1, name: 'loses the tracks', rebuildsTables: true, sql: 'DELETE FROM tracks;' };
    expect(() => migrate(db, [...MIGRATIONS, dropsTracks])).toThrow(/broken foreign key/);
    expect(db.pragma('user_version', { simple: true })).toBe(v);
    expect(db.prepare('SELECT count(*) AS n FROM tracks').get()).toEqual({ n: 1 });
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
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
