// Audio in and out of the project. Importing: the files picked or dropped together are ONE `media.importMany` (one
// history entry, laid end to end on one track, never stacked), shown at once where they will land with their names,
// a determinate progress bar (the upload in the web shell, then the core's `import.progress`), a cancel button, and
// their waveform drawn from `import.peaks` as the core decodes (coarse first, then finer). Files that fail are
// reported one by one; the rest still import. Exporting: the selected clip's active take in the chosen format, with
// the link to the written file.

import type { Clip, ExportFormat, ExportResult } from '../../src-main/contract';
import type { ArrangementController } from './arrangement.svelte';
import type { Client } from './client';
import { ClientError } from './client';
import { Disposables, Signal } from './disposables';
import type { ErrorsController } from './errors.svelte';
import { t } from './i18n.svelte';
import type { ProjectController } from './project.svelte';
import { StreamedWave } from './wave';

/** Where imported audio goes: a track, and a start in samples (the core picks when absent). */
export interface ImportLocation {
  trackId?: number;
  start?: number;
}

export interface LastExport extends ExportResult {
  clipName: string;
  fileName: string;
  /** The URL the page downloads it from. */
  href: string;
}

export interface ImportFile {
  name: string;
  /** The waveform so far (from import.peaks). */
  wave: StreamedWave;
}

/** An import under way, as the timeline shows it. */
export interface ImportJob {
  id: string;
  files: ImportFile[];
  trackId: number | null;
  /** Timeline start of the first file, samples. */
  start: number;
  stage: 'uploading' | 'importing' | 'cancelling';
  /** 0..1 over the whole import. */
  fraction: number;
  /** The file being worked on. */
  index: number;
  /** Bumped whenever a waveform grows (the lanes redraw). */
  version: number;
}

// In the web shell the files are uploaded first (a loopback copy, fast next to decoding): the bar gives the upload
// the first quarter.
const UPLOAD_SHARE = 0.25;

/** A fresh id for `media.importMany` (the contract asks 8-64 of [A-Za-z0-9_-]). */
export function newImportId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return 'imp_' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class ImportExportController {
  private readonly client: Client;
  private readonly project: ProjectController;
  private readonly arrangement: ArrangementController;
  private readonly errors: ErrorsController;
  private readonly owner = new Disposables();
  private readonly aborts = new Map<string, AbortController>();
  /** Imports under way, in the order they began. */
  imports = $state.raw<ImportJob[]>([]);
  /** Files being imported now. */
  importing = $derived(this.imports.reduce((n, j) => n + j.files.length, 0));
  exportFormat = $state<ExportFormat>('pcm24');
  exporting = $state(false);
  lastExport = $state.raw<LastExport | null>(null);
  /** An import placed its clips (in timeline order). */
  readonly imported = new Signal<[clips: Clip[]]>();

  private readonly locate: (where: ImportLocation) => ImportLocation;

  constructor(
    client: Client,
    deps: {
      project: ProjectController;
      arrangement: ArrangementController;
      errors: ErrorsController;
      /** Fills in where an import goes when the user did not say (the selected track, at the cursor). */
      locate?: (where: ImportLocation) => ImportLocation;
    },
  ) {
    this.client = client;
    this.locate = deps.locate ?? ((w) => w);
    this.project = deps.project;
    this.arrangement = deps.arrangement;
    this.errors = deps.errors;
    this.owner.add(
      client.on('import.progress', (p) => {
        this.update(p.importId, (j) => {
          if (j.stage !== 'importing') return j;
          const share = this.client.transport.kind === 'web' ? UPLOAD_SHARE : 0;
          return { ...j, index: p.index, fraction: Math.max(j.fraction, share + (1 - share) * p.fraction) };
        });
      }),
    );
    this.owner.add(
      client.on('import.peaks', (p) => {
        this.update(p.importId, (j) => {
          const f = j.files[p.index];
          if (!f) return j;
          f.wave.add(p);
          return { ...j, version: j.version + 1 };
        });
      }),
    );
  }

  private update(id: string, fn: (j: ImportJob) => ImportJob): void {
    let hit = false;
    const next = this.imports.map((j) => {
      if (j.id !== id) return j;
      hit = true;
      return fn(j);
    });
    if (hit) this.imports = next;
  }

  /** Imports the files chosen in a file input, and empties it so the same files can be chosen again. */
  importPicked(input: HTMLInputElement, where: ImportLocation = {}): void {
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length) void this.importFiles(files, where);
  }

  /**
   * Imports files together as one step: shown at once at `where`, then uploaded (web shell) and imported by the core
   * end to end. Resolves when the import ended (done, failed or cancelled).
   */
  async importFiles(files: readonly File[], asked: ImportLocation = {}): Promise<void> {
    if (!this.project.isOpen) {
      this.errors.report({ code: 'E_NO_PROJECT', message: t('error.noProject') }, t('ctx.import'));
      return;
    }
    if (files.length === 0) return;
    const where = this.locate(asked);
    const id = newImportId();
    const ac = new AbortController();
    this.aborts.set(id, ac);
    const job: ImportJob = {
      id,
      files: files.map((f) => ({ name: f.name || 'audio', wave: new StreamedWave() })),
      trackId: where.trackId ?? null,
      start: Math.max(0, Math.round(where.start ?? 0)),
      stage: this.client.transport.kind === 'web' ? 'uploading' : 'importing',
      fraction: 0,
      index: 0,
      version: 0,
    };
    this.imports = [...this.imports, job];
    const context = files.length === 1 ? t('ctx.importFile', { name: job.files[0]!.name }) : t('ctx.importFiles', { n: files.length });
    try {
      await this.errors.guard(context, () => this.run(job, files, where, ac.signal));
    } finally {
      this.aborts.delete(id);
      this.imports = this.imports.filter((j) => j.id !== id);
    }
  }

  private async run(job: ImportJob, files: readonly File[], where: ImportLocation, signal: AbortSignal): Promise<void> {
    const id = job.id;
    try {
      const sources = await this.client.importSources(files, {
        signal,
        onProgress: (f) => this.update(id, (j) => ({ ...j, fraction: Math.max(j.fraction, UPLOAD_SHARE * f) })),
      });
      if (signal.aborted) throw new ClientError('E_CANCELLED', t('error.importCancelled'));
      this.update(id, (j) => (j.stage === 'uploading' ? { ...j, stage: 'importing' } : j));
      const r = await this.client.call('media.importMany', {
        items: sources.map((source, i) => ({ source, name: job.files[i]!.name })),
        ...(where.trackId !== undefined ? { trackId: where.trackId } : {}),
        ...(where.start !== undefined ? { start: job.start } : {}),
        importId: id,
      });
      for (const f of r.failed) this.errors.report({ code: f.code, message: f.message }, t('ctx.importFile', { name: f.name }));
      if (r.imported.length === 0) return;
      await this.arrangement.refresh();
      this.imported.emit(r.imported.map((x) => this.arrangement.clip(x.clip.id) ?? x.clip));
    } catch (e) {
      // The user cancelled: that is no error to report.
      if (signal.aborted && e instanceof ClientError && e.code === 'E_CANCELLED') return;
      throw e;
    }
  }

  /** Stops an import: the upload is aborted, or the core drops what it has (nothing of it enters the project). */
  async cancelImport(id: string): Promise<void> {
    const job = this.imports.find((j) => j.id === id);
    if (!job || job.stage === 'cancelling') return;
    const wasUploading = job.stage === 'uploading';
    this.update(id, (j) => ({ ...j, stage: 'cancelling' }));
    this.aborts.get(id)?.abort();
    if (wasUploading) return;
    await this.errors.guard(t('ctx.cancelImport'), async () => {
      try {
        await this.client.call('media.cancelImport', { importId: id });
      } catch (e) {
        // Finished meanwhile: nothing left to cancel.
        if (!(e instanceof ClientError && e.code === 'E_NOT_FOUND')) throw e;
      }
    });
  }

  /** Exports a clip's active take into the project's exports folder. */
  async exportClip(clip: Clip): Promise<void> {
    this.exporting = true;
    try {
      await this.errors.guard(t('ctx.export', { name: clip.name }), async () => {
        const r = await this.client.call('export.clip', { clipId: clip.id, format: this.exportFormat });
        const fileName = r.path.split(/[\\/]/).pop() || `${clip.name}.wav`;
        this.lastExport = { ...r, clipName: clip.name, fileName, href: this.client.resolveUrl(r.url) };
      });
    } finally {
      this.exporting = false;
    }
  }

  /** The offered download belongs to the clip it was made from. */
  forgetExport(): void {
    this.lastExport = null;
  }

  dispose(): void {
    for (const ac of this.aborts.values()) ac.abort();
    this.owner.dispose();
    this.imported.clear();
  }
}
