// The one edit loop, shared by the engine host's `edit` and the CLI's `retake edit`: check the request against the
// engine → decode → plan the windows → run the engine iteration by iteration, each iteration's output feeding the next
// with seed + i → measure each output → hand it to the caller to write. Progress is one 0..1 over all iterations; each
// finished iteration is reported through `onIteration` before the next starts, so a caller can keep (and show) it even
// if a later one fails.
//
// Two forms. A *region* edit (`region`, what the studio uses, and any whole-input edit) plans windows with
// audio/splice.ts: the range widened to nearby pauses (VAD) or kept, split at pauses into windows of at most the
// engine's maxInputSeconds, each edited, optionally stretched back to its length ("fit"), and spliced into the whole
// input with equal-power crossfades; the output is the whole input with the span changed, so inputs longer than an
// engine's limit are edited window by window. The legacy `range` form edits the range alone and returns only it.

import { decodeFile } from '../audio/decode';
import { checkEngineOutput } from './output-check';
import { measureLoudness } from '../audio/analysis/loudness';
import { mergeRegionMetrics } from '../audio/analysis/merge';
import { detectSpeech } from '../audio/analysis/vad';
import { timeStretch } from '../audio/dsp/stretch';
import { resample } from '../audio/resample';
import { CROSSFADE_SEC, planWindows, quietestStart, spliceWindows, windowInput, type WindowPlan } from '../audio/splice';
import type { Segment } from '../audio/analysis/common';
import { durationSeconds, frameCount, type AudioData } from '../audio/types';
import { RetakeError } from '../contract/errors';
import { checkEditRequest, checkInputLength } from './check';
import { FIT_MAX_CHANGE, type EditRequest, type Engine, type EngineCapabilities, type RegionEdit, type RegionReport } from './types';

/** Frames [start, end) of the input. */
export interface FrameRange {
  start: number;
  end: number;
}

/** Measures a take (the audio analysis); injected so tests and the CLI can leave it out or replace it. */
export type Analyzer = (audio: AudioData, opts: { signal?: AbortSignal }) => Promise<object>;

export type { LengthMode, RegionEdit, RegionReport } from './types';
export { FIT_MAX_CHANGE } from './types';

export interface IterationOutput {
  audio: AudioData;
  /** The analysis of `audio`; null when not asked for or when measuring failed (the take is kept anyway). */
  metrics: Record<string, unknown> | null;
  /** The engine's facts about the run (stored with the take). */
  info: Record<string, unknown>;
  /** Region edits: what changed where. */
  region?: RegionReport;
}

export interface EditLoopOptions {
  engine: Engine;
  /** A file to decode (a Buffer for a name that is not valid UTF-8), or audio decoded already. */
  input: string | Buffer | AudioData;
  /**
   * The loop may write into `input` (audio given here that the caller no longer needs): a region edit whose windows
   * keep their length (fit) is then spliced in place instead of copying the whole take. Always so for a file it decodes.
   */
  ownsInput?: boolean;
  /** Legacy form: edit only these frames and return only them (the CLI's and older callers'). */
  range?: FrameRange;
  /** Region form (see RegionEdit); a whole-input edit when neither `range` nor `region` is given. */
  region?: RegionEdit;
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
  let source = typeof opts.input === 'string' || Buffer.isBuffer(opts.input) ? await decodeFile(opts.input) : opts.input;
  if (!opts.range) {
    const region: RegionEdit = opts.region ?? { range: { start: 0, end: frameCount(source) }, widen: false, lengthMode: 'free' };
    return runRegionLoop(opts, caps, source, region, n, progress);
  }
  let range: FrameRange | undefined = opts.range;
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
    checkEngineOutput(win.audio, audio, caps.name);
    const output = win.place(audio);
    progress(at(ENGINE_SHARE), 'measuring' + label);
    const metrics = opts.analyzer ? await measureTake(opts.analyzer, output, signal) : null;
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
 * What one legacy `range` edit works on, and how its output goes back: the window is the range (clamped) and `place`
 * returns the output as is (the result is the edited range). Region edits plan windows instead (runRegionLoop).
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
/**
 * A take or an import is measured on at most this much of its beginning: the analysis costs ~5 s per minute of audio
 * on a loaded 2-core machine (an hour took 309 s and 3.6 GB), so a long recording is measured on its first five
 * minutes, within half a minute and ~150 MB, and its metrics say which part they describe (`excerpt`).
 */
export const ANALYSIS_MAX_SEC = 300;

/** The take's measurements: the whole take, or its first ANALYSIS_MAX_SEC seconds marked as an `excerpt`. */
export async function measureTake(analyzer: Analyzer, audio: AudioData, signal: AbortSignal): Promise<Record<string, unknown> | null> {
  const limit = Math.round(ANALYSIS_MAX_SEC * audio.sampleRate);
  const frames = frameCount(audio);
  if (frames <= limit) return measure(analyzer, audio, signal);
  const metrics = await measure(analyzer, sliceFrames(audio, { start: 0, end: limit }), signal);
  return metrics && { ...metrics, excerpt: { startSec: 0, endSec: limit / audio.sampleRate } };
}

export async function measure(analyzer: Analyzer, audio: AudioData, signal: AbortSignal): Promise<Record<string, unknown> | null> {
  try {
    return { ...(await analyzer(audio, { signal })) } as Record<string, unknown>;
  } catch (e) {
    if (signal.aborted) throw e;
    console.error(`Engine host: could not measure the audio (${(e as Error).message}); the take is kept without metrics.`);
    return null;
  }
}

/** Measures output spans longer than this in full; shorter changes inside longer takes are measured where they changed. */
const MERGE_MIN_TAKE_SEC = 30;
/** …when the changed span is at most this share of the take (beyond it a full measurement costs about the same). */
const MERGE_MAX_SHARE = 0.25;

async function runRegionLoop(
  opts: EditLoopOptions,
  caps: EngineCapabilities,
  input: AudioData,
  region: RegionEdit,
  n: number,
  progress: (value: number, stage: string | null) => void,
): Promise<IterationOutput> {
  const { engine, request, signal } = opts;
  const sr = input.sampleRate;
  const frames = frameCount(input);
  const fade = Math.max(1, Math.round(CROSSFADE_SEC * sr));
  const maxFrames = caps.maxInputSeconds === null ? null : Math.floor(caps.maxInputSeconds * sr);
  const range = {
    start: Math.max(0, Math.min(frames, Math.round(region.range.start))),
    end: Math.max(0, Math.min(frames, Math.round(region.range.end))),
  };
  if (range.end <= range.start) throw new RetakeError('E_VALIDATION', 'The region to edit is empty: select a range inside the clip.');
  // Pauses matter when the edges move to them, or when the span must be split into several windows.
  const mayNeedSplit = maxFrames !== null && range.end - range.start + 2 * fade > maxFrames;
  let speech = region.speech ?? null;
  if (!speech && (region.widen || mayNeedSplit)) {
    progress(0, 'finding pauses');
    speech = (await detectSpeech(input, { signal })).segments;
  }
  let plan: WindowPlan = planWindows({
    frames,
    sampleRate: sr,
    range,
    widen: region.widen,
    speech,
    maxFrames,
    fade,
    quietest: (a, b, prefer) => quietestStart(input, a, b, fade, prefer),
  });
  const k = plan.cuts.length - 1;
  const task = caps.tasks[request.task];
  if (k > 1 && (task?.needsText || task?.needsNewText)) {
    throw new RetakeError(
      'E_INPUT_TOO_LONG',
      `A ${request.task} edit follows the region's text, so it runs as one window: select at most ${caps.maxInputSeconds} s ` +
        `(this region needs ${k} windows).`,
    );
  }
  const parentCuts = [...plan.cuts];
  let source = input;
  // Only the first iteration's input may be the caller's to overwrite; later ones were handed out by onIteration.
  let owned = opts.ownsInput === true || typeof opts.input === 'string';
  let parentMetrics = region.parentMetrics ?? null;
  let before: Record<string, unknown> | null = null;
  let last: IterationOutput | null = null;
  for (let i = 0; i < n; i++) {
    const at = (v: number) => (i + v) / n;
    const label = n > 1 ? ` (iteration ${i + 1}/${n})` : '';
    const edited: AudioData[] = [];
    const infos: Record<string, unknown>[] = [];
    let editedChange = 0;
    let spanIn = 0;
    for (let j = 0; j < k; j++) {
      const w = windowInput(plan, j);
      const win = sliceFrames(source, w);
      checkInputLength(caps, durationSeconds(win));
      signal.throwIfAborted();
      const wl = k > 1 ? ` window ${j + 1}/${k}` : '';
      const { audio, info } = await engine.edit(
        win,
        { ...request, seed: (request.seed + i) >>> 0, iteration: (request.iteration ?? 0) + i },
        {
          signal,
          progress: (v, stage) =>
            progress(at((ENGINE_SHARE * (j + Math.min(1, Math.max(0, v)))) / k), stage !== undefined ? stage + wl + label : null),
        },
      );
      signal.throwIfAborted();
      checkEngineOutput(win, audio, caps.name);
      infos.push(info ?? {});
      // An engine that works at its own rate (a 24 kHz vocoder) is brought back to the input's for the splice.
      const back = audio.sampleRate === sr ? audio : resample(audio, sr);
      const len = frameCount(win);
      const m = frameCount(back);
      editedChange += m - len;
      spanIn += len;
      edited.push(back);
    }
    const editedRatio = (spanIn + editedChange) / spanIn;
    let fitRatio: number | null = null;
    if (region.lengthMode === 'fit') {
      fitRatio = editedRatio;
      if (Math.abs(editedRatio - 1) > FIT_MAX_CHANGE + 1e-9) {
        throw new RetakeError(
          'E_LENGTH_CHANGE',
          `This edit made the span ${Math.round(Math.abs(editedRatio - 1) * 100)} % ${editedRatio > 1 ? 'longer' : 'shorter'}; ` +
            `"fit" stretches it back by at most ${FIT_MAX_CHANGE * 100} %. Choose "ripple" (later clips move) or "free" (they stay).`,
        );
      }
      for (let j = 0; j < k; j++) {
        const len = frameCount(sliceFrames(source, windowInput(plan, j)));
        const m = frameCount(edited[j]!);
        if (m === len) continue;
        progress(at(ENGINE_SHARE * ((j + 1) / k)), 'fitting the length' + label);
        edited[j] = await timeStretch(edited[j]!, { tempo: m / len, signal });
      }
    }
    // What the edit replaces, known from the plan: measured before the splice (which may write over it).
    const parentRange = { start: plan.cuts[0]!, end: plan.cuts[k]! < plan.frames ? plan.cuts[k]! + plan.fade : plan.frames };
    const outLen = plan.frames + edited.reduce((a, e, j) => a + frameCount(e) - (windowInput(plan, j).end - windowInput(plan, j).start), 0);
    // A long take that changed in a small span is measured in that span only and merged with its metrics.
    // Not when the parent's metrics describe only an excerpt of it (a long import): there is no whole to merge into.
    const merge =
      !!opts.analyzer &&
      region.widen &&
      parentMetrics !== null &&
      parentMetrics.excerpt === undefined &&
      outLen / sr > MERGE_MIN_TAKE_SEC &&
      (parentRange.end - parentRange.start) / Math.max(1, plan.frames) <= MERGE_MAX_SHARE;
    if (opts.analyzer && region.widen && before === null) {
      const parentSpan = sliceFrames(source, parentRange);
      // Merged: the old span's level is what comparisons need, and its speech is known from the parent's VAD, so it
      // is not analysed in full (that would cost as much as measuring the edit itself).
      before = merge ? levelsOf(parentSpan, parentMetrics!, parentRange.start / sr) : await measure(opts.analyzer, parentSpan, signal);
    }
    const spliced = spliceWindows(source, plan, edited, { inPlace: owned });
    const out = spliced.audio;
    const { span } = spliced;
    progress(at(ENGINE_SHARE), 'measuring' + label);
    let metrics: Record<string, unknown> | null = null;
    let after: Record<string, unknown> | null = null;
    let measured: RegionReport['measured'] = null;
    if (opts.analyzer) {
      if (region.widen) after = await measure(opts.analyzer, sliceFrames(out, span), signal);
      if (merge && before && after) {
        metrics = mergeRegionMetrics({
          parent: parentMetrics!,
          before,
          after,
          span: { parentStart: span.parentStart / sr, parentEnd: span.parentEnd / sr, start: span.start / sr, end: span.end / sr },
          durationSec: durationSeconds(out),
          ...peaksAfterSplice(parentMetrics!, before, after),
        });
        measured = 'merged';
      } else {
        metrics = await measureTake(opts.analyzer, out, signal);
        measured = metrics ? 'whole' : null;
      }
    }
    progress(at(MEASURED_AT), 'writing' + label);
    last = {
      audio: out,
      metrics,
      // One window: the engine's facts as they are; several: one entry per window.
      info: k === 1 ? infos[0]! : { windows: infos },
      region: {
        span,
        cuts: i === 0 ? parentCuts : [...plan.cuts],
        windows: k,
        edges: plan.edges,
        lengthChange: frameCount(out) - frameCount(source),
        editedChange,
        fitRatio,
        before,
        after,
        measured,
      },
    };
    await opts.onIteration?.(i, last);
    // The next iteration edits the same windows, where they now are in this output.
    parentMetrics = metrics;
    before = after;
    source = out;
    owned = false;
    plan = { ...plan, cuts: spliced.cuts, frames: frameCount(out) };
  }
  progress(1, 'done');
  return last!;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

/**
 * The level of a span cut from a measured take, without analysing it in full: BS.1770 loudness and peaks measured,
 * the speech taken from the take's VAD segments (seconds of the span), F0 and rate left unknown.
 */
function levelsOf(audio: AudioData, takeMetrics: Record<string, unknown>, offsetSec: number): Record<string, unknown> {
  const l = measureLoudness(audio);
  const dur = durationSeconds(audio);
  const segs = (Array.isArray(takeMetrics.segments) ? (takeMetrics.segments as Segment[]) : [])
    .map((g) => ({ start: Math.max(0, g.start - offsetSec), end: Math.min(dur, g.end - offsetSec) }))
    .filter((g) => g.end > g.start);
  const num = (v: number | null) => (v === null || !Number.isFinite(v) ? null : round3(v));
  return {
    durationSec: round3(dur),
    speechSec: round3(segs.reduce((a, g) => a + g.end - g.start, 0)),
    segments: segs.map((g) => ({ start: round3(g.start), end: round3(g.end) })),
    loudnessLufs: num(l.integratedLufs),
    loudnessRangeLu: num(l.loudnessRangeLu),
    truePeakDbtp: num(l.truePeakDbtp),
    samplePeakDbfs: num(l.samplePeakDbfs),
    levelsOnly: true,
  };
}

/**
 * Peaks of a whole spliced output without reading it all: where the parent's peak lay outside the changed span (the
 * span's old peak is lower), that peak still stands and the new one is the larger of it and the span's — exact; where
 * it may have lain inside, the parent's peak stays an upper bound of the rest, so the larger of it and the span's is a
 * reading that never understates (the field is then listed as estimated).
 */
function peaksAfterSplice(
  parent: Record<string, unknown>,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { truePeakDbtp?: number | null; samplePeakDbfs?: number | null } {
  const out: { truePeakDbtp?: number | null; samplePeakDbfs?: number | null } = {};
  for (const key of ['truePeakDbtp', 'samplePeakDbfs'] as const) {
    const p = parent[key];
    const b = before[key];
    const a = after[key];
    if (typeof p !== 'number') continue;
    // Stored peaks are rounded to 0.001 dB: a parent peak 0.01 dB above the span's lay outside it.
    if (typeof b === 'number' && b < p - 0.01) out[key] = typeof a === 'number' ? Math.max(p, a) : p;
  }
  return out;
}
