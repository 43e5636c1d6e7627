// The root controller of the renderer: connection, project, timeline, selection, history, errors, import, export and
// keyboard. It owns the sub-controllers (takes, jobs, edit form, playback) and every listener they hold: dispose()
// undoes all of it.

import type {
  Clip,
  EngineInfo,
  ExportFormat,
  ExportResult,
  HistoryState,
  ProjectInfo,
  RecentProject,
  Track,
} from '../../src-main/contract';
import { Client, toClientError, type ConnectionState } from './client';
import { coalesce, Disposables } from './disposables';
import { EditForm } from './edit-form.svelte';
import { isActive, JobsController } from './jobs.svelte';
import { PeaksCache } from './peaks';
import { PlaybackController, type Decks } from './playback.svelte';
import { shortcutFor } from './shortcuts';
import { TakesController } from './takes.svelte';

export interface ErrorEntry {
  id: number;
  code: string;
  message: string;
  /** What the user was doing ("Import song.wav"). */
  context: string;
}

const NO_HISTORY: HistoryState = { canUndo: false, canRedo: false, undoLabel: null, redoLabel: null };
const MAX_ERRORS = 4;

export class AppController {
  readonly client: Client;
  readonly platform: string;
  readonly takes: TakesController;
  readonly jobs: JobsController;
  readonly form: EditForm;
  readonly playback: PlaybackController;
  readonly peaks: PeaksCache;
  private readonly owner = new Disposables();

  connection = $state<ConnectionState>('connecting');
  /** False until the first project.current answer (avoids flashing the start screen). */
  ready = $state(false);
  project = $state.raw<ProjectInfo | null>(null);
  recent = $state.raw<RecentProject[]>([]);
  engines = $state.raw<EngineInfo[]>([]);
  history = $state.raw<HistoryState>(NO_HISTORY);
  tracks = $state.raw<Track[]>([]);
  clips = $state.raw<Clip[]>([]);
  selectedClipId = $state<number | null>(null);
  /** The take chosen for audition (B deck); the clip's active take when null. */
  auditionTakeId = $state<number | null>(null);
  errors = $state.raw<ErrorEntry[]>([]);
  helpOpen = $state(false);
  importing = $state(0);
  dragActive = $state(false);
  projectBusy = $state(false);
  exportFormat = $state<ExportFormat>('pcm24');
  exporting = $state(false);
  lastExport = $state.raw<(ExportResult & { clipName: string; fileName: string }) | null>(null);
  private nextErrorId = 1;
  private dragDepth = 0;

  selectedClip: Clip | null = $derived(this.clips.find((c) => c.id === this.selectedClipId) ?? null);

  constructor(client: Client, platform: string) {
    this.client = client;
    this.platform = platform;
    this.peaks = new PeaksCache(client);
    this.takes = new TakesController(client);
    this.jobs = new JobsController(client);
    this.form = new EditForm(() => this.engines);
    this.playback = new PlaybackController(
      () => this.decks(),
      (url) => client.resolveUrl(url),
    );
    this.owner.add(() => this.playback.dispose());
    this.owner.add(() => this.jobs.dispose());
  }

  /** Source take (A) and the take under audition (B) for the selected clip. */
  decks(): Decks {
    const clip = this.selectedClip;
    if (!clip || this.takes.clipId !== clip.id || this.takes.takes.length === 0) return { a: null, b: null };
    const takes = this.takes.takes;
    const active = this.takes.byId(clip.activeTakeId);
    const picked = this.takes.byId(this.auditionTakeId);
    let b = picked ?? active;
    const a = b ? (this.takes.sourceOf(b.id) ?? null) : null;
    // With the source active and edits present, compare against the newest edit (what the user just made).
    if (!picked && b && a && b.id === a.id) {
      const newest = takes.filter((t) => t.kind === 'edit' && this.takes.sourceOf(t.id)?.id === a.id).at(-1);
      if (newest) b = newest;
    }
    return { a, b: b ?? null };
  }

  // ---- start, events, reconnect

  start(): void {
    const c = this.client;
    this.connection = c.connection;
    let wasDown = false;
    this.owner.add(
      c.onConnection((s) => {
        this.connection = s;
        if (s === 'closed') wasDown = true;
        if (s === 'open' && wasDown) {
          wasDown = false;
          void this.guard('Reconnect', () => this.resync());
        }
      }),
    );
    this.owner.add(c.on('timeline.changed', () => void this.guard('Refresh the timeline', this.refreshTimeline)));
    this.owner.add(
      c.on('takes.changed', ({ clipId }) => {
        if (clipId === this.takes.clipId) void this.guard('Refresh the takes', this.takes.refresh);
      }),
    );
    this.owner.add(c.on('history.changed', (h) => (this.history = h)));
    this.owner.add(
      c.on('project.changed', ({ project }) => {
        if (project?.dir === this.project?.dir) {
          this.project = project;
          return;
        }
        void this.guard('Load the project', () => this.loadProject(project));
      }),
    );
    this.owner.add(c.on('engines.changed', () => void this.guard('List the engines', () => this.loadEngines())));
    this.owner.add(
      this.jobs.onFinished((job) => {
        if (job.status === 'done') {
          if (job.clipId === this.takes.clipId) {
            this.auditionTakeId = null;
            void this.guard('Refresh the takes', this.takes.refresh);
          }
          void this.guard('Refresh the timeline', this.refreshTimeline);
        }
      }),
    );
    this.installWindowHandlers();
    void this.guard('Connect to Retake', () => this.resync());
  }

  private async resync(): Promise<void> {
    const [project, engines] = await Promise.all([
      this.client.call('project.current', {}),
      this.client.call('engines.list', {}),
    ]);
    this.setEngines(engines);
    await this.loadProject(project);
    this.ready = true;
  }

  private setEngines(list: EngineInfo[]): void {
    this.engines = list;
    this.form.normalize();
  }

  private async loadEngines(): Promise<void> {
    this.setEngines(await this.client.call('engines.list', {}));
  }

  private async loadProject(project: ProjectInfo | null): Promise<void> {
    const changed = project?.dir !== this.project?.dir;
    this.project = project;
    if (changed) {
      this.playback.stop();
      this.selectClip(null);
      this.peaks.clear();
      this.lastExport = null;
    }
    if (!project) {
      this.tracks = [];
      this.clips = [];
      this.history = NO_HISTORY;
      this.recent = await this.client.call('project.listRecent', {});
      return;
    }
    this.history = await this.client.call('history.state', {});
    await this.refreshTimeline();
    const clipId = this.selectedClipId;
    if (clipId !== null) {
      await Promise.all([this.takes.refresh(), this.jobs.loadForClip(clipId)]);
    }
  }

  readonly refreshTimeline = coalesce(async () => {
    if (!this.project) return;
    const tl = await this.client.call('timeline.get', {});
    this.tracks = [...tl.tracks].sort((a, b) => a.order - b.order);
    this.clips = tl.clips;
    if (this.selectedClipId !== null && !tl.clips.some((c) => c.id === this.selectedClipId)) this.selectClip(null);
  });

  // ---- errors

  reportError(e: unknown, context: string): void {
    const err = toClientError(e);
    console.warn(`${context}: ${err.code} ${err.message}`);
    const entry: ErrorEntry = { id: this.nextErrorId++, code: err.code, message: err.message, context };
    this.errors = [...this.errors, entry].slice(-MAX_ERRORS);
  }

  dismissError(id: number): void {
    this.errors = this.errors.filter((e) => e.id !== id);
  }

  /** Runs an action and turns a failure into an error banner instead of an unhandled rejection. */
  async guard<T>(context: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      this.reportError(e, context);
      return undefined;
    }
  }

  // ---- projects

  async createProject(dir: string, name?: string): Promise<void> {
    await this.withProjectBusy('Create the project', async () => {
      const params: { dir: string; name?: string } = { dir: dir.trim() };
      if (name?.trim()) params.name = name.trim();
      await this.loadProject(await this.client.call('project.create', params));
    });
  }

  async openProject(dir: string): Promise<void> {
    await this.withProjectBusy('Open the project', async () => {
      await this.loadProject(await this.client.call('project.open', { dir: dir.trim() }));
    });
  }

  async closeProject(): Promise<void> {
    await this.withProjectBusy('Close the project', async () => {
      await this.client.call('project.close', {});
      await this.loadProject(null);
    });
  }

  private async withProjectBusy(context: string, fn: () => Promise<void>): Promise<void> {
    this.projectBusy = true;
    try {
      await this.guard(context, fn);
    } finally {
      this.projectBusy = false;
    }
  }

  async loadRecent(): Promise<void> {
    await this.guard('List recent projects', async () => {
      this.recent = await this.client.call('project.listRecent', {});
    });
  }

  async addTrack(): Promise<void> {
    await this.guard('Add a track', async () => {
      await this.client.call('tracks.add', {});
      await this.refreshTimeline();
    });
  }

  // ---- selection, clips, takes

  selectClip(clipId: number | null): void {
    if (clipId === this.selectedClipId) return;
    this.playback.stop();
    this.selectedClipId = clipId;
    this.auditionTakeId = null;
    this.playback.side = 'b';
    this.playback.prune();
    this.lastExport = null;
    this.form.text = '';
    this.form.newText = '';
    if (clipId === null) {
      void this.takes.setClip(null);
      return;
    }
    void this.guard('List the takes of the clip', async () => {
      await this.takes.setClip(clipId);
      // The transcript belongs to the clip: start from the one its active take carries, if any.
      const clip = this.selectedClip;
      const active = clip && clip.id === clipId ? this.takes.byId(clip.activeTakeId) : undefined;
      if (active && !this.form.text) this.form.text = active.textAfter ?? active.textBefore ?? '';
    });
    void this.guard('List the jobs of the clip', () => this.jobs.loadForClip(clipId));
  }

  async deleteSelectedClip(): Promise<void> {
    const clip = this.selectedClip;
    if (!clip) return;
    await this.guard(`Delete ${clip.name}`, async () => {
      await this.client.call('clips.delete', { clipId: clip.id });
      this.selectClip(null);
      await this.refreshTimeline();
    });
  }

  private replaceClip(clip: Clip): void {
    this.clips = this.clips.map((c) => (c.id === clip.id ? clip : c));
  }

  async setActiveTake(takeId: number): Promise<void> {
    const clip = this.selectedClip;
    if (!clip) return;
    this.auditionTakeId = takeId;
    this.playback.prune();
    if (clip.activeTakeId === takeId) return;
    await this.guard('Choose the take', async () => {
      this.replaceClip(await this.client.call('takes.setActive', { clipId: clip.id, takeId }));
    });
  }

  async auditionTake(takeId: number): Promise<void> {
    const { a } = this.decks();
    if (a && a.id === takeId) {
      await this.guard('Play the take', () => this.playback.playFrom('a'));
      return;
    }
    this.auditionTakeId = takeId;
    this.playback.prune();
    await this.guard('Play the take', () => this.playback.playFrom('b'));
  }

  // ---- jobs

  get currentJob() {
    return this.jobs.forClip(this.selectedClipId);
  }

  get jobRunning(): boolean {
    const j = this.currentJob;
    return !!j && isActive(j.status);
  }

  async applyEdit(): Promise<void> {
    const clip = this.selectedClip;
    if (!clip || this.form.problem || this.jobRunning || this.jobs.submitting) return;
    await this.guard('Apply the edit', () => this.jobs.submit(this.form.request(clip.id)));
  }

  async cancelJob(): Promise<void> {
    const job = this.currentJob;
    if (!job || !isActive(job.status)) return;
    await this.guard('Cancel the job', () => this.jobs.cancel(job.id));
  }

  // ---- history

  async undo(): Promise<void> {
    if (!this.history.canUndo) return;
    await this.guard('Undo', async () => {
      this.history = await this.client.call('history.undo', {});
      await this.afterHistory();
    });
  }

  async redo(): Promise<void> {
    if (!this.history.canRedo) return;
    await this.guard('Redo', async () => {
      this.history = await this.client.call('history.redo', {});
      await this.afterHistory();
    });
  }

  private async afterHistory(): Promise<void> {
    this.auditionTakeId = null;
    await Promise.all([this.refreshTimeline(), this.takes.refresh()]);
    this.playback.prune();
  }

  // ---- import

  async importFiles(files: readonly File[], where: { trackId?: number; start?: number } = {}): Promise<void> {
    if (!this.project) {
      this.reportError({ code: 'E_NO_PROJECT', message: 'Open or create a project before importing audio.' }, 'Import');
      return;
    }
    for (const file of files) {
      this.importing++;
      try {
        const r = await this.guard(`Import ${file.name}`, () => this.client.importFile(file, where));
        if (r) {
          await this.guard('Refresh the timeline', this.refreshTimeline);
          this.selectClip(r.clip.id);
        }
      } finally {
        this.importing--;
      }
    }
  }

  // ---- export

  async exportSelected(): Promise<void> {
    const clip = this.selectedClip;
    if (!clip) return;
    this.exporting = true;
    try {
      await this.guard(`Export ${clip.name}`, async () => {
        const r = await this.client.call('export.clip', { clipId: clip.id, format: this.exportFormat });
        const fileName = r.path.split(/[\\/]/).pop() || `${clip.name}.wav`;
        this.lastExport = { ...r, clipName: clip.name, fileName };
      });
    } finally {
      this.exporting = false;
    }
  }

  // ---- window: keyboard and drag-and-drop

  private installWindowHandlers(): void {
    this.owner.listen(window, 'keydown', (e) => this.onKey(e));
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');
    this.owner.listen(window, 'dragenter', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      this.dragDepth++;
      this.dragActive = true;
    });
    this.owner.listen(window, 'dragover', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = this.project ? 'copy' : 'none';
    });
    this.owner.listen(window, 'dragleave', (e) => {
      if (!hasFiles(e)) return;
      this.dragDepth = Math.max(0, this.dragDepth - 1);
      if (this.dragDepth === 0) this.dragActive = false;
    });
    this.owner.listen(window, 'drop', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      this.dragDepth = 0;
      this.dragActive = false;
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length === 0) return;
      void this.importFiles(files, this.dropLocation(e));
    });
  }

  /** A drop onto a track lane imports onto that track at the pointer's time. */
  private dropLocation(e: DragEvent): { trackId?: number; start?: number } {
    const target = e.target instanceof Element ? e.target.closest<HTMLElement>('[data-track-id]') : null;
    if (!target || !this.project) return {};
    const trackId = Number(target.dataset.trackId);
    const pxPerSec = Number(target.dataset.pxPerSec);
    if (!Number.isInteger(trackId)) return {};
    if (!(pxPerSec > 0)) return { trackId };
    const x = e.clientX - target.getBoundingClientRect().left + target.scrollLeft;
    return { trackId, start: Math.max(0, (x / pxPerSec) * this.project.sampleRate) };
  }

  private onKey(e: KeyboardEvent): void {
    if (e.defaultPrevented || e.isComposing) return;
    const el = document.activeElement as HTMLElement | null;
    const tag = el?.tagName ?? '';
    const type = el instanceof HTMLInputElement ? el.type : '';
    const textLike =
      tag === 'TEXTAREA' ||
      tag === 'SELECT' ||
      !!el?.isContentEditable ||
      (tag === 'INPUT' && !['button', 'checkbox', 'radio', 'range', 'file', 'submit', 'reset'].includes(type));
    const action = shortcutFor(e, {
      editingText: textLike,
      onButton:
        tag === 'BUTTON' || tag === 'A' || el?.getAttribute('role') === 'button' || (tag === 'INPUT' && !textLike),
      inEditPanel: !!el?.closest('[data-edit-panel]'),
      overlayOpen: this.helpOpen,
    });
    if (!action) return;
    e.preventDefault();
    switch (action) {
      case 'playPause':
        void this.guard('Play', () => this.playback.toggle());
        break;
      case 'undo':
        void this.undo();
        break;
      case 'redo':
        void this.redo();
        break;
      case 'toggleAB':
        void this.guard('A/B', () => this.playback.toggleAB());
        break;
      case 'deleteClip':
        void this.deleteSelectedClip();
        break;
      case 'cancelJob':
        void this.cancelJob();
        break;
      case 'toggleHelp':
        this.helpOpen = !this.helpOpen;
        break;
      case 'closeOverlay':
        this.helpOpen = false;
        break;
    }
  }

  dispose(): void {
    this.owner.dispose();
    this.client.dispose();
  }
}
