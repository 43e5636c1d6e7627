// The one method table of the contract. Every shell (Electron IPC, web WebSocket, CLI) and the renderer's client are
// derived from it: a method missing from an implementation is a type error (see Handlers).

import { z } from 'zod';
import {
  AppSettings,
  Clip,
  ExecutionProvider,
  GpuSetupResult,
  ModelJob,
  ModelsState,
  ProvidersInfo,
  EngineInfo,
  ExportFormat,
  ExportResult,
  FolderListing,
  HistoryState,
  ImportFailure,
  Imported,
  Job,
  Peaks,
  ProjectInfo,
  RecentProject,
  Take,
  Timeline,
  Track,
} from './entities';

const Id = z.number().int().positive();
const Samples = z.number().int().nonnegative();
const Text = z.string().max(20_000);

const Ids = z.array(Id).min(1).max(1000);
/** Chosen by the caller so it can show and cancel the import before the call returns (`import.progress` events). */
const ImportId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

const ImportSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('path'), path: z.string().min(1) }),
  /** A file the web shell received by upload (POST /upload) and holds under this id. */
  z.object({ kind: z.literal('upload'), uploadId: z.string().regex(/^[a-f0-9]{32}$/) }),
]);
export type ImportSource = z.infer<typeof ImportSource>;

const method = <P extends z.ZodType, R extends z.ZodType>(params: P, result: R) => ({ params, result });
const none = z.object({}).strict();

export const methods = {
  'project.create': method(
    z.object({ dir: z.string().min(1), name: z.string().min(1).max(200).optional() }).strict(),
    ProjectInfo,
  ),
  'project.open': method(z.object({ dir: z.string().min(1) }).strict(), ProjectInfo),
  'project.current': method(none, ProjectInfo.nullable()),
  'project.listRecent': method(none, z.array(RecentProject)),
  'project.close': method(none, z.null()),
  /** Forgets a project in the recent list (its folder is untouched). */
  'project.removeRecent': method(z.object({ dir: z.string().min(1) }).strict(), z.array(RecentProject)),
  /**
   * Lists the folders inside `dir` (default: the user's home) for the web shell's folder picker. Only the user's home
   * and the projects folder (and what is inside them) can be listed; relative paths are taken from the home folder.
   */
  'files.browse': method(z.object({ dir: z.string().min(1).optional() }).strict(), FolderListing),

  'timeline.get': method(none, Timeline),

  'media.import': method(
    z
      .object({
        source: ImportSource,
        /** Display name (the original file name). */
        name: z.string().min(1).max(500).optional(),
        trackId: Id.optional(),
        start: Samples.optional(),
        importId: ImportId.optional(),
      })
      .strict(),
    Imported,
  ),
  /**
   * Several files as ONE undoable step: laid end to end on the track from `start` (default: the track's end), in the
   * given order. A file that fails is reported in `failed` and the others still import.
   */
  'media.importMany': method(
    z
      .object({
        items: z.array(z.object({ source: ImportSource, name: z.string().min(1).max(500).optional() }).strict()).min(1).max(200),
        trackId: Id.optional(),
        start: Samples.optional(),
        importId: ImportId.optional(),
      })
      .strict(),
    z.object({ imported: z.array(Imported), failed: z.array(ImportFailure) }),
  ),
  /** Stops an import under way (`importId` of media.import / media.importMany); nothing of it enters the project. */
  'media.cancelImport': method(z.object({ importId: ImportId }).strict(), z.null()),
  'media.peaks': method(
    z.object({ hash: z.string().regex(/^[a-f0-9]{64}$/), buckets: z.number().int().min(16).max(20_000).optional() }).strict(),
    Peaks,
  ),

  'tracks.add': method(z.object({ name: z.string().min(1).max(200).optional() }).strict(), Track),
  'tracks.rename': method(z.object({ trackId: Id, name: z.string().min(1).max(200) }).strict(), Track),
  /** Removes a track and its clips (undoable); refused while a job works on one of them. */
  'tracks.delete': method(z.object({ trackId: Id }).strict(), z.null()),
  /** Moves a track to position `index` (0 = top) among the shown tracks (undoable). */
  'tracks.reorder': method(z.object({ trackId: Id, index: z.number().int().min(0) }).strict(), z.array(Track)),
  /** Track gain, mute and solo (undoable, one entry per call). */
  'tracks.setMix': method(
    z
      .object({ trackId: Id, gainDb: z.number().min(-96).max(24).optional(), muted: z.boolean().optional(), solo: z.boolean().optional() })
      .strict(),
    Track,
  ),

  /** A new clip from media already in the project (e.g. a second use of an imported file). */
  'clips.add': method(
    z
      .object({
        mediaHash: z.string().regex(/^[a-f0-9]{64}$/),
        trackId: Id.optional(),
        start: Samples.optional(),
        name: z.string().min(1).max(200).optional(),
      })
      .strict(),
    Clip,
  ),
  'clips.move': method(z.object({ clipId: Id, start: Samples, trackId: Id.optional() }).strict(), Clip),
  /**
   * New in/out points; with `start`, the clip also moves (a left-edge trim that keeps the audio in place is one
   * undoable step).
   */
  'clips.trim': method(z.object({ clipId: Id, inPoint: Samples, outPoint: Samples, start: Samples.optional() }).strict(), Clip),
  /** Moves several clips as one undoable step (multi-selection drags and nudges). */
  'clips.moveMany': method(
    z.object({ moves: z.array(z.object({ clipId: Id, start: Samples, trackId: Id.optional() }).strict()).min(1).max(1000) }).strict(),
    z.array(Clip),
  ),
  /** Deletes several clips as one undoable step. */
  'clips.deleteMany': method(z.object({ clipIds: Ids }).strict(), z.null()),
  /**
   * Copies clips (paste, duplicate) as one undoable step: the earliest lands at `start`, the others keep their
   * offsets from it; with `trackId`, the topmost source track maps onto it and the others keep their distance in
   * track order (a copy whose track would not exist goes to the last track). Each copy carries its own take history.
   */
  'clips.copy': method(z.object({ clipIds: Ids, start: Samples, trackId: Id.optional() }).strict(), z.array(Clip)),
  'clips.split': method(z.object({ clipId: Id, at: Samples }).strict(), z.object({ left: Clip, right: Clip })),
  'clips.delete': method(z.object({ clipId: Id }).strict(), z.null()),

  'takes.list': method(z.object({ clipId: Id }).strict(), z.array(Take)),
  'takes.setActive': method(z.object({ clipId: Id, takeId: Id }).strict(), Clip),
  'takes.star': method(z.object({ takeId: Id, starred: z.boolean() }).strict(), Take),
  'takes.rename': method(z.object({ takeId: Id, name: z.string().min(1).max(200) }).strict(), Take),

  'jobs.submit': method(
    z
      .object({
        clipId: Id,
        /** The take to edit; the clip's active take when absent. */
        takeId: Id.optional(),
        engine: z.string().min(1),
        task: z.string().min(1),
        option: z.string().min(1).optional(),
        text: Text.optional(),
        newText: Text.optional(),
        intensity: z.number().min(0).max(1).optional(),
        iterations: z.number().int().min(1).max(10).optional(),
        seed: z.number().int().min(0).max(0xffffffff).optional(),
      })
      .strict(),
    Job,
  ),
  'jobs.cancel': method(z.object({ jobId: Id }).strict(), Job),
  'jobs.list': method(z.object({ clipId: Id.optional() }).strict(), z.array(Job)),

  'history.state': method(none, HistoryState),
  'history.undo': method(none, HistoryState),
  'history.redo': method(none, HistoryState),

  'engines.list': method(none, z.array(EngineInfo)),

  /** Installed model packs (size, status, why one is unusable), recent model jobs, and the known published models. */
  'models.list': method(none, ModelsState),
  /**
   * Installs a model pack as a job (progress in `models.job` events): from a folder holding a ready pack (copied,
   * every sha256 checked) or published files (built through the graph templates), or by downloading a catalogue
   * model's published files first (resumable, sha256-checked). `variant` limits a build to fp16 or fp32.
   */
  'models.install': method(
    z
      .object({
        source: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('folder'), path: z.string().min(1) }).strict(),
          z.object({ kind: z.literal('download'), model: z.string().min(1) }).strict(),
        ]),
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/).optional(),
        variant: z.enum(['fp16', 'fp32']).optional(),
      })
      .strict(),
    ModelJob,
  ),
  /** Checks every file of an installed pack against its sha256, as a job. */
  'models.verify': method(z.object({ name: z.string().min(1) }).strict(), ModelJob),
  /** Deletes an installed pack; refused while a job works on it. */
  'models.remove': method(z.object({ name: z.string().min(1) }).strict(), z.null()),
  /** Cancels a model job (queued: dropped; running: stopped, leaving no partial pack). */
  'models.cancel': method(z.object({ jobId: Id }).strict(), ModelJob),

  'settings.get': method(none, AppSettings),
  'settings.set': method(z.object({ executionProvider: ExecutionProvider.optional() }).strict(), AppSettings),
  /** The execution providers of this machine, what the model sessions chose and why, and how to add CUDA. */
  'runtime.providers': method(none, ProvidersInfo),
  /** Installs onnxruntime's CUDA provider (what `npm run setup:gpu` does) where the app can; says how otherwise. */
  'runtime.setupGpu': method(none, GpuSetupResult),

  'export.clip': method(
    z
      .object({
        clipId: Id,
        /** Written to the project's exports/ folder under a free name; the renderer downloads it from the result's url. */
        format: ExportFormat.default('pcm24'),
      })
      .strict(),
    ExportResult,
  ),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
/** What a caller passes (defaults may be omitted). */
export type Params<M extends MethodName> = z.input<Methods[M]['params']>;
/** What a handler receives after validation (defaults applied). */
export type ParsedParams<M extends MethodName> = z.output<Methods[M]['params']>;
export type Result<M extends MethodName> = z.output<Methods[M]['result']>;

/** An implementation of the whole contract: a missing method is a compile error. */
export type Handlers = { [M in MethodName]: (params: ParsedParams<M>) => Promise<Result<M>> };

export const METHOD_NAMES = Object.keys(methods) as MethodName[];

export function isMethodName(x: unknown): x is MethodName {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(methods, x);
}
