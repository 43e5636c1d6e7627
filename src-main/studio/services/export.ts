// Rendering a clip's active take (its in/out range, its gain) as a new file in the project's exports folder. The
// engine host does the work; the name is always a free one, so an export never overwrites another.

import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ExportFormat, Result } from '../../contract';
import type { StudioContext } from '../context';
import { exportUrl, toMediaFrames } from '../mapping';

export class ExportService {
  constructor(private readonly ctx: StudioContext) {}

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
