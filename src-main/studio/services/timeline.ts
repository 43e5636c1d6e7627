// Tracks and clips: the timeline as the renderer reads it, and every undoable change to it (tracks: add, rename,
// delete, reorder, mix; clips: move, trim, split, delete, copy — singly or several as one step). Placing media on a track as a new clip with its source take is here too (import and clips.add).

import { RetakeError, type Clip, type Overlap, type ParsedParams, type Result, type Track } from '../../contract';
import type { Segment } from '../../audio/analysis/common';
import { parseJson, type ClipRow } from '../../store/rows';
import type { ChangeRecorder } from '../../store/history';
import type { NewTake } from '../../store/repos/takes';
import type { StudioContext } from '../context';
import { lengthInProject, trackEntity } from '../mapping';
import { parseScript } from '../script';
import { linePart, replaceSpans, SpeechClock, splitText, type TimedText } from '../transcript';
import type { JobKinds } from './jobs/kinds';

/** Every pair of clips of one track that play at once, in track and time order. */
export function findOverlaps(clips: readonly Clip[]): Overlap[] {
  const out: Overlap[] = [];
  const byTrack = new Map<number, Clip[]>();
  for (const c of clips) byTrack.set(c.trackId, [...(byTrack.get(c.trackId) ?? []), c]);
  for (const [trackId, list] of [...byTrack].sort((a, b) => a[0] - b[0])) {
    const sorted = [...list].sort((a, b) => a.start - b.start || a.id - b.id);
    for (let i = 0; i < sorted.length; i++) {
      const a = sorted[i]!;
      const aEnd = a.start + a.outPoint - a.inPoint;
      for (let j = i + 1; j < sorted.length && sorted[j]!.start < aEnd; j++) {
        const b = sorted[j]!;
        const end = Math.min(aEnd, b.start + b.outPoint - b.inPoint);
        if (end > b.start) out.push({ trackId, clipIds: [a.id, b.id], start: b.start, end });
      }
    }
  }
  return out;
}

export interface Placement {
  hash: string;
  name: string;
  trackId: number | undefined;
  start: number | undefined;
  metrics: Record<string, unknown> | null;
  /** The clip's name as given (default: `name` without its file extension). */
  clipName?: string;
  /** What the source take records besides its media (an engine's result: engine, seed, texts, params …). */
  take?: Omit<NewTake, 'clip_id' | 'media_hash' | 'kind' | 'state' | 'metrics'>;
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
    return { project: this.ctx.projectInfo(), tracks, clips, overlaps: findOverlaps(clips) };
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

  deleteTrack(trackId: number): null {
    const p = this.ctx.need();
    const t = this.ctx.trackRow(trackId);
    const clips = p.repos.clips.ofTrack(trackId);
    const busy = this.kinds.busy(p.repos).clips;
    const active = clips.find((c) => busy.has(c.id));
    if (active) {
      throw new RetakeError('E_JOB_ACTIVE', `${active.name} on ${t.name} has a job queued or running; cancel it before deleting the track.`);
    }
    p.history.record(`Delete ${t.name}`, (rec) => {
      rec.touch('tracks', t.id);
      for (const c of clips) {
        rec.touch('clips', c.id);
        p.repos.clips.hide(c.id);
      }
      p.repos.tracks.hide(t.id);
    });
    this.ctx.changed();
    return null;
  }

  /** Moves a track to `index` among the shown tracks; the others keep their relative order. */
  reorderTrack(trackId: number, index: number): Track[] {
    const p = this.ctx.need();
    const t = this.ctx.trackRow(trackId);
    const order = p.repos.tracks.list().filter((r) => r.id !== t.id);
    order.splice(Math.min(index, order.length), 0, t);
    p.history.record(`Move ${t.name}`, (rec) => {
      order.forEach((r, i) => {
        if (r.ord === i) return;
        rec.touch('tracks', r.id);
        p.repos.tracks.setOrd(r.id, i);
      });
    });
    this.ctx.changed();
    return p.repos.tracks.list().map(trackEntity);
  }

  setMix(a: ParsedParams<'tracks.setMix'>): Track {
    const p = this.ctx.need();
    const t = this.ctx.trackRow(a.trackId);
    const next = { gain_db: a.gainDb ?? t.gain_db, muted: a.muted === undefined ? t.muted : a.muted ? 1 : 0, solo: a.solo === undefined ? t.solo : a.solo ? 1 : 0 };
    const what =
      a.muted !== undefined && next.muted !== t.muted
        ? `${next.muted ? 'Mute' : 'Unmute'} ${t.name}`
        : a.solo !== undefined && next.solo !== t.solo
          ? `${next.solo ? 'Solo' : 'Unsolo'} ${t.name}`
          : `Gain of ${t.name}`;
    p.history.record(what, (rec) => {
      rec.touch('tracks', t.id);
      p.repos.tracks.setMix(t.id, next);
    });
    this.ctx.changed();
    return trackEntity(this.ctx.trackRow(t.id));
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
    const clipName = a.clipName ?? (a.name.replace(/\.[^.]+$/, '') || a.name);
    const clip = repos.clips.add({ track_id: trackId, name: clipName, start: a.start ?? repos.clips.trackEnd(trackId), in_point: 0, out_point: len });
    rec.created('clips', clip);
    const take = repos.takes.add({
      name: 'Source',
      ...a.take,
      clip_id: clip,
      media_hash: a.hash,
      kind: 'source',
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
      p.repos.clips.setPlacement(c.id, a.start ?? c.start, a.inPoint, a.outPoint);
    });
    this.ctx.changed();
    return this.ctx.clip(c.id);
  }

  split(clipId: number, at: number): Result<'clips.split'> {
    const p = this.ctx.need();
    const { clips } = p.repos;
    const c = this.ctx.clipRow(clipId);
    const offset = at - c.start;
    if (offset <= 0 || offset >= c.out_point - c.in_point) {
      throw new RetakeError('E_VALIDATION', `The split point must lie inside ${c.name} (between its start and end).`);
    }
    // Each half keeps the words spoken in it (found by speech time over the active take).
    const mid = c.in_point + offset;
    const [leftText, rightText] = splitText(c.transcript, this.clockOf(c), mid / this.ctx.rate);
    const rightId = p.history.record(`Split ${c.name}`, (rec) => {
      rec.touch('clips', c.id);
      clips.setRange(c.id, c.in_point, mid);
      clips.setTranscript(c.id, leftText);
      const right = clips.add({
        track_id: c.track_id,
        name: `${c.name} (2)`,
        start: at,
        in_point: mid,
        out_point: c.out_point,
        gain_db: c.gain_db,
        transcript: rightText,
      });
      rec.created('clips', right);
      // The right half carries a copy of the take history (same media, new ids) so it can be edited on its own.
      const active = this.copyTakes(rec, c, right);
      clips.setActiveTake(right, active, mid, c.out_point);
      return right;
    });
    this.ctx.changed();
    return { left: this.ctx.clip(c.id), right: this.ctx.clip(rightId) };
  }

  /**
   * Copies a clip's visible take history onto another clip (same media, new ids, parents remapped) and returns the
   * copy of its active take.
   */
  private copyTakes(rec: ChangeRecorder, from: ClipRow, to: number): number {
    const { takes } = this.ctx.need().repos;
    const map = new Map<number, number>();
    for (const t of takes.visibleOfClip(from.id)) {
      const parent = t.parent_id === null ? null : (map.get(t.parent_id) ?? null);
      const { id: _old, ...rest } = t;
      const nid = takes.add({ ...rest, clip_id: to, parent_id: parent });
      map.set(t.id, nid);
      rec.created('takes', nid);
    }
    const active = map.get(from.active_take_id);
    if (active === undefined) throw new RetakeError('E_INTERNAL', `${from.name} has no visible active take to copy. Please report this.`);
    return active;
  }

  moveMany(moves: ParsedParams<'clips.moveMany'>['moves']): Clip[] {
    const p = this.ctx.need();
    const rows = moves.map((m) => {
      const c = this.ctx.clipRow(m.clipId);
      if (m.trackId !== undefined) this.ctx.trackRow(m.trackId);
      return { c, m };
    });
    if (new Set(rows.map((r) => r.c.id)).size !== rows.length) throw new RetakeError('E_VALIDATION', 'A clip is listed twice in one move.');
    const label = rows.length === 1 ? `Move ${rows[0]!.c.name}` : `Move ${rows.length} clips`;
    p.history.record(label, (rec) => {
      for (const { c, m } of rows) {
        rec.touch('clips', c.id);
        p.repos.clips.move(c.id, m.start, m.trackId ?? c.track_id);
      }
    });
    this.ctx.changed();
    return rows.map(({ c }) => this.ctx.clip(c.id));
  }

  deleteMany(clipIds: number[]): null {
    const p = this.ctx.need();
    const rows = [...new Set(clipIds)].map((id) => this.ctx.clipRow(id));
    const busy = this.kinds.busy(p.repos).clips;
    const active = rows.find((c) => busy.has(c.id));
    if (active) throw new RetakeError('E_JOB_ACTIVE', `${active.name} has a job queued or running; cancel it before deleting the clip.`);
    const label = rows.length === 1 ? `Delete ${rows[0]!.name}` : `Delete ${rows.length} clips`;
    p.history.record(label, (rec) => {
      for (const c of rows) {
        rec.touch('clips', c.id);
        p.repos.clips.hide(c.id);
      }
    });
    this.ctx.changed();
    return null;
  }

  /** Paste and duplicate: copies of clips placed from `start` (see the contract's clips.copy). */
  copy(a: ParsedParams<'clips.copy'>): Clip[] {
    const p = this.ctx.need();
    const rows = [...new Set(a.clipIds)].map((id) => this.ctx.clipRow(id));
    const tracks = p.repos.tracks.list();
    const pos = new Map(tracks.map((t, i) => [t.id, i]));
    const first = Math.min(...rows.map((c) => c.start));
    const topIndex = Math.min(...rows.map((c) => pos.get(c.track_id) ?? 0));
    const shift = a.trackId === undefined ? 0 : (pos.get(this.ctx.trackRow(a.trackId).id) ?? 0) - topIndex;
    const label = rows.length === 1 ? `Paste ${rows[0]!.name}` : `Paste ${rows.length} clips`;
    const ids = p.history.record(label, (rec) =>
      rows.map((c) => {
        const index = Math.min(tracks.length - 1, (pos.get(c.track_id) ?? 0) + shift);
        const copy = p.repos.clips.add({
          track_id: tracks[index]!.id,
          name: c.name,
          start: a.start + (c.start - first),
          in_point: c.in_point,
          out_point: c.out_point,
          gain_db: c.gain_db,
          transcript: c.transcript,
        });
        rec.created('clips', copy);
        p.repos.clips.setActiveTake(copy, this.copyTakes(rec, c, copy), c.in_point, c.out_point);
        return copy;
      }),
    );
    this.ctx.changed();
    return ids.map((id) => this.ctx.clip(id));
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

  /** The speech-time clock of a clip's active take (its VAD segments; plain time when it was not measured). */
  private clockOf(c: ClipRow): SpeechClock {
    const t = this.ctx.need().repos.takes.get(c.active_take_id);
    const m = t ? this.ctx.mediaRow(t.media_hash) : null;
    const metrics = parseJson<Record<string, unknown> | null>(t?.metrics ?? null, null);
    const segs = Array.isArray(metrics?.segments) ? (metrics.segments as Segment[]) : null;
    const rate = this.ctx.rate;
    return new SpeechClock(segs, m ? m.frames / m.sample_rate : c.out_point / rate, c.in_point / rate, c.out_point / rate);
  }

  setTranscript(clipId: number, text: string | null): Clip {
    const p = this.ctx.need();
    const c = this.ctx.clipRow(clipId);
    const value = text?.trim() ? text.trim() : null;
    p.history.record(`Transcript of ${c.name}`, (rec) => {
      rec.touch('clips', c.id);
      p.repos.clips.setTranscript(c.id, value);
    });
    this.ctx.changed(c.id);
    return this.ctx.clip(c.id);
  }

  /** transcripts.import: a script's lines into the transcripts of the clips they overlap (see the contract). */
  importScript(a: ParsedParams<'transcripts.import'>): Result<'transcripts.import'> {
    const p = this.ctx.need();
    const rate = this.ctx.rate;
    const parsed = parseScript(a.content, a.format);
    if (parsed.lines.length === 0) {
      const first = parsed.problems.slice(0, 3).map((x) => `line ${x.line}: ${x.reason}`).join('; ');
      throw new RetakeError('E_VALIDATION', `No line of the script could be read${first ? ` (${first})` : ''}.`, parsed.problems);
    }
    if (a.trackId !== undefined) this.ctx.trackRow(a.trackId);
    const only = a.clipIds ? new Set(a.clipIds.map((id) => this.ctx.clipRow(id).id)) : null;
    const offset = (a.offset ?? 0) / rate;
    const targets = p.repos.clips
      .listIds()
      .map((id) => p.repos.clips.get(id)!)
      .filter((c) => (only ? only.has(c.id) : a.trackId === undefined || c.track_id === a.trackId));
    const updates: Array<{ clip: ClipRow; text: string }> = [];
    for (const c of targets) {
      // The clip on the timeline, in seconds; a take position is (t − start + in) / rate.
      const from = c.start / rate;
      const to = (c.start + c.out_point - c.in_point) / rate;
      const spans: TimedText[] = [];
      for (const line of parsed.lines) {
        const a0 = line.start + offset;
        const a1 = line.end + offset;
        const lo = Math.max(from, a0);
        const hi = Math.min(to, a1);
        if (hi <= lo) continue;
        const text = linePart(line.text, a0, a1, lo, hi);
        if (!text) continue;
        const take = (t: number) => t - from + c.in_point / rate;
        spans.push({ from: take(lo), to: take(hi), text });
      }
      if (spans.length === 0) continue;
      // Words of the clip's transcript outside the script's lines stay.
      const text = replaceSpans(c.transcript, this.clockOf(c), spans);
      if (text !== (c.transcript ?? '')) updates.push({ clip: c, text });
    }
    if (updates.length > 0) {
      p.history.record(updates.length === 1 ? `Script into ${updates[0]!.clip.name}` : `Script into ${updates.length} clips`, (rec) => {
        for (const u of updates) {
          rec.touch('clips', u.clip.id);
          p.repos.clips.setTranscript(u.clip.id, u.text);
        }
      });
      this.ctx.changed();
    }
    return {
      clips: updates.map((u) => this.ctx.clip(u.clip.id)),
      lines: parsed.lines.length,
      problems: parsed.problems,
    };
  }
}
