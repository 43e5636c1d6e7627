// The takes of a clip: listing (with the pending takes of running jobs), choosing the active one, stars and names
// (not undoable), and committing the takes a job made as one undoable step — in which, under the `ripple` length
// mode, the later clips of the track move by the clip's length change.

import { RetakeError, type Clip, type Take, type TakeChange } from '../../contract';
import type { ChangeRecorder } from '../../store/history';
import { parseJson, type TakeRow } from '../../store/rows';
import type { StudioContext } from '../context';
import { lengthInProject } from '../mapping';
import type { CommitOptions, JobKinds } from './jobs/kinds';

/** Where a position of the parent take lands in a take that changed `spans` of it (proportionally inside a span). */
export function mapThroughChange(pos: number, change: Pick<TakeChange, 'spans'>): number {
  let shift = 0;
  for (const s of [...change.spans].sort((a, b) => a.parentStart - b.parentStart)) {
    if (pos <= s.parentStart) break;
    const oldLen = s.parentEnd - s.parentStart;
    const newLen = s.end - s.start;
    if (pos < s.parentEnd) return s.start + Math.round(((pos - s.parentStart) * newLen) / Math.max(1, oldLen));
    shift = s.end - s.parentEnd;
  }
  return pos + shift;
}

export class TakesService {
  constructor(
    private readonly ctx: StudioContext,
    private readonly kinds: JobKinds,
  ) {}

  list(clipId: number): Take[] {
    this.ctx.clipRow(clipId);
    // Visible takes, and the finished iterations of a job still running (pending until it ends).
    return this.ctx.need().repos.takes.listed(clipId).map((t) => this.ctx.take(t));
  }

  setActive(clipId: number, takeId: number): Clip {
    const p = this.ctx.need();
    const c = this.ctx.clipRow(clipId);
    if (this.kinds.busy(p.repos).takes.has(takeId) && !p.repos.takes.visible(takeId)) {
      throw new RetakeError('E_JOB_ACTIVE', 'That take belongs to a job that is still running; it can be chosen once the job ends.');
    }
    const t = this.ctx.takeRow(takeId);
    if (t.clip_id !== c.id) throw new RetakeError('E_VALIDATION', `Take ${t.id} does not belong to ${c.name}.`);
    if (c.active_take_id === t.id) return this.ctx.clip(c.id);
    p.history.record(`Choose take ${t.name}`, (rec) => this.activate(rec, c.id, t));
    this.ctx.changed(c.id);
    return this.ctx.clip(c.id);
  }

  star(takeId: number, starred: boolean): Take {
    this.ctx.takeRow(takeId);
    this.ctx.need().repos.takes.setStarred(takeId, starred);
    return this.announce(takeId);
  }

  rename(takeId: number, name: string): Take {
    this.ctx.takeRow(takeId);
    this.ctx.need().repos.takes.rename(takeId, name);
    return this.announce(takeId);
  }

  private announce(takeId: number): Take {
    const t = this.ctx.take(takeId);
    this.ctx.events.emit('takes.changed', { clipId: t.clipId });
    return t;
  }

  /**
   * Makes a take the clip's active one. When the take descends from the current one through recorded changes (an edit
   * of it), the in/out points follow those changes (a region edit keeps the clip's trim; a length change moves them
   * with the audio). Otherwise a take of the same length keeps them (source ↔ denoised) and any other length shows the
   * whole new take. Returns the played length before and after, in samples.
   */
  activate(rec: ChangeRecorder, clipId: number, t: TakeRow): { before: number; after: number } {
    const { repos } = this.ctx.need();
    rec.touch('clips', clipId);
    const c = repos.clips.any(clipId)!;
    const current = repos.takes.get(c.active_take_id);
    const rate = this.ctx.rate;
    const len = lengthInProject(this.ctx.mediaRow(t.media_hash), rate);
    let range: [number, number] | null = null;
    const chain = current ? this.changesFrom(current.id, t) : null;
    if (chain) {
      let [inP, outP] = [c.in_point, c.out_point];
      for (const ch of chain) [inP, outP] = [mapThroughChange(inP, ch), mapThroughChange(outP, ch)];
      inP = Math.max(0, Math.min(len - 1, inP));
      outP = Math.max(inP + 1, Math.min(len, outP));
      range = [inP, outP];
    }
    if (!range) {
      const sameLength = current !== undefined && lengthInProject(this.ctx.mediaRow(current.media_hash), rate) === len;
      range = sameLength ? [c.in_point, c.out_point] : [0, len];
    }
    repos.clips.setActiveTake(clipId, t.id, range[0], range[1]);
    return { before: c.out_point - c.in_point, after: range[1] - range[0] };
  }

  /** The recorded changes leading from take `fromId` down to `t`, oldest first; null when `t` does not descend from it
   * through takes that all recorded their change. */
  private changesFrom(fromId: number, t: TakeRow): TakeChange[] | null {
    const { takes } = this.ctx.need().repos;
    const out: TakeChange[] = [];
    let cur: TakeRow | undefined = t;
    for (let guard = 0; cur && cur.id !== fromId && guard < 10_000; guard++) {
      const ch = parseJson<TakeChange | null>(cur.change, null);
      if (!ch || cur.parent_id === null) return null;
      out.push(ch);
      cur = takes.get(cur.parent_id);
    }
    return cur?.id === fromId ? out.reverse() : null;
  }

  /**
   * Shows the takes a job made and records that as one undoable step, which also makes the last one active and, under
   * ripple, moves the later clips of the track by the clip's length change. It keeps the redo branch: the job ended in
   * the background, the user did not act.
   */
  commitJobTakes(clipId: number, created: number[], label: string, opts: CommitOptions = { ripple: false }): void {
    const p = this.ctx.need();
    const { takes, clips } = p.repos;
    const last = takes.get(created[created.length - 1]!)!;
    const clip = clips.get(clipId);
    p.history.record(
      label,
      (rec) => {
        for (const t of created) {
          // The take leaves its job first: undoing this step hides it (the job is over), never makes it pending again.
          takes.setState(t, 'deleted');
          rec.touch('takes', t);
          takes.setState(t, 'visible');
        }
        if (!clip) return;
        const played = this.activate(rec, clipId, last);
        const delta = played.after - played.before;
        if (opts.ripple && delta !== 0) {
          for (const other of clips.ofTrack(clip.track_id)) {
            if (other.id === clip.id || other.start <= clip.start) continue;
            rec.touch('clips', other.id);
            clips.move(other.id, Math.max(0, other.start + delta), other.track_id);
          }
        }
      },
      { keepRedo: true },
    );
    this.ctx.changed(clipId);
  }
}
