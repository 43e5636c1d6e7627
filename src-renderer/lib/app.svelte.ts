// The composition root of the renderer: builds every controller over one client, declares how they answer each other
// (a project loaded, a clip selected, a job finished, an undo applied, the link back) and which command each keyboard
// shortcut runs, and owns their lifetimes: dispose() undoes all of it. It holds no state of its own; components
// reach the controllers through typed context (context.ts), never through this object.

import { ArrangementController } from './arrangement.svelte';
import { AuditionController } from './audition.svelte';
import type { Client } from './client';
import { ConnectionController } from './connection.svelte';
import { Disposables } from './disposables';
import { EditForm } from './edit-form.svelte';
import { EnginesController } from './engines.svelte';
import { ErrorsController } from './errors.svelte';
import { HistoryController } from './history.svelte';
import { ImportExportController } from './import-export.svelte';
import { InputController, type Commands } from './input.svelte';
import { JobsController } from './jobs.svelte';
import { ModelsController } from './models.svelte';
import { PeaksCache } from './peaks';
import { ProjectController } from './project.svelte';
import { SelectionController } from './selection.svelte';
import { TakesController } from './takes.svelte';
import { TimelineController } from '../timeline/timeline.svelte';

export interface AppControllers {
  readonly connection: ConnectionController;
  readonly errors: ErrorsController;
  readonly project: ProjectController;
  readonly engines: EnginesController;
  readonly history: HistoryController;
  readonly arrangement: ArrangementController;
  readonly selection: SelectionController;
  readonly timeline: TimelineController;
  readonly takes: TakesController;
  readonly jobs: JobsController;
  readonly form: EditForm;
  readonly audition: AuditionController;
  readonly peaks: PeaksCache;
  readonly transfer: ImportExportController;
  readonly input: InputController;
  readonly models: ModelsController;
}

export class AppController implements AppControllers {
  readonly connection: ConnectionController;
  readonly errors: ErrorsController;
  readonly project: ProjectController;
  readonly engines: EnginesController;
  readonly history: HistoryController;
  readonly arrangement: ArrangementController;
  readonly selection: SelectionController;
  readonly timeline: TimelineController;
  readonly takes: TakesController;
  readonly jobs: JobsController;
  readonly form: EditForm;
  readonly audition: AuditionController;
  readonly peaks: PeaksCache;
  readonly transfer: ImportExportController;
  readonly input: InputController;
  readonly models: ModelsController;
  private readonly client: Client;
  private readonly owner = new Disposables();

  constructor(client: Client, platform: string) {
    this.client = client;
    const errors = (this.errors = new ErrorsController());
    this.connection = new ConnectionController(client);
    const project = (this.project = new ProjectController(client, errors));
    const engines = (this.engines = new EnginesController(client, errors));
    this.history = new HistoryController(client, errors);
    const arrangement = (this.arrangement = new ArrangementController(client, errors, () => project.isOpen));
    const selection = (this.selection = new SelectionController(arrangement));
    this.timeline = new TimelineController({ project, arrangement, selection, errors });
    const takes = (this.takes = new TakesController(client, errors));
    const jobs = (this.jobs = new JobsController(client));
    this.form = new EditForm({ engines, jobs, selection, errors });
    this.audition = new AuditionController(client, { selection, takes, arrangement, errors });
    this.peaks = new PeaksCache(client);
    this.models = new ModelsController(client, errors);
    this.transfer = new ImportExportController(client, { project, arrangement, selection, errors });
    this.input = new InputController(platform, {
      commands: this.commands(),
      canDrop: () => project.isOpen,
      drop: (files, where) => void this.transfer.importFiles(files, where),
    });
    this.wire();
  }

  /** What each keyboard shortcut does. */
  private commands(): Commands {
    return {
      playPause: () => void this.audition.toggle(),
      undo: () => void this.history.undo(),
      redo: () => void this.history.redo(),
      toggleAB: () => void this.audition.toggleAB(),
      deleteClip: () => {
        const clip = this.selection.clip;
        if (clip) void this.arrangement.deleteClip(clip);
      },
      cancelJob: () => void this.form.cancel(),
    };
  }

  /** How the controllers answer each other. */
  private wire(): void {
    const { errors, project, history, arrangement, selection, timeline, takes, jobs, form, audition, peaks, transfer } = this;
    const on = (unsubscribe: () => void) => this.owner.add(unsubscribe);

    on(this.connection.reconnected.on(() => void errors.guard('Reconnect', () => this.sync())));

    on(
      project.loaded.on(async (current, changed) => {
        if (changed) {
          audition.playback.stop();
          selection.selectClip(null);
          timeline.reset();
          peaks.clear();
          transfer.forgetExport();
        }
        if (!current) {
          arrangement.clear();
          history.reset();
          return;
        }
        await history.load();
        await arrangement.refresh();
        const clipId = selection.clipId;
        if (clipId !== null) await Promise.all([takes.refresh(), jobs.loadForClip(clipId)]);
      }),
    );

    on(
      selection.clipChanged.on((clipId) => {
        transfer.forgetExport();
        form.clearTexts();
        if (clipId === null) {
          void takes.setClip(null);
          return;
        }
        void errors.guard('List the takes of the clip', async () => {
          await takes.setClip(clipId);
          const clip = selection.clip;
          if (clip && clip.id === clipId) form.fillTranscript(takes.byId(clip.activeTakeId));
        });
        void errors.guard('List the jobs of the clip', () => jobs.loadForClip(clipId));
      }),
    );

    on(
      jobs.finished.on((job) => {
        if (job.status !== 'done') return;
        if (job.clipId === takes.clipId) {
          selection.auditionTake(null);
          void errors.guard('Refresh the takes', takes.refresh);
        }
        void errors.guard('Refresh the timeline', arrangement.refresh);
      }),
    );

    on(
      history.applied.on(async () => {
        selection.auditionTake(null);
        await Promise.all([arrangement.refresh(), takes.refresh()]);
        audition.playback.prune();
      }),
    );
  }

  /** Loads what the core has: the open project and the engines (at start and after a reconnect). */
  private async sync(): Promise<void> {
    await Promise.all([this.engines.load(), this.project.sync()]);
    this.connection.markReady();
  }

  /** Listens to the window and loads what the core has. */
  start(win: Window = window): void {
    this.input.start(win);
    void this.errors.guard('Connect to Retake', () => this.sync());
  }

  dispose(): void {
    this.owner.dispose();
    for (const c of [this.input, this.audition, this.form, this.jobs, this.takes, this.selection, this.arrangement, this.models]) c.dispose();
    for (const c of [this.history, this.engines, this.project, this.connection, this.errors]) c.dispose();
    this.client.dispose();
  }
}
