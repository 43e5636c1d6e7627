// The edit form of the inspector: engine, task and option come from the engines' capabilities (never a fixed list);
// the form only asks for words, new text or intensity where the chosen task takes them, and says why Apply cannot run
// (every invalid combination has its reason). It submits the edit as a job — of the whole selected clip, or of the
// region drawn over the selected clips (one job per clip) — with the length mode chosen for this edit (or the
// project's default), and cancels the selected clip's running job.
//
// The words field shows what the edit will read: the region's words (from the clip's transcript, by speech time:
// edits.plan) or the clip's whole transcript; typing in it overrides them for this edit. For the paralinguistic task
// the tags go into the same field, at the cursor: the engine gets the words with the tags as its new text and the
// words without them as the transcript.

import type { EngineInfo, LengthMode, Params } from '../../src-main/contract';
import { Disposables, Signal } from './disposables';
import type { EnginesController } from './engines.svelte';
import type { ErrorsController } from './errors.svelte';
import { isActive, type JobsController, type JobView } from './jobs.svelte';
import type { ProjectController } from './project.svelte';
import type { RegionController } from './region.svelte';
import type { SelectionController } from './selection.svelte';
import { insertAt, stripTags, tagsIn, tagText } from './tags';
import { t, taskLabel } from './i18n.svelte';

type TaskInfo = EngineInfo['tasks'][string];

/**
 * The task whose new text is the transcript with tags where the sounds go (the engines' exact id, EDITX-SPEC.md §2):
 * its tags are typed into the words field itself.
 */
export const TAG_TASK = 'paralinguistic';
/** The task that changes the length on purpose: it is never fitted back (the core refuses `fit`). */
export const SPEED_TASK = 'speed';

export function randomSeed(): number {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0]!;
}

export interface EditFormDeps {
  engines: EnginesController;
  jobs: JobsController;
  selection: SelectionController;
  errors: ErrorsController;
  /** The project's default length modes; without it, the core's defaults apply. */
  project?: ProjectController;
  /** The region drawn over the selected clips and its plan; without it, every edit is of the whole clip. */
  region?: () => RegionController;
}

/** Words compared as the engine would read them (spacing and case aside). */
const same = (a: string, b: string) => a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim();

export class EditForm {
  private readonly deps: EditFormDeps;
  private readonly owner = new Disposables();
  engineId = $state('');
  task = $state('');
  option = $state('');
  /** What the user typed in the words field; null while it shows what the clip or region has. */
  private draft = $state<string | null>(null);
  newText = $state('');
  intensity = $state(0.5);
  iterations = $state(1);
  seed = $state(randomSeed());
  /** This edit's length mode; null: the project's default for region or whole-clip edits. */
  lengthMode = $state<LengthMode | null>(null);
  /** The engine, task or length mode changed (the region's plan depends on them). */
  readonly changed = new Signal();

  constructor(deps: EditFormDeps) {
    this.deps = deps;
    this.owner.add(deps.engines.changed.on(() => this.normalize()));
  }

  get engines(): readonly EngineInfo[] {
    return this.deps.engines.list;
  }
  get engine(): EngineInfo | undefined {
    return this.engines.find((e) => e.id === this.engineId);
  }
  /** The engine's edit tasks; `clone` makes a new clip from a voice prompt and has its own panel (ClonePanel). */
  get taskNames(): string[] {
    return Object.keys(this.engine?.tasks ?? {}).filter((t) => t !== 'clone');
  }
  get taskInfo(): TaskInfo | undefined {
    return this.engine?.tasks[this.task];
  }
  get options(): string[] {
    return this.taskInfo?.options ?? [];
  }
  /** The engine's paralinguistic tags, when the chosen task takes them. */
  get tags(): readonly string[] {
    return this.task === TAG_TASK ? (this.engine?.tags ?? []) : [];
  }
  private get region(): RegionController | null {
    return this.deps.region?.() ?? null;
  }
  /** The edit is of a region (drawn over the selected clips), not of whole clips. */
  get regional(): boolean {
    return !!this.region?.active;
  }

  /** What the words field shows before anything is typed: the region's words (its plan), else the clip's transcript. */
  get baseText(): string {
    const r = this.region;
    if (r?.primary) return r.current ? (r.plan?.text ?? '') : '';
    return this.deps.selection.clip?.transcript ?? '';
  }
  /** The words field (bound to the textarea). */
  get text(): string {
    return this.draft ?? this.baseText;
  }
  set text(v: string) {
    this.draft = v;
  }
  /** Other words were typed here than the clip's or region's (they are this edit's; tags alone change no word). */
  get typed(): boolean {
    const tags = this.engine?.tags ?? [];
    return this.draft !== null && !same(this.words, stripTags(this.baseText, tags));
  }
  /** The words without tags: what the engine reads as the transcript. */
  get words(): string {
    return stripTags(this.text, this.engine?.tags ?? []);
  }

  /** Keeps the choices valid when the engine list arrives or changes: first available engine, first task, option. */
  normalize(): void {
    const list = this.engines;
    const before = `${this.engineId}/${this.task}`;
    if (!list.some((e) => e.id === this.engineId)) {
      this.engineId = (list.find((e) => e.available) ?? list[0])?.id ?? '';
    }
    if (!this.taskNames.includes(this.task)) this.task = this.taskNames[0] ?? '';
    if (!this.options.includes(this.option)) this.option = this.options[0] ?? '';
    if (this.task === SPEED_TASK && this.lengthMode === 'fit') this.lengthMode = null;
    if (`${this.engineId}/${this.task}` !== before) this.changed.emit();
  }

  setEngine(id: string): void {
    this.engineId = id;
    this.task = '';
    this.normalize();
  }

  setTask(task: string): void {
    this.task = task;
    this.option = '';
    this.normalize();
  }

  setLengthMode(mode: LengthMode | null): void {
    if (mode === 'fit' && this.task === SPEED_TASK) return;
    this.lengthMode = mode;
    this.changed.emit();
  }

  /** The project's default for this kind of edit (region or whole clip); speed edits are never fitted. */
  get defaultLengthMode(): LengthMode {
    const s = this.deps.project?.current?.settings;
    const mode = this.regional ? (s?.regionLengthMode ?? 'fit') : (s?.clipLengthMode ?? 'free');
    return mode === 'fit' && this.task === SPEED_TASK ? 'free' : mode;
  }
  /** The length mode the edit will use. */
  get effectiveLengthMode(): LengthMode {
    return this.lengthMode ?? this.defaultLengthMode;
  }

  rollSeed(): void {
    this.seed = randomSeed();
  }

  setIterations(n: number): void {
    this.iterations = Number.isFinite(n) ? Math.min(10, Math.max(1, Math.round(n))) : 1;
  }

  setSeed(n: number): void {
    this.seed = Number.isFinite(n) ? Math.min(0xffffffff, Math.max(0, Math.round(n))) : 0;
  }

  /**
   * Writes a tag ("[Laughter]") into the words field in place of [start, end) (the textarea's selection; the end of
   * the text when not given); returns where the cursor goes.
   */
  insertTag(tag: string, start = this.text.length, end = start): number {
    const r = insertAt(this.text, start, end, tagText(tag));
    this.draft = r.text;
    return r.caret;
  }

  /** Why intensity cannot be set for this task, or null when it can. */
  get intensityProblem(): string | null {
    const info = this.taskInfo;
    return info && !info.intensity ? t('form.noIntensity', { task: taskLabel(this.task) }) : null;
  }

  /** Why Apply is not possible right now, or null when it is. */
  get problem(): string | null {
    const engine = this.engine;
    if (!engine) return t('form.noEngine');
    if (!engine.available) return engine.unavailableReason ?? t('form.engineCannotRun', { name: engine.name });
    const info = this.taskInfo;
    if (!info) return t('form.chooseTask');
    if (info.options.length > 0 && !info.options.includes(this.option)) return t('form.chooseOption');
    const region = this.region;
    const targets = region?.targets.length ?? 0;
    if (region?.active && !region.primary) return t('form.regionOffClip');
    if (info.needsText && !this.words) {
      return region?.active && region.primary && !region.current ? t('form.planning') : t('form.needsText');
    }
    if (this.task === TAG_TASK) {
      if (targets > 1) return t('form.tagsOneClip');
      if (tagsIn(this.text, engine.tags).length === 0) return t('form.needsTag');
    } else if (info.needsNewText && !this.newText.trim()) return t('form.needsNewText');
    if (this.lengthMode === 'fit' && this.task === SPEED_TASK) return t('form.fitSpeed');
    const plan = region?.current ? region.plan : null;
    if (region?.active && plan && plan.windows.length > 1 && (info.needsText || info.needsNewText)) {
      return t('form.oneWindow', { task: taskLabel(this.task), sec: engine.maxInputSeconds ?? 0 });
    }
    return null;
  }

  /** The latest job of the selected clip. */
  get job(): JobView | null {
    return this.deps.jobs.forClip(this.deps.selection.clipId);
  }
  get running(): boolean {
    const j = this.job;
    return !!j && isActive(j.status);
  }
  /** A job of the selected clip is being submitted or is under way: Apply waits. */
  get busy(): boolean {
    return this.running || this.deps.jobs.submitting;
  }

  /** Submits the edit: of the region on each clip it covers, or of the selected clip. */
  async apply(): Promise<void> {
    const clip = this.deps.selection.clip;
    if (!clip || this.problem || this.busy) return;
    const targets = this.region?.targets ?? [];
    await this.deps.errors.guard(t('ctx.applyEdit'), async () => {
      if (targets.length === 0) {
        await this.deps.jobs.submit(this.request(clip.id));
        return;
      }
      // The primary clip first: its job is the one the panel follows.
      const ordered = [...targets].sort((a, b) => (a.clip.id === clip.id ? -1 : b.clip.id === clip.id ? 1 : 0));
      for (const r of ordered) {
        await this.deps.jobs.submit(this.request(r.clip.id, { range: r.range, primary: r.clip.id === clip.id }));
      }
    });
  }

  /** Cancels the selected clip's job, if one is under way. */
  async cancel(): Promise<void> {
    const job = this.job;
    if (!job || !isActive(job.status)) return;
    await this.deps.errors.guard(t('ctx.cancelJob'), () => this.deps.jobs.cancel(job.id));
  }

  /** Another clip or region: the words field shows its words again, and the new text starts empty. */
  clearTexts(): void {
    this.draft = null;
    this.newText = '';
  }

  /** The words typed over a region belong to that region: another region starts from its own words. */
  regionChanged(): void {
    this.draft = null;
  }

  /**
   * The jobs.submit request for a clip: its region (take-relative samples) when given, and the words only when they
   * were typed here (otherwise the core takes the clip's transcript, or the region's part of it, and records so).
   * Words typed over a region are the primary clip's: other clips read their own transcripts.
   */
  request(clipId: number, opts: { takeId?: number; range?: { start: number; end: number }; primary?: boolean } = {}): Params<'jobs.submit'> {
    const info = this.taskInfo;
    const p: Params<'jobs.submit'> = {
      clipId,
      engine: this.engineId,
      task: this.task,
      iterations: this.iterations,
      seed: this.seed,
    };
    if (opts.takeId !== undefined) p.takeId = opts.takeId;
    if (opts.range) p.range = opts.range;
    if (this.lengthMode) p.lengthMode = this.lengthMode;
    if (info && info.options.length > 0 && this.option) p.option = this.option;
    const own = opts.primary ?? true;
    if (info?.needsText && own && this.typed && this.words) p.text = this.words;
    if (this.task === TAG_TASK) {
      if (own) p.newText = this.text.trim();
    } else if (info?.needsNewText && this.newText.trim()) p.newText = this.newText.trim();
    if (info?.intensity) p.intensity = this.intensity;
    return p;
  }

  dispose(): void {
    this.owner.dispose();
    this.changed.clear();
  }
}
