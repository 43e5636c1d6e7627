// The Clone panel's state: a voice prompt (the selected clip, or an audio file, which is imported as a clip first), what
// the prompt says, the new line and a seed; submitting queues a `clone` job (clone.submit) with the first available
// engine that offers the `clone` task. The job is followed through the jobs controller (it shows on the prompt's
// clip); when it is done the new clip is selected.

import type { EngineInfo, Take } from '../../src-main/contract';
import type { ArrangementController } from './arrangement.svelte';
import type { Client } from './client';
import { randomSeed } from './edit-form.svelte';
import type { EnginesController } from './engines.svelte';
import type { ErrorsController } from './errors.svelte';
import { isActive, type JobsController, type JobView } from './jobs.svelte';
import type { SelectionController } from './selection.svelte';

export type PromptSource = 'clip' | 'file';

export interface CloneDeps {
  engines: EnginesController;
  jobs: JobsController;
  selection: SelectionController;
  arrangement: ArrangementController;
  errors: ErrorsController;
}

export class CloneController {
  private readonly client: Client;
  private readonly deps: CloneDeps;
  source = $state<PromptSource>('clip');
  file = $state.raw<File | null>(null);
  promptText = $state('');
  text = $state('');
  seed = $state(randomSeed());
  /** The clone job submitted last (followed until it ends). */
  jobId = $state<number | null>(null);
  submitting = $state(false);

  constructor(client: Client, deps: CloneDeps) {
    this.client = client;
    this.deps = deps;
  }

  /** The engine clones run with: the first available one that offers `clone`, else the first that lists it. */
  get engine(): EngineInfo | undefined {
    const list = this.deps.engines.list.filter((e) => e.tasks.clone);
    return list.find((e) => e.available) ?? list[0];
  }

  get job(): JobView | null {
    return this.jobId === null ? null : (this.deps.jobs.jobs[this.jobId] ?? null);
  }

  get running(): boolean {
    const j = this.job;
    return this.submitting || (!!j && isActive(j.status));
  }

  /** Why Clone is not possible right now, or null when it is. */
  get problem(): string | null {
    const engine = this.engine;
    if (!engine) return 'No engine can clone a voice.';
    if (!engine.available) return engine.unavailableReason ?? `${engine.name} cannot run on this machine.`;
    if (this.source === 'clip' && !this.deps.selection.clip) return 'Select the clip whose voice to clone, or choose a file.';
    if (this.source === 'file' && !this.file) return 'Choose the audio file whose voice to clone.';
    if (!this.promptText.trim()) return 'Type what the prompt says (its transcript).';
    if (!this.text.trim()) return 'Type the new line to speak.';
    return null;
  }

  setSource(s: PromptSource): void {
    this.source = s;
  }

  /** The file chosen in a file input (the prompt when the source is a file). */
  pick(input: HTMLInputElement): void {
    const f = input.files?.[0] ?? null;
    if (f) {
      this.file = f;
      this.source = 'file';
    }
  }

  rollSeed(): void {
    this.seed = randomSeed();
  }

  setSeed(n: number): void {
    this.seed = Number.isFinite(n) ? Math.min(0xffffffff, Math.max(0, Math.round(n))) : 0;
  }

  /** The prompt's transcript starts from what the selected clip's active take says, unless one was typed. */
  fillPromptText(active: Take | undefined): void {
    if (active && !this.promptText && this.source === 'clip') this.promptText = active.textAfter ?? active.textBefore ?? '';
  }

  async submit(): Promise<void> {
    if (this.problem || this.running) return;
    const engine = this.engine!;
    this.submitting = true;
    try {
      await this.deps.errors.guard('Clone the voice', async () => {
        let promptTakeId: number;
        let trackId: number | undefined;
        if (this.source === 'file') {
          // The prompt becomes a clip of the project first (one undoable import), so it can be heard and reused.
          const file = this.file!;
          const [source] = await this.client.importSources([file]);
          const r = await this.client.call('media.import', { source: source!, name: file.name || 'audio' });
          await this.deps.arrangement.refresh();
          promptTakeId = r.take.id;
          trackId = r.clip.trackId;
        } else {
          const clip = this.deps.selection.clip!;
          promptTakeId = clip.activeTakeId;
          trackId = clip.trackId;
        }
        const job = await this.client.call('clone.submit', {
          promptTakeId,
          promptText: this.promptText.trim(),
          text: this.text.trim(),
          engine: engine.id,
          seed: this.seed,
          ...(trackId !== undefined ? { trackId } : {}),
        });
        this.jobId = job.id;
      });
    } finally {
      this.submitting = false;
    }
  }

  async cancel(): Promise<void> {
    const j = this.job;
    if (!j || !isActive(j.status)) return;
    await this.deps.errors.guard('Cancel the clone', () => this.deps.jobs.cancel(j.id));
  }

  /** A job ended: when it is our clone and it is done, its new clip (already on the refreshed timeline) is selected. */
  async finished(job: JobView): Promise<void> {
    if (job.id !== this.jobId || job.status !== 'done') return;
    const takeId = job.resultTakeIds[0];
    await this.deps.arrangement.refresh();
    const clip = this.deps.arrangement.clips.find((c) => c.activeTakeId === takeId);
    if (clip) this.deps.selection.selectClip(clip.id);
  }

  dispose(): void {}
}
