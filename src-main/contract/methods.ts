// The one method table of the contract. Every shell (Electron IPC, web WebSocket, CLI) and the renderer's client are
// derived from it: a method missing from an implementation is a type error (see Handlers).

import { z } from 'zod';
import {
  AppSettings,
  Clip,
  ExecutionProvider,
  LmVariantSetting,
  GpuSetupResult,
  ModelJob,
  ModelsState,
  ProvidersInfo,
  CloneJob,
  EditJob,
  EditPlan,
  EngineInfo,
  ExportEncoding,
  ExportFormat,
  ExportScope,
  ExportResult,
  FolderListing,
  HistoryState,
  ImportFailure,
  Imported,
  ExportJob,
  Job,
  LengthMode,
  LoudnessPreset,
  Peaks,
  ProjectInfo,
  RecentProject,
  ScriptProblem,
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

/**
 * A region of a take: take-relative project samples [start, end) — the frame of Clip.inPoint/outPoint, so a timeline
 * selection [a, b) over a clip is { start: a − clip.start + clip.inPoint, end: b − clip.start + clip.inPoint }.
 */
const Region = z
  .object({ start: Samples, end: z.number().int().positive() })
  .strict()
  .refine((r) => r.end > r.start, { message: 'end must be after start' });

/** What jobs.submit and edits.plan share: which take of which clip, which engine and task, and the region. */
const EditTarget = {
  clipId: Id,
  /** The take to edit; the clip's active take when absent. */
  takeId: Id.optional(),
  engine: z.string().min(1),
  task: z.string().min(1),
  /**
   * Edit only this region of the take (a region edit): it is widened to nearby pauses, split at pauses into windows the
   * engine accepts, and each window is spliced back with short crossfades; the result is a new take of the WHOLE clip
   * whose `change.spans` say what changed. Absent: the whole clip (its in/out range when the take is the active one).
   */
  range: Region.optional(),
  /** What to do when the edit changes the length (LengthMode); the project's default for region or whole-clip edits
   * when absent. Speed edits are never fitted: `fit` is refused for them, and their default is `free`. */
  lengthMode: LengthMode.optional(),
};

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
  /** Changes the project's settings (not undoable: a preference, like a take's star). */
  'project.setSettings': method(
    z.object({ regionLengthMode: LengthMode.optional(), clipLengthMode: LengthMode.optional() }).strict(),
    ProjectInfo,
  ),
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
  /** Sets what is said in a clip (null clears it); undoable. */
  'clips.setTranscript': method(z.object({ clipId: Id, text: Text.nullable() }).strict(), Clip),
  /**
   * Reads a script (SRT, or TSV of start/end/text with times in seconds or h:mm:ss.mmm) and writes the text of each line
   * into the transcripts of the clips it overlaps on the timeline, as one undoable step. A line over part of a clip
   * replaces the words of that part of the clip's transcript (by speech time) and keeps the rest; a line over two clips
   * is shared between them by speech time. Script times are timeline seconds plus `offset` (timeline samples).
   * Lines that cannot be read are reported with their line number in `problems`; the others still apply.
   */
  'transcripts.import': method(
    z
      .object({
        /** The file's text (UTF-8; a BOM and CRLF line ends are fine). */
        content: z.string().min(1).max(5_000_000),
        /** 'srt' or 'tsv'; guessed from the content when absent. */
        format: z.enum(['srt', 'tsv']).optional(),
        /** Only these clips (default: every clip of `trackId`, or of every track). */
        clipIds: Ids.optional(),
        trackId: Id.optional(),
        /** Timeline samples added to every script time (where the script's 0:00 is). Default 0. */
        offset: z.number().int().optional(),
      })
      .strict(),
    z.object({ clips: z.array(Clip), lines: z.number().int(), problems: z.array(ScriptProblem) }),
  ),
  'clips.split': method(z.object({ clipId: Id, at: Samples }).strict(), z.object({ left: Clip, right: Clip })),
  'clips.delete': method(z.object({ clipId: Id }).strict(), z.null()),

  'takes.list': method(z.object({ clipId: Id }).strict(), z.array(Take)),
  'takes.setActive': method(z.object({ clipId: Id, takeId: Id }).strict(), Clip),
  'takes.star': method(z.object({ takeId: Id, starred: z.boolean() }).strict(), Take),
  'takes.rename': method(z.object({ takeId: Id, name: z.string().min(1).max(200) }).strict(), Take),

  /**
   * Queues an edit of a clip's take (see EditTarget: a region or the whole clip). Each iteration edits the previous
   * one's output (seed + i) and becomes a take; all of a job's takes appear as one undoable step, which also makes
   * the last one active and, under `ripple`, moves the later clips of the track.
   * A task that needs the transcript (`text`) takes the clip's transcript when none is given: for a region, its part
   * found by speech time (EditPlan.text).
   */
  'jobs.submit': method(
    z
      .object({
        ...EditTarget,
        option: z.string().min(1).optional(),
        text: Text.optional(),
        newText: Text.optional(),
        intensity: z.number().min(0).max(1).optional(),
        iterations: z.number().int().min(1).max(10).optional(),
        seed: z.number().int().min(0).max(0xffffffff).optional(),
      })
      .strict(),
    EditJob,
  ),
  /** What an edit would work on (span, windows, text) without running it: for the inspector while a range is drawn. */
  'edits.plan': method(z.object(EditTarget).strict(), EditPlan),
  /**
   * Speaks `text` in the voice of a take (`promptText` is what the take says; its clip's in/out range when it is the
   * clip's active take) with an engine that offers the `clone` task (EditX). A job of kind `clone`, shown on the
   * prompt's clip; when it is done the result lands as a new clip on `trackId` (default: the prompt's track) at `start`
   * (default: that track's end), in one undoable step, and the job's `resultTakeIds` names its take.
   */
  'clone.submit': method(
    z
      .object({
        promptTakeId: Id,
        promptText: Text.min(1),
        text: Text.min(1),
        engine: z.string().min(1).default('editx'),
        seed: z.number().int().min(0).max(0xffffffff).optional(),
        trackId: Id.optional(),
        start: Samples.optional(),
      })
      .strict(),
    CloneJob,
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
   * model's published files first (resumable, sha256-checked). `variant` limits a build to one LM variant: fp16,
   * fp32, or a weight-only quantized int8 / int4 (blocks of 128) / int4-b32 (default: fp16 and fp32).
   */
  'models.install': method(
    z
      .object({
        source: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('folder'), path: z.string().min(1) }).strict(),
          z.object({ kind: z.literal('download'), model: z.string().min(1) }).strict(),
        ]),
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/).optional(),
        variant: z.enum(['fp16', 'fp32', 'int8', 'int4', 'int4-b32']).optional(),
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
  /** `lmVariant`: the EditX LM variant ("auto" or a name the packs list), kept in settings.json as `{"editx": {"variant": …}}`. */
  'settings.set': method(z.object({ executionProvider: ExecutionProvider.optional(), lmVariant: LmVariantSetting.optional() }).strict(), AppSettings),
  /** The execution providers of this machine, what the model sessions chose and why, and how to add CUDA. */
  'runtime.providers': method(none, ProvidersInfo),
  /** Installs onnxruntime's CUDA provider (what `npm run setup:gpu` does) where the app can; says how otherwise. */
  'runtime.setupGpu': method(none, GpuSetupResult),

  /**
   * Queues an export as a job (kind `export`: progress, cancel, `job.*` events like every job). Files are written at
   * the project's sample rate, as `<name>.part` then renamed, with their provenance inside (WAV: BWF `bext` description
   * and an iXML chunk; FLAC: Vorbis comments) and beside them as `<name>.json` (engine and version, pack hash, task,
   * option, intensity, seed, the take's parent chain, transcripts). Names come from the clip and take names (or the
   * project and track names), made unique in the folder. The finished job lists the files (ExportJob.files).
   */
  'export.start': method(
    z
      .object({
        scope: ExportScope,
        encoding: ExportEncoding.default('wav-pcm24'),
        /** Normalise to a loudness target (preset or `custom` with targetLufs) under a true-peak ceiling; absent: none. */
        loudness: z
          .object({
            preset: LoudnessPreset,
            /** Required for `custom`; for a named preset it must be absent or equal to the preset's. */
            targetLufs: z.number().min(-70).max(0).optional(),
            ceilingDbtp: z.number().min(-20).max(0).default(-1),
          })
          .strict()
          .optional(),
        /** A base name for the file(s); derived from what is exported when absent. */
        name: z.string().min(1).max(120).optional(),
        /**
         * `exports`: the project's exports/ folder (downloadable by URL). `ask`: the shell asks the user where to save
         * (the Electron shell's native save dialog); refused by a shell that cannot ask (the web shell).
         */
        destination: z.enum(['exports', 'ask']).default('exports'),
      })
      .strict(),
    ExportJob,
  ),
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
