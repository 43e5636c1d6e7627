// The edit form of the inspector: engine, task and option come from the engines' capabilities (never a fixed list);
// the form only asks for transcript, new text or intensity where the chosen task takes them.

import type { EngineInfo, Params } from '../../src-main/contract';

type TaskInfo = EngineInfo['tasks'][string];

export function randomSeed(): number {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0]!;
}

export class EditForm {
  private readonly engines: () => readonly EngineInfo[];
  engineId = $state('');
  task = $state('');
  option = $state('');
  text = $state('');
  newText = $state('');
  intensity = $state(0.5);
  iterations = $state(1);
  seed = $state(randomSeed());

  constructor(engines: () => readonly EngineInfo[]) {
    this.engines = engines;
  }

  get engine(): EngineInfo | undefined {
    return this.engines().find((e) => e.id === this.engineId);
  }
  get taskNames(): string[] {
    return Object.keys(this.engine?.tasks ?? {});
  }
  get taskInfo(): TaskInfo | undefined {
    return this.engine?.tasks[this.task];
  }
  get options(): string[] {
    return this.taskInfo?.options ?? [];
  }

  /** Keeps the choices valid when the engine list arrives or changes: first available engine, first task, option. */
  normalize(): void {
    const list = this.engines();
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

  setIterations(n: number): void {
    this.iterations = Number.isFinite(n) ? Math.min(10, Math.max(1, Math.round(n))) : 1;
  }

  setSeed(n: number): void {
    this.seed = Number.isFinite(n) ? Math.min(0xffffffff, Math.max(0, Math.round(n))) : 0;
  }

  /** Why Apply is not possible right now, or null when it is. */
  get problem(): string | null {
    const engine = this.engine;
    if (!engine) return 'No engine is available.';
    if (!engine.available) return engine.unavailableReason ?? `${engine.name} cannot run on this machine.`;
    const info = this.taskInfo;
    if (!info) return 'Choose a task.';
    if (info.options.length > 0 && !info.options.includes(this.option)) return 'Choose an option.';
    if (info.needsText && !this.text.trim()) return 'This task needs the transcript of the clip.';
    if (info.needsNewText && !this.newText.trim()) return 'This task needs the new text.';
    return null;
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
}
