// Opening project.sqlite: identity check (application_id), WAL, foreign keys, and the numbered migrations.

import Database from 'better-sqlite3';
import { RetakeError } from '../contract/errors';
import { MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from './migrations';

export type Db = Database.Database;

/**
 * better-sqlite3's compiled addon to load instead of the one in node_modules. The Electron shell sets it: the
 * node_modules build targets Node's ABI, Electron needs its own (built by scripts/setup-runtimes.mjs).
 */
let nativeBinding: string | undefined;
export function setSqliteNativeBinding(file: string | undefined): void {
  nativeBinding = file;
}

/** 'RTAK': marks a SQLite file as a Retake project (PRAGMA application_id). */
export const APPLICATION_ID = 0x5254414b;

export function openDatabase(file: string, opts: { create: boolean; migrations?: Migration[] }): Db {
  const migrations = opts.migrations ?? MIGRATIONS;
  let db: Db;
  try {
    db = new Database(file, { fileMustExist: !opts.create, ...(nativeBinding ? { nativeBinding } : {}) });
  } catch (e) {
    throw new RetakeError('E_NOT_A_PROJECT', `Cannot open the project database ${file}: ${(e as Error).message}.`);
  }
  try {
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    if (appId !== APPLICATION_ID) {
      if (!opts.create || tables.n > 0 || version !== 0) {
        throw new RetakeError('E_NOT_A_PROJECT', `${file} is a database but not a Retake project.`);
      }
      db.pragma(`application_id = ${APPLICATION_ID}`);
    }
    const latest = migrations[migrations.length - 1]?.version ?? 0;
    if (version > latest) {
      throw new RetakeError(
        'E_NOT_A_PROJECT',
        `This project was saved by a newer version of Retake (schema ${version}, this one knows ${latest}). Update Retake to open it.`,
      );
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof RetakeError) throw e;
    const msg = (e as Error).message;
    if (/not a database|malformed/i.test(msg)) {
      throw new RetakeError('E_NOT_A_PROJECT', `${file} is not a Retake project database (${msg}).`);
    }
    throw e;
  }
}

/** Applies every migration above the database's user_version, each in its own transaction. */
export function migrate(db: Db, migrations: Migration[] = MIGRATIONS): number {
  let current = db.pragma('user_version', { simple: true }) as number;
  for (const m of migrations) {
    if (m.version <= current) continue;
    if (m.version !== current + 1) throw new Error(`Migration numbering gap before ${m.version}`);
    // PRAGMA foreign_keys cannot change inside a transaction: switch them off around a table rebuild.
    const restoreForeignKeys = m.rebuildsTables && (db.pragma('foreign_keys', { simple: true }) as number) === 1;
    if (restoreForeignKeys) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(m.sql);
        if (m.rebuildsTables) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) throw new Error(`Migration ${m.version} left ${broken.length} broken foreign key(s)`);
        }
        db.pragma(`user_version = ${m.version}`);
      })();
    } finally {
      if (restoreForeignKeys) db.pragma('foreign_keys = ON');
    }
    current = m.version;
  }
  return current;
}

export { LATEST_SCHEMA_VERSION };
