// The job protocol between the studio core and the engine host process: a tagged union in each direction, every
// call carrying a callId. Audio never travels in messages: requests name files (inside the project's media store),
// and results describe the files the host wrote.

import type { ErrorPayload } from '../../contract/errors';
import type { EditRequest, EngineCapabilities } from '../types';

export type ExportFormat = 'pcm16' | 'pcm24' | 'float32';

/** What the host learned about an audio file. */
export interface AudioFacts {
  format: string;
  sampleRate: number;
  channels: number;
  frames: number;
}

export type HostRequest =
  | { type: 'engines'; callId: number }
  /** Decode a file: validate it, write its peaks cache, and optionally measure it. */
  | { type: 'inspect'; callId: number; input: string; name?: string; peaksOut: string | null; analyze: boolean }
  | {
      type: 'edit';
      callId: number;
      engine: string;
      request: EditRequest;
      input: string;
      /** Frames of the input to edit, [start, end); the whole file when absent. */
      range?: { start: number; end: number };
      /** Where to write the result (float32 WAV); a temp path of the media store. */
      output: string;
      peaksOut: string | null;
      analyze: boolean;
    }
  | {
      type: 'export';
      callId: number;
      input: string;
      range?: { start: number; end: number };
      gainDb: number;
      format: ExportFormat;
      output: string;
    }
  | { type: 'cancel'; callId: number }
  /** Test hook: makes the host exit at once, as a crash would. */
  | { type: 'crash'; callId: number };

export interface InspectResult extends AudioFacts {
  /** File extension for the media store, from the detected format. */
  ext: string;
  metrics: Record<string, unknown> | null;
}

export interface EditResult extends AudioFacts {
  engineVersion: string;
  metrics: Record<string, unknown> | null;
  info: Record<string, unknown>;
}

export interface ExportResult {
  bytes: number;
}

export interface HostResults {
  engines: EngineCapabilities[];
  inspect: InspectResult;
  edit: EditResult;
  export: ExportResult;
  cancel: null;
  crash: null;
}

export type HostMessage =
  | { type: 'ready'; pid: number }
  | { type: 'progress'; callId: number; value: number; stage: string | null }
  | { type: 'result'; callId: number; result: unknown }
  | { type: 'error'; callId: number; error: ErrorPayload };

export type RequestOf<T extends HostRequest['type']> = Extract<HostRequest, { type: T }>;
export type CallArgs<T extends HostRequest['type']> = Omit<RequestOf<T>, 'type' | 'callId'>;
