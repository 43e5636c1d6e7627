// Rows of project.sqlite → contract entities, and the sample-rate conversions between timeline and media.

import { metricDeltas } from '../audio/analysis/deltas';
import type { Clip, Job, MediaInfo, Take, TakeChange, Track } from '../contract/entities';
import type { ClipRow, JobRow, MediaRow, TakeRow, TrackRow } from '../store/rows';
import { parseJson } from '../store/rows';
import type { JobSubject } from './services/jobs/kinds';

/**
 * Where the renderer loads a media-store file from: the same path in both shells (the web shell's HTTP routes, the
 * Electron shell's retake-app:// protocol), so the page and its media share one origin.
 */
export function mediaUrl(hash: string, ext: string): string {
  return `/media/${hash}.${ext}`;
}

/** Where the renderer downloads a file of the project's exports folder from. */
export function exportUrl(file: string): string {
  return `/exports/${encodeURIComponent(file.split(/[\\/]/).pop() ?? '')}`;
}

/** Length of a media file in timeline samples. */
export function lengthInProject(media: Pick<MediaRow, 'frames' | 'sample_rate'>, projectRate: number): number {
  return Math.max(1, Math.round((media.frames * projectRate) / media.sample_rate));
}

/** Frames of a media file → timeline samples. */
export function toProjectSamples(frames: number, media: Pick<MediaRow, 'sample_rate'>, projectRate: number): number {
  return Math.round((frames * projectRate) / media.sample_rate);
}

/** Timeline samples → frames of a media file. */
export function toMediaFrames(samples: number, media: Pick<MediaRow, 'sample_rate'>, projectRate: number): number {
  return Math.round((samples * media.sample_rate) / projectRate);
}

export function mediaInfo(m: MediaRow): MediaInfo {
  return {
    hash: m.hash,
    format: m.format,
    sampleRate: m.sample_rate,
    channels: m.channels,
    frames: m.frames,
    durationSec: m.frames / m.sample_rate,
    originalName: m.original_name,
    url: mediaUrl(m.hash, m.ext),
  };
}

export function trackEntity(t: TrackRow): Track {
  return { id: t.id, name: t.name, order: t.ord, gainDb: t.gain_db, muted: t.muted === 1, solo: t.solo === 1 };
}

export function clipEntity(c: ClipRow, media: MediaRow, projectRate: number): Clip {
  return {
    id: c.id,
    trackId: c.track_id,
    name: c.name,
    start: c.start,
    inPoint: c.in_point,
    outPoint: c.out_point,
    gainDb: c.gain_db,
    activeTakeId: c.active_take_id,
    takeLength: lengthInProject(media, projectRate),
    media: mediaInfo(media),
    transcript: c.transcript,
  };
}

/** A take's relatives whose metrics its level and deltas compare against. */
export interface TakeRelatives {
  parentMetrics: Record<string, unknown> | null;
  /** The clip's source take (the root of the take tree); null when the take is itself the source. */
  sourceMetrics: Record<string, unknown> | null;
  isSource: boolean;
}

function lufsOf(m: Record<string, unknown> | null): number | null {
  const v = m?.loudnessLufs;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function minus(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : Math.round((a - b) * 1000) / 1000;
}

export function takeEntity(t: TakeRow, media: MediaRow, pending = false, rel?: TakeRelatives): Take {
  const metrics = parseJson<Record<string, unknown> | null>(t.metrics, null);
  const lufs = lufsOf(metrics);
  const isSource = rel?.isSource ?? t.parent_id === null;
  return {
    id: t.id,
    pending,
    clipId: t.clip_id,
    parentId: t.parent_id,
    kind: t.kind,
    name: t.name,
    starred: t.starred === 1,
    engine: t.engine,
    engineVersion: t.engine_version,
    packHash: t.pack_hash,
    task: t.task,
    option: t.option,
    iteration: t.iteration,
    seed: t.seed,
    textBefore: t.text_before,
    textAfter: t.text_after,
    params: parseJson<Record<string, unknown>>(t.params, {}),
    metrics,
    deltas: parseJson<Record<string, unknown> | null>(t.deltas, null),
    deltasVsSource:
      !isSource && metrics && rel?.sourceMetrics ? (metricDeltas(rel.sourceMetrics, metrics) as unknown as Record<string, unknown>) : null,
    level: {
      lufs,
      vsParentLu: minus(lufs, lufsOf(rel?.parentMetrics ?? null)),
      vsSourceLu: isSource ? (lufs === null ? null : 0) : minus(lufs, lufsOf(rel?.sourceMetrics ?? null)),
    },
    change: parseJson<TakeChange | null>(t.change, null),
    jobId: t.job_id,
    createdAt: t.created_at,
    media: mediaInfo(media),
  };
}

/** A job row as the contract shows it; `subject` is what its kind says the job is (kinds.ts). */
export function jobEntity(j: JobRow, subject: JobSubject): Job {
  const common = {
    id: j.id,
    status: j.status,
    progress: j.progress,
    stage: j.stage,
    error: j.error_code ? { code: j.error_code, message: j.error_message ?? '' } : null,
    resultTakeIds: parseJson<number[]>(j.result_take_ids, []),
    createdAt: j.created_at,
    startedAt: j.started_at,
    finishedAt: j.finished_at,
  };
  return { ...common, ...subject } as Job;
}
