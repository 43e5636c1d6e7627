// Region edits: what a time range drawn on the timeline means for the edit form (the part of each selected clip it
// covers, `targets`), and what the edit would work on before it is applied (`edits.plan`: the span widened to the
// nearby pauses, the engine's windows, the length mode, the region's words). The plan is asked for shortly after the
// range, the clip, its active take or the chosen task last changed (a range being drawn is not planned at every pointer
// move), for the primary clip, and kept only while it still answers what is shown.

import type { EditPlan, LengthMode, Params } from '../../src-main/contract';
import type { Client } from './client';
import { coalesce, Disposables } from './disposables';
import type { ProjectController } from './project.svelte';
import { regionTargets, type RegionTarget } from './region-targets';
import type { SelectionController } from './selection.svelte';

// A range is planned once the pointer has rested this long: longer than the gap between pointer moves of a drag,
// shorter than the reach from the timeline to the inspector.
const PLAN_DELAY_MS = 150;

/** What the edit form has chosen, as far as the plan depends on it. */
export interface PlanChoice {
  engine: string;
  task: string;
  lengthMode: LengthMode | null;
}

export interface RegionDeps {
  selection: SelectionController;
  project: ProjectController;
  /** The engine, task and length mode the edit form has chosen. */
  choice: () => PlanChoice;
  /** Timers (tests run them by hand). */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class RegionController {
  private readonly client: Client;
  private readonly deps: RegionDeps;
  private readonly owner = new Disposables();
  private timer: unknown = null;
  /** The plan of the primary clip's edit, and the request it answers. */
  plan = $state.raw<EditPlan | null>(null);
  private planKey = $state<string | null>(null);
  /** Why the last plan could not be made (shown instead of it); null when it was. */
  planError = $state.raw<{ code: string; message: string } | null>(null);
  /** The part of each selected clip the timeline range covers (empty: no region, whole-clip edits). */
  targets: RegionTarget[] = $derived.by(() =>
    regionTargets(this.deps.selection.range, this.deps.selection.clips, this.deps.project.sampleRate),
  );
  /** The primary clip's region (the one planned and shown), or null for a whole-clip edit. */
  primary: RegionTarget | null = $derived.by(() => this.targets.find((t) => t.clip.id === this.deps.selection.clipId) ?? null);
  /** Whether the plan shown answers the current request (clip, take, range, engine, task, length mode). */
  current = $derived(this.planKey !== null && this.planKey === this.key());

  constructor(client: Client, deps: RegionDeps) {
    this.client = client;
    this.deps = deps;
    this.owner.add(() => this.cancelTimer());
  }

  /** A region is drawn over at least one selected clip. */
  get active(): boolean {
    return this.targets.length > 0;
  }

  /** The edits.plan request for what is shown now, or null when there is nothing to plan. */
  request(): Params<'edits.plan'> | null {
    const clip = this.deps.selection.clip;
    const c = this.deps.choice();
    if (!clip || !c.engine || !c.task) return null;
    const p: Params<'edits.plan'> = { clipId: clip.id, engine: c.engine, task: c.task };
    const r = this.primary;
    if (r) p.range = r.range;
    if (c.lengthMode) p.lengthMode = c.lengthMode;
    return p;
  }

  private key(): string | null {
    const p = this.request();
    const clip = this.deps.selection.clip;
    return p && clip ? JSON.stringify([p, clip.activeTakeId, clip.inPoint, clip.outPoint, clip.transcript]) : null;
  }

  private cancelTimer(): void {
    if (this.timer !== null) (this.deps.clearTimer ?? clearTimeout)(this.timer as ReturnType<typeof setTimeout>);
    this.timer = null;
  }

  /** Something the plan depends on changed: plan again once it rests. */
  schedule(): void {
    this.cancelTimer();
    const set = this.deps.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
    this.timer = set(() => {
      this.timer = null;
      void this.refresh();
    }, PLAN_DELAY_MS);
  }

  /** Asks the core for the plan of what is shown now (nothing when it already has it). */
  readonly refresh = coalesce(async () => {
    const key = this.key();
    const p = this.request();
    if (!p || !key) {
      this.plan = null;
      this.planKey = null;
      this.planError = null;
      return;
    }
    if (key === this.planKey) return;
    try {
      const plan = await this.client.call('edits.plan', p);
      // Only what still answers the request shown is kept.
      if (this.key() !== key) return;
      this.plan = plan;
      this.planKey = key;
      this.planError = null;
    } catch (e) {
      if (this.key() !== key) return;
      const err = e as { code?: string; message?: string };
      this.plan = null;
      this.planKey = key;
      this.planError = { code: err.code ?? 'E_INTERNAL', message: err.message ?? String(e) };
    }
  });

  dispose(): void {
    this.owner.dispose();
  }
}
