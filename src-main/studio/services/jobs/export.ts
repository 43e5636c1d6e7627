// The `export` job kind: renders a scope of the project (the mix, a timeline range, one stem per track, or a clip) to
// files at the project's rate through the audio host's `render` (mix, optional loudness normalisation, WAV/BWF or FLAC),
// and writes each file's provenance as a sidecar JSON beside it. What is rendered is read from the project when the job
// starts; the files are listed in the job's result as they are written.

import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  ExportEncoding,
  ExportScope,
  LoudnessPreset,
  RetakeError,
  type ExportedFile,
  type LoudnessTarget,
  type ParsedParams,
  type TakeChange,
} from '../../../contract';
import type { MixPlan, MixSource } from '../../../audio/render';
import { ixmlDocument, type BextInfo } from '../../../audio/render/bwf';
import { parseJson, type ClipRow, type TakeRow, type TrackRow } from '../../../store/rows';
import type { StudioContext } from '../../context';
import { exportUrl, toMediaFrames } from '../../mapping';
import type { JobKind } from './kinds';

/** The loudness each named preset stands for: EBU R128 (−23 LUFS), ATSC A/85 (−24 LKFS), the podcast norm (−16 LUFS). */
export const LOUDNESS_PRESETS: Record<Exclude<LoudnessPreset, 'custom'>, number> = { 'ebu-r128': -23, 'atsc-a85': -24, podcast: -16 };

const Target = z.object({ preset: LoudnessPreset, targetLufs: z.number(), ceilingDbtp: z.number() }).strict();

export const ExportSpec = z
  .object({
    scope: ExportScope,
    encoding: ExportEncoding,
    loudness: Target.nullable(),
    name: z.string().nullable(),
    destination: z.enum(['exports', 'ask']),
  })
  .strict();
export type ExportSpec = z.infer<typeof ExportSpec>;

const Files = z.object({ files: z.array(z.unknown()) });

/** The spec of an export job from an export.start request; refuses a bad scope or target before a job exists. */
export function exportSpec(ctx: StudioContext, p: ParsedParams<'export.start'>): ExportSpec {
  const { repos } = ctx.need();
  const s = p.scope;
  if (s.kind === 'clip') ctx.clipRow(s.clipId);
  if (s.kind === 'tracks') for (const id of s.trackIds ?? []) ctx.trackRow(id);
  if (s.kind === 'range' && !(s.end > s.start)) throw new RetakeError('E_VALIDATION', 'The export range must end after it starts.');
  if (repos.clips.listIds().length === 0) throw new RetakeError('E_EMPTY_AUDIO', 'There is nothing to export: the timeline has no clips.');
  let loudness: LoudnessTarget | null = null;
  if (p.loudness) {
    const { preset, targetLufs, ceilingDbtp } = p.loudness;
    if (preset === 'custom') {
      if (targetLufs === undefined) throw new RetakeError('E_VALIDATION', 'A custom loudness target needs targetLufs (e.g. −18).');
      loudness = { preset, targetLufs, ceilingDbtp };
    } else {
      const t = LOUDNESS_PRESETS[preset];
      if (targetLufs !== undefined && Math.abs(targetLufs - t) > 1e-9) {
        throw new RetakeError('E_VALIDATION', `The ${preset} preset is ${t} LUFS; choose "custom" for ${targetLufs} LUFS.`);
      }
      loudness = { preset, targetLufs: t, ceilingDbtp };
    }
    if (loudness.ceilingDbtp > 0) throw new RetakeError('E_VALIDATION', 'The true-peak ceiling must be at or below 0 dBTP.');
  }
  if (p.destination === 'ask' && !ctx.saveDialog) {
    throw new RetakeError('E_VALIDATION', 'This window cannot ask where to save; export to the project\'s exports folder and download the file.');
  }
  return { scope: s, encoding: p.encoding, loudness, name: p.name ?? null, destination: p.destination };
}

/** One file to render: its plan and what went into it. */
interface Output {
  base: string;
  plan: MixPlan;
  /** Timeline sample of the file's first frame. */
  t0: number;
  label: string;
  clips: Array<{ clip: ClipRow; track: TrackRow; take: TakeRow }>;
}

/** Characters a file name keeps (letters, digits, and a few separators); everything else becomes "_". */
function safeName(s: string): string {
  return s.replace(/[^\p{L}\p{N}._ ()×#-]+/gu, '_').replace(/^[.\s]+/, '').slice(0, 120) || 'export';
}

function clock(samples: number, rate: number): string {
  const t = samples / rate;
  const m = Math.floor(t / 60);
  const s = t - 60 * m;
  return `${m}m${s.toFixed(1).padStart(4, '0')}s`;
}

/** The clip's audible span on the timeline. */
function spanOf(c: ClipRow): { start: number; end: number } {
  return { start: c.start, end: c.start + c.out_point - c.in_point };
}

/** What each export file is made of, read from the project now. */
function outputs(ctx: StudioContext, spec: ExportSpec): Output[] {
  const { repos } = ctx.need();
  const rate = ctx.rate;
  const project = ctx.projectInfo().name;
  const tracks = repos.tracks.list();
  const trackById = new Map(tracks.map((t) => [t.id, t]));
  const allClips = repos.clips.listIds().map((id) => repos.clips.get(id)!);
  const withTake = (clips: ClipRow[]) =>
    clips.map((clip) => ({ clip, track: trackById.get(clip.track_id)!, take: repos.takes.get(clip.active_take_id)! })).filter((x) => x.track && x.take);
  const anySolo = tracks.some((t) => t.solo === 1);
  const audible = (t: TrackRow) => t.muted === 0 && (!anySolo || t.solo === 1);
  const extent = (clips: ClipRow[]) => ({ start: Math.min(...clips.map((c) => c.start)), end: Math.max(...clips.map((c) => spanOf(c).end)) });
  const db = (x: number) => 10 ** (x / 20);
  const build = (items: Output['clips'], window: { start: number; end: number }, gainOf: (x: Output['clips'][number]) => number) => {
    const sources: MixSource[] = [];
    let channels = 1;
    const used: Output['clips'] = [];
    for (const x of items) {
      const sp = spanOf(x.clip);
      const lo = Math.max(sp.start, window.start);
      const hi = Math.min(sp.end, window.end);
      if (hi <= lo) continue;
      const m = ctx.mediaRow(x.take.media_hash);
      channels = Math.max(channels, Math.min(2, m.channels));
      const from = x.clip.in_point + (lo - x.clip.start);
      const to = x.clip.in_point + (hi - x.clip.start);
      sources.push({
        file: ctx.mediaPath(m.hash),
        rate: m.sample_rate,
        from: toMediaFrames(from, m, rate),
        to: toMediaFrames(to, m, rate),
        at: lo - window.start,
        gain: gainOf(x),
      });
      used.push(x);
    }
    return { plan: { sampleRate: rate, channels, length: window.end - window.start, sources }, used };
  };
  const s = spec.scope;
  const named = (fallback: string) => safeName(spec.name ?? fallback);
  if (s.kind === 'clip') {
    const c = ctx.clipRow(s.clipId);
    const items = withTake([c]);
    const take = items[0]!.take;
    const w = spanOf(c);
    const { plan, used } = build(items, w, (x) => db(x.clip.gain_db));
    return [{ base: named(`${c.name} - ${take.name}`), plan, t0: w.start, label: `clip ${c.name} (take ${take.name})`, clips: used }];
  }
  if (s.kind === 'tracks') {
    const chosen = s.trackIds ? s.trackIds.map((id) => ctx.trackRow(id)) : tracks.filter((t) => allClips.some((c) => c.track_id === t.id));
    // Stems share one extent so that they line up when laid side by side.
    const stemClips = allClips.filter((c) => chosen.some((t) => t.id === c.track_id));
    if (stemClips.length === 0) throw new RetakeError('E_EMPTY_AUDIO', 'There is nothing to export: those tracks hold no clips.');
    const w = extent(stemClips);
    return chosen.map((t) => {
      const { plan, used } = build(withTake(stemClips.filter((c) => c.track_id === t.id)), w, (x) => db(x.track.gain_db + x.clip.gain_db));
      return { base: named(`${project} - ${t.name}`), plan, t0: w.start, label: `stem of track ${t.name}`, clips: used };
    });
  }
  const mixClips = allClips.filter((c) => {
    const t = trackById.get(c.track_id);
    return t !== undefined && audible(t);
  });
  if (mixClips.length === 0) throw new RetakeError('E_EMPTY_AUDIO', 'There is nothing to export: every track with clips is muted (or not soloed).');
  const w = s.kind === 'range' ? { start: s.start, end: s.end } : extent(mixClips);
  const { plan, used } = build(withTake(mixClips), w, (x) => db(x.track.gain_db + x.clip.gain_db));
  if (s.kind === 'range' && used.length === 0) throw new RetakeError('E_EMPTY_AUDIO', 'There is nothing to export in that range.');
  const label = s.kind === 'range' ? `mix of ${clock(s.start, rate)}–${clock(s.end, rate)}` : 'mix';
  return [{ base: named(s.kind === 'range' ? `${project} ${clock(s.start, rate)}-${clock(s.end, rate)}` : `${project} mix`), plan, t0: w.start, label, clips: used }];
}

/** A name in `dir` that neither an export, a render under way (.part) nor a sidecar uses. */
function freePath(dir: string, base: string, ext: string): string {
  const taken = (p: string) => existsSync(p) || existsSync(`${p}.part`) || existsSync(sidecarOf(p));
  let out = path.join(dir, `${base}.${ext}`);
  for (let i = 2; taken(out); i++) out = path.join(dir, `${base}-${i}.${ext}`);
  return out;
}

function sidecarOf(file: string): string {
  return file.replace(/\.[^./\\]+$/, '') + '.json';
}

/** What a take is, for provenance: engine and version, pack hash, task, option, intensity, seed, what it changed. */
function takeProvenance(t: TakeRow): Record<string, unknown> {
  const params = parseJson<Record<string, unknown>>(t.params, {});
  const change = parseJson<TakeChange | null>(t.change, null);
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    engine: t.engine,
    engineVersion: t.engine_version,
    packHash: t.pack_hash,
    task: t.task,
    option: t.option,
    intensity: typeof params.intensity === 'number' ? params.intensity : null,
    seed: t.seed,
    iteration: t.iteration,
    textBefore: t.text_before,
    textAfter: t.text_after,
    change: change
      ? { spans: change.spans, lengthMode: change.lengthMode, lengthChange: change.lengthChange, fitRatio: change.fitRatio, windows: change.windows }
      : null,
    media: t.media_hash,
  };
}

function provenance(ctx: StudioContext, o: Output, spec: ExportSpec): Record<string, unknown> {
  const { takes } = ctx.need().repos;
  const rate = ctx.rate;
  return {
    clips: o.clips.map(({ clip, track, take }) => {
      const chain: Record<string, unknown>[] = [];
      let up = take.parent_id === null ? undefined : takes.get(take.parent_id);
      for (let guard = 0; up && guard < 10_000; guard++) {
        chain.push(takeProvenance(up));
        up = up.parent_id === null ? undefined : takes.get(up.parent_id);
      }
      return {
        clip: { id: clip.id, name: clip.name, start: clip.start, startSec: clip.start / rate, inPoint: clip.in_point, outPoint: clip.out_point, gainDb: clip.gain_db },
        track: { id: track.id, name: track.name, gainDb: track.gain_db, muted: track.muted === 1, solo: track.solo === 1 },
        transcript: clip.transcript,
        take: takeProvenance(take),
        /** The take's ancestors, parent first, ending with the source. */
        parentChain: chain,
      };
    }),
    scope: spec.scope,
  };
}

/** The bext description: what the file is and which takes it holds (256 ASCII characters at most). */
function describe(o: Output, project: string): string {
  const takes = o.clips.map(({ clip, take }) => `${clip.name}=${take.name}`).join('; ');
  return `Retake ${o.label} of ${project}; takes: ${takes}`.slice(0, 256);
}

export function exportKind(ctx: StudioContext): JobKind<ExportSpec> {
  return {
    name: 'export',
    spec: ExportSpec,
    describe: (s, _clipId, result) => ({
      kind: 'export',
      scope: s.scope,
      encoding: s.encoding,
      loudness: s.loudness,
      files: (Files.safeParse(result).success ? (result as { files: ExportedFile[] }).files : []) as ExportedFile[],
    }),
    label: () => 'Export',

    async run({ id, spec, signal, progress, setResult }) {
      const proj = ctx.need();
      const list = outputs(ctx, spec);
      const project = ctx.projectInfo().name;
      const rate = ctx.rate;
      const files: ExportedFile[] = [];
      const ext = spec.encoding.startsWith('flac') ? 'flac' : 'wav';
      await fsp.mkdir(proj.exportsDir, { recursive: true });
      for (let k = 0; k < list.length; k++) {
        const o = list[k]!;
        signal.throwIfAborted();
        let file: string;
        if (spec.destination === 'ask') {
          const chosen = await ctx.saveDialog?.(`${o.base}.${ext}`);
          if (!chosen) throw new RetakeError('E_CANCELLED', 'The export was cancelled in the save dialog.');
          file = chosen;
        } else file = freePath(proj.exportsDir, o.base, ext);
        const now = new Date();
        const prov = provenance(ctx, o, spec);
        const description = describe(o, project);
        const bits = spec.encoding === 'wav-pcm16' || spec.encoding === 'flac-16' ? 16 : spec.encoding === 'wav-float32' ? 32 : 24;
        const bext: BextInfo = {
          description,
          originator: 'Retake',
          originatorReference: `retake-export-${id}`,
          originationDate: now.toISOString().slice(0, 10),
          originationTime: now.toISOString().slice(11, 19),
          timeReference: o.t0,
          loudnessValue: null,
          loudnessRange: null,
          maxTruePeakLevel: null,
          codingHistory: `A=PCM,F=${rate},W=${bits},M=${o.plan.channels === 1 ? 'mono' : 'stereo'},T=Retake`,
        };
        const fileDoc = { name: path.basename(file), encoding: spec.encoding, sampleRate: rate, channels: o.plan.channels, frames: o.plan.length, timelineStart: o.t0 };
        const ixml = ixmlDocument({
          project,
          note: description,
          tracks: o.plan.channels === 1 ? [o.label] : [`${o.label} L`, `${o.label} R`],
          provenance: { file: fileDoc, ...prov },
        });
        try {
          const r = await ctx.host.call(
            'render',
            {
              plan: o.plan,
              encoding: spec.encoding,
              loudness: spec.loudness ? { targetLufs: spec.loudness.targetLufs, ceilingDbtp: spec.loudness.ceilingDbtp } : null,
              bext,
              ixml,
              comments: { TITLE: o.base, DESCRIPTION: description, ENCODER: 'Retake', RETAKE_PROVENANCE: JSON.stringify({ file: fileDoc, ...prov }) },
              output: file,
            },
            { signal, onProgress: (v, stage) => progress((k + v) / list.length, list.length > 1 ? `${stage ?? ''} (${k + 1}/${list.length})` : stage) },
          );
          const sidecar = sidecarOf(file);
          const doc = {
            format: 'retake-export/1',
            exportedAt: now.toISOString(),
            project: { name: project, sampleRate: rate },
            file: { ...fileDoc, bytes: r.bytes, durationSec: o.plan.length / rate },
            loudness: {
              target: spec.loudness,
              measured: { integratedLufs: r.integratedLufs, loudnessRangeLu: r.loudnessRangeLu, truePeakDbtp: r.truePeakDbtp },
              gainDb: r.gainDb,
              limited: r.limited,
              shortfallLu: r.shortfallLu,
            },
            ...prov,
          };
          await fsp.writeFile(`${sidecar}.part`, JSON.stringify(doc, null, 2));
          await fsp.rename(`${sidecar}.part`, sidecar);
          const inExports = path.dirname(file) === proj.exportsDir;
          files.push({
            path: file,
            url: inExports ? exportUrl(file) : null,
            name: path.basename(file),
            bytes: r.bytes,
            sidecarPath: sidecar,
            sidecarUrl: inExports ? exportUrl(sidecar) : null,
            sampleRate: rate,
            channels: o.plan.channels,
            frames: r.frames,
            durationSec: r.frames / rate,
            integratedLufs: r.integratedLufs,
            truePeakDbtp: r.truePeakDbtp,
            gainDb: r.gainDb,
            limited: r.limited,
            shortfallLu: r.shortfallLu,
          });
          setResult({ files });
        } finally {
          // A host that crashed or was killed leaves its unfinished file behind.
          await fsp.rm(`${file}.part`, { force: true });
        }
      }
    },
  };
}
