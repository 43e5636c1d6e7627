// The takes of a clip: listing (with the pending takes of running jobs), choosing the active one, stars and names
// (not undoable), and committing the takes a job made as one undoable step.

import { RetakeError, type Clip, type Take } from '../../contract';
import type { ChangeRecorder } from '../../store/history';
import type { TakeRow } from '../../store/rows';
import type { StudioContext } from '../context';
import { lengthInProject } from '../mapping';
import type { JobKinds } from './jobs/kinds';

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
   * Makes a take the clip's active one. A take of the same length as the current one keeps the clip's in/out points
   * (same timing, e.g. source ↔ denoised); any other length shows the whole new take, since its timing differs.
   */
  activate(rec: ChangeRecorder, clipId: number, t: TakeRow): void {
    const { repos } = this.ctx.need();
    rec.touch('clips', clipId);
    const c = repos.clips.any(clipId)!;
    const current = repos.takes.get(c.active_take_id);
    const rate = this.ctx.rate;
    const len = lengthInProject(this.ctx.mediaRow(t.media_hash), rate);
    const sameLength = current !== undefined && lengthInProject(this.ctx.mediaRow(current.media_hash), rate) === len;
    const [inP, outP] = sameLength ? [c.in_point, c.out_point] : [0, len];
    repos.clips.setActiveTake(clipId, t.id, inP, outP);
  }

  /**
   * Shows the takes a job made and records that as one undoable step, which also makes the last one active. It keeps
   * the redo branch: the job ended in the background, the user did not act.
   */
  commitJobTakes(clipId: number, created: number[], label: string): void {
    const p = this.ctx.need();
    const { takes, clips } = p.repos;
    const last = takes.get(created[created.length - 1]!)!;
    const clipAlive = !!clips.get(clipId);
    p.history.record(
      label,
      (rec) => {
        for (const t of created) {
          // The take leaves its job first: undoing this step hides it (the job is over), never makes it pending again.
          takes.setState(t, 'deleted');
          rec.touch('takes', t);
          takes.setState(t, 'visible');
        }
        if (clipAlive) this.activate(rec, clipId, last);
      },
      { keepRedo: true },
    );
    this.ctx.changed(clipId);
  }
}
