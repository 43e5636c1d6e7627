// Entities of the contract: what the studio core returns and the renderer shows. Schemas double as the types
// (z.infer), so the shape is written once. Timeline positions are integer samples at the project's sample rate.

import { z } from 'zod';

export const ProjectInfo = z.object({
  dir: z.string(),
  name: z.string(),
  sampleRate: z.number().int(),
  createdAt: z.string(),
  schemaVersion: z.number().int(),
});
export type ProjectInfo = z.infer<typeof ProjectInfo>;

export const RecentProject = z.object({
  dir: z.string(),
  name: z.string(),
  openedAt: z.string(),
  exists: z.boolean(),
});
export type RecentProject = z.infer<typeof RecentProject>;

export const MediaInfo = z.object({
  hash: z.string(),
  format: z.string(),
  sampleRate: z.number().int(),
  channels: z.number().int(),
  frames: z.number().int(),
  durationSec: z.number(),
  originalName: z.string().nullable(),
  /** URL the renderer loads the audio from (shell-specific). */
  url: z.string(),
});
export type MediaInfo = z.infer<typeof MediaInfo>;

export const Track = z.object({
  id: z.number().int(),
  name: z.string(),
  order: z.number().int(),
  gainDb: z.number(),
  muted: z.boolean(),
  /** When any track is soloed, only soloed tracks play (and mute still silences a soloed track). */
  solo: z.boolean(),
});
export type Track = z.infer<typeof Track>;

export const Clip = z.object({
  id: z.number().int(),
  trackId: z.number().int(),
  name: z.string(),
  /** Timeline position of the clip's first sample. */
  start: z.number().int(),
  /** In and out points inside the active take's audio, in project samples. */
  inPoint: z.number().int(),
  outPoint: z.number().int(),
  gainDb: z.number(),
  activeTakeId: z.number().int(),
  /** Full length of the active take in project samples. */
  takeLength: z.number().int(),
  media: MediaInfo,
});
export type Clip = z.infer<typeof Clip>;

export const Metrics = z.record(z.string(), z.unknown());
export type Metrics = z.infer<typeof Metrics>;

export const Take = z.object({
  id: z.number().int(),
  clipId: z.number().int(),
  parentId: z.number().int().nullable(),
  kind: z.enum(['source', 'edit']),
  /** Made by a job that is still running: can be auditioned, becomes a normal take when the job ends. */
  pending: z.boolean(),
  name: z.string(),
  starred: z.boolean(),
  engine: z.string().nullable(),
  engineVersion: z.string().nullable(),
  packHash: z.string().nullable(),
  task: z.string().nullable(),
  option: z.string().nullable(),
  iteration: z.number().int().nullable(),
  seed: z.number().int().nullable(),
  textBefore: z.string().nullable(),
  textAfter: z.string().nullable(),
  params: z.record(z.string(), z.unknown()),
  metrics: Metrics.nullable(),
  deltas: Metrics.nullable(),
  jobId: z.number().int().nullable(),
  createdAt: z.string(),
  media: MediaInfo,
});
export type Take = z.infer<typeof Take>;

export const JobStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatus>;

export const Job = z.object({
  id: z.number().int(),
  clipId: z.number().int(),
  inputTakeId: z.number().int(),
  engine: z.string(),
  task: z.string(),
  option: z.string().nullable(),
  iterations: z.number().int(),
  seed: z.number().int(),
  params: z.record(z.string(), z.unknown()),
  status: JobStatus,
  progress: z.number(),
  stage: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  resultTakeIds: z.array(z.number().int()),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type Job = z.infer<typeof Job>;

export const HistoryState = z.object({
  canUndo: z.boolean(),
  canRedo: z.boolean(),
  undoLabel: z.string().nullable(),
  redoLabel: z.string().nullable(),
});
export type HistoryState = z.infer<typeof HistoryState>;

export const TaskInfo = z.object({
  options: z.array(z.string()),
  needsText: z.boolean(),
  needsNewText: z.boolean(),
  intensity: z.boolean(),
});

export const EngineInfo = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  description: z.string(),
  tasks: z.record(z.string(), TaskInfo),
  languages: z.array(z.string()),
  maxInputSeconds: z.number().nullable(),
  available: z.boolean(),
  unavailableReason: z.string().optional(),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

export const Timeline = z.object({
  project: ProjectInfo,
  tracks: z.array(Track),
  clips: z.array(Clip),
});
export type Timeline = z.infer<typeof Timeline>;

export const ExportFormat = z.enum(['pcm16', 'pcm24', 'float32']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ExportResult = z.object({
  path: z.string(),
  bytes: z.number().int(),
  /** A URL the renderer can download the file from. */
  url: z.string(),
});
export type ExportResult = z.infer<typeof ExportResult>;

export const Peaks = z.object({
  hash: z.string(),
  durationSec: z.number(),
  /** Two arrays, [max, min] per bucket over all channels, values in [-1, 1] (wavesurfer.js `peaks`). */
  peaks: z.array(z.array(z.number())),
});
export type Peaks = z.infer<typeof Peaks>;

/** What one file of an import became: its clip with its source take, and the stored media. */
export const Imported = z.object({ clip: Clip, take: Take, media: MediaInfo });
export type Imported = z.infer<typeof Imported>;

/** A file of a multi-file import that did not import, with the reason (the others still did). */
export const ImportFailure = z.object({ name: z.string(), code: z.string(), message: z.string() });
export type ImportFailure = z.infer<typeof ImportFailure>;

/** One folder as the server-side folder browser shows it (web shell; Electron uses the native dialog). */
export const FolderListing = z.object({
  dir: z.string(),
  /** The folder above, or null at a root the browser may not leave. */
  parent: z.string().nullable(),
  entries: z.array(z.object({ name: z.string(), path: z.string(), isProject: z.boolean() })),
  /** Where browsing may start: the user's home and the projects folder. */
  roots: z.array(z.object({ label: z.string(), path: z.string() })),
});
export type FolderListing = z.infer<typeof FolderListing>;

// ------------------------------------------------------------------ model packs and runtime settings

/** An installed model pack (RETAKE_HOME/models/<name>/) as the Models page shows it. */
export const ModelPack = z.object({
  name: z.string(),
  dir: z.string(),
  /** Bytes on disk. */
  bytes: z.number(),
  /** ready: usable; unusable: `reason` says why; interrupted: an install that did not finish. */
  status: z.enum(['ready', 'unusable', 'interrupted']),
  reason: z.string().nullable(),
  description: z.string().nullable(),
  /** Manifest components ('lm', 'textTokenizer', …) and LM variants ('fp16', 'fp32'). */
  components: z.array(z.string()),
  variants: z.array(z.string()),
  /** 'retake pack build' (from published files), 'tools/export', or null. */
  origin: z.string().nullable(),
  /** When every file's sha256 was last checked, and the outcome. */
  verified: z.object({ at: z.string(), ok: z.boolean() }).nullable(),
});
export type ModelPack = z.infer<typeof ModelPack>;

/** A published model the app can download and build (models/catalogue.json). */
export const CatalogueEntry = z.object({
  id: z.string(),
  title: z.string(),
  /** The published repository, e.g. stepfun-ai/Step-Audio-EditX. */
  repo: z.string(),
  /** Whether some part of it has a graph template (can become a pack). */
  buildable: z.boolean(),
  variants: z.array(z.string()),
});
export type CatalogueEntry = z.infer<typeof CatalogueEntry>;

/** An install or a check of a model pack: app-wide jobs (not a project's), one at a time. */
export const ModelJob = z.object({
  id: z.number().int(),
  kind: z.enum(['install', 'verify']),
  /** The pack the job makes or checks. */
  name: z.string(),
  /** What it installs from: a folder, or "download:<catalogue id>"; null for a check. */
  source: z.string().nullable(),
  status: JobStatus,
  progress: z.number(),
  stage: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type ModelJob = z.infer<typeof ModelJob>;

export const ModelsState = z.object({
  /** Where packs are installed. */
  dir: z.string(),
  packs: z.array(ModelPack),
  /** Recent jobs, newest first. */
  jobs: z.array(ModelJob),
  catalogue: z.array(CatalogueEntry),
});
export type ModelsState = z.infer<typeof ModelsState>;

/** Which onnxruntime execution provider the model stages ask for (the setting); 'auto' tries the platform's GPU. */
export const ExecutionProvider = z.enum(['auto', 'cpu', 'cuda', 'directml', 'coreml']);
export type ExecutionProvider = z.infer<typeof ExecutionProvider>;

export const AppSettings = z.object({ executionProvider: ExecutionProvider });
export type AppSettings = z.infer<typeof AppSettings>;

/** The providers on this machine, as Settings shows them. */
export const ProvidersInfo = z.object({
  setting: ExecutionProvider,
  platform: z.string(),
  options: z.array(
    z.object({
      id: ExecutionProvider,
      label: z.string(),
      available: z.boolean(),
      /** Why it cannot be used here (not installed, another platform), or null. */
      reason: z.string().nullable(),
    }),
  ),
  /** What the model sessions opened so far chose, per stage: "runs on the CPU because CUDA did not start (…)". */
  sessions: z.array(z.object({ stage: z.string(), provider: z.string(), reason: z.string() })),
  /** Installing onnxruntime's CUDA provider: whether the app can do it itself, and the command otherwise. */
  gpuSetup: z.object({ inApp: z.boolean(), command: z.string(), note: z.string() }),
});
export type ProvidersInfo = z.infer<typeof ProvidersInfo>;

export const GpuSetupResult = z.object({ ok: z.boolean(), message: z.string() });
export type GpuSetupResult = z.infer<typeof GpuSetupResult>;
