// Entities of the contract: what the studio core returns and the renderer shows. Schemas double as the types
// (z.infer), so the shape is written once. Timeline positions are integer samples at the project's sample rate.

import { z } from 'zod';

/**
 * What happens when an edit's result is longer or shorter than what it replaces:
 * - `fit`: the edited span is time-stretched back to its original length (pitch-preserving); the take's `change`
 *   reports the ratio. Refused (E_LENGTH_CHANGE) when the edit changed the span by more than ±25 %. Never used for
 *   speed edits, whose point is the length change.
 * - `ripple`: the clip takes the new length and the later clips of its track move by the change, in the same undo step
 *   that shows the job's takes.
 * - `free`: the clip takes the new length and nothing else moves; overlaps this creates are listed in
 *   `Timeline.overlaps` (the timeline draws them red).
 */
export const LengthMode = z.enum(['fit', 'ripple', 'free']);
export type LengthMode = z.infer<typeof LengthMode>;

/** Per-project settings (project.setSettings). */
export const ProjectSettings = z.object({
  /** Length mode of region edits (jobs.submit with a `range`) that do not name one. Default `fit`. */
  regionLengthMode: LengthMode,
  /** Length mode of whole-clip edits that do not name one. Default `free`. */
  clipLengthMode: LengthMode,
});
export type ProjectSettings = z.infer<typeof ProjectSettings>;

export const ProjectInfo = z.object({
  dir: z.string(),
  name: z.string(),
  sampleRate: z.number().int(),
  createdAt: z.string(),
  schemaVersion: z.number().int(),
  settings: ProjectSettings,
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
  /**
   * What is said in the clip (clips.setTranscript, or a script import); null when unknown. Edits that need the words
   * take them from here when the request brings none: a region's part is found by speech time (see EditPlan.text).
   */
  transcript: z.string().nullable(),
});
export type Clip = z.infer<typeof Clip>;

export const Metrics = z.record(z.string(), z.unknown());
export type Metrics = z.infer<typeof Metrics>;

/**
 * A span of a take that an edit changed. Positions are take-relative project samples: the frame of `Clip.inPoint` /
 * `Clip.outPoint` (sample 0 is the take's first sample; a timeline position t of the clip is take sample
 * t − clip.start + clip.inPoint). Crossfades are included.
 */
export const TakeSpan = z.object({
  /** The changed samples of THIS take, [start, end): shade them on this take's waveform. */
  start: z.number().int(),
  end: z.number().int(),
  /** The samples of the PARENT take they replace, [parentStart, parentEnd). */
  parentStart: z.number().int(),
  parentEnd: z.number().int(),
});
export type TakeSpan = z.infer<typeof TakeSpan>;

/** A range of take-relative project samples [start, end) (see TakeSpan for the frame). */
export const SampleRange = z.object({ start: z.number().int(), end: z.number().int() });
export type SampleRange = z.infer<typeof SampleRange>;

/** Where the text an edit worked with came from. */
export const TextSource = z.enum([
  /** The request's own `text`. */
  'request',
  /** The clip's whole transcript (a whole-clip edit). */
  'transcript',
  /**
   * The part of the clip's transcript that falls in the region, found by speech time: the transcript's words are
   * spread over the take's VAD speech segments in proportion to their length, and the words whose middle lies in the
   * region are taken. No speech recognition is involved, so a word at a region's edge can land on either side.
   */
  'transcript-speech-time',
]);
export type TextSource = z.infer<typeof TextSource>;

/** What an edit changed in a take (null on source takes and on takes made before Retake recorded it). */
export const TakeChange = z.object({
  /** The changed spans (one per job today: a region's windows are contiguous). */
  spans: z.array(TakeSpan),
  /** What the user selected, in the parent's samples, before it was widened to pauses; null for a whole-clip edit. */
  requested: SampleRange.nullable(),
  /** Where the engine's windows were joined (the parent's samples): a span longer than the engine's limit has cuts. */
  cuts: z.array(z.number().int()),
  windows: z.number().int(),
  lengthMode: LengthMode,
  /** This take's length minus its parent's, in project samples (0 under fit): the edit's length change. */
  lengthChange: z.number().int(),
  /** The change the engine made before fit stretched it back (equals lengthChange unless fitted). */
  editedLengthChange: z.number().int(),
  /** Under fit: the edited span's length over its original (1.08 = the engine made it 8 % longer, then it was
   * stretched back); null otherwise. */
  fitRatio: z.number().nullable(),
  /**
   * The changed span measured on its own in the parent (`before`) and in this take (`after`), and after − before
   * (`deltas`, the shape of `Take.deltas`). Region edits only (null for whole-clip edits, whose `Take.metrics` and
   * `Take.deltas` say the same), and null when takes are not measured.
   */
  before: Metrics.nullable(),
  after: Metrics.nullable(),
  deltas: Metrics.nullable(),
  /** The text the engine got, and where it came from; null for tasks that use none. */
  text: z.string().nullable(),
  textSource: TextSource.nullable(),
  /**
   * How `Take.metrics` was measured: `whole` (all of the take), `merged` (a long take: only the changed span was
   * measured and combined with the parent's metrics; the estimated fields are listed in metrics.merged.estimated).
   */
  measured: z.enum(['whole', 'merged']).nullable(),
});
export type TakeChange = z.infer<typeof TakeChange>;

/**
 * Loudness for fair comparisons (BS.1770-4 integrated loudness from the take's metrics). To play takes at equal
 * loudness, apply `-vsSourceLu` dB to a take (or, against another take B, `B.level.lufs − A.level.lufs`); for a region
 * edit, compare `change.before.loudnessLufs` and `change.after.loudnessLufs` instead, which are the region's.
 */
export const TakeLevel = z.object({
  /** Integrated loudness of the whole take, LUFS; null when unmeasured or silent. */
  lufs: z.number().nullable(),
  /** This take minus its parent, LU; null when either is unknown. */
  vsParentLu: z.number().nullable(),
  /** This take minus the clip's source take (the root of its take tree), LU; 0 for the source itself. */
  vsSourceLu: z.number().nullable(),
});
export type TakeLevel = z.infer<typeof TakeLevel>;

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
  /** This take's metrics against its parent's (audio/analysis MetricDeltas: differences and ratios). */
  deltas: Metrics.nullable(),
  /** The same against the clip's source take (null for the source itself or when either is unmeasured). */
  deltasVsSource: Metrics.nullable(),
  level: TakeLevel,
  change: TakeChange.nullable(),
  jobId: z.number().int().nullable(),
  createdAt: z.string(),
  media: MediaInfo,
});
export type Take = z.infer<typeof Take>;

export const JobStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatus>;

/** What every job has, whatever its kind. */
const JobCommon = {
  id: z.number().int(),
  status: JobStatus,
  /** 0..1, never decreasing; 1 when done. */
  progress: z.number(),
  /** What the job does now (shown beside the progress bar). */
  stage: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** The takes the job made, in order (edits: one per iteration; other kinds: none). */
  resultTakeIds: z.array(z.number().int()),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
};

/** An edit of a clip's take: each iteration becomes a take (`resultTakeIds`, in order). */
export const EditJob = z.object({
  kind: z.literal('edit'),
  ...JobCommon,
  clipId: z.number().int(),
  inputTakeId: z.number().int(),
  engine: z.string(),
  task: z.string(),
  option: z.string().nullable(),
  iterations: z.number().int(),
  seed: z.number().int(),
  params: z.record(z.string(), z.unknown()),
  /** The region asked for (take-relative project samples of the input take), null for a whole-clip edit. */
  range: SampleRange.nullable(),
  lengthMode: LengthMode,
});
export type EditJob = z.infer<typeof EditJob>;

export const ExportEncoding = z.enum(['wav-pcm16', 'wav-pcm24', 'wav-float32', 'flac-16', 'flac-24']);
export type ExportEncoding = z.infer<typeof ExportEncoding>;

/**
 * What an export renders. Positions are timeline samples.
 * - `mix`: every track through its gain, mute and solo (soloed tracks only when any is soloed) with each clip's gain;
 *   overlapping clips are summed. From the first clip's start to the last clip's end unless `range` is given.
 * - `range`: the mix of [start, end) of the timeline (the selection).
 * - `tracks`: one file per track (stems), each through its own gain (mute and solo ignored: a stem is asked for by name).
 * - `clip`: one clip as it plays (its in/out range and gain), with no track processing.
 */
export const ExportScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('mix') }),
  z.object({ kind: z.literal('range'), start: z.number().int().nonnegative(), end: z.number().int().positive() }),
  z.object({ kind: z.literal('tracks'), trackIds: z.array(z.number().int().positive()).min(1).max(256).optional() }),
  z.object({ kind: z.literal('clip'), clipId: z.number().int().positive() }),
]);
export type ExportScope = z.infer<typeof ExportScope>;

/** Loudness normalisation targets: EBU R128 (−23 LUFS), ATSC A/85 (−24 LKFS), podcast (−16 LUFS), or your own. */
export const LoudnessPreset = z.enum(['ebu-r128', 'atsc-a85', 'podcast', 'custom']);
export type LoudnessPreset = z.infer<typeof LoudnessPreset>;

/** A loudness target as the export applied it. */
export const LoudnessTarget = z.object({
  preset: LoudnessPreset,
  targetLufs: z.number(),
  /** True-peak ceiling by our BS.1770-4 meter; a limiter keeps the file under it. */
  ceilingDbtp: z.number(),
});
export type LoudnessTarget = z.infer<typeof LoudnessTarget>;

/** One file an export wrote (a mix or clip is one file; stems are one per track). */
export const ExportedFile = z.object({
  /** Absolute path of the file (in the project's exports/ folder, or where the save dialog put it). */
  path: z.string(),
  /** Where the renderer downloads it from (web shell: /exports/<name>); null when it was saved outside exports/. */
  url: z.string().nullable(),
  name: z.string(),
  bytes: z.number().int(),
  /** The provenance sidecar beside it (<name>.json) and its URL. */
  sidecarPath: z.string(),
  sidecarUrl: z.string().nullable(),
  sampleRate: z.number().int(),
  channels: z.number().int(),
  frames: z.number().int(),
  durationSec: z.number(),
  /** Measured in the written file by our meter (BS.1770-4). */
  integratedLufs: z.number().nullable(),
  truePeakDbtp: z.number().nullable(),
  /** Gain the normalisation applied (0 without a target), and whether the limiter had to act. */
  gainDb: z.number(),
  limited: z.boolean(),
  /** The target missed by more than 0.1 LU (a near-silent source, or the ceiling holding it down): the shortfall. */
  shortfallLu: z.number().nullable(),
});
export type ExportedFile = z.infer<typeof ExportedFile>;

/** A render of the project to files (export.start). */
export const ExportJob = z.object({
  kind: z.literal('export'),
  ...JobCommon,
  scope: ExportScope,
  encoding: ExportEncoding,
  loudness: LoudnessTarget.nullable(),
  /** The files written so far (all of them once done). */
  files: z.array(ExportedFile),
});
export type ExportJob = z.infer<typeof ExportJob>;

/**
 * A voice clone (clone.submit): an engine speaks `params.text` in the voice of a take (`inputTakeId`, of the clip
 * `clipId`, which the job is shown on). Its result is a new clip; `resultTakeIds` names that clip's take.
 */
export const CloneJob = z.object({
  kind: z.literal('clone'),
  ...JobCommon,
  clipId: z.number().int(),
  inputTakeId: z.number().int(),
  engine: z.string(),
  /** Always `clone`. */
  task: z.string(),
  option: z.null(),
  iterations: z.literal(1),
  seed: z.number().int(),
  /** `promptText` (what the prompt says) and `text` (the new line). */
  params: z.record(z.string(), z.unknown()),
});
export type CloneJob = z.infer<typeof CloneJob>;

/** A job of any kind; switch on `kind`. */
export const Job = z.discriminatedUnion('kind', [EditJob, ExportJob, CloneJob]);
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
  /** A short label for take names, e.g. "built-in". */
  shortName: z.string(),
  version: z.string(),
  description: z.string(),
  tasks: z.record(z.string(), TaskInfo),
  languages: z.array(z.string()),
  /**
   * Longest audio one engine run takes, seconds (null: no limit). Longer clips and regions are edited in windows split
   * at pauses (see EditPlan), except tasks that follow a text, which run as one window.
   */
  maxInputSeconds: z.number().nullable(),
  /**
   * The paralinguistic tags the engine can insert, exact spellings (e.g. "Laughter", written "[Laughter]" in newText).
   * Human labels are the renderer's; these ids are what the engine reads.
   */
  tags: z.array(z.string()),
  available: z.boolean(),
  unavailableReason: z.string().optional(),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

/** Two clips of one track that play at the same time (the timeline draws the overlap red). */
export const Overlap = z.object({
  trackId: z.number().int(),
  /** The earlier-starting clip first. */
  clipIds: z.tuple([z.number().int(), z.number().int()]),
  /** The overlapping timeline samples [start, end). */
  start: z.number().int(),
  end: z.number().int(),
});
export type Overlap = z.infer<typeof Overlap>;

export const Timeline = z.object({
  project: ProjectInfo,
  tracks: z.array(Track),
  clips: z.array(Clip),
  /** Every overlap of two clips on a track, in track and time order. */
  overlaps: z.array(Overlap),
});
export type Timeline = z.infer<typeof Timeline>;

export const ExportFormat = z.enum(['pcm16', 'pcm24', 'float32']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/**
 * What an edit with these parameters would work on (edits.plan): shown before submitting, so the inspector can shade
 * the widened span and show the region's text. Planned from the take's stored VAD segments without the audio; the edit
 * itself then moves each cut to the quietest spot of the same pause, so the take's `change.spans` are the final word.
 */
export const EditPlan = z.object({
  /** The range asked for (take-relative project samples), or null for a whole-clip edit. */
  requested: SampleRange.nullable(),
  /** The span the edit will change (widened to pauses for a region), before crossfades. */
  span: SampleRange,
  /** The engine runs it splits into (take-relative project samples); one unless the span exceeds maxInputSeconds. */
  windows: z.array(SampleRange),
  /** Whether the take's pauses are known (measured takes); without them edges stay near the range. */
  pausesKnown: z.boolean(),
  /** The length mode the edit will use (the request's, else the project's default for its kind). */
  lengthMode: LengthMode,
  /** The text the engine would get when the request brings none (see TextSource), and its source. */
  text: z.string().nullable(),
  textSource: TextSource.nullable(),
  /** A sentence for the inspector when something limits the edit (e.g. a text task longer than one window). */
  note: z.string().nullable(),
});
export type EditPlan = z.infer<typeof EditPlan>;

/** A script line that could not be used, with its 1-based line number in the file. */
export const ScriptProblem = z.object({ line: z.number().int(), reason: z.string() });
export type ScriptProblem = z.infer<typeof ScriptProblem>;

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
  /** Frames of the media file each bucket covers (a whole number of the cache's pairs; the last bucket may be short). */
  samplesPerBucket: z.number().int().positive(),
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
  /** The LM variants of a pack that has an LM, for the variant setting; null otherwise (or when its manifest is unreadable). */
  lm: z
    .object({
      variants: z.array(
        z.object({
          name: z.string(),
          dtype: z.enum(['fp32', 'fp16', 'int8', 'int4']),
          /** Its files plus its KV cache at the longest generation: what it needs in memory. */
          bytes: z.number(),
          /** The quality gate's top-1 agreement with fp32 (0..1) over `positions`, recorded at build time; null without a quantization. */
          agreement: z.object({ top1: z.number(), positions: z.number().int() }).nullable(),
          /** Why it may not be used (under the quality gate, no measurement), or null. */
          problem: z.string().nullable(),
          /** A usable variant's caveat (a quantized variant whose quality gate was not measured, and why), or null. */
          note: z.string().nullable().default(null),
        }),
      ),
      /** What "auto" picks on each device whose free memory is known now, and why. */
      auto: z.array(z.object({ device: z.enum(['cpu', 'gpu']), variant: z.string(), reason: z.string(), fits: z.boolean() })),
    })
    .nullable(),
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

/** An EditX LM variant name (a pack manifest's key: lowercase words, digits, dashes) or "auto" (chosen from free memory). */
export const LmVariantSetting = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'is not an LM variant name (auto, int4, int8, fp16, fp32, …)');

export const AppSettings = z.object({ executionProvider: ExecutionProvider, lmVariant: LmVariantSetting });
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
