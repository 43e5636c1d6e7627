// The composition root of the renderer: builds every controller over one client, declares how they answer each other
// (a project loaded, a clip selected, a job finished, an undo applied, an import placed, the link back) and which
// command each keyboard shortcut runs, and owns their lifetimes: dispose() undoes all of it. It holds no state of its
// own; components reach the controllers through typed context (context.ts), never through this object.

import { MixEngine, type AudioOutput } from '../audio/mix-engine';
import { SharedOutput } from '../audio/shared-output';
import { TimelineController } from '../timeline/timeline.svelte';
import { TransportController } from '../timeline/transport.svelte';
import { isTimeFormat } from '../timeline/timecode';
import { ArrangementController } from './arrangement.svelte';
import { AuditionController } from './audition.svelte';
import type { Client } from './client';
import { CloneController } from './clone.svelte';
import { ConnectionController } from './connection.svelte';
import { Disposables, Signal } from './disposables';
import { EditForm } from './edit-form.svelte';
import { EnginesController } from './engines.svelte';
import { ErrorsController } from './errors.svelte';
import { ExportController } from './export.svelte';
import { FolderBrowser } from './folders.svelte';
import { HistoryController } from './history.svelte';
import { i18n, isLocale, t } from './i18n.svelte';
import { ImportExportController, type ImportLocation } from './import-export.svelte';
import { InputController, type Commands } from './input.svelte';
import { JobsController } from './jobs.svelte';
import { LayoutController, type KeyValueStore } from './layout.svelte';
import { ModelsController } from './models.svelte';
import { PeaksCache } from './peaks.svelte';
import { ProjectController } from './project.svelte';
import { RegionController } from './region.svelte';
import { SelectionController } from './selection.svelte';
import { TakesController } from './takes.svelte';
import { TranscriptsController } from './transcripts.svelte';
import type { Clip } from '../../src-main/contract';

export interface AppControllers {
  readonly connection: ConnectionController;
  readonly errors: ErrorsController;
  readonly project: ProjectController;
  readonly engines: EnginesController;
  readonly history: HistoryController;
  readonly arrangement: ArrangementController;
  readonly selection: SelectionController;
  readonly timeline: TimelineController;
  readonly transport: TransportController;
  readonly takes: TakesController;
  readonly jobs: JobsController;
  readonly form: EditForm;
  readonly region: RegionController;
  readonly audition: AuditionController;
  readonly peaks: PeaksCache;
  readonly transfer: ImportExportController;
  readonly exports: ExportController;
  readonly transcripts: TranscriptsController;
  readonly input: InputController;
  readonly models: ModelsController;
  readonly layout: LayoutController;
  readonly folders: FolderBrowser;
  /** Asks the toolbar to open its file picker (Ctrl+I). */
  readonly pickFiles: Signal;
  readonly clone: CloneController;
}

export interface AppOptions {
  /** The audio output (the streaming Web Audio engine unless a test gives a fake). */
  output?: AudioOutput;
  /** Where the layout is remembered (localStorage unless given; null: nowhere). */
  storage?: KeyValueStore | null;
  /** The system's folder dialog (Electron's preload); the web dialog over files.browse when absent. */
  pickFolder?: (() => Promise<string | null>) | null;
}

function defaultStorage(): KeyValueStore | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
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
  readonly transport: TransportController;
  readonly takes: TakesController;
  readonly jobs: JobsController;
  readonly form: EditForm;
  readonly region: RegionController;
  readonly audition: AuditionController;
  readonly peaks: PeaksCache;
  readonly transfer: ImportExportController;
  readonly exports: ExportController;
  readonly transcripts: TranscriptsController;
  readonly input: InputController;
  readonly models: ModelsController;
  readonly layout: LayoutController;
  readonly folders: FolderBrowser;
  readonly pickFiles = new Signal();
  readonly clone: CloneController;
  private readonly client: Client;
  private readonly output: SharedOutput;
  private readonly owner = new Disposables();

  constructor(client: Client, platform: string, options: AppOptions = {}) {
    this.client = client;
    const errors = (this.errors = new ErrorsController());
    this.connection = new ConnectionController(client);
    const project = (this.project = new ProjectController(client, errors));
    const engines = (this.engines = new EnginesController(client, errors));
    this.history = new HistoryController(client, errors);
    const arrangement = (this.arrangement = new ArrangementController(client, errors, () => project.isOpen));
    const selection = (this.selection = new SelectionController(arrangement));
    this.peaks = new PeaksCache(client);
    this.output = new SharedOutput(options.output ?? new MixEngine());
    const frame = typeof requestAnimationFrame === 'function' ? (cb: () => void) => void requestAnimationFrame(cb) : undefined;
    const timeline = (this.timeline = new TimelineController({
      project,
      arrangement,
      selection,
      errors,
      playhead: () => this.transport.position,
      pauses: (clip) => this.pausesIn(clip),
      ...(frame ? { frame } : {}),
    }));
    this.transport = new TransportController({
      project,
      arrangement,
      timeline,
      errors,
      output: this.output,
      resolveUrl: (u) => client.resolveUrl(u),
      ...(frame ? { frame } : {}),
    });
    const takes = (this.takes = new TakesController(client, errors));
    const jobs = (this.jobs = new JobsController(client));
    const form = (this.form = new EditForm({ engines, jobs, selection, errors, project, region: () => this.region }));
    this.region = new RegionController(client, {
      selection,
      project,
      choice: () => ({ engine: form.engineId, task: form.task, lengthMode: form.lengthMode }),
    });
    this.models = new ModelsController(client, errors);
    this.clone = new CloneController(client, { engines, jobs, selection, arrangement, errors });
    this.audition = new AuditionController(client, { selection, takes, arrangement, errors, output: this.output, project });
    this.transfer = new ImportExportController(client, { project, arrangement, errors, locate: (where) => this.importLocation(where) });
    this.exports = new ExportController(client, { selection, arrangement, errors });
    this.transcripts = new TranscriptsController(client, { arrangement, errors });
    this.folders = new FolderBrowser(client, errors, options.pickFolder ?? null);
    this.layout = new LayoutController(options.storage === undefined ? defaultStorage() : options.storage);
    this.input = new InputController(platform, {
      commands: this.commands(),
      canDrop: () => project.isOpen,
      drop: (files, where) => void this.transfer.importFiles(files, where),
      modal: () => this.folders.open || this.exports.open,
    });
    this.remember();
    this.wire();
  }

  /** Pause centres inside a clip, as timeline samples. */
  private pausesIn(clip: Clip): number[] {
    const sr = this.project.sampleRate;
    const out: number[] = [];
    for (const p of this.peaks.pauses(clip.media.hash)) {
      const at = Math.round(((p.start + p.end) / 2) * sr);
      if (at > clip.inPoint && at < clip.outPoint) out.push(clip.start + at - clip.inPoint);
    }
    return out;
  }

  /** Where an import goes: the lane it was dropped on, else the selected track (or the first) at the cursor. */
  importLocation(where: ImportLocation = {}): ImportLocation {
    const trackId = where.trackId ?? this.selection.trackId ?? this.arrangement.tracks[0]?.id;
    const start = where.start ?? this.transport.cursor;
    return trackId === undefined ? { start } : { trackId, start };
  }

  /** What each keyboard shortcut does. */
  private commands(): Commands {
    const { timeline, transport, selection, arrangement, history } = this;
    const playhead = () => transport.position;
    const stepPlayhead = (sec: number) => void transport.seek(transport.position + sec * this.project.sampleRate);
    return {
      playStop: () => void transport.toggle(),
      auditionPlayPause: () => void this.audition.toggle(),
      undo: () => void history.undo(),
      redo: () => void history.redo(),
      toggleAB: () => void this.audition.toggleAB(),
      deleteClip: () => void timeline.deleteSelected(),
      cancelJob: () => void this.form.cancel(),
      split: () => void timeline.splitAt(playhead()),
      splitAtMouse: () => void timeline.splitAtPointer(),
      nudgeLeft: () => void timeline.nudge(-1).then((moved) => moved || stepPlayhead(-0.01)),
      nudgeRight: () => void timeline.nudge(1).then((moved) => moved || stepPlayhead(0.01)),
      nudgeLeftCoarse: () => void timeline.nudge(-1, true).then((moved) => moved || stepPlayhead(-1)),
      nudgeRightCoarse: () => void timeline.nudge(1, true).then((moved) => moved || stepPlayhead(1)),
      copy: () => void timeline.copySelected(),
      cut: () => void timeline.cutSelected(),
      paste: () =>
        void timeline.paste(transport.cursor).then((span) => {
          if (span) timeline.reveal(span);
        }),
      duplicate: () =>
        void timeline.duplicate().then((span) => {
          if (span) timeline.reveal(span);
        }),
      selectAll: () => timeline.selectAll(),
      clearSelection: () => {
        selection.setClips([]);
        selection.setRange(null);
      },
      zoomIn: () => timeline.zoomIn(),
      zoomOut: () => timeline.zoomOut(),
      zoomFit: () => timeline.fit(),
      zoomSelection: () => timeline.zoomToSelection(),
      toggleSnap: () => timeline.toggleSnapping(),
      toggleLoop: () => transport.toggleLoop(),
      toggleFollow: () => transport.toggleFollow(),
      goStart: () => {
        void transport.seek(0);
        timeline.scrollToSample(0);
      },
      goEnd: () => {
        void transport.seek(arrangement.endSample);
        timeline.follow(arrangement.endSample);
      },
      addTrack: () => void arrangement.addTrack(),
      import: () => this.pickFiles.emit(),
    };
  }

  /** What the window remembers: language, timeline unit, snapping, following, and per project the view. */
  private remember(): void {
    const { layout, timeline, transport } = this;
    layout.register(
      () => 'prefs',
      () => ({ locale: i18n.chosen, timeFormat: timeline.timeFormat, snap: timeline.snapping.enabled, follow: transport.follow }),
      (v) => {
        if (v.locale === null || isLocale(v.locale)) i18n.setLocale(v.locale);
        if (isTimeFormat(v.timeFormat)) timeline.timeFormat = v.timeFormat;
        if (typeof v.snap === 'boolean') timeline.snapping = { ...timeline.snapping, enabled: v.snap };
        if (typeof v.follow === 'boolean') transport.follow = v.follow;
      },
    );
    layout.register(
      () => (this.project.current ? `view:${this.project.current.dir}` : null),
      () => timeline.snapshot(),
      (v) => timeline.restore(v),
    );
  }

  /** How the controllers answer each other. */
  private wire(): void {
    const { errors, project, history, arrangement, selection, timeline, transport, takes, jobs, form, region, audition, peaks, transfer, exports, layout, clone } = this;
    const on = (unsubscribe: () => void) => this.owner.add(unsubscribe);

    on(this.connection.reconnected.on(() => void errors.guard(t('ctx.reconnect'), () => this.sync())));

    on(
      project.loaded.on(async (current, changed) => {
        if (changed) {
          // The view of the project being left is kept under its own key before it is reset.
          layout.flush();
          audition.playback.stop();
          transport.reset();
          selection.selectClip(null);
          selection.setRange(null);
          timeline.reset();
          peaks.clear();
          takes.forgetSpans();
          exports.reset();
          this.transcripts.dismissImport();
          layout.reload();
        }
        if (!current) {
          arrangement.clear();
          history.reset();
          return;
        }
        await history.load();
        await arrangement.refresh();
        if (selection.trackId === null) selection.selectTrack(arrangement.tracks[0]?.id ?? null);
        const clipId = selection.clipId;
        if (clipId !== null) await Promise.all([takes.refresh(), jobs.loadForClip(clipId)]);
      }),
    );

    on(
      selection.clipChanged.on((clipId) => {
        form.clearTexts();
        region.schedule();
        if (clipId === null) {
          void takes.setClip(null);
          return;
        }
        void errors.guard(t('ctx.listTakes'), async () => {
          await takes.setClip(clipId);
          const clip = selection.clip;
          if (clip && clip.id === clipId) clone.fillPromptText(takes.byId(clip.activeTakeId));
        });
        void errors.guard(t('ctx.listJobs'), () => jobs.loadForClip(clipId));
      }),
    );

    // A region's plan follows the range, the chosen task and length mode, and the clip (its active take, transcript
    // and trim); words typed over one region do not carry over to another.
    on(
      selection.rangeChanged.on(() => {
        form.regionChanged();
        region.schedule();
      }),
    );
    on(form.changed.on(() => region.schedule()));
    on(arrangement.changed.on(() => region.schedule()));

    on(
      jobs.finished.on((job) => {
        if (job.status !== 'done') return;
        if (job.clipId === takes.clipId) {
          selection.auditionTake(null);
          void errors.guard(t('ctx.refreshTakes'), takes.refresh);
        }
        void errors.guard(t('ctx.refreshTimeline'), arrangement.refresh);
        void errors.guard(t('ctx.selectCloned'), () => clone.finished(job));
      }),
    );

    on(
      history.applied.on(async () => {
        selection.auditionTake(null);
        await Promise.all([arrangement.refresh(), takes.refresh()]);
        audition.playback.prune();
      }),
    );

    // An import is selected, scrolled into view, and the cursor goes to its end (the next import follows it).
    on(
      transfer.imported.on((clips) => {
        selection.setClips(clips.map((c) => c.id));
        const first = clips[0];
        if (first) selection.selectTrack(first.trackId);
        const start = Math.min(...clips.map((c) => c.start));
        const end = Math.max(...clips.map((c) => c.start + (c.outPoint - c.inPoint)));
        timeline.reveal({ start, end });
        if (!transport.playing) void transport.seek(end);
      }),
    );

    // Mixing is heard at once; edits during playback go on playing the new arrangement.
    on(arrangement.tracksChanged.on(() => transport.applyMix()));
    on(arrangement.changed.on(() => transport.arrangementChanged()));
  }

  /** Loads what the core has: the open project and the engines (at start and after a reconnect). */
  private async sync(): Promise<void> {
    await Promise.all([this.engines.load(), this.project.sync()]);
    this.connection.markReady();
  }

  /** Listens to the window and loads what the core has. */
  start(win: Window = window): void {
    this.input.start(win);
    this.layout.start(win);
    void this.errors.guard(t('ctx.connect'), () => this.sync());
  }

  dispose(): void {
    this.owner.dispose();
    this.layout.dispose();
    for (const c of [this.input, this.exports, this.transfer, this.audition, this.clone, this.transport, this.region, this.form, this.jobs, this.takes, this.selection, this.arrangement, this.models]) c.dispose();
    for (const c of [this.history, this.engines, this.project, this.connection, this.errors]) c.dispose();
    this.output.dispose();
    this.pickFiles.clear();
    this.client.dispose();
  }
}
