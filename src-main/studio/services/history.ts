// Undo and redo of the open project, with their guard: a step that would hide a clip or take a queued or running
// job works on is refused (E_JOB_ACTIVE). After a step, the events name every clip whose takes it touched.

import { RetakeError, type HistoryState } from '../../contract';
import { snapshotHides, type HistoryChange } from '../../store/history';
import type { StudioContext } from '../context';
import type { JobKinds } from './jobs/kinds';

export class HistoryService {
  constructor(
    private readonly ctx: StudioContext,
    private readonly kinds: JobKinds,
  ) {}

  state(): HistoryState {
    return this.ctx.historyState();
  }

  undo(): HistoryState {
    this.checkAllowed('undo');
    const entry = this.ctx.need().history.undo();
    if (!entry) throw new RetakeError('E_NOTHING_TO_UNDO', 'There is nothing to undo.');
    this.announce(entry.changes);
    return this.state();
  }

  redo(): HistoryState {
    this.checkAllowed('redo');
    const entry = this.ctx.need().history.redo();
    if (!entry) throw new RetakeError('E_NOTHING_TO_REDO', 'There is nothing to redo.');
    this.announce(entry.changes);
    return this.state();
  }

  /** Undo/redo must not hide a clip or take that a queued or running job works on. */
  private checkAllowed(which: 'undo' | 'redo'): void {
    const p = this.ctx.need();
    const entry = p.history.peek(which);
    if (!entry) return;
    const busy = this.kinds.busy(p.repos);
    for (const c of entry.changes) {
      if (!snapshotHides(c.table, which === 'undo' ? c.before : c.after)) continue;
      const clash = (c.table === 'clips' && busy.clips.has(c.id)) || (c.table === 'takes' && busy.takes.has(c.id));
      if (clash) {
        throw new RetakeError(
          'E_JOB_ACTIVE',
          `Cannot ${which} "${entry.label}" while a job works on that clip: wait for it to finish or cancel it first.`,
        );
      }
    }
  }

  private announce(changes: HistoryChange[]): void {
    const { repos } = this.ctx.need();
    const clips = new Set<number>();
    for (const c of changes) {
      if (c.table === 'clips') clips.add(c.id);
      if (c.table === 'takes') {
        const t = repos.takes.get(c.id);
        if (t) clips.add(t.clip_id);
      }
    }
    this.ctx.events.emit('timeline.changed', {});
    for (const id of clips) this.ctx.events.emit('takes.changed', { clipId: id });
    this.ctx.events.emit('history.changed', this.state());
  }
}
