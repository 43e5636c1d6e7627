// Bringing audio into the project (a path, or a file the web shell received by upload) and the waveform peaks the
// renderer draws. An import is decoded and checked by the engine host before anything enters the media store.

import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { RetakeError, type ParsedParams, type Result } from '../../contract';
import { parsePeaks, peaksForRenderer } from '../../audio/peaks';
import type { StudioContext } from '../context';
import { mediaInfo } from '../mapping';
import type { TimelineService } from './timeline';

export class MediaService {
  constructor(
    private readonly ctx: StudioContext,
    private readonly timeline: TimelineService,
  ) {}

  async import(p: ParsedParams<'media.import'>): Promise<Result<'media.import'>> {
    if (p.source.kind === 'path') {
      const src = path.resolve(p.source.path);
      return this.importFile(src, p.name ?? path.basename(src), p);
    }
    const up = this.ctx.uploads?.(p.source.uploadId);
    if (!up) throw new RetakeError('E_NOT_FOUND', 'That upload is unknown or has expired; import the file again.');
    try {
      return await this.importFile(up.file, p.name ?? 'upload', p);
    } finally {
      // An upload is imported once, whatever the outcome: its temp file goes.
      up.release();
    }
  }

  private async importFile(src: string, name: string, p: ParsedParams<'media.import'>): Promise<Result<'media.import'>> {
    const proj = this.ctx.need();
    const st = await fsp.stat(src).catch(() => null);
    if (!st) throw new RetakeError('E_FILE_NOT_FOUND', `The file ${src} does not exist.`);
    if (!st.isFile()) throw new RetakeError('E_UNSUPPORTED_AUDIO', `${name} is not a file.`);
    if (st.size === 0) throw new RetakeError('E_EMPTY_AUDIO', `${name} is empty (0 bytes). Choose a file that holds audio.`);
    if (p.trackId !== undefined) this.ctx.trackRow(p.trackId);

    // Copy into the store's temp folder first: nothing enters the project unless the file decodes.
    const tmp = proj.media.tempPath('import');
    const peaksTmp = proj.media.tempPath('peaks');
    try {
      try {
        await fsp.copyFile(src, tmp);
      } catch (e) {
        throw new RetakeError('E_IO', `Could not read ${name}: ${(e as Error).message}.`);
      }
      const facts = await this.ctx.host.call('inspect', { input: tmp, name, peaksOut: peaksTmp, analyze: this.ctx.analyze });
      const ext = facts.ext;
      const stored = await proj.media.adoptTemp(await renameExt(tmp, ext), ext);
      await fsp.mkdir(path.dirname(proj.media.peaksPath(stored.hash)), { recursive: true });
      await fsp.rename(peaksTmp, proj.media.peaksPath(stored.hash));

      const clipId = proj.history.record(`Import ${name}`, (rec) => {
        proj.repos.media.add({
          hash: stored.hash,
          ext,
          format: facts.format,
          sample_rate: facts.sampleRate,
          channels: facts.channels,
          frames: facts.frames,
          bytes: stored.bytes,
          original_name: name,
        });
        return this.timeline.place(rec, { hash: stored.hash, name, trackId: p.trackId, start: p.start, metrics: facts.metrics });
      });
      this.ctx.changed(clipId);
      const clip = this.ctx.clip(clipId);
      return { clip, take: this.ctx.take(clip.activeTakeId), media: mediaInfo(this.ctx.mediaRow(stored.hash)) };
    } finally {
      await fsp.rm(tmp, { force: true });
      await fsp.rm(peaksTmp, { force: true });
    }
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

async function renameExt(file: string, ext: string): Promise<string> {
  const to = file.replace(/\.[a-z0-9]+$/i, '') + '.' + ext;
  await fsp.rename(file, to);
  return to;
}
