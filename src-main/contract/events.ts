// Events the studio core pushes to every connected renderer.

import type { HistoryState, Job, ModelJob, ProjectInfo } from './entities';

export interface Events {
  /** Progress of a running job: 0..1, never decreasing for one job. `clipId` is null for jobs on no clip (exports). */
  'job.progress': { jobId: number; kind: Job['kind']; clipId: number | null; progress: number; stage: string | null };
  /** A job changed status (queued → running, or it ended: done, failed, cancelled). */
  'job.updated': { job: Job };
  /** A job ended; `job.status` says how. */
  'job.finished': { job: Job };
  /** Tracks or clips changed; the renderer re-reads the timeline. */
  'timeline.changed': Record<string, never>;
  /** The takes of a clip changed. */
  'takes.changed': { clipId: number };
  'history.changed': HistoryState;
  'project.changed': { project: ProjectInfo | null };
  /**
   * An import under way (media.import / media.importMany with an importId): which file (`index` of `count`), its name,
   * and the fraction done overall (0..1, never decreasing). `stage` says what happens now (copying, decoding…).
   */
  'import.progress': { importId: string; index: number; count: number; name: string; fraction: number; stage: string | null };
  /**
   * Waveform of a file still being imported, as it is decoded: min/max pairs (`peaks`, interleaved, −1..1) for the
   * buckets `start`.. of `bucketSec` seconds each. A first pass may send a coarse overview of the whole file, then
   * finer pairs as decoding goes; a renderer keeps the finest it has for each span. `final` marks the last message
   * of that file (its clip then arrives through timeline.changed).
   */
  'import.peaks': {
    importId: string;
    index: number;
    name: string;
    durationSec: number;
    bucketSec: number;
    start: number;
    peaks: number[];
    final: boolean;
  };
  /** A model job was queued, progressed, or ended (progress 0..1, never decreasing for one job). */
  'models.job': { job: ModelJob };
  /** Installed packs changed (installed, removed, verified): the Models page lists them again. */
  'models.changed': Record<string, never>;
  /** The execution provider setting changed. */
  'settings.changed': Record<string, never>;
  /** The engine host restarted (after a crash): engines are listed again. */
  'engines.changed': Record<string, never>;
}

export type EventName = keyof Events;

export type EventMessage = { [E in EventName]: { event: E; payload: Events[E] } }[EventName];
