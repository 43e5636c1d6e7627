// Bringing audio into the project (a path, or a file the web shell received by upload) and the waveform peaks the
// renderer draws. An import is decoded and checked by the engine host before anything enters the project; several
// files imported together become one undoable step, laid end to end. An import with an id reports `import.progress`
// (the share of its bytes decoded), streams each file's waveform as `import.peaks` while the host decodes it, and can
// be cancelled until its clips are placed. The host reads the user's file once, copying it into the store's temp
// folder as it decodes, so what is stored is what was checked.

import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { RetakeError, type ImportFailure, type ImportSource, type Imported, type ParsedParams, type Result } from '../../contract';
import { parsePeaks, peaksForRenderer } from '../../audio/peaks';
import type { InspectResult, PeaksReport } from '../../engines/host/protocol';
import type { StoredMedia } from '../../store/media-store';
import type { StudioContext } from '../context';
import { lengthInProject, mediaInfo } from '../mapping';
import type { TimelineService } from './timeline';

/** A file checked by the host and stored, not yet placed on the timeline. */
interface Ingested {
  name: string;
  stored: StoredMedia;
  facts: InspectResult;
}

interface ImportItem {
  source: ImportSource;
  name?: string | undefined;
}

/** Where one file's import reports to. */
interface FileReports {
  /** The file's share done (0..1) and what happens now. */
  progress: (fraction: number, stage: string | null) => void;
  /** Its waveform while it is decoded; null when nobody listens (an import without an id). */
  peaks: ((report: PeaksReport) => void) | null;
}

/** Share of a file's progress given to the host's decoding (and measuring); storing it takes the rest. */
const HOST_SHARE = 0.9;
/** The peaks cache's unit (src-main/audio/peaks.ts). */
const PEAK_UNIT = 32767;

export class MediaService {
  /** Imports under way that have an id: aborting one stops its current file and places nothing. */
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly ctx: StudioContext,
    private readonly timeline: TimelineService,
  ) {}

  async import(p: ParsedParams<'media.import'>): Promise<Result<'media.import'>> {
    const r = await this.run([{ source: p.source, name: p.name }], p.trackId, p.start, p.importId, true);
    return r.imported[0]!;
  }

  async importMany(p: ParsedParams<'media.importMany'>): Promise<Result<'media.importMany'>> {
    return this.run(p.items, p.trackId, p.start, p.importId, false);
  }

  cancelImport(importId: string): null {
    const ac = this.running.get(importId);
    if (!ac) throw new RetakeError('E_NOT_FOUND', 'That import is not running (it may have finished already).');
    ac.abort();
    return null;
  }

  /**
   * Checks and stores each file in turn, then places every one that imported in one history entry. `single`: a
   * failure is thrown (media.import) instead of being listed (media.importMany).
   */
  private async run(
    items: ImportItem[],
    trackId: number | undefined,
    start: number | undefined,
    importId: string | undefined,
    single: boolean,
  ): Promise<{ imported: Imported[]; failed: ImportFailure[] }> {
    const proj = this.ctx.need();
    if (trackId !== undefined) this.ctx.trackRow(trackId);
    if (importId !== undefined && this.running.has(importId)) {
      throw new RetakeError('E_VALIDATION', `An import with the id ${importId} is already running.`);
    }
    const ac = new AbortController();
    if (importId !== undefined) this.running.set(importId, ac);
    const progress = (index: number, name: string, fraction: number, stage: string | null) => {
      if (importId !== undefined) {
        this.ctx.events.emit('import.progress', { importId, index, count: items.length, name, fraction, stage });
      }
    };
    const ingested: Ingested[] = [];
    const failed: ImportFailure[] = [];
    try {
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        const name = displayName(item);
        ac.signal.throwIfAborted();
        progress(i, name, i / items.length, 'decoding');
        const reports: FileReports = {
          progress: (f, stage) => progress(i, name, (i + f) / items.length, stage),
          peaks:
            importId === undefined
              ? null
              : (r) =>
                  this.ctx.events.emit('import.peaks', {
                    importId,
                    index: i,
                    name,
                    durationSec: r.frames / r.sampleRate,
                    bucketSec: r.bucketFrames / r.sampleRate,
                    start: r.start,
                    peaks: Array.from(r.pairs, (q) => q / PEAK_UNIT),
                    final: r.final,
                  }),
        };
        try {
          ingested.push(await this.ingest(item, name, ac.signal, reports));
        } catch (e) {
          if (ac.signal.aborted) throw new RetakeError('E_CANCELLED', 'The import was cancelled.');
          if (single) throw e;
          failed.push(e instanceof RetakeError ? { name, code: e.code, message: e.message } : { name, code: 'E_INTERNAL', message: String(e) });
        }
      }
      ac.signal.throwIfAborted();
      const clipIds = ingested.length ? this.place(ingested, trackId, start) : [];
      progress(items.length - 1, ingested.at(-1)?.name ?? '', 1, 'done');
      const imported = clipIds.map((id, k) => {
        const clip = this.ctx.clip(id);
        return { clip, take: this.ctx.take(clip.activeTakeId), media: mediaInfo(this.ctx.mediaRow(ingested[k]!.stored.hash)) };
      });
      return { imported, failed };
    } catch (e) {
      // Nothing was placed: files this import added to the store go again (unless a project row uses them).
      for (const g of ingested) {
        if (g.stored.created && !proj.repos.media.get(g.stored.hash)) await proj.media.discard(g.stored.hash, g.facts.ext);
      }
      if (ac.signal.aborted) throw new RetakeError('E_CANCELLED', 'The import was cancelled.');
      throw e;
    } finally {
      if (importId !== undefined) this.running.delete(importId);
    }
  }

  /** One file: checked where it is, decoded by the host while it copies it into the store's temp folder, stored with its peaks. */
  private async ingest(item: ImportItem, name: string, signal: AbortSignal, reports: FileReports): Promise<Ingested> {
    if (item.source.kind === 'path') return this.ingestFile(path.resolve(item.source.path), name, signal, reports);
    const up = this.ctx.uploads?.(item.source.uploadId);
    if (!up) throw new RetakeError('E_NOT_FOUND', 'That upload is unknown or has expired; import the file again.');
    try {
      return await this.ingestFile(up.file, name, signal, reports);
    } finally {
      // An upload is imported once, whatever the outcome: its temp file goes.
      up.release();
    }
  }

  private async ingestFile(src: string, name: string, signal: AbortSignal, reports: FileReports): Promise<Ingested> {
    const proj = this.ctx.need();
    const st = await fsp.stat(src).catch(() => null);
    if (!st) throw new RetakeError('E_FILE_NOT_FOUND', `The file ${src} does not exist.`);
    if (!st.isFile()) throw new RetakeError('E_UNSUPPORTED_AUDIO', `${name} is not a file.`);
    if (st.size === 0) throw new RetakeError('E_EMPTY_AUDIO', `${name} is empty (0 bytes). Choose a file that holds audio.`);

    // The host copies the file into the store's temp folder as it decodes it: nothing enters the project unless the
    // copy decodes, and the file is read once.
    const tmp = proj.media.tempPath('import');
    const peaksTmp = proj.media.tempPath('peaks');
    try {
      signal.throwIfAborted();
      const facts = await this.ctx.host.call(
        'inspect',
        { input: src, name, peaksOut: peaksTmp, analyze: this.ctx.analyze, copyTo: tmp, streamPeaks: reports.peaks !== null },
        {
          signal,
          onProgress: (v, stage) => reports.progress(v * HOST_SHARE, stage),
          ...(reports.peaks ? { onPeaks: reports.peaks } : {}),
        },
      );
      signal.throwIfAborted();
      reports.progress(HOST_SHARE, 'storing');
      const stored = await proj.media.adoptTemp(await renameExt(tmp, facts.ext), facts.ext);
      await fsp.mkdir(path.dirname(proj.media.peaksPath(stored.hash)), { recursive: true });
      await fsp.rename(peaksTmp, proj.media.peaksPath(stored.hash));
      return { name, stored, facts };
    } finally {
      await fsp.rm(tmp, { force: true });
      await fsp.rm(peaksTmp, { force: true });
    }
  }

  /** Places the stored files end to end on one track as one history entry; returns the new clips' ids in order. */
  private place(files: Ingested[], trackId: number | undefined, start: number | undefined): number[] {
    const proj = this.ctx.need();
    const label = files.length === 1 ? `Import ${files[0]!.name}` : `Import ${files.length} files`;
    const ids = proj.history.record(label, (rec) => {
      let at = start;
      let track = trackId;
      return files.map((f) => {
        proj.repos.media.add({
          hash: f.stored.hash,
          ext: f.facts.ext,
          format: f.facts.format,
          sample_rate: f.facts.sampleRate,
          channels: f.facts.channels,
          frames: f.facts.frames,
          bytes: f.stored.bytes,
          original_name: f.name,
        });
        const clipId = this.timeline.place(rec, { hash: f.stored.hash, name: f.name, trackId: track, start: at, metrics: f.facts.metrics });
        const c = this.ctx.clipRow(clipId);
        // The next file goes right after this one, on the same track (never stacked at the same time).
        track = c.track_id;
        at = c.start + lengthInProject(this.ctx.mediaRow(f.stored.hash), this.ctx.rate);
        return clipId;
      });
    });
    this.ctx.changed(ids.at(-1));
    return ids;
  }

  async peaks(hash: string, buckets: number): Promise<Result<'media.peaks'>> {
    const proj = this.ctx.need();
    const m = this.ctx.mediaRow(hash);
    let bytes: Uint8Array;
    try {
      bytes = await fsp.readFile(proj.media.peaksPath(hash));
    } catch {
      throw new RetakeError('E_MEDIA_MISSING', `The waveform cache of ${m.original_name ?? hash} is missing; re-import the file.`);
    }
    return { hash, durationSec: m.frames / m.sample_rate, peaks: peaksForRenderer(parsePeaks(bytes), { maxLength: buckets }).peaks };
  }
}

function displayName(item: ImportItem): string {
  return item.name ?? (item.source.kind === 'path' ? path.basename(item.source.path) : 'upload');
}

async function renameExt(file: string, ext: string): Promise<string> {
  const to = file.replace(/\.[a-z0-9]+$/i, '') + '.' + ext;
  await fsp.rename(file, to);
  return to;
}
