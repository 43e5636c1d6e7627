// Speech denoising with RNNoise (Valin 2018; the @shiguredo/rnnoise-wasm build, Apache-2.0): 48 kHz, 480-sample
// frames, 16-bit sample scale. Other rates are resampled to 48 kHz and back; the model's delay is removed so the
// output lines up with the input sample for sample.
//
// RNNoise costs ~1.25 ms of CPU per 10 ms frame in this WASM build (RTF ≈ 0.13 on one core), so long inputs are cut
// into fixed chunks (each with a pre-roll that lets the recurrent state settle, joined by short crossfades) that a
// small pool of worker threads processes in parallel. The chunking never depends on the pool size or on whether
// workers are available (the main thread runs the same chunks in order as a fallback), so output is identical
// everywhere.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Rnnoise } from '@shiguredo/rnnoise-wasm';
import { RetakeError } from '../../contract/errors';
import { resampleChannel, type ResampleOptions } from '../resample';
import type { AudioData } from '../types';
import { Work, type WorkOptions } from './work';

/** RNNoise's fixed operating point. */
const RN_RATE = 48000;
const RN_FRAME = 480;
/** RNNoise scales internally for 16-bit PCM values. */
const PCM_SCALE = 32768;
/** Output delay of rnnoise_process_frame: one frame of buffering plus the analysis window overlap (2 × 480 samples =
 * 20 ms at 48 kHz); measured by cross-correlating speech through the model (see the unit test). */
export const RNNOISE_DELAY = 2 * RN_FRAME;
/** Longest chunk (frames): 8 s, so a 30 s clip makes four equal chunks, two per worker on a two-core machine. */
const MAX_CHUNK_FRAMES = 800;
/** Pre-roll before each chunk but the first (frames): 0.5 s lets the recurrent state settle on the local signal. */
const PREROLL_FRAMES = 50;
/** Equal-power crossfade at each chunk join (samples at 48 kHz): 10 ms, inaudible on converged states. */
const JOIN_XFADE = 480;
/** Resampling to and from the model's rate: a Hann-windowed sinc of 16 zero crossings (round trip error ≈ −108 dB on
 * a test tone) costs a quarter of the default 100 dB Kaiser design, which matters next to the model's own cost. */
const INTERNAL_RESAMPLE: ResampleOptions = { mode: 'torchaudioHann', lowpassFilterWidth: 16, rolloff: 0.97 };
/** Upper bound of worker threads: more do not pay off for ≤ 30 s edits. */
const MAX_WORKERS = 4;

let loading: Promise<Rnnoise> | null = null;

/**
 * The Emscripten build refuses to start outside a browser unless `window` exists; it only checks for it while
 * loading, so the global is provided for the duration of `Rnnoise.load()` and removed again.
 */
function loadRnnoise(): Promise<Rnnoise> {
  loading ??= (async () => {
    const g = globalThis as Record<string, unknown>;
    const had = Object.prototype.hasOwnProperty.call(g, 'window');
    if (!had) g['window'] = globalThis;
    try {
      return await Rnnoise.load();
    } catch (e) {
      loading = null;
      throw new RetakeError(
        'E_ENGINE_UNAVAILABLE',
        `The noise-reduction model (RNNoise) could not be loaded: ${e instanceof Error ? e.message : String(e)}.`,
      );
    } finally {
      if (!had) delete g['window'];
    }
  })();
  return loading;
}

/** Runs frames of 48 kHz audio (already in 16-bit scale, a whole number of frames) through one fresh RNNoise state. */
function runFrames(rn: Rnnoise, x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  const frame = new Float32Array(RN_FRAME);
  const state = rn.createDenoiseState();
  try {
    for (let off = 0; off < x.length; off += RN_FRAME) {
      frame.set(x.subarray(off, off + RN_FRAME));
      state.processFrame(frame);
      y.set(frame, off);
    }
  } finally {
    state.destroy();
  }
  return y;
}

// ---- worker pool ------------------------------------------------------------------------------------------------

/** Worker body (CommonJS, evaluated): loads RNNoise from the URL it is given and runs `runFrames` on each request. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  globalThis.window = globalThis;
  const { Rnnoise } = await import(workerData.moduleUrl);
  const rn = await Rnnoise.load();
  delete globalThis.window;
  parentPort.on('message', ({ id, x }) => {
    const y = new Float32Array(x.length);
    const frame = new Float32Array(${RN_FRAME});
    const state = rn.createDenoiseState();
    try {
      for (let off = 0; off < x.length; off += ${RN_FRAME}) {
        frame.set(x.subarray(off, off + ${RN_FRAME}));
        state.processFrame(frame);
        y.set(frame, off);
      }
    } finally {
      state.destroy();
    }
    parentPort.postMessage({ id, y }, [y.buffer]);
  });
  parentPort.postMessage({ ready: true });
})().catch((e) => parentPort.postMessage({ error: String(e && e.message || e) }));
`;

interface PoolWorker {
  worker: Worker;
}

let pool: Promise<PoolWorker[] | null> | null = null;
const pending = new Map<number, { owner: Worker; resolve: (y: Float32Array) => void; reject: (e: Error) => void }>();

function failPending(owner: Worker, e: Error): void {
  for (const [id, p] of pending) {
    if (p.owner !== owner) continue;
    pending.delete(id);
    p.reject(e);
  }
}
let nextId = 1;

/** The package's entry file, found by walking up from this module (or the working directory) to node_modules. */
function rnnoiseModuleUrl(): string | null {
  const starts: string[] = [];
  try {
    if (typeof import.meta.url === 'string' && import.meta.url.startsWith('file:')) starts.push(dirname(fileURLToPath(import.meta.url)));
  } catch {
    // no module URL in this bundle format
  }
  starts.push(process.cwd());
  for (const s of starts) {
    let dir = s;
    for (;;) {
      const f = join(dir, 'node_modules', '@shiguredo', 'rnnoise-wasm', 'dist', 'rnnoise.js');
      if (existsSync(f)) return pathToFileURL(f).href;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return null;
}

function startWorker(moduleUrl: string): Promise<PoolWorker | null> {
  return new Promise((resolve) => {
    let w: Worker;
    try {
      w = new Worker(WORKER_SOURCE, { eval: true, workerData: { moduleUrl } });
    } catch {
      resolve(null);
      return;
    }
    const entry: PoolWorker = { worker: w };
    let ready = false;
    w.on('message', (m: { ready?: boolean; error?: string; id?: number; y?: Float32Array }) => {
      if (m.ready) {
        ready = true;
        // Idle workers must not keep the process alive; runOnWorker references a worker while it has work.
        w.unref();
        resolve(entry);
      } else if (m.error !== undefined && !ready) {
        void w.terminate();
        resolve(null);
      } else if (m.id !== undefined && m.y) {
        const p = pending.get(m.id);
        pending.delete(m.id);
        p?.resolve(m.y);
      }
    });
    w.on('error', (e) => {
      if (!ready) resolve(null);
      failPending(w, e instanceof Error ? e : new Error(String(e)));
    });
    // A worker that goes away takes the pool with it; the next denoise starts a fresh one.
    w.on('exit', () => {
      if (!ready) resolve(null);
      pool = null;
      failPending(w, new RetakeError('E_ENGINE_FAILED', 'A noise-reduction worker stopped unexpectedly; try again.'));
    });
  });
}

/** Starts the pool once per process; null when workers cannot run here (then the main thread does the work). */
function getPool(size: number): Promise<PoolWorker[] | null> {
  pool ??= (async () => {
    const url = rnnoiseModuleUrl();
    if (!url || size < 2) return null;
    const started = await Promise.all(Array.from({ length: size }, () => startWorker(url)));
    const ok = started.filter((w): w is PoolWorker => w !== null);
    if (ok.length < 2) {
      for (const w of ok) void w.worker.terminate();
      return null;
    }
    return ok;
  })();
  return pool;
}

/** Worker threads currently running (0 when none were started or they could not run here). */
export async function denoiseWorkerCount(): Promise<number> {
  const workers = pool ? await pool : null;
  return workers ? workers.length : 0;
}

/** Stops the worker threads (engine shutdown); a later denoise starts new ones. */
export async function disposeDenoiser(): Promise<void> {
  const p = pool;
  pool = null;
  const workers = p ? await p : null;
  if (workers) await Promise.all(workers.map((w) => w.worker.terminate()));
}

/** Sends one chunk; the worker keeps the process alive only while it has work (it is unreferenced when idle). */
function runOnWorker(w: PoolWorker, x: Float32Array): Promise<Float32Array> {
  const id = nextId++;
  w.worker.ref();
  const idle = (): void => {
    for (const p of pending.values()) if (p.owner === w.worker) return;
    w.worker.unref();
  };
  return new Promise<Float32Array>((resolve, reject) => {
    pending.set(id, { owner: w.worker, resolve, reject });
    w.worker.postMessage({ id, x }, [x.buffer as ArrayBuffer]);
  }).finally(idle);
}

// ---- chunked processing -----------------------------------------------------------------------------------------

interface Chunk {
  /** First output frame this chunk is responsible for, and how many. */
  start: number;
  frames: number;
  /** Frames of pre-roll fed before `start`. */
  preroll: number;
}

/** Equal chunks of at most MAX_CHUNK_FRAMES; depends on the input length only. */
function planChunks(totalFrames: number): Chunk[] {
  const count = Math.max(1, Math.ceil(totalFrames / MAX_CHUNK_FRAMES));
  const size = Math.ceil(totalFrames / count);
  const chunks: Chunk[] = [];
  for (let start = 0; start < totalFrames; start += size) {
    chunks.push({ start, frames: Math.min(size, totalFrames - start), preroll: start === 0 ? 0 : PREROLL_FRAMES });
  }
  return chunks;
}

export interface DenoiseOptions extends WorkOptions {
  /** Worker threads to use (default: min(4, available cores)); 1 processes in the calling thread. The output does
   * not depend on it. */
  threads?: number;
}

/** Denoises every channel; same length and rate as the input. All chunks of all channels share the worker pool. */
export async function denoise(audio: AudioData, opts: DenoiseOptions = {}): Promise<AudioData> {
  const rn = await loadRnnoise();
  const work = new Work(opts);
  const sr = audio.sampleRate;
  const threads = Math.max(1, Math.min(MAX_WORKERS, opts.threads ?? availableParallelism()));

  // Resample every channel to 48 kHz and plan its chunks.
  const prepared = audio.channels.map((src) => {
    const x = sr === RN_RATE ? src : resampleChannel(src, sr, RN_RATE, INTERNAL_RESAMPLE);
    // Frames cover the signal plus the model delay (zeros flushed through at the end).
    const totalFrames = Math.ceil((x.length + RNNOISE_DELAY) / RN_FRAME);
    return { src, x, totalFrames, chunks: planChunks(totalFrames) };
  });
  await work.step(0.1);
  interface Job {
    channel: number;
    chunk: Chunk;
    result?: Float32Array;
  }
  const jobs: Job[] = prepared.flatMap((p, channel) => p.chunks.map((chunk) => ({ channel, chunk })));
  // A chunk's input: its pre-roll and frames, plus JOIN_XFADE samples more for the crossfade into the next chunk.
  const inputOf = (job: Job): Float32Array => {
    const x = prepared[job.channel]!.x;
    const ch = job.chunk;
    const from = (ch.start - ch.preroll) * RN_FRAME;
    const len = (ch.preroll + ch.frames) * RN_FRAME + JOIN_XFADE;
    const buf = new Float32Array(Math.ceil(len / RN_FRAME) * RN_FRAME);
    for (let i = 0; i < len; i++) {
      const idx = from + i;
      buf[i] = idx >= 0 && idx < x.length ? x[idx]! * PCM_SCALE : 0;
    }
    return buf;
  };
  const workers = jobs.length > 1 && threads > 1 ? await getPool(threads) : null;
  if (workers) {
    let next = 0;
    let done = 0;
    const sig = opts.signal;
    await new Promise<void>((resolve, reject) => {
      const launch = (w: PoolWorker): void => {
        if (sig?.aborted) {
          reject(sig.reason instanceof Error ? sig.reason : new Error('aborted'));
          return;
        }
        const k = next++;
        if (k >= jobs.length) return;
        runOnWorker(w, inputOf(jobs[k]!)).then((y) => {
          jobs[k]!.result = y;
          done++;
          work.report(0.1 + (0.8 * done) / jobs.length);
          if (done === jobs.length) resolve();
          else launch(w);
        }, reject);
      };
      for (const w of workers) launch(w);
    });
  } else {
    for (let k = 0; k < jobs.length; k++) {
      jobs[k]!.result = runFrames(rn, inputOf(jobs[k]!));
      await work.step(0.1 + (0.8 * (k + 1)) / jobs.length);
    }
  }

  const channels = prepared.map((p, channel) => {
    // Assemble in model time (output index = input index + delay), then drop the delay.
    const y = new Float32Array(p.totalFrames * RN_FRAME + JOIN_XFADE);
    jobs
      .filter((j) => j.channel === channel)
      .forEach((job, k) => {
        const r = job.result!;
        const ch = job.chunk;
        const at = ch.start * RN_FRAME;
        const skip = ch.preroll * RN_FRAME;
        const len = ch.frames * RN_FRAME + JOIN_XFADE;
        for (let i = 0; i < len && skip + i < r.length; i++) {
          const v = r[skip + i]!;
          if (k > 0 && i < JOIN_XFADE) {
            // The previous chunk wrote JOIN_XFADE samples past its end: equal-power crossfade into this one.
            const t = (i + 0.5) / JOIN_XFADE;
            y[at + i] = y[at + i]! * Math.cos((Math.PI / 2) * t) + v * Math.sin((Math.PI / 2) * t);
          } else y[at + i] = v;
        }
      });
    const aligned = new Float32Array(p.x.length);
    for (let i = 0; i < p.x.length; i++) aligned[i] = y[i + RNNOISE_DELAY]! / PCM_SCALE;
    let out = sr === RN_RATE ? aligned : resampleChannel(aligned, RN_RATE, sr, INTERNAL_RESAMPLE);
    if (out.length !== p.src.length) {
      const fixed = new Float32Array(p.src.length);
      fixed.set(out.subarray(0, Math.min(out.length, p.src.length)));
      out = fixed;
    }
    return out;
  });
  await work.done();
  return { sampleRate: sr, channels };
}
