// Tracks and clips: the timeline as the renderer reads it, and every undoable change to it (add, rename, move, trim,
// split, delete). Placing media on a track as a new clip with its source take is here too (import and clips.add).

import { RetakeError, type Clip, type ParsedParams, type Result, type Track } from '../../contract';
import type { ChangeRecorder } from '../../store/history';
import type { StudioContext } from '../context';
import { lengthInProject, trackEntity } from '../mapping';
import type { JobKinds } from './jobs/kinds';

export interface Placement {
  hash: string;
  name: string;
  trackId: number | undefined;
  start: number | undefined;
  metrics: Record<string, unknown> | null;
}

export class TimelineService {
  constructor(
    private readonly ctx: StudioContext,
    private readonly kinds: JobKinds,
  ) {}

  get(): Result<'timeline.get'> {
    const { repos } = this.ctx.need();
    const tracks = repos.tracks.list().map(trackEntity);
    const clips = repos.clips.listIds().map((id) => this.ctx.clip(id));
    return { project: this.ctx.projectInfo(), tracks, clips };
  }

  addTrack(name?: string): Track {
    const p = this.ctx.need();
    const ord = p.repos.tracks.nextOrd();
    const id = p.history.record(`Add track`, (rec) => {
      const id = p.repos.tracks.add({ name: name ?? `Track ${ord + 1}`, ord });
      rec.created('tracks', id);
      return id;
    });
    this.ctx.changed();
    return trackEntity(this.ctx.trackRow(id));
  }

  renameTrack(trackId: number, name: string): Track {
    const p = this.ctx.need();
    this.ctx.trackRow(trackId);
    p.history.record(`Rename track to ${name}`, (rec) => {
      rec.touch('tracks', trackId);
      p.repos.tracks.rename(trackId, name);
    });
    this.ctx.changed();
    return trackEntity(this.ctx.trackRow(trackId));
  }

  /** A new clip from media already in the project. */
  addClip(a: ParsedParams<'clips.add'>): Clip {
    const p = this.ctx.need();
    const m = this.ctx.mediaRow(a.mediaHash);
    this.ctx.mediaPath(m.hash);
    if (a.trackId !== undefined) this.ctx.trackRow(a.trackId);
    // Reuse the measurements of the media from any take that has them.
    const measured = p.repos.takes.metricsOf(m.hash);
    const name = a.name ?? m.original_name ?? 'Clip';
    const clipId = p.history.record(`Add ${name}`, (rec) =>
      this.place(rec, { hash: m.hash, name, trackId: a.trackId, start: a.start, metrics: measured ? (JSON.parse(measured) as Record<string, unknown>) : null }),
    );
    this.ctx.changed(clipId);
    return this.ctx.clip(clipId);
  }

  /**
   * Puts media of the project on a track as a new clip with a source take (inside an undoable record). The clip goes
   * at `start`, or after the last clip of the track; on the first track when none is given.
   */
  place(rec: ChangeRecorder, a: Placement): number {
    const { repos } = this.ctx.need();
    let trackId = a.trackId;
    if (trackId === undefined) {
      const first = repos.tracks.list()[0];
      if (first) trackId = first.id;
      else {
        trackId = repos.tracks.add({ name: 'Track 1', ord: 0 });
        rec.created('tracks', trackId);
      }
    }
    const len = lengthInProject(this.ctx.mediaRow(a.hash), this.ctx.rate);
    const clipName = a.name.replace(/\.[^.]+$/, '') || a.name;
    const clip = repos.clips.add({ track_id: trackId, name: clipName, start: a.start ?? repos.clips.trackEnd(trackId), in_point: 0, out_point: len });
    rec.created('clips', clip);
    const take = repos.takes.add({
      clip_id: clip,
      media_hash: a.hash,
      kind: 'source',
      name: 'Source',
      metrics: a.metrics ? JSON.stringify(a.metrics) : null,
      state: 'visible',
    });
    rec.created('takes', take);
    repos.clips.setActiveTake(clip, take, 0, len);
    return clip;
  }

  move(a: ParsedParams<'clips.move'>): Clip {
    const p = this.ctx.need();
    const c = this.ctx.clipRow(a.clipId);
    if (a.trackId !== undefined) this.ctx.trackRow(a.trackId);
    p.history.record(`Move ${c.name}`, (rec) => {
      rec.touch('clips', c.id);
      p.repos.clips.move(c.id, a.start, a.trackId ?? c.track_id);
    });
    this.ctx.changed();
    return this.ctx.clip(c.id);
  }

  trim(a: ParsedParams<'clips.trim'>): Clip {
    const p = this.ctx.need();
    const c = this.ctx.clipRow(a.clipId);
    const len = this.ctx.clip(c.id).takeLength;
    if (!(a.inPoint < a.outPoint && a.outPoint <= len)) {
      throw new RetakeError('E_VALIDATION', `Trim points must satisfy 0 ≤ in < out ≤ ${len} (the take's length in samples).`);
    }
    p.history.record(`Trim ${c.name}`, (rec) => {
      rec.touch('clips', c.id);
      p.repos.clips.setRange(c.id, a.inPoint, a.outPoint);
    });
    this.ctx.changed();
    return this.ctx.clip(c.id);
  }

  split(clipId: number, at: number): Result<'clips.split'> {
    const p = this.ctx.need();
    const { clips, takes } = p.repos;
    const c = this.ctx.clipRow(clipId);
    const offset = at - c.start;
    if (offset <= 0 || offset >= c.out_point - c.in_point) {
      throw new RetakeError('E_VALIDATION', `The split point must lie inside ${c.name} (between its start and end).`);
    }
    const rightId = p.history.record(`Split ${c.name}`, (rec) => {
      rec.touch('clips', c.id);
      const mid = c.in_point + offset;
      clips.setRange(c.id, c.in_point, mid);
      const right = clips.add({ track_id: c.track_id, name: `${c.name} (2)`, start: at, in_point: mid, out_point: c.out_point, gain_db: c.gain_db });
      rec.created('clips', right);
      // The right half carries a copy of the take history (same media, new ids) so it can be edited on its own.
      const map = new Map<number, number>();
      for (const t of takes.visibleOfClip(c.id)) {
        const parent = t.parent_id === null ? null : (map.get(t.parent_id) ?? null);
        const { id: _old, ...rest } = t;
        const nid = takes.add({ ...rest, clip_id: right, parent_id: parent });
        map.set(t.id, nid);
        rec.created('takes', nid);
      }
      const active = map.get(c.active_take_id);
      if (active === undefined) throw new RetakeError('E_INTERNAL', `${c.name} has no visible active take to split. Please report this.`);
      clips.setActiveTake(right, active, mid, c.out_point);
      return right;
    });
    this.ctx.changed();
    return { left: this.ctx.clip(c.id), right: this.ctx.clip(rightId) };
  }

  delete(clipId: number): null {
    const p = this.ctx.need();
    const c = this.ctx.clipRow(clipId);
    if (this.kinds.busy(p.repos).clips.has(c.id)) {
      throw new RetakeError('E_JOB_ACTIVE', `${c.name} has a job queued or running; cancel it before deleting the clip.`);
    }
    p.history.record(`Delete ${c.name}`, (rec) => {
      rec.touch('clips', c.id);
      p.repos.clips.hide(c.id);
    });
    this.ctx.changed();
    return null;
  }
}
