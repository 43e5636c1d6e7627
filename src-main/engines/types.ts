// The engine interface: what every engine (built-in DSP, EditX neural) offers to the engine host.
// Engines run inside the host process only; the studio core talks to them through the job protocol.

import type { Segment } from '../audio/analysis/common';
import type { EdgeKind, SplicedSpan } from '../audio/splice';
import type { AudioData } from '../audio/types';

/** A numeric setting of a task (e.g. the kept pause of silence removal), with its bounds and default. */
export interface NumberSetting {
  type: 'number';
  default: number;
  min: number;
  max: number;
  /** Unit shown with the value, e.g. "s". */
  unit: string;
  description: string;
}

export interface BooleanSetting {
  type: 'boolean';
  default: boolean;
  description: string;
}

export type TaskSetting = NumberSetting | BooleanSetting;

export interface TaskInfo {
  /** Exact option spellings (EDITX-SPEC.md §2). Empty for tasks without options (denoise, vad, paralinguistic). */
  options: string[];
  /** The transcript of the input is required (`text`). */
  needsText: boolean;
  /** A new text is required (`newText`, e.g. paralinguistic tags). */
  needsNewText: boolean;
  /** The task accepts an intensity 0..1. */
  intensity: boolean;
  /** Named settings the task accepts in `EditRequest.settings`; absent when it has none. */
  settings?: Record<string, TaskSetting>;
}

/**
 * Which engine-host process runs an engine: 'audio' (the built-in DSP, beside imports and exports) or 'model' (neural
 * engines: a stuck run there can be killed without touching the audio host).
 */
export type HostRole = 'audio' | 'model';

export interface EngineCapabilities {
  id: string;
  /** The host process that runs this engine. */
  role: HostRole;
  name: string;
  version: string;
  /** One honest sentence on what this engine is. */
  description: string;
  tasks: Record<string, TaskInfo>;
  languages: string[];
  /** Longest input one run accepts, in seconds; null when unlimited. Longer inputs are edited in windows (edit loop). */
  maxInputSeconds: number | null;
  /** A short label for take names ("built-in"); the id when absent. */
  shortName?: string;
  /** Paralinguistic tags the engine can insert, exact spellings (EDITX-SPEC.md §2); none when absent. EditX packs list
   * theirs in their manifest. */
  tags?: readonly string[];
  /** Whether the engine can run now (e.g. a model pack is installed); the reason when not. */
  available: boolean;
  unavailableReason?: string;
}

export interface EditRequest {
  /** An edit task, or `clone` where the engine offers it: the input is then the voice prompt, `text` its transcript
   * and `newText` the line to speak in that voice (the result is new material, not a take of the input). */
  task: string;
  option?: string;
  /** Transcript of the input audio. */
  text?: string;
  /** Target text (paralinguistic: the text with inline tags). */
  newText?: string;
  /** 0..1, default 0.5: scales presets of engines that support it. */
  intensity?: number;
  /** Seed for every random choice of the run: the same seed and input give byte-identical output. */
  seed: number;
  /** Index of this run in an iterated edit (0-based), for engines that vary by iteration. */
  iteration?: number;
  /** Values for the task's declared settings (TaskInfo.settings); absent ones take their defaults. */
  settings?: Record<string, number | boolean>;
}

export interface EngineContext {
  signal: AbortSignal;
  /** Progress of this run in 0..1; the host enforces monotonicity. */
  progress(value: number, stage?: string): void;
}

export interface EditResult {
  audio: AudioData;
  /** Free-form facts about the run stored with the take (e.g. the applied preset values). */
  info?: Record<string, unknown>;
}

export interface Engine {
  capabilities(): EngineCapabilities;
  edit(input: AudioData, req: EditRequest, ctx: EngineContext): Promise<EditResult>;
  /** Release sessions and memory. */
  dispose?(): Promise<void>;
  /** Releases what the engine holds open in the model pack folder `dir` (its sessions), before the folder is removed
   *  (Windows refuses to delete files a process has open); true when it held something there. */
  releasePack?(dir: string): Promise<boolean>;
}

// ---------------------------------------------------------------- region edits (the edit loop, the host protocol)

/** What happens to a span whose length the engine changed: stretched back (fit), or kept as edited (ripple, free). */
export type LengthMode = 'fit' | 'ripple' | 'free';

/** Fit stretches at most this far (±25 %): beyond it the stretcher's artefacts are audible on speech. */
export const FIT_MAX_CHANGE = 0.25;

/** A region edit: what to change of the input and how its length is treated (see the module header). */
export interface RegionEdit {
  /** Frames of the input the user asked to change, [start, end). */
  range: { start: number; end: number };
  /** Widen the range to nearby pauses (region edits); false keeps its edges (whole-clip edits). */
  widen: boolean;
  /** The input's VAD speech segments (seconds), e.g. from its stored metrics; detected here when absent and needed. */
  speech?: readonly Segment[] | null;
  lengthMode: LengthMode;
  /** The input's whole-take metrics: a long take's output is then measured in its changed span only (merged). */
  parentMetrics?: Record<string, unknown> | null;
}

/** What a region edit did to the input, in frames of the input (parent) and of the output. */
export interface RegionReport {
  span: SplicedSpan;
  /** The cuts between windows, in frames of the parent. */
  cuts: number[];
  windows: number;
  edges: { left: EdgeKind; right: EdgeKind };
  /** Output length − input length, frames (0 under fit). */
  lengthChange: number;
  /** The length change the engine made, before any fit, frames. */
  editedChange: number;
  /** Under fit: the edited span's length over its original length before it was stretched back (1 = unchanged). */
  fitRatio: number | null;
  /** The changed span measured alone, in the parent and in the output (null without an analyzer or for whole-clip
   * edits). */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** 'whole': the output was measured in full; 'merged': in its changed span, combined with the parent's metrics. */
  measured: 'whole' | 'merged' | null;
}

