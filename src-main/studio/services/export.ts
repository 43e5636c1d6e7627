// Exports. `start` queues an export job (./jobs/export.ts: mix, range, stems or clip, normalised, with provenance);
// `clip` renders a clip's active take (its in/out range, its gain) at once, as it always has. The engine host does
// the work; the name is always a free one, so an export never overwrites another.

import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ExportFormat, ExportJob, ParsedParams, Result } from '../../contract';
import type { StudioContext } from '../context';
import { exportUrl, toMediaFrames } from '../mapping';

import { exportSpec } from './jobs/export';
import type { JobsService } from './jobs/service';

export class ExportService {
  constructor(
    private readonly ctx: StudioContext,
    private readonly jobs: JobsService,
  ) {}

  /** export.start: an export job. */
  start(p: ParsedParams<'export.start'>): ExportJob {
    const job = this.jobs.enqueue('export', exportSpec(this.ctx, p), null);
    if (job.kind !== 'export') throw new Error('An export job was described as another kind.');
    return job;
  }

  async clip(clipId: number, format: ExportFormat): Promise<Result<'export.clip'>> {
    const proj = this.ctx.need();
    const c = this.ctx.clipRow(clipId);
    const t = this.ctx.takeRow(c.active_take_id);
    const m = this.ctx.mediaRow(t.media_hash);
    const input = this.ctx.mediaPath(m.hash);
    await fsp.mkdir(proj.exportsDir, { recursive: true });
    const base = `${c.name}-take${t.id}`.replace(/[^\p{L}\p{N}._ -]+/gu, '_').slice(0, 120);
    let out = path.join(proj.exportsDir, `${base}.wav`);
    for (let i = 2; existsSync(out); i++) out = path.join(proj.exportsDir, `${base}-${i}.wav`);
    const rate = this.ctx.rate;
    const r = await this.ctx.host.call('export', {
      input,
      range: { start: toMediaFrames(c.in_point, m, rate), end: toMediaFrames(c.out_point, m, rate) },
      gainDb: c.gain_db,
      format,
      output: out,
    });
    return { path: out, bytes: r.bytes, url: exportUrl(out) };
  }
}
