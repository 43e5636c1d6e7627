// The job protocol between the studio core and the engine host processes: a tagged union in each direction, every
// call carrying a callId, and one table (`HostArgs` → `HostResults`) that types both the client's `call` and the
// worker's handlers. Audio never travels in messages: requests name files (inside the project's media store, or the
// user's file an import reads and copies into it), and results describe the files the host wrote; an import's
// waveform travels as small batches of peaks while it is decoded. Two roles run the same entry: the *audio* host (decode, peaks,
// analysis, export, the built-in engine) and the *model* host (neural engines), so a stuck model run can be killed
// without failing an import or an export beside it.

import type { CatalogueEntry, ExecutionProvider, ModelPack, ProvidersInfo } from '../../contract/entities';
import type { ErrorPayload } from '../../contract/errors';
import type { RenderRequest, RenderResult } from '../../audio/render';
import type { EditRequest, EngineCapabilities, HostRole, RegionEdit, RegionReport } from '../types';

export type { HostRole };
export const HOST_ROLES: readonly HostRole[] = ['audio', 'model'];

/** The command-line argument that gives a host process its role (Electron's utilityProcess passes no env changes). */
export function hostRoleArg(role: HostRole): string {
  return `--role=${role}`;
}

/** A host's role from its arguments (`--role=model`) or RETAKE_HOST_ROLE; null when neither names one. */
export function parseHostRole(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): HostRole | null {
  const arg = argv.find((a) => a.startsWith('--role='))?.slice('--role='.length) ?? env.RETAKE_HOST_ROLE;
  return arg !== undefined && (HOST_ROLES as readonly string[]).includes(arg) ? (arg as HostRole) : null;
}

export type ExportFormat = 'pcm16' | 'pcm24' | 'float32';

/** What the host learned about an audio file. */
export interface AudioFacts {
  format: string;
  sampleRate: number;
  channels: number;
  frames: number;
}

/**
 * Where an edit writes: one output (one iteration, the form the studio's job runner uses per iteration), or one per
 * iteration, each reported by an `iteration` message as soon as it is written.
 */
export type EditOutputs =
  | {
      /** Where to write the result (float32 WAV); a temp path of the media store. */
      output: string;
      peaksOut: string | null;
    }
  | {
      /** One file per iteration, in order: iteration i edits iteration i − 1's output with seed + i. */
      outputs: string[];
      /** Same length as `outputs`. */
      peaksOuts: (string | null)[];
    };

export type EditArgs = {
  engine: string;
  request: EditRequest;
  input: string;
  /** Legacy form: frames of the input to edit, [start, end), returned alone; the whole file when absent. */
  range?: { start: number; end: number };
  /** Region form: the output is the whole input with the region (widened, windowed, spliced) changed. */
  region?: RegionEdit;
  analyze: boolean;
} & EditOutputs;

/** Where a pack install reads from: a folder (a ready pack or published files) or a download of a catalogue model. */
export type PackSource = { kind: 'folder'; path: string } | { kind: 'download'; model: string };

/** Arguments of each call. */
export interface HostArgs {
  engines: Record<never, never>;
  /**
   * Decode a file: validate it, write its peaks cache, and optionally measure it (after its waveform is out; a long
   * file is measured on its first IMPORT_ANALYSIS_MAX_SEC seconds). The file is read once, in blocks.
   */
  inspect: {
    input: string;
    name?: string;
    peaksOut: string | null;
    analyze: boolean;
    /** A new file (a temp path of the media store) that receives every byte of `input` as it is read. */
    copyTo?: string;
    /** Send the waveform as it is decoded (`peaks` messages): an overview first where the format allows, then exact. */
    streamPeaks?: boolean;
  };
  edit: EditArgs;
  export: {
    input: string;
    range?: { start: number; end: number };
    gainDb: number;
    format: ExportFormat;
    output: string;
  };
  /** The installed model packs of RETAKE_HOME (`home`) and the catalogue of published models. */
  packs: { home: string };
  /** Installs a model pack (copy, build from published files, or download then build); progress messages. */
  packInstall: { home: string; source: PackSource; name?: string; variants?: string[] };
  /** Checks every file of an installed pack against its sha256. */
  packVerify: { home: string; name: string };
  packRemove: { home: string; name: string };
  /** Closes what the host's engines hold open in an installed pack (before it is removed). */
  packRelease: { home: string; name: string };
  /** Model host: the execution providers of this machine and what the sessions opened so far chose. */
  providers: { setting: ExecutionProvider };
  /** Render an export (a mix of media ranges) to a file, optionally loudness-normalised, with its metadata. */
  render: RenderRequest;
}

export interface InspectResult extends AudioFacts {
  /** File extension for the media store, from the detected format. */
  ext: string;
  metrics: Record<string, unknown> | null;
}

/** One written iteration of an edit (the last one is also the call's result). */
export interface EditResult extends AudioFacts {
  engineVersion: string;
  metrics: Record<string, unknown> | null;
  info: Record<string, unknown>;
  /** Region edits: what changed where, in frames of this output and of its input. */
  region?: RegionReport;
}

export interface ExportResult {
  bytes: number;
}

export interface PacksResult {
  dir: string;
  packs: ModelPack[];
  catalogue: CatalogueEntry[];
}

/** Result of each call: the worker's handler for `T` must return `HostResults[T]` (a compile error otherwise). */
export interface HostResults {
  engines: EngineCapabilities[];
  inspect: InspectResult;
  edit: EditResult;
  export: ExportResult;
  packs: PacksResult;
  packInstall: { pack: ModelPack; how: 'copied' | 'built' };
  packVerify: ModelPack;
  packRemove: { removed: string };
  /** The engines that had something open in the pack. */
  packRelease: { released: string[] };
  providers: Omit<ProvidersInfo, 'gpuSetup'>;
  render: RenderResult;
}

export type HostCallType = keyof HostArgs;
export type CallArgs<T extends HostCallType> = HostArgs[T];

/** A call as sent: its arguments plus type and id (distributed, so an edit keeps its union of output forms). */
export type CallRequest<T extends HostCallType = HostCallType> = T extends HostCallType
  ? { type: T; callId: number } & HostArgs[T]
  : never;

export type HostRequest =
  | CallRequest
  | { type: 'cancel'; callId: number }
  /** Test hook: makes the host exit at once, as a crash would. */
  | { type: 'crash'; callId: number };

export type RequestOf<T extends HostRequest['type']> = Extract<HostRequest, { type: T }>;

/** An edit's iteration that is written: its files and what the host knows of it. */
export interface IterationReport {
  index: number;
  output: string;
  peaksOut: string | null;
  result: EditResult;
}

/**
 * A piece of the waveform of a file an `inspect` is decoding. Pairs are [min, max, …] over all channels in units of
 * 1/32767 (the peaks cache's), for buckets `start`.. of `bucketFrames` frames; a power-of-two multiple of the cache's
 * samples per peak, so the levels nest. The `final` one is sent after the peaks cache is written.
 */
export interface PeaksReport {
  sampleRate: number;
  /** Frames of the whole file. */
  frames: number;
  bucketFrames: number;
  start: number;
  pairs: Int16Array;
  /** Sampled across the file, not exact extremes (exact pairs follow). */
  overview: boolean;
  final: boolean;
}

export type HostMessage =
  | { type: 'ready'; pid: number; role: HostRole | null }
  | { type: 'progress'; callId: number; value: number; stage: string | null }
  | ({ type: 'peaks'; callId: number } & PeaksReport)
  | ({ type: 'iteration'; callId: number } & IterationReport)
  | { type: 'result'; callId: number; result: HostResults[HostCallType] }
  | { type: 'error'; callId: number; error: ErrorPayload };
