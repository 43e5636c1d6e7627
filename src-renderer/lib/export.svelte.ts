// Exporting, as a job (`export.start`): the dialog's choices — what (the project mix, the selected time range, one
// file per track, or the selected clip), the file format, an optional loudness target (EBU R128 −23, ATSC A/85 −24,
// podcast −16, or a custom target) under a true-peak ceiling, and a name — and the job that renders it, followed
// through its events (progress, stage, cancel, the files it wrote). Where the file goes is the shell's: Electron asks
// with the system's save dialog (`destination: 'ask'`), the web shell writes to the project's exports folder and the
// page downloads the finished file (`downloaded` tells the dialog to start it).

import type { ExportedFile, ExportEncoding, ExportJob, Job, LoudnessPreset, Params } from '../../src-main/contract';
import type { ArrangementController } from './arrangement.svelte';
import type { Client } from './client';
import { ClientError } from './client';
import { Disposables, Signal } from './disposables';
import type { ErrorsController } from './errors.svelte';
import { t } from './i18n.svelte';
import { isActive } from './jobs-model';
import type { SelectionController } from './selection.svelte';

export type ScopeKind = 'mix' | 'range' | 'tracks' | 'clip';
export const SCOPES: readonly ScopeKind[] = ['mix', 'range', 'tracks', 'clip'];
export const ENCODINGS: readonly ExportEncoding[] = ['wav-pcm16', 'wav-pcm24', 'wav-float32', 'flac-16', 'flac-24'];
/** No normalisation, or a loudness target. */
export type LoudnessChoice = 'none' | LoudnessPreset;
export const LOUDNESS_CHOICES: readonly LoudnessChoice[] = ['none', 'ebu-r128', 'atsc-a85', 'podcast', 'custom'];
/** The named presets' targets (LUFS / LKFS): EBU R128, ATSC A/85, and the common podcast target. */
export const PRESET_LUFS: Record<Exclude<LoudnessPreset, 'custom'>, number> = { 'ebu-r128': -23, 'atsc-a85': -24, podcast: -16 };
// The true-peak ceiling by default: EBU R128's −1 dBTP.
export const DEFAULT_CEILING_DBTP = -1;

/** An exported file with the page's URLs for it. */
export interface ExportedLink extends ExportedFile {
  href: string | null;
  sidecarHref: string | null;
}

export interface ExportDeps {
  selection: SelectionController;
  arrangement: ArrangementController;
  errors: ErrorsController;
}

export class ExportController {
  private readonly client: Client;
  private readonly deps: ExportDeps;
  private readonly owner = new Disposables();
  /** The dialog is open. */
  open = $state(false);
  scope = $state<ScopeKind>('mix');
  encoding = $state<ExportEncoding>('wav-pcm24');
  loudness = $state<LoudnessChoice>('none');
  customLufs = $state(-20);
  ceilingDbtp = $state(DEFAULT_CEILING_DBTP);
  /** A base name for the file(s); empty: named after what is exported. */
  name = $state('');
  /** The latest export job. */
  job = $state.raw<ExportJob | null>(null);
  private jobId: number | null = null;
  /** The newest snapshot of every export job seen (events may come before the reply). */
  private readonly seen = new Map<number, ExportJob>();
  /** The job whose files were handed to the page to download. */
  private delivered: number | null = null;
  submitting = $state(false);
  /** The job finished with files the page should download (web shell). */
  readonly downloaded = new Signal<[files: ExportedLink[]]>();

  constructor(client: Client, deps: ExportDeps) {
    this.client = client;
    this.deps = deps;
    this.owner.add(client.on('job.updated', ({ job }) => this.note(job)));
    this.owner.add(client.on('job.finished', ({ job }) => this.note(job)));
    this.owner.add(
      client.on('job.progress', (p) => {
        const j = this.job;
        if (p.kind !== 'export' || !j || p.jobId !== j.id || !isActive(j.status)) return;
        this.job = { ...j, status: 'running', progress: Math.max(j.progress, p.progress), stage: p.stage ?? j.stage };
        this.seen.set(j.id, this.job);
      }),
    );
  }

  /**
   * Folds a snapshot of an export job into what is known (events may come before the reply that names the job: a
   * finished job never goes back to running, progress never back) and shows it when it is the dialog's job.
   */
  private note(job: Job): void {
    if (job.kind !== 'export') return;
    const prev = this.seen.get(job.id);
    const next: ExportJob =
      prev && !isActive(prev.status) && isActive(job.status)
        ? prev
        : { ...job, progress: Math.max(prev?.progress ?? 0, job.status === 'done' ? 1 : job.progress) };
    this.seen.set(job.id, next);
    if (next.id !== this.jobId) return;
    this.job = next;
    if (next.status === 'done' && this.delivered !== next.id) {
      this.delivered = next.id;
      if (!this.asksWhere) this.downloaded.emit(this.files);
    }
  }

  /** The shell asks where to save (Electron's save dialog) rather than the page downloading the file. */
  get asksWhere(): boolean {
    return this.client.transport.kind === 'electron';
  }

  openDialog(): void {
    // What is selected is what is likely meant: the range, else the clip, else the mix.
    if (!this.running) {
      if (this.deps.selection.range) this.scope = 'range';
      else if (this.scope === 'range' || (this.scope === 'clip' && !this.deps.selection.clip)) this.scope = 'mix';
    }
    this.open = true;
  }

  closeDialog(): void {
    this.open = false;
  }

  get running(): boolean {
    return !!this.job && isActive(this.job.status);
  }

  /** Why a scope cannot be exported now, or null when it can. */
  scopeProblem(kind: ScopeKind): string | null {
    const { selection, arrangement } = this.deps;
    if (arrangement.clips.length === 0) return t('export.nothing');
    if (kind === 'range' && !selection.range) return t('export.noRange');
    if (kind === 'clip' && !selection.clip) return t('export.noClip');
    return null;
  }

  /** The target the chosen loudness normalises to (LUFS), or null without normalisation. */
  get targetLufs(): number | null {
    if (this.loudness === 'none') return null;
    return this.loudness === 'custom' ? this.customLufs : PRESET_LUFS[this.loudness];
  }

  /** Why the export cannot start, or null when it can. */
  get problem(): string | null {
    const scope = this.scopeProblem(this.scope);
    if (scope) return scope;
    if (this.loudness === 'custom' && !(this.customLufs >= -70 && this.customLufs <= 0)) return t('export.badTarget');
    if (this.loudness !== 'none' && !(this.ceilingDbtp >= -20 && this.ceilingDbtp <= 0)) return t('export.badCeiling');
    return null;
  }

  /** The export.start request for the dialog's choices. */
  request(): Params<'export.start'> {
    const { selection } = this.deps;
    const scope: Params<'export.start'>['scope'] =
      this.scope === 'range' && selection.range
        ? { kind: 'range', start: selection.range.start, end: selection.range.end }
        : this.scope === 'clip' && selection.clip
          ? { kind: 'clip', clipId: selection.clip.id }
          : this.scope === 'tracks'
            ? { kind: 'tracks' }
            : { kind: 'mix' };
    const p: Params<'export.start'> = { scope, encoding: this.encoding, destination: this.asksWhere ? 'ask' : 'exports' };
    if (this.loudness !== 'none') {
      p.loudness = { preset: this.loudness, ceilingDbtp: this.ceilingDbtp };
      if (this.loudness === 'custom') p.loudness.targetLufs = this.customLufs;
    }
    if (this.name.trim()) p.name = this.name.trim();
    return p;
  }

  /** Starts the export job. */
  async start(): Promise<void> {
    if (this.problem || this.running || this.submitting) return;
    this.submitting = true;
    try {
      await this.deps.errors.guard(t('ctx.exportStart'), async () => {
        const job = await this.client.call('export.start', this.request());
        this.jobId = job.id;
        this.note(job);
      });
    } finally {
      this.submitting = false;
    }
  }

  async cancel(): Promise<void> {
    const j = this.job;
    if (!j || !isActive(j.status)) return;
    await this.deps.errors.guard(t('ctx.cancelJob'), async () => {
      try {
        const next = await this.client.call('jobs.cancel', { jobId: j.id });
        this.note(next);
      } catch (e) {
        // It ended meanwhile: nothing left to cancel.
        if (!(e instanceof ClientError && e.code === 'E_NOT_FOUND')) throw e;
      }
    });
  }

  /** The files of the latest job, with their URLs in the page. */
  get files(): ExportedLink[] {
    return (this.job?.files ?? []).map((f) => ({
      ...f,
      href: f.url ? this.client.resolveUrl(f.url) : null,
      sidecarHref: f.sidecarUrl ? this.client.resolveUrl(f.sidecarUrl) : null,
    }));
  }

  /** Another project: its exports are its own. */
  reset(): void {
    this.job = null;
    this.jobId = null;
    this.seen.clear();
    this.open = false;
  }

  dispose(): void {
    this.owner.dispose();
    this.downloaded.clear();
  }
}
