// Audio in and out of the project: importing picked or dropped files (uploaded or passed by path, as the shell
// needs; the number under way is the progress the UI shows), and exporting the selected clip's active take in the
// chosen format, with the link to the written file.

import type { ExportFormat, ExportResult } from '../../src-main/contract';
import type { ArrangementController } from './arrangement.svelte';
import type { Client } from './client';
import type { ErrorsController } from './errors.svelte';
import type { ProjectController } from './project.svelte';
import type { SelectionController } from './selection.svelte';

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

export class ImportExportController {
  private readonly client: Client;
  private readonly project: ProjectController;
  private readonly arrangement: ArrangementController;
  private readonly selection: SelectionController;
  private readonly errors: ErrorsController;
  /** Files being imported now. */
  importing = $state(0);
  exportFormat = $state<ExportFormat>('pcm24');
  exporting = $state(false);
  lastExport = $state.raw<LastExport | null>(null);

  constructor(
    client: Client,
    deps: { project: ProjectController; arrangement: ArrangementController; selection: SelectionController; errors: ErrorsController },
  ) {
    this.client = client;
    this.project = deps.project;
    this.arrangement = deps.arrangement;
    this.selection = deps.selection;
    this.errors = deps.errors;
  }

  /** Imports the files chosen in a file input, and empties it so the same file can be chosen again. */
  importPicked(input: HTMLInputElement): void {
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length) void this.importFiles(files);
  }

  /** Imports files one after the other; each one imported becomes the selected clip. */
  async importFiles(files: readonly File[], where: ImportLocation = {}): Promise<void> {
    if (!this.project.isOpen) {
      this.errors.report({ code: 'E_NO_PROJECT', message: 'Open or create a project before importing audio.' }, 'Import');
      return;
    }
    for (const file of files) {
      this.importing++;
      try {
        const r = await this.errors.guard(`Import ${file.name}`, () => this.client.importFile(file, where));
        if (r) {
          await this.errors.guard('Refresh the timeline', this.arrangement.refresh);
          this.selection.selectClip(r.clip.id);
        }
      } finally {
        this.importing--;
      }
    }
  }

  /** Exports the selected clip's active take into the project's exports folder. */
  async exportSelected(): Promise<void> {
    const clip = this.selection.clip;
    if (!clip) return;
    this.exporting = true;
    try {
      await this.errors.guard(`Export ${clip.name}`, async () => {
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
}
