// What every studio service shares: the open project (or none), the settings, the engine host, the event emitter,
// and the look-ups that turn ids into rows and entities with the contract's "not found" errors. Services receive
// this object instead of reaching into each other's state; `changed()` sends the events the renderer re-reads on.

import { existsSync } from 'node:fs';
import os from 'node:os';
import { RetakeError, type Clip, type HistoryState, type ProjectInfo, type Take } from '../contract';
import type { HostCaller } from '../engines/host/client';
import { LATEST_SCHEMA_VERSION } from '../store/migrations';
import type { ProjectStore } from '../store/project-store';
import { parseJson, type ClipRow, type MediaRow, type TakeRow, type TrackRow } from '../store/rows';
import { Emitter } from './events';
import { Settings } from './home';
import { clipEntity, takeEntity } from './mapping';

/** A shell that receives uploads (the web shell) says where an upload id's file is. */
export type UploadResolver = (uploadId: string) => { file: string; release(): void } | null;

/**
 * A shell that can ask the user where to save (the Electron shell's native save dialog) answers with a path for a
 * suggested file name, or null when the user cancelled. Exports with `destination: 'ask'` need one.
 */
export type SaveDialog = (suggestedName: string) => Promise<string | null>;

export class StudioContext {
  readonly events = new Emitter();
  readonly settings: Settings;
  /** The open project. Only the projects service sets it. */
  project: ProjectStore | null = null;
  /** Set while the open project is being closed: new calls are refused and no job starts. */
  closing = false;
  uploads: UploadResolver | null = null;
  saveDialog: SaveDialog | null = null;

  constructor(
    readonly host: HostCaller,
    readonly home: string,
    /** Measure every take (analysis). */
    readonly analyze: boolean,
    /** The user's home folder: where typed relative paths start and what the folder browser may show. */
    readonly userHome: string = os.homedir(),
  ) {
    this.settings = new Settings(home);
  }

  need(): ProjectStore {
    if (!this.project) throw new RetakeError('E_NO_PROJECT', 'No project is open. Create or open a project first.');
    return this.project;
  }

  projectInfo(p: ProjectStore = this.need()): ProjectInfo {
    const r = p.info();
    return {
      dir: p.dir,
      name: r.name,
      sampleRate: r.sample_rate,
      createdAt: r.created_at,
      schemaVersion: LATEST_SCHEMA_VERSION,
      settings: { regionLengthMode: r.region_length_mode, clipLengthMode: r.clip_length_mode },
    };
  }

  /** The open project's sample rate: the unit of every timeline position. */
  get rate(): number {
    return this.need().info().sample_rate;
  }

  // ---------------------------------------------------------------- look-ups

  mediaRow(hash: string): MediaRow {
    const m = this.need().repos.media.get(hash);
    if (!m) throw new RetakeError('E_NOT_FOUND', `No media ${hash} in this project.`);
    return m;
  }

  trackRow(id: number): TrackRow {
    const t = this.need().repos.tracks.get(id);
    if (!t) throw new RetakeError('E_NOT_FOUND', `There is no track ${id}.`);
    return t;
  }

  clipRow(id: number): ClipRow {
    const c = this.need().repos.clips.get(id);
    if (!c) throw new RetakeError('E_NOT_FOUND', `There is no clip ${id} (it may have been deleted).`);
    return c;
  }

  /** A visible take. */
  takeRow(id: number): TakeRow {
    const t = this.need().repos.takes.visible(id);
    if (!t) throw new RetakeError('E_NOT_FOUND', `There is no take ${id} (it may have been undone).`);
    return t;
  }

  clip(id: number): Clip {
    const c = this.clipRow(id);
    const t = this.need().repos.takes.get(c.active_take_id);
    if (!t) throw new RetakeError('E_INTERNAL', `Clip ${c.name} points at a take that does not exist (${c.active_take_id}). Please report this.`);
    return clipEntity(c, this.mediaRow(t.media_hash), this.rate);
  }

  take(row: TakeRow | number): Take {
    const t = typeof row === 'number' ? this.takeRow(row) : row;
    const { takes } = this.need().repos;
    const parent = t.parent_id === null ? undefined : takes.get(t.parent_id);
    // The source take: the root of the take tree (parents are always older takes of the same clip).
    let root: TakeRow = t;
    for (let guard = 0; root.parent_id !== null && guard < 10_000; guard++) {
      const up = takes.get(root.parent_id);
      if (!up) break;
      root = up;
    }
    return takeEntity(t, this.mediaRow(t.media_hash), t.state === 'pending', {
      parentMetrics: parseJson<Record<string, unknown> | null>(parent?.metrics ?? null, null),
      sourceMetrics: root === t ? null : parseJson<Record<string, unknown> | null>(root.metrics, null),
      isSource: root === t,
    });
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

  // ---------------------------------------------------------------- events

  historyState(): HistoryState {
    return this.project ? this.project.history.state() : { canUndo: false, canRedo: false, undoLabel: null, redoLabel: null };
  }

  /** After an undoable change: the timeline, the takes of `clipId` when given, and the history changed. */
  changed(clipId?: number): void {
    this.events.emit('timeline.changed', {});
    if (clipId !== undefined) this.events.emit('takes.changed', { clipId });
    this.events.emit('history.changed', this.historyState());
  }
}
