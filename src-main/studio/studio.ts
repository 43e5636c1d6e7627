// The studio core: implements every method of the contract over one open project (SQLite + media store), runs the
// job queue against the engine host, and emits the contract's events. Plain Node: nothing here imports Electron.

import { randomInt } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import {
  RetakeError,
  validateParams,
  type Clip,
  type EngineInfo,
  type HistoryState,
  type Job,
  type MethodName,
  type ParsedParams,
  type ProjectInfo,
  type Result,
  type Take,
  type Handlers,
  type ExportFormat,
} from '../contract';
import { parsePeaks, peaksForRenderer } from '../audio/peaks';
import { metricDeltas } from '../audio/analysis/deltas';
import type { HostCaller } from '../engines/host/client';
import { checkEditRequest } from '../engines/check';
import type { ChangeRecorder } from '../store/history';
import { ProjectStore } from '../store/project-store';
import { LATEST_SCHEMA_VERSION } from '../store/migrations';
import type { ClipRow, JobRow, MediaRow, TakeRow, TrackRow } from '../store/rows';
import { Emitter } from './events';
import { Settings } from './home';
import {
  clipEntity,
  jobEntity,
  lengthInProject,
  mediaInfo,
  takeEntity,
  toMediaFrames,
  trackEntity,
  exportUrl,
} from './mapping';

export interface StudioOptions {
  host: HostCaller;
  home: string;
  /** Measure every take (analysis). Off in tests that do not need it, to save time. */
  analyze?: boolean;
}

const now = () => new Date().toISOString();

/** Methods that open or close projects: serialized, and never run while another one is under way. */
const LIFECYCLE: ReadonlySet<MethodName> = new Set(['project.create', 'project.open', 'project.close']);

export type UploadResolver = (uploadId: string) => { file: string; release(): void } | null;

interface RunningJob {
  id: number;
  controller: AbortController;
  done: Promise<void>;
}

export class Studio {
  readonly events = new Emitter();
  readonly settings: Settings;
  private project: ProjectStore | null = null;
  private queue: number[] = [];
  private running: RunningJob | null = null;
  private engineCache: EngineInfo[] | null = null;
  private uploads: UploadResolver | null = null;
  /** Project open/create/close run one at a time, in call order. */
  private lifecycle: Promise<unknown> = Promise.resolve();
  private pendingLifecycle = 0;
  /** Set while the open project is being closed: new calls are refused, running ones finish. */
  private closing = false;
  /** Calls that may still touch the open project (imports, exports…); closing waits for them. */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly opts: StudioOptions) {
    this.settings = new Settings(opts.home);
  }

  /** A shell that receives uploads (the web shell) says where an upload id's file is. */
  setUploadResolver(fn: UploadResolver | null): void {
    this.uploads = fn;
  }

  /** Called by the shell when the engine host restarted: capabilities may have changed. */
  hostRestarted(): void {
    this.engineCache = null;
    this.events.emit('engines.changed', {});
  }

  // ---------------------------------------------------------------- dispatch

  /** Validates params and runs a method: the single entry point every shell uses. */
  async call<M extends MethodName>(method: M, params: unknown): Promise<Result<M>> {
    const parsed = validateParams(method, params);
    const h = this.handlers[method] as (p: ParsedParams<M>) => Promise<Result<M>>;
    if (LIFECYCLE.has(method)) return this.serialize(() => h(parsed));
    // A call made after an open or close sees its outcome.
    if (this.pendingLifecycle > 0) await this.lifecycle;
    if (this.closing) throw new RetakeError('E_NO_PROJECT', 'The project is closing; try again once a project is open.');
    const op = h(parsed);
    this.inflight.add(op);
    void op.catch(() => {}).finally(() => this.inflight.delete(op));
    return op;
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    this.pendingLifecycle++;
    const next = this.lifecycle.then(fn, fn).finally(() => this.pendingLifecycle--);
    this.lifecycle = next.catch(() => {});
    return next;
  }

  readonly handlers: Handlers = {
    'project.create': async (p) => this.openProject(await ProjectStore.create(p.dir, p.name), true),
    'project.open': async (p) => {
      if (this.project && path.resolve(p.dir) === this.project.dir) return this.projectInfo(this.project);
      return this.openProject(await ProjectStore.open(p.dir), false);
    },
    'project.current': async () => (this.project ? this.projectInfo(this.project) : null),
    'project.listRecent': async () => this.settings.recent(),
    'project.close': async () => {
      await this.closeProject();
      return null;
    },
    'timeline.get': async () => this.timeline(),
    'media.import': async (p) => this.importMedia(p),
    'media.peaks': async (p) => this.peaks(p.hash, p.buckets ?? 1000),
    'tracks.add': async (p) => this.addTrack(p.name),
    'tracks.rename': async (p) => {
      const proj = this.need();
      this.trackRow(p.trackId);
      proj.history.record(`Rename track to ${p.name}`, (rec) => {
        rec.touch('tracks', p.trackId);
        proj.db.prepare('UPDATE tracks SET name = ? WHERE id = ?').run(p.name, p.trackId);
      });
      this.changed();
      return trackEntity(this.trackRow(p.trackId));
    },
    'clips.add': async (p) => this.addClip(p),
    'clips.move': async (p) => {
      const proj = this.need();
      const c = this.clipRow(p.clipId);
      if (p.trackId !== undefined) this.trackRow(p.trackId);
      proj.history.record(`Move ${c.name}`, (rec) => {
        rec.touch('clips', c.id);
        proj.db.prepare('UPDATE clips SET start = ?, track_id = ? WHERE id = ?').run(p.start, p.trackId ?? c.track_id, c.id);
      });
      this.changed();
      return this.clip(c.id);
    },
    'clips.trim': async (p) => {
      const proj = this.need();
      const c = this.clipRow(p.clipId);
      const len = this.clip(c.id).takeLength;
      if (!(p.inPoint < p.outPoint && p.outPoint <= len)) {
        throw new RetakeError('E_VALIDATION', `Trim points must satisfy 0 ≤ in < out ≤ ${len} (the take's length in samples).`);
      }
      proj.history.record(`Trim ${c.name}`, (rec) => {
        rec.touch('clips', c.id);
        proj.db.prepare('UPDATE clips SET in_point = ?, out_point = ? WHERE id = ?').run(p.inPoint, p.outPoint, c.id);
      });
      this.changed();
      return this.clip(c.id);
    },
    'clips.split': async (p) => this.splitClip(p.clipId, p.at),
    'clips.delete': async (p) => {
      const proj = this.need();
      const c = this.clipRow(p.clipId);
      if (this.busy().clips.has(c.id)) {
        throw new RetakeError('E_JOB_ACTIVE', `${c.name} has a job queued or running; cancel it before deleting the clip.`);
      }
      proj.history.record(`Delete ${c.name}`, (rec) => {
        rec.touch('clips', c.id);
        proj.db.prepare('UPDATE clips SET deleted = 1 WHERE id = ?').run(c.id);
      });
      this.changed();
      return null;
    },
    'takes.list': async (p) => {
      this.clipRow(p.clipId);
      // Visible takes, and the finished iterations of a job still running (pending until it ends).
      const rows = this.need()
        .db.prepare(
          `SELECT t.*, (t.deleted = 1) AS pending FROM takes t LEFT JOIN jobs j ON j.id = t.job_id
           WHERE t.clip_id = ? AND (t.deleted = 0 OR j.status IN ('queued', 'running')) ORDER BY t.id`,
        )
        .all(p.clipId) as (TakeRow & { pending: number })[];
      return rows.map((t) => this.takeFromRow(t, t.pending === 1));
    },
    'takes.setActive': async (p) => {
      const proj = this.need();
      const c = this.clipRow(p.clipId);
      if (this.busy().takes.has(p.takeId) && !proj.db.prepare('SELECT 1 FROM takes WHERE id = ? AND deleted = 0').get(p.takeId)) {
        throw new RetakeError('E_JOB_ACTIVE', 'That take belongs to a job that is still running; it can be chosen once the job ends.');
      }
      const t = this.takeRow(p.takeId);
      if (t.clip_id !== c.id) throw new RetakeError('E_VALIDATION', `Take ${t.id} does not belong to ${c.name}.`);
      if (c.active_take_id === t.id) return this.clip(c.id);
      proj.history.record(`Choose take ${t.name}`, (rec) => this.activate(rec, c.id, t));
      this.changed(c.id);
      return this.clip(c.id);
    },
    'takes.star': async (p) => {
      this.takeRow(p.takeId);
      this.need().db.prepare('UPDATE takes SET starred = ? WHERE id = ?').run(p.starred ? 1 : 0, p.takeId);
      const t = this.take(p.takeId);
      this.events.emit('takes.changed', { clipId: t.clipId });
      return t;
    },
    'takes.rename': async (p) => {
      this.takeRow(p.takeId);
      this.need().db.prepare('UPDATE takes SET name = ? WHERE id = ?').run(p.name, p.takeId);
      const t = this.take(p.takeId);
      this.events.emit('takes.changed', { clipId: t.clipId });
      return t;
    },
    'jobs.submit': async (p) => this.submitJob(p),
    'jobs.cancel': async (p) => this.cancelJob(p.jobId),
    'jobs.list': async (p) => {
      const db = this.need().db;
      const rows = (
        p.clipId === undefined
          ? db.prepare('SELECT * FROM jobs ORDER BY id DESC LIMIT 200').all()
          : db.prepare('SELECT * FROM jobs WHERE clip_id = ? ORDER BY id DESC LIMIT 200').all(p.clipId)
      ) as JobRow[];
      return rows.map(jobEntity);
    },
    'history.state': async () => this.historyState(),
    'history.undo': async () => {
      this.checkHistoryAllowed('undo');
      const entry = this.need().history.undo();
      if (!entry) throw new RetakeError('E_NOTHING_TO_UNDO', 'There is nothing to undo.');
      this.afterHistory(entry.changes);
      return this.historyState();
    },
    'history.redo': async () => {
      this.checkHistoryAllowed('redo');
      const entry = this.need().history.redo();
      if (!entry) throw new RetakeError('E_NOTHING_TO_REDO', 'There is nothing to redo.');
      this.afterHistory(entry.changes);
      return this.historyState();
    },
    'engines.list': async () => this.engines(),
    'export.clip': async (p) => this.exportClip(p.clipId, p.format),
  };

  // ---------------------------------------------------------------- projects

  private need(): ProjectStore {
    if (!this.project) throw new RetakeError('E_NO_PROJECT', 'No project is open. Create or open a project first.');
    return this.project;
  }

  get projectDir(): string | null {
    return this.project?.dir ?? null;
  }

  private projectInfo(p: ProjectStore): ProjectInfo {
    const r = p.info();
    return { dir: p.dir, name: r.name, sampleRate: r.sample_rate, createdAt: r.created_at, schemaVersion: LATEST_SCHEMA_VERSION };
  }

  private async openProject(store: ProjectStore, created: boolean): Promise<ProjectInfo> {
    try {
      await this.closeProject();
    } catch (e) {
      store.close();
      throw e;
    }
    this.project = store;
    if (created) {
      store.db.prepare('INSERT INTO tracks (name, ord, created_at) VALUES (?, 0, ?)').run('Track 1', now());
    }
    // Jobs that were queued or running when the previous session ended did not finish: say so, and show the takes
    // they had completed (made while running, they were not yet visible).
    store.db.transaction(() => {
      store.db
        .prepare(`UPDATE takes SET deleted = 0 WHERE deleted = 1 AND job_id IN (SELECT id FROM jobs WHERE status IN ('queued', 'running'))`)
        .run();
      store.db
        .prepare(
          `UPDATE jobs SET status = 'failed', error_code = 'E_ENGINE_CRASHED',
             error_message = 'Interrupted: Retake stopped while this job was queued or running. Its finished iterations are kept as takes; submit it again for the rest.',
             finished_at = ? WHERE status IN ('queued', 'running')`,
        )
        .run(now());
    })();
    const info = this.projectInfo(store);
    this.settings.addRecent(store.dir, info.name);
    this.events.emit('project.changed', { project: info });
    this.events.emit('history.changed', this.historyState());
    return info;
  }

  /** Opens the project at dir, creating it when the folder holds none (web shell start-up, CLI). */
  async openOrCreate(dir: string): Promise<ProjectInfo> {
    return ProjectStore.isProject(dir) ? this.call('project.open', { dir }) : this.call('project.create', { dir });
  }

  private async closeProject(): Promise<void> {
    const p = this.project;
    if (!p) return;
    this.closing = true;
    try {
      // Calls under way finish first (they cannot start jobs now: pump() waits while closing); then the queue is
      // cancelled and the running job stopped.
      await Promise.allSettled([...this.inflight]);
      for (const id of this.queue) this.finishJob(id, 'cancelled', null);
      this.queue = [];
      if (this.running) {
        this.running.controller.abort();
        await this.running.done;
      }
    } finally {
      this.project = null;
      this.closing = false;
      p.close();
    }
    this.events.emit('project.changed', { project: null });
  }

  async dispose(): Promise<void> {
    await this.serialize(() => this.closeProject());
  }

  // ---------------------------------------------------------------- queries

  private get rate(): number {
    return this.need().info().sample_rate;
  }

  private mediaRow(hash: string): MediaRow {
    const m = this.need().db.prepare('SELECT * FROM media WHERE hash = ?').get(hash) as MediaRow | undefined;
    if (!m) throw new RetakeError('E_NOT_FOUND', `No media ${hash} in this project.`);
    return m;
  }

  private trackRow(id: number): TrackRow {
    const t = this.need().db.prepare('SELECT * FROM tracks WHERE id = ? AND deleted = 0').get(id) as TrackRow | undefined;
    if (!t) throw new RetakeError('E_NOT_FOUND', `There is no track ${id}.`);
    return t;
  }

  private clipRow(id: number): ClipRow {
    const c = this.need().db.prepare('SELECT * FROM clips WHERE id = ? AND deleted = 0').get(id) as ClipRow | undefined;
    if (!c) throw new RetakeError('E_NOT_FOUND', `There is no clip ${id} (it may have been deleted).`);
    return c;
  }

  private takeRow(id: number): TakeRow {
    const t = this.need().db.prepare('SELECT * FROM takes WHERE id = ? AND deleted = 0').get(id) as TakeRow | undefined;
    if (!t) throw new RetakeError('E_NOT_FOUND', `There is no take ${id} (it may have been undone).`);
    return t;
  }

  private jobRow(id: number): JobRow {
    const j = this.need().db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    if (!j) throw new RetakeError('E_NOT_FOUND', `There is no job ${id}.`);
    return j;
  }

  private clip(id: number): Clip {
    const c = this.clipRow(id);
    const t = this.need().db.prepare('SELECT * FROM takes WHERE id = ?').get(c.active_take_id) as TakeRow | undefined;
    if (!t) throw new RetakeError('E_INTERNAL', `Clip ${c.name} points at a take that does not exist (${c.active_take_id}). Please report this.`);
    return clipEntity(c, this.mediaRow(t.media_hash), this.rate);
  }

  private take(id: number): Take {
    return this.takeFromRow(this.takeRow(id));
  }

  private takeFromRow(t: TakeRow, pending = false): Take {
    return takeEntity(t, this.mediaRow(t.media_hash), pending);
  }

  private timeline(): Result<'timeline.get'> {
    const p = this.need();
    const tracks = (p.db.prepare('SELECT * FROM tracks WHERE deleted = 0 ORDER BY ord, id').all() as TrackRow[]).map(trackEntity);
    const clips = (p.db.prepare('SELECT id FROM clips WHERE deleted = 0 ORDER BY track_id, start, id').all() as { id: number }[]).map(
      (r) => this.clip(r.id),
    );
    return { project: this.projectInfo(p), tracks, clips };
  }

  private historyState(): HistoryState {
    return this.project ? this.project.history.state() : { canUndo: false, canRedo: false, undoLabel: null, redoLabel: null };
  }

  private changed(clipId?: number): void {
    this.events.emit('timeline.changed', {});
    if (clipId !== undefined) this.events.emit('takes.changed', { clipId });
    this.events.emit('history.changed', this.historyState());
  }

  private afterHistory(changes: { table: string; id: number }[]): void {
    const db = this.need().db;
    const clips = new Set<number>();
    for (const c of changes) {
      if (c.table === 'clips') clips.add(c.id);
      if (c.table === 'takes') {
        const r = db.prepare('SELECT clip_id FROM takes WHERE id = ?').get(c.id) as { clip_id: number } | undefined;
        if (r) clips.add(r.clip_id);
      }
    }
    this.events.emit('timeline.changed', {});
    for (const id of clips) this.events.emit('takes.changed', { clipId: id });
    this.events.emit('history.changed', this.historyState());
  }

  private async engines(): Promise<EngineInfo[]> {
    if (!this.engineCache) this.engineCache = await this.opts.host.call('engines', {});
    return this.engineCache;
  }

  // ---------------------------------------------------------------- tracks and clips

  private addTrack(name?: string) {
    const p = this.need();
    const ord = (p.db.prepare('SELECT coalesce(max(ord), -1) + 1 AS n FROM tracks WHERE deleted = 0').get() as { n: number }).n;
    const id = p.history.record(`Add track`, (rec) => {
      const r = p.db.prepare('INSERT INTO tracks (name, ord, created_at) VALUES (?, ?, ?)').run(name ?? `Track ${ord + 1}`, ord, now());
      const id = Number(r.lastInsertRowid);
      rec.created('tracks', id);
      return id;
    });
    this.changed();
    return trackEntity(this.trackRow(id));
  }

  /**
   * Makes a take the clip's active one. A take of the same length as the current one keeps the clip's in/out points
   * (same timing, e.g. source ↔ denoised); any other length shows the whole new take, since its timing differs.
   */
  private activate(rec: ChangeRecorder, clipId: number, t: TakeRow): void {
    rec.touch('clips', clipId);
    const db = this.need().db;
    const c = db.prepare('SELECT * FROM clips WHERE id = ?').get(clipId) as ClipRow;
    const current = db.prepare('SELECT media_hash FROM takes WHERE id = ?').get(c.active_take_id) as { media_hash: string } | undefined;
    const len = lengthInProject(this.mediaRow(t.media_hash), this.rate);
    const sameLength = current !== undefined && lengthInProject(this.mediaRow(current.media_hash), this.rate) === len;
    const [inP, outP] = sameLength ? [c.in_point, c.out_point] : [0, len];
    db.prepare('UPDATE clips SET active_take_id = ?, in_point = ?, out_point = ? WHERE id = ?').run(t.id, inP, outP, clipId);
  }

  private splitClip(clipId: number, at: number): Result<'clips.split'> {
    const p = this.need();
    const c = this.clipRow(clipId);
    const offset = at - c.start;
    if (offset <= 0 || offset >= c.out_point - c.in_point) {
      throw new RetakeError('E_VALIDATION', `The split point must lie inside ${c.name} (between its start and end).`);
    }
    const rightId = p.history.record(`Split ${c.name}`, (rec) => {
      rec.touch('clips', c.id);
      const mid = c.in_point + offset;
      p.db.prepare('UPDATE clips SET out_point = ? WHERE id = ?').run(mid, c.id);
      const r = p.db
        .prepare(
          `INSERT INTO clips (track_id, name, start, in_point, out_point, gain_db, active_take_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, 0, ?)`,
        )
        .run(c.track_id, `${c.name} (2)`, at, mid, c.out_point, c.gain_db, now());
      const right = Number(r.lastInsertRowid);
      rec.created('clips', right);
      // The right half carries a copy of the take history (same media, new ids) so it can be edited on its own.
      const takes = p.db.prepare('SELECT * FROM takes WHERE clip_id = ? AND deleted = 0 ORDER BY id').all(c.id) as TakeRow[];
      const map = new Map<number, number>();
      const ins = p.db.prepare(
        `INSERT INTO takes (clip_id, parent_id, media_hash, kind, name, starred, engine, engine_version, pack_hash, task,
           option, iteration, seed, text_before, text_after, params, metrics, deltas, job_id, created_at)
         VALUES (@clip_id, @parent_id, @media_hash, @kind, @name, @starred, @engine, @engine_version, @pack_hash, @task,
           @option, @iteration, @seed, @text_before, @text_after, @params, @metrics, @deltas, @job_id, @created_at)`,
      );
      for (const t of takes) {
        const parent = t.parent_id === null ? null : (map.get(t.parent_id) ?? null);
        const { id: _old, deleted: _d, ...rest } = t;
        const nid = Number(ins.run({ ...rest, clip_id: right, parent_id: parent }).lastInsertRowid);
        map.set(t.id, nid);
        rec.created('takes', nid);
      }
      const active = map.get(c.active_take_id);
      if (active === undefined) throw new RetakeError('E_INTERNAL', `${c.name} has no visible active take to split. Please report this.`);
      p.db.prepare('UPDATE clips SET active_take_id = ? WHERE id = ?').run(active, right);
      return right;
    });
    this.changed();
    return { left: this.clip(c.id), right: this.clip(rightId) };
  }

  // ---------------------------------------------------------------- media

  private async importMedia(p: ParsedParams<'media.import'>): Promise<Result<'media.import'>> {
    if (p.source.kind === 'path') {
      const src = path.resolve(p.source.path);
      return this.importFile(src, p.name ?? path.basename(src), p);
    }
    const up = this.uploads?.(p.source.uploadId);
    if (!up) throw new RetakeError('E_NOT_FOUND', 'That upload is unknown or has expired; import the file again.');
    try {
      return await this.importFile(up.file, p.name ?? 'upload', p);
    } finally {
      // An upload is imported once, whatever the outcome: its temp file goes.
      up.release();
    }
  }

  private async importFile(src: string, name: string, p: ParsedParams<'media.import'>): Promise<Result<'media.import'>> {
    const proj = this.need();
    const st = await fsp.stat(src).catch(() => null);
    if (!st) throw new RetakeError('E_FILE_NOT_FOUND', `The file ${src} does not exist.`);
    if (!st.isFile()) throw new RetakeError('E_UNSUPPORTED_AUDIO', `${name} is not a file.`);
    if (st.size === 0) throw new RetakeError('E_EMPTY_AUDIO', `${name} is empty (0 bytes). Choose a file that holds audio.`);
    if (p.trackId !== undefined) this.trackRow(p.trackId);

    // Copy into the store's temp folder first: nothing enters the project unless the file decodes.
    const tmp = proj.media.tempPath('import');
    const peaksTmp = proj.media.tempPath('peaks');
    try {
      try {
        await fsp.copyFile(src, tmp);
      } catch (e) {
        throw new RetakeError('E_IO', `Could not read ${name}: ${(e as Error).message}.`);
      }
      const facts = await this.opts.host.call('inspect', { input: tmp, name, peaksOut: peaksTmp, analyze: this.opts.analyze ?? true });
      const ext = facts.ext;
      const stored = await proj.media.adoptTemp(await renameExt(tmp, ext), ext);
      await fsp.mkdir(path.dirname(proj.media.peaksPath(stored.hash)), { recursive: true });
      await fsp.rename(peaksTmp, proj.media.peaksPath(stored.hash));

      const clipId = proj.history.record(`Import ${name}`, (rec) => {
        proj.db
          .prepare(
            `INSERT OR IGNORE INTO media (hash, ext, format, sample_rate, channels, frames, bytes, original_name, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(stored.hash, ext, facts.format, facts.sampleRate, facts.channels, facts.frames, stored.bytes, name, now());
        return this.placeClip(rec, { hash: stored.hash, name, trackId: p.trackId, start: p.start, metrics: facts.metrics });
      });
      this.changed(clipId);
      const clip = this.clip(clipId);
      return { clip, take: this.take(clip.activeTakeId), media: mediaInfo(this.mediaRow(stored.hash)) };
    } finally {
      await fsp.rm(tmp, { force: true });
      await fsp.rm(peaksTmp, { force: true });
    }
  }

  /**
   * Puts media of the project on a track as a new clip with a source take (inside an undoable record). The clip goes
   * at `start`, or after the last clip of the track; on the first track when none is given.
   */
  private placeClip(
    rec: ChangeRecorder,
    a: { hash: string; name: string; trackId: number | undefined; start: number | undefined; metrics: Record<string, unknown> | null },
  ): number {
    const db = this.need().db;
    let trackId = a.trackId;
    if (trackId === undefined) {
      const first = db.prepare('SELECT id FROM tracks WHERE deleted = 0 ORDER BY ord, id LIMIT 1').get() as { id: number } | undefined;
      if (first) trackId = first.id;
      else {
        trackId = Number(db.prepare('INSERT INTO tracks (name, ord, created_at) VALUES (?, 0, ?)').run('Track 1', now()).lastInsertRowid);
        rec.created('tracks', trackId);
      }
    }
    const end = db
      .prepare('SELECT coalesce(max(start + out_point - in_point), 0) AS e FROM clips WHERE track_id = ? AND deleted = 0')
      .get(trackId) as { e: number };
    const len = lengthInProject(this.mediaRow(a.hash), this.rate);
    const clipName = a.name.replace(/\.[^.]+$/, '') || a.name;
    const clip = Number(
      db
        .prepare(`INSERT INTO clips (track_id, name, start, in_point, out_point, active_take_id, created_at) VALUES (?, ?, ?, 0, ?, 0, ?)`)
        .run(trackId, clipName, a.start ?? end.e, len, now()).lastInsertRowid,
    );
    rec.created('clips', clip);
    const take = Number(
      db
        .prepare(`INSERT INTO takes (clip_id, parent_id, media_hash, kind, name, metrics, created_at) VALUES (?, NULL, ?, 'source', 'Source', ?, ?)`)
        .run(clip, a.hash, a.metrics ? JSON.stringify(a.metrics) : null, now()).lastInsertRowid,
    );
    rec.created('takes', take);
    db.prepare('UPDATE clips SET active_take_id = ? WHERE id = ?').run(take, clip);
    return clip;
  }

  private addClip(p: ParsedParams<'clips.add'>): Clip {
    const proj = this.need();
    const m = this.mediaRow(p.mediaHash);
    this.mediaPath(m.hash);
    if (p.trackId !== undefined) this.trackRow(p.trackId);
    // Reuse the measurements of the media from any take that has them.
    const measured = proj.db.prepare('SELECT metrics FROM takes WHERE media_hash = ? AND metrics IS NOT NULL LIMIT 1').get(m.hash) as
      | { metrics: string }
      | undefined;
    const name = p.name ?? m.original_name ?? 'Clip';
    const clipId = proj.history.record(`Add ${name}`, (rec) =>
      this.placeClip(rec, { hash: m.hash, name, trackId: p.trackId, start: p.start, metrics: measured ? (JSON.parse(measured.metrics) as Record<string, unknown>) : null }),
    );
    this.changed(clipId);
    return this.clip(clipId);
  }

  private async peaks(hash: string, buckets: number): Promise<Result<'media.peaks'>> {
    const proj = this.need();
    const m = this.mediaRow(hash);
    let bytes: Uint8Array;
    try {
      bytes = await fsp.readFile(proj.media.peaksPath(hash));
    } catch {
      throw new RetakeError('E_MEDIA_MISSING', `The waveform cache of ${m.original_name ?? hash} is missing; re-import the file.`);
    }
    return { hash, durationSec: m.frames / m.sample_rate, peaks: peaksForRenderer(parsePeaks(bytes), { maxLength: buckets }).peaks };
  }

  /** The media-store file of a media row, with a clear error when it has gone missing on disk. */
  mediaPath(hash: string): string {
    const proj = this.need();
    const m = this.mediaRow(hash);
    const file = proj.media.pathFor(hash, m.ext);
    if (!existsSync(file)) {
      throw new RetakeError(
        'E_MEDIA_MISSING',
        `The audio file of ${m.original_name ?? 'this take'} is missing from the project's media folder (${file}). Restore it from a backup.`,
      );
    }
    return file;
  }

  /** The media store root of the open project (shells serve files from it and nothing else). */
  mediaRoot(): string | null {
    return this.project?.media.root ?? null;
  }

  exportsDir(): string | null {
    return this.project?.exportsDir ?? null;
  }

  // ---------------------------------------------------------------- export

  /** Renders the clip's active take (its in/out range, its gain) as a new WAV in the project's exports folder. */
  private async exportClip(clipId: number, format: ExportFormat): Promise<Result<'export.clip'>> {
    const proj = this.need();
    const c = this.clipRow(clipId);
    const t = this.takeRow(c.active_take_id);
    const m = this.mediaRow(t.media_hash);
    const input = this.mediaPath(m.hash);
    await fsp.mkdir(proj.exportsDir, { recursive: true });
    // Never overwrites: each export gets a free name.
    const base = `${c.name}-take${t.id}`.replace(/[^\p{L}\p{N}._ -]+/gu, '_').slice(0, 120);
    let out = path.join(proj.exportsDir, `${base}.wav`);
    for (let i = 2; existsSync(out); i++) out = path.join(proj.exportsDir, `${base}-${i}.wav`);
    const rate = this.rate;
    const r = await this.opts.host.call('export', {
      input,
      range: { start: toMediaFrames(c.in_point, m, rate), end: toMediaFrames(c.out_point, m, rate) },
      gainDb: c.gain_db,
      format,
      output: out,
    });
    return { path: out, bytes: r.bytes, url: exportUrl(out) };
  }

  // ---------------------------------------------------------------- jobs

  private async submitJob(p: ParsedParams<'jobs.submit'>): Promise<Job> {
    const proj = this.need();
    const c = this.clipRow(p.clipId);
    const takeId = p.takeId ?? c.active_take_id;
    const t = this.takeRow(takeId);
    if (t.clip_id !== c.id) throw new RetakeError('E_VALIDATION', `Take ${t.id} does not belong to ${c.name}.`);
    this.mediaPath(t.media_hash);
    const engines = await this.engines();
    const caps = engines.find((e) => e.id === p.engine);
    if (!caps) {
      throw new RetakeError('E_UNKNOWN_ENGINE', `There is no engine "${p.engine}". Available: ${engines.map((e) => e.id).join(', ')}.`);
    }
    checkEditRequest(caps, p);
    const seed = p.seed ?? randomInt(0, 2 ** 32);
    const params: Record<string, unknown> = {};
    for (const k of ['text', 'newText', 'intensity'] as const) if (p[k] !== undefined) params[k] = p[k];
    const id = Number(
      proj.db
        .prepare(
          `INSERT INTO jobs (clip_id, input_take_id, engine, task, option, iterations, seed, params, status, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)`,
        )
        .run(c.id, t.id, p.engine, p.task, p.option ?? null, p.iterations ?? 1, seed, JSON.stringify(params), now()).lastInsertRowid,
    );
    this.queue.push(id);
    const job = jobEntity(this.jobRow(id));
    this.events.emit('job.updated', { job });
    this.pump();
    return job;
  }

  private cancelJob(id: number): Job {
    const j = this.jobRow(id);
    if (j.status === 'queued') {
      this.queue = this.queue.filter((q) => q !== id);
      this.finishJob(id, 'cancelled', null);
    } else if (j.status === 'running' && this.running?.id === id) {
      this.running.controller.abort();
    }
    return jobEntity(this.jobRow(id));
  }

  private pump(): void {
    if (this.running || this.queue.length === 0 || !this.project || this.closing) return;
    const id = this.queue.shift()!;
    const controller = new AbortController();
    const run: RunningJob = { id, controller, done: Promise.resolve() };
    this.running = run;
    run.done = this.runJob(id, controller.signal)
      .catch((e: unknown) => {
        // runJob records its own failures; reaching here is a bug, but it must not wedge the queue.
        console.error('job runner:', e);
      })
      .finally(() => {
        if (this.running === run) this.running = null;
        this.pump();
      });
  }

  private finishJob(id: number, status: 'done' | 'failed' | 'cancelled', error: { code: string; message: string } | null): void {
    const db = this.project?.db;
    if (!db) return;
    db.prepare(
      `UPDATE jobs SET status = ?, error_code = ?, error_message = ?, finished_at = ?,
         progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END WHERE id = ?`,
    ).run(status, error?.code ?? null, error?.message ?? null, now(), status, id);
    const job = jobEntity(this.jobRow(id));
    this.events.emit('job.updated', { job });
    this.events.emit('job.finished', { job });
  }

  private async runJob(id: number, signal: AbortSignal): Promise<void> {
    const proj = this.need();
    const db = proj.db;
    const job = this.jobRow(id);
    const params = JSON.parse(job.params) as { text?: string; newText?: string; intensity?: number };
    db.prepare(`UPDATE jobs SET status = 'running', started_at = ?, stage = 'starting' WHERE id = ?`).run(now(), id);
    this.events.emit('job.updated', { job: jobEntity(this.jobRow(id)) });

    const created: number[] = [];
    let progress = 0;
    const report = (value: number, stage: string | null) => {
      if (value < progress || this.project !== proj) return;
      progress = value;
      db.prepare('UPDATE jobs SET progress = ?, stage = ? WHERE id = ?').run(value, stage, id);
      this.events.emit('job.progress', { jobId: id, clipId: job.clip_id, progress: value, stage });
    };

    let error: { code: string; message: string } | null = null;
    let status: 'done' | 'failed' | 'cancelled' = 'done';
    try {
      const clip = this.clipRow(job.clip_id);
      let parent = this.takeRow(job.input_take_id);
      const rate = this.rate;
      for (let i = 0; i < job.iterations; i++) {
        signal.throwIfAborted();
        const m = this.mediaRow(parent.media_hash);
        // The first run edits what the clip plays (its in/out range) when the input is the active take.
        const range =
          i === 0 && parent.id === clip.active_take_id
            ? { start: toMediaFrames(clip.in_point, m, rate), end: toMediaFrames(clip.out_point, m, rate) }
            : undefined;
        const out = proj.media.tempPath('wav');
        const peaksOut = proj.media.tempPath('peaks');
        const seed = (job.seed + i) >>> 0;
        const label = job.iterations > 1 ? ` (iteration ${i + 1}/${job.iterations})` : '';
        try {
          const r = await this.opts.host.call(
            'edit',
            {
              engine: job.engine,
              request: {
                task: job.task,
                ...(job.option !== null ? { option: job.option } : {}),
                ...params,
                seed,
                iteration: i,
              },
              input: this.mediaPath(m.hash),
              ...(range ? { range } : {}),
              output: out,
              peaksOut,
              analyze: this.opts.analyze ?? true,
            },
            { signal, onProgress: (v, stage) => report((i + v) / job.iterations, stage ? stage + label : null) },
          );
          const stored = await proj.media.adoptTemp(out, 'wav');
          await fsp.rename(peaksOut, proj.media.peaksPath(stored.hash)).catch(() => {});
          db.prepare(
            `INSERT OR IGNORE INTO media (hash, ext, format, sample_rate, channels, frames, bytes, original_name, created_at)
             VALUES (?, 'wav', 'wav', ?, ?, ?, ?, NULL, ?)`,
          ).run(stored.hash, r.sampleRate, r.channels, r.frames, stored.bytes, now());
          const parentMetrics = parent.metrics ? (JSON.parse(parent.metrics) as Record<string, unknown>) : null;
          const deltas = parentMetrics && r.metrics ? metricDeltas(parentMetrics, r.metrics) : null;
          const name = [job.option ?? job.task, job.iterations > 1 ? `#${i + 1}` : ''].filter(Boolean).join(' ');
          const takeId = Number(
            db
              .prepare(
                // Pending (hidden) until the job ends and commits its takes as one undoable step.
                `INSERT INTO takes (clip_id, parent_id, media_hash, kind, name, engine, engine_version, task, option,
                   iteration, seed, text_before, text_after, params, metrics, deltas, job_id, deleted, created_at)
                 VALUES (?, ?, ?, 'edit', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
              )
              .run(
                clip.id,
                parent.id,
                stored.hash,
                name,
                job.engine,
                r.engineVersion,
                job.task,
                job.option,
                i + 1,
                seed,
                params.text ?? null,
                params.newText ?? params.text ?? null,
                JSON.stringify({ ...params, ...(r.info && Object.keys(r.info).length ? { engineInfo: r.info } : {}) }),
                r.metrics ? JSON.stringify(r.metrics) : null,
                deltas ? JSON.stringify(deltas) : null,
                id,
                now(),
              ).lastInsertRowid,
          );
          created.push(takeId);
          db.prepare('UPDATE jobs SET result_take_ids = ? WHERE id = ?').run(JSON.stringify(created), id);
          this.events.emit('takes.changed', { clipId: clip.id });
          parent = db.prepare('SELECT * FROM takes WHERE id = ?').get(takeId) as TakeRow;
        } finally {
          await fsp.rm(out, { force: true });
          await fsp.rm(peaksOut, { force: true });
        }
      }
    } catch (e) {
      if (signal.aborted || RetakeError.is(e, 'E_CANCELLED')) {
        status = 'cancelled';
      } else {
        status = 'failed';
        error = e instanceof RetakeError ? { code: e.code, message: e.message } : { code: 'E_INTERNAL', message: String(e) };
      }
    }
    if (this.project !== proj) return;
    try {
      if (created.length > 0) this.commitJobTakes(job, created);
    } catch (e) {
      // The takes stay recorded in the job; report it rather than leave the job hanging.
      status = 'failed';
      error = { code: 'E_INTERNAL', message: `The job's takes could not be added to the history: ${(e as Error).message}.` };
    } finally {
      this.finishJob(id, status, error);
    }
  }

  /**
   * Shows the takes a job made and records that as one undoable step, which also makes the last one active. It keeps
   * the redo branch: the job ended in the background, the user did not act.
   */
  private commitJobTakes(job: JobRow, created: number[]): void {
    const proj = this.need();
    const last = proj.db.prepare('SELECT * FROM takes WHERE id = ?').get(created[created.length - 1]!) as TakeRow;
    const clipAlive = !!proj.db.prepare('SELECT 1 FROM clips WHERE id = ? AND deleted = 0').get(job.clip_id);
    const what = job.option ? `${job.task}: ${job.option}` : job.task;
    const label = `${what}${job.iterations > 1 ? ` ×${created.length}` : ''}`;
    proj.history.record(
      label,
      (rec) => {
        for (const t of created) {
          rec.touch('takes', t);
          proj.db.prepare('UPDATE takes SET deleted = 0 WHERE id = ?').run(t);
        }
        if (clipAlive) this.activate(rec, job.clip_id, last);
      },
      { keepRedo: true },
    );
    this.changed(job.clip_id);
  }

  /** Clips with a queued or running job, and the takes those jobs read or are making. */
  private busy(): { clips: Set<number>; takes: Set<number> } {
    const db = this.need().db;
    const rows = db.prepare(`SELECT clip_id, input_take_id, result_take_ids FROM jobs WHERE status IN ('queued', 'running')`).all() as Pick<
      JobRow,
      'clip_id' | 'input_take_id' | 'result_take_ids'
    >[];
    const clips = new Set<number>();
    const takes = new Set<number>();
    for (const r of rows) {
      clips.add(r.clip_id);
      takes.add(r.input_take_id);
      for (const t of JSON.parse(r.result_take_ids) as number[]) takes.add(t);
    }
    return { clips, takes };
  }

  /** Undo/redo must not hide a clip or take that a queued or running job works on. */
  private checkHistoryAllowed(which: 'undo' | 'redo'): void {
    const entry = this.need().history.peek(which);
    if (!entry) return;
    const busy = this.busy();
    for (const c of entry.changes) {
      const target = which === 'undo' ? c.before : c.after;
      if (target.deleted !== 1) continue;
      const clash = (c.table === 'clips' && busy.clips.has(c.id)) || (c.table === 'takes' && busy.takes.has(c.id));
      if (clash) {
        throw new RetakeError(
          'E_JOB_ACTIVE',
          `Cannot ${which} "${entry.label}" while a job works on that clip: wait for it to finish or cancel it first.`,
        );
      }
    }
  }
}

async function renameExt(file: string, ext: string): Promise<string> {
  const to = file.replace(/\.[a-z0-9]+$/i, '') + '.' + ext;
  await fsp.rename(file, to);
  return to;
}
