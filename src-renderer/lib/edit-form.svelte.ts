// The edit form of the inspector: engine, task and option come from the engines' capabilities (never a fixed list);
// the form only asks for transcript, new text or intensity where the chosen task takes them. It submits the edit of
// the selected clip as a job and cancels that clip's running job.

import type { EngineInfo, Params, Take } from '../../src-main/contract';
import { Disposables } from './disposables';
import type { EnginesController } from './engines.svelte';
import type { ErrorsController } from './errors.svelte';
import { isActive, type JobsController, type JobView } from './jobs.svelte';
import type { SelectionController } from './selection.svelte';
import { t } from './i18n.svelte';

type TaskInfo = EngineInfo['tasks'][string];

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
}

export class EditForm {
  private readonly deps: EditFormDeps;
  private readonly owner = new Disposables();
  engineId = $state('');
  task = $state('');
  option = $state('');
  text = $state('');
  newText = $state('');
  intensity = $state(0.5);
  iterations = $state(1);
  seed = $state(randomSeed());

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

  /** Keeps the choices valid when the engine list arrives or changes: first available engine, first task, option. */
  normalize(): void {
    const list = this.engines;
    if (!list.some((e) => e.id === this.engineId)) {
      this.engineId = (list.find((e) => e.available) ?? list[0])?.id ?? '';
    }
    if (!this.taskNames.includes(this.task)) this.task = this.taskNames[0] ?? '';
    if (!this.options.includes(this.option)) this.option = this.options[0] ?? '';
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

  rollSeed(): void {
    this.seed = randomSeed();
  }

  /**
   * Writes a paralinguistic tag at the end of the new text (move it to where the sound goes); an empty new text starts
   * from the transcript, which it annotates.
   */
  insertTag(tag: string): void {
    this.newText = `${this.newText.trim() ? this.newText : this.text.trim()}[${tag}]`;
  }

  setIterations(n: number): void {
    this.iterations = Number.isFinite(n) ? Math.min(10, Math.max(1, Math.round(n))) : 1;
  }

  setSeed(n: number): void {
    this.seed = Number.isFinite(n) ? Math.min(0xffffffff, Math.max(0, Math.round(n))) : 0;
  }

  /** Why Apply is not possible right now, or null when it is. */
  get problem(): string | null {
    const engine = this.engine;
    if (!engine) return t('form.noEngine');
    if (!engine.available) return engine.unavailableReason ?? t('form.engineCannotRun', { name: engine.name });
    const info = this.taskInfo;
    if (!info) return t('form.chooseTask');
    if (info.options.length > 0 && !info.options.includes(this.option)) return t('form.chooseOption');
    if (info.needsText && !this.text.trim()) return t('form.needsText');
    if (info.needsNewText && !this.newText.trim()) return t('form.needsNewText');
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

  /** Submits the edit of the selected clip. */
  async apply(): Promise<void> {
    const clip = this.deps.selection.clip;
    if (!clip || this.problem || this.busy) return;
    await this.deps.errors.guard(t('ctx.applyEdit'), () => this.deps.jobs.submit(this.request(clip.id)));
  }

  /** Cancels the selected clip's job, if one is under way. */
  async cancel(): Promise<void> {
    const job = this.job;
    if (!job || !isActive(job.status)) return;
    await this.deps.errors.guard(t('ctx.cancelJob'), () => this.deps.jobs.cancel(job.id));
  }

  /** A new clip was selected: its texts start empty. */
  clearTexts(): void {
    this.text = '';
    this.newText = '';
  }

  /** The transcript belongs to the clip: start from the one its active take carries, unless one was typed. */
  fillTranscript(active: Take | undefined): void {
    if (active && !this.text) this.text = active.textAfter ?? active.textBefore ?? '';
  }

  /** The jobs.submit request for a clip (and optionally a specific take to edit). */
  request(clipId: number, takeId?: number): Params<'jobs.submit'> {
    const info = this.taskInfo;
    const p: Params<'jobs.submit'> = {
      clipId,
      engine: this.engineId,
      task: this.task,
      iterations: this.iterations,
      seed: this.seed,
    };
    if (takeId !== undefined) p.takeId = takeId;
    if (info && info.options.length > 0 && this.option) p.option = this.option;
    if (this.text.trim()) p.text = this.text.trim();
    if (info?.needsNewText && this.newText.trim()) p.newText = this.newText.trim();
    if (info?.intensity) p.intensity = this.intensity;
    return p;
  }

  dispose(): void {
    this.owner.dispose();
  }
}
