// The engine interface: what every engine (built-in DSP, EditX neural) offers to the engine host.
// Engines run inside the host process only; the studio core talks to them through the job protocol.

import type { AudioData } from '../audio/types';

export interface TaskInfo {
  /** Exact option spellings (EDITX-SPEC.md §2). Empty for tasks without options (denoise, vad, paralinguistic). */
  options: string[];
  /** The transcript of the input is required (`text`). */
  needsText: boolean;
  /** A new text is required (`newText`, e.g. paralinguistic tags). */
  needsNewText: boolean;
  /** The task accepts an intensity 0..1. */
  intensity: boolean;
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
  /** Longest input one run accepts, in seconds; null when unlimited. */
  maxInputSeconds: number | null;
  /** Whether the engine can run now (e.g. a model pack is installed); the reason when not. */
  available: boolean;
  unavailableReason?: string;
}

export interface EditRequest {
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
}
