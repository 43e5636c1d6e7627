// A project on disk: a folder holding project.sqlite, media/ (the content-addressed store), exports/, and a lock
// file naming the process that has it open. Creating, opening (which removes what a crash left: media/.tmp and
// exports/*.part), identity checks and locking live here; the open project carries its repositories (all of its SQL)
// and its undo log.

import { existsSync, promises as fsp, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RetakeError } from '../contract/errors';
import { openDatabase, type Db } from './db';
import { History } from './history';
import { MediaStore } from './media-store';
import { createRepos, type Repos } from './repos';
import type { ProjectRow } from './rows';
import { Statements } from './statements';

export const DB_FILE = 'project.sqlite';
export const LOCK_FILE = 'project.lock';
export const DEFAULT_SAMPLE_RATE = 48000;

export class ProjectStore {
  readonly media: MediaStore;
  readonly repos: Repos;
  readonly history: History;
  private readonly sql: Statements;

  private constructor(
    readonly dir: string,
    readonly db: Db,
  ) {
    this.sql = new Statements(db);
    this.media = new MediaStore(path.join(dir, 'media'));
    this.repos = createRepos(this.sql);
    this.history = new History(this.sql);
  }

  get exportsDir(): string {
    return path.join(this.dir, 'exports');
  }

  info(): ProjectRow {
    const row = this.repos.project.info();
    if (!row) throw new RetakeError('E_NOT_A_PROJECT', `${this.dir} holds an incomplete project database.`);
    return row;
  }

  /** Runs fn in one database transaction: all of its changes or none. */
  transaction<T>(fn: () => T): T {
    return this.sql.transaction(fn);
  }

  static isProject(dir: string): boolean {
    return existsSync(path.join(dir, DB_FILE));
  }

  /** Creates a project in an empty (or missing) folder. */
  static async create(dir: string, name?: string): Promise<ProjectStore> {
    dir = path.resolve(dir);
    if (ProjectStore.isProject(dir)) {
      throw new RetakeError('E_PROJECT_EXISTS', `${dir} already holds a Retake project; open it instead.`);
    }
    const entries = await fsp.readdir(dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [] as string[];
      if (e.code === 'ENOTDIR') throw new RetakeError('E_NOT_A_PROJECT', `${dir} is a file, not a folder.`);
      throw new RetakeError('E_IO', `Cannot read ${dir}: ${e.message}.`);
    });
    if (entries.filter((n) => !n.startsWith('.')).length > 0) {
      throw new RetakeError(
        'E_NOT_A_PROJECT',
        `${dir} is not empty and is not a Retake project. Choose an empty or new folder for a new project.`,
      );
    }
    try {
      await fsp.mkdir(dir, { recursive: true });
    } catch (e) {
      throw new RetakeError('E_IO', `Cannot create the folder ${dir}: ${(e as Error).message}.`);
    }
    acquireLock(dir);
    try {
      const store = new ProjectStore(dir, openDatabase(path.join(dir, DB_FILE), { create: true }));
      store.repos.project.create({ name: name ?? path.basename(dir), sampleRate: DEFAULT_SAMPLE_RATE });
      return await store.finishOpen();
    } catch (e) {
      releaseLock(dir);
      throw e;
    }
  }

  static async open(dir: string): Promise<ProjectStore> {
    dir = path.resolve(dir);
    if (!existsSync(dir)) throw new RetakeError('E_FILE_NOT_FOUND', `The folder ${dir} does not exist.`);
    if (!ProjectStore.isProject(dir)) {
      throw new RetakeError('E_NOT_A_PROJECT', `${dir} is not a Retake project (it has no ${DB_FILE}).`);
    }
    acquireLock(dir);
    try {
      const store = new ProjectStore(dir, openDatabase(path.join(dir, DB_FILE), { create: false }));
      if (!store.repos.project.info()) {
        store.db.close();
        throw new RetakeError('E_NOT_A_PROJECT', `${dir} holds an incomplete project database.`);
      }
      return await store.finishOpen();
    } catch (e) {
      releaseLock(dir);
      throw e;
    }
  }

  private async finishOpen(): Promise<ProjectStore> {
    await this.media.init();
    await this.cleanPartialExports();
    return this;
  }

  /**
   * Removes `exports/*.part`: files a render or sidecar write was writing when its process died. Only the process
   * holding the project's lock runs exports into its folder, so at open none of them is being written.
   */
  async cleanPartialExports(): Promise<number> {
    let n = 0;
    for (const name of await fsp.readdir(this.exportsDir).catch(() => [] as string[])) {
      if (!name.endsWith('.part')) continue;
      await fsp.rm(path.join(this.exportsDir, name), { force: true, recursive: true });
      n++;
    }
    return n;
  }

  close(): void {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
      releaseLock(this.dir);
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function acquireLock(dir: string): void {
  const file = path.join(dir, LOCK_FILE);
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new RetakeError('E_IO', `Cannot write ${file}: ${(e as Error).message}.`);
    }
  }
  const pid = Number(readFileSync(file, 'utf8').trim());
  // A lock written before the machine last booted is stale even if its pid now belongs to another process.
  const bootedAt = Date.now() - os.uptime() * 1000;
  const writtenAt = statSync(file).mtimeMs;
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && writtenAt > bootedAt && pidAlive(pid)) {
    throw new RetakeError(
      'E_PROJECT_LOCKED',
      `The project ${dir} is open in another Retake process (pid ${pid}). Close it there first; if no Retake is running, delete ${file}.`,
    );
  }
  // A stale lock from a process that is gone (a crash): take it over.
  writeFileSync(file, String(process.pid));
}

function releaseLock(dir: string): void {
  const file = path.join(dir, LOCK_FILE);
  try {
    if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
  } catch {
    /* already gone */
  }
}
