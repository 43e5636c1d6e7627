// The one edit loop, shared by the engine host's `edit` and the CLI's `retake edit`: check the request against the
// engine → decode → select the window to edit (the range) → check its length → run the engine iteration by iteration,
// each iteration's output feeding the next with seed + i → measure each output → hand it to the caller to write.
// Progress is one 0..1 over all iterations; each finished iteration is reported through `onIteration` before the
// next starts, so a caller can keep (and show) it even if a later one fails.
//
// Region edits plug in at `selectWindow`: today the window is the range itself and an output replaces it whole; a
// region edit widens the range to nearby pauses and splices each output back with crossfades (docs/architecture.md).

import { decodeFile } from '../audio/decode';
import { durationSeconds, frameCount, type AudioData } from '../audio/types';
import { RetakeError } from '../contract/errors';
import { checkEditRequest, checkInputLength } from './check';
import type { EditRequest, Engine } from './types';

/** Frames [start, end) of the input. */
export interface FrameRange {
  start: number;
  end: number;
}

/** Measures a take (the audio analysis); injected so tests and the CLI can leave it out or replace it. */
export type Analyzer = (audio: AudioData, opts: { signal?: AbortSignal }) => Promise<object>;

export interface IterationOutput {
  audio: AudioData;
  /** The analysis of `audio`; null when not asked for or when measuring failed (the take is kept anyway). */
  metrics: Record<string, unknown> | null;
  /** The engine's facts about the run (stored with the take). */
  info: Record<string, unknown>;
}

export interface EditLoopOptions {
  engine: Engine;
  /** A file to decode, or audio decoded already. */
  input: string | AudioData;
  /** What to edit of the input; the whole input when absent. */
  range?: FrameRange;
  /** The first iteration's request; iteration i runs with seed + i and iteration + i. */
  request: EditRequest;
  /** Default 1. */
  iterations?: number;
  /** Measures every output when given. */
  analyzer?: Analyzer | null;
  signal: AbortSignal;
  progress?: (value: number, stage: string | null) => void;
  /** Called (and awaited) once per finished iteration, in order: the place to write it. */
  onIteration?: (index: number, out: IterationOutput) => void | Promise<void>;
}

/** Share of one iteration's progress the engine run takes; measuring and writing fill the rest. */
const ENGINE_SHARE = 0.9;
const MEASURED_AT = 0.95;

/** Runs the loop; resolves with the last iteration's output. */
export async function runEditLoop(opts: EditLoopOptions): Promise<IterationOutput> {
  const { engine, request, signal } = opts;
  const n = opts.iterations ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new RetakeError('E_VALIDATION', `An edit runs at least once (iterations: ${n}).`);
  const progress = opts.progress ?? (() => {});
  const caps = engine.capabilities();
  // Before decoding: bad input is refused without any work.
  checkEditRequest(caps, request);
  progress(0, 'decoding');
  let source = typeof opts.input === 'string' ? await decodeFile(opts.input) : opts.input;
  let range = opts.range;
  let last: IterationOutput | null = null;
  for (let i = 0; i < n; i++) {
    const win = selectWindow(source, range);
    checkInputLength(caps, durationSeconds(win.audio));
    signal.throwIfAborted();
    const at = (v: number) => (i + v) / n;
    const label = n > 1 ? ` (iteration ${i + 1}/${n})` : '';
    const { audio, info } = await engine.edit(
      win.audio,
      { ...request, seed: (request.seed + i) >>> 0, iteration: (request.iteration ?? 0) + i },
      {
        signal,
        progress: (v, stage) => progress(at(ENGINE_SHARE * Math.min(1, Math.max(0, v))), stage !== undefined ? stage + label : null),
      },
    );
    signal.throwIfAborted();
    checkFinite(audio);
    const output = win.place(audio);
    progress(at(ENGINE_SHARE), 'measuring' + label);
    const metrics = opts.analyzer ? await measure(opts.analyzer, output, signal) : null;
    progress(at(MEASURED_AT), 'writing' + label);
    last = { audio: output, metrics, info: info ?? {} };
    await opts.onIteration?.(i, last);
    // The next iteration edits this output whole.
    source = output;
    range = undefined;
  }
  progress(1, 'done');
  return last!;
}

/**
 * What one edit works on, and how its output goes back: the seam for region edits. Today the window is the range
 * (clamped) and `place` returns the output as is: the take is the edited range.
 */
export interface EditWindow {
  audio: AudioData;
  place(output: AudioData): AudioData;
}

export function selectWindow(audio: AudioData, range?: FrameRange): EditWindow {
  return { audio: sliceFrames(audio, range), place: (out) => out };
}

/** Frames [start, end) of the audio, clamped; the audio itself when the range covers it. */
export function sliceFrames(audio: AudioData, range?: FrameRange): AudioData {
  if (!range) return audio;
  const n = frameCount(audio);
  const start = Math.max(0, Math.min(n, range.start));
  const end = Math.max(start, Math.min(n, range.end));
  if (start === 0 && end === n) return audio;
  return { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.subarray(start, end)) };
}

/**
 * The take's measurements. A failure to measure does not fail the import or the edit: the take is kept without
 * metrics, and the reason is logged (cancellation still cancels).
 */
export async function measure(analyzer: Analyzer, audio: AudioData, signal: AbortSignal): Promise<Record<string, unknown> | null> {
  try {
    return { ...(await analyzer(audio, { signal })) } as Record<string, unknown>;
  } catch (e) {
    if (signal.aborted) throw e;
    console.error(`Engine host: could not measure the audio (${(e as Error).message}); the take is kept without metrics.`);
    return null;
  }
}

function checkFinite(audio: AudioData): void {
  if (frameCount(audio) === 0) throw new RetakeError('E_ENGINE_FAILED', 'The engine produced no audio.');
  for (const c of audio.channels) {
    for (let i = 0; i < c.length; i++) {
      if (!Number.isFinite(c[i]!)) throw new RetakeError('E_ENGINE_FAILED', 'The engine produced invalid (NaN or infinite) samples.');
    }
  }
}
