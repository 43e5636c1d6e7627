// The one method table of the contract. Every shell (Electron IPC, web WebSocket, CLI) and the renderer's client are
// derived from it: a method missing from an implementation is a type error (see Handlers).

import { z } from 'zod';
import {
  Clip,
  EngineInfo,
  ExportFormat,
  ExportResult,
  HistoryState,
  Job,
  MediaInfo,
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

  'timeline.get': method(none, Timeline),

  'media.import': method(
    z
      .object({
        source: ImportSource,
        /** Display name (the original file name). */
        name: z.string().min(1).max(500).optional(),
        trackId: Id.optional(),
        start: Samples.optional(),
      })
      .strict(),
    z.object({ clip: Clip, take: Take, media: MediaInfo }),
  ),
  'media.peaks': method(
    z.object({ hash: z.string().regex(/^[a-f0-9]{64}$/), buckets: z.number().int().min(16).max(20_000).optional() }).strict(),
    Peaks,
  ),

  'tracks.add': method(z.object({ name: z.string().min(1).max(200).optional() }).strict(), Track),
  'tracks.rename': method(z.object({ trackId: Id, name: z.string().min(1).max(200) }).strict(), Track),

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
  'clips.trim': method(z.object({ clipId: Id, inPoint: Samples, outPoint: Samples }).strict(), Clip),
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
