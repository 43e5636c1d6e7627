// Speech denoising with RNNoise (Valin 2018; the @shiguredo/rnnoise-wasm build, Apache-2.0): 48 kHz, 480-sample
// frames, 16-bit sample scale. Other rates are resampled to 48 kHz and back; the model's delay is removed so the
// output lines up with the input sample for sample.
//
// RNNoise costs ~1.25 ms of CPU per 10 ms frame in this WASM build (RTF ≈ 0.13 on one core), so long inputs are cut
// into fixed chunks (each with a pre-roll that lets the recurrent state settle, joined by short crossfades) that a
// small pool of worker threads processes in parallel. The chunking never depends on the pool size or on whether
// workers are available (the main thread runs the same chunks in order as a fallback), so output is identical
// everywhere. An abort rejects at once on either path; chunks already on a worker finish there and are dropped.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Rnnoise } from '@shiguredo/rnnoise-wasm';
import { RetakeError } from '../../contract/errors';
import { resampleChannelSteps, type ResampleOptions } from '../resample';
import type { AudioData } from '../types';
import { SAMPLE_BLOCK, type Steps } from '../steps';
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

/** Frames per piece of the main-thread fallback: ~10 ms of model time between chances to yield or stop. */
const FRAMES_PER_PIECE = 8;

/** Runs frames of 48 kHz audio (already in 16-bit scale, a whole number of frames) through one fresh RNNoise state. */
function* runFrames(rn: Rnnoise, x: Float32Array): Steps<Float32Array> {
  const y = new Float32Array(x.length);
  const frame = new Float32Array(RN_FRAME);
  const state = rn.createDenoiseState();
  try {
    for (let off = 0; off < x.length; off += RN_FRAME) {
      frame.set(x.subarray(off, off + RN_FRAME));
      state.processFrame(frame);
      y.set(frame, off);
      if ((off / RN_FRAME) % FRAMES_PER_PIECE === FRAMES_PER_PIECE - 1) yield;
    }
  } finally {
    state.destroy();
  }
  return y;
}

// ---- worker pool ------------------------------------------------------------------------------------------------
//
// One pool per process, started on first use and reused. Its lifecycle: a worker that goes away unexpectedly retires
// the whole pool (its siblings are terminated, its pending chunks fail, the next denoise starts a fresh pool); a pool
// that cannot start (any worker failing to load) marks workers unavailable, and every later denoise runs on the main
// thread without trying again, until disposeDenoiser. Workers of a retired pool never touch the current one.

/** Deliberate failures for tests: every worker fails to start, only the second one does, or the second one dies on
 * its first chunk. */
export type DenoiseWorkerFault = 'startup' | 'startup-one' | 'crash';

/** Worker body (CommonJS, evaluated): loads RNNoise from the URL it is given and runs `runFrames` on each request. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { fault, index } = workerData;
  if (fault === 'startup' || (fault === 'startup-one' && index === 1)) throw new Error('simulated startup failure');
  globalThis.window = globalThis;
  const { Rnnoise } = await import(workerData.moduleUrl);
  const rn = await Rnnoise.load();
  delete globalThis.window;
  parentPort.on('message', ({ id, x }) => {
    if (fault === 'crash' && index === 1) process.exit(3);
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

interface Pool {
  workers: Worker[];
}

/** The current pool: a promise of the pool, of null when workers are unavailable here, or null before first use. */
let pool: Promise<Pool | null> | null = null;
/** The pool each ready worker belongs to (a worker not in it is starting, or was never admitted). */
const poolOf = new Map<Worker, Pool>();
/** Every worker thread started here that has not exited yet, with the generation it was started in. */
const live = new Map<Worker, number>();
let poolStarts = 0;
/** Bumped by every disposal: a pool whose startup began before the latest disposal is not admitted. */
let generation = 0;
let fault: DenoiseWorkerFault | null = null;

const pending = new Map<number, { owner: Worker; resolve: (y: Float32Array) => void; reject: (e: Error) => void }>();
let nextId = 1;

function failPending(owner: Worker, e: Error): void {
  for (const [id, p] of pending) {
    if (p.owner !== owner) continue;
    pending.delete(id);
    p.reject(e);
  }
}

/** Retires `pl` if it is still the current pool: its workers are terminated and their pending chunks fail. */
function retire(pl: Pool, why: Error): void {
  for (const w of pl.workers) {
    poolOf.delete(w);
    failPending(w, why);
    void w.terminate();
  }
}

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

/** Starts one worker; resolves with it once RNNoise is loaded there, or null when it cannot start. */
function startWorker(moduleUrl: string, index: number, gen: number): Promise<Worker | null> {
  return new Promise((resolve) => {
    let w: Worker;
    try {
      w = new Worker(WORKER_SOURCE, { eval: true, workerData: { moduleUrl, index, fault } });
    } catch {
      resolve(null);
      return;
    }
    live.set(w, gen);
    let ready = false;
    w.on('message', (m: { ready?: boolean; error?: string; id?: number; y?: Float32Array }) => {
      if (m.ready) {
        ready = true;
        // Idle workers must not keep the process alive; runOnWorker references a worker while it has work.
        w.unref();
        resolve(w);
      } else if (m.error !== undefined && !ready) {
        // Resolved (null) by the exit handler once the thread is gone.
        void w.terminate();
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
    w.on('exit', () => {
      live.delete(w);
      if (!ready) resolve(null);
      const pl = poolOf.get(w);
      const why = new RetakeError('E_ENGINE_FAILED', 'A noise-reduction worker stopped unexpectedly; try again.');
      failPending(w, why);
      // Only a worker of the current pool retires it; one of an older pool (already retired) or one that never made it
      // into a pool has no say over the current one.
      if (pl) {
        poolOf.delete(w);
        if (pool && currentPool === pl) {
          pool = null;
          currentPool = null;
        }
        retire(pl, why);
      }
    });
  });
}

/** The resolved current pool, for the exit handler (which cannot await). */
let currentPool: Pool | null = null;

/** The pool (started once per process); null when workers cannot run here (then the main thread does the work). */
function getPool(size: number): Promise<Pool | null> {
  if (pool) return pool;
  poolStarts++;
  const gen = generation;
  pool = (async () => {
    const url = rnnoiseModuleUrl();
    if (!url) return null;
    const started = await Promise.all(Array.from({ length: size }, (_, i) => startWorker(url, i, gen)));
    const ok = started.filter((w): w is Worker => w !== null && live.has(w));
    // A disposal during startup, or any worker failing to load: no pool. Loading fails the same way every time (a
    // missing or broken package, threads not allowed), so "unavailable" is kept until disposeDenoiser.
    if (gen !== generation || ok.length < size) {
      await Promise.all(ok.map((w) => w.terminate()));
      return null;
    }
    const pl: Pool = { workers: ok };
    for (const w of ok) poolOf.set(w, pl);
    currentPool = pl;
    return pl;
  })();
  return pool;
}

/** Worker threads of the current pool (0 when none were started or they could not run here). */
export async function denoiseWorkerCount(): Promise<number> {
  const pl = pool ? await pool : null;
  return pl ? pl.workers.length : 0;
}

/** For tests and diagnostics: worker threads started here that have not exited, and how many pools were started. */
export function denoiseThreadStats(): { live: number; poolStarts: number } {
  return { live: live.size, poolStarts };
}

/** Test hook: makes the workers of pools started from now on fail on purpose (null: no fault). */
export function simulateDenoiseWorkerFault(f: DenoiseWorkerFault | null): void {
  fault = f;
}

/** Stops every worker thread (engine shutdown) and forgets that workers were unavailable; a later denoise starts anew. */
export async function disposeDenoiser(): Promise<void> {
  const p = pool;
  const disposed = generation++;
  pool = null;
  currentPool = null;
  const pl = p ? await p : null;
  if (pl) retire(pl, new RetakeError('E_CANCELLED', 'The noise reduction was stopped.'));
  // Workers still starting (a pool being built when dispose came) or left from a retired pool end here too; a pool
  // started after this call (by a denoise racing the shutdown) is left alone.
  await Promise.all([...live].filter(([, g]) => g <= disposed).map(([w]) => w.terminate()));
}

/** Sends one chunk; the worker keeps the process alive only while it has work (it is unreferenced when idle). */
function runOnWorker(w: Worker, x: Float32Array): Promise<Float32Array> {
  const id = nextId++;
  w.ref();
  const idle = (): void => {
    for (const p of pending.values()) if (p.owner === w) return;
    w.unref();
  };
  return new Promise<Float32Array>((resolve, reject) => {
    pending.set(id, { owner: w, resolve, reject });
    w.postMessage({ id, x }, [x.buffer as ArrayBuffer]);
  }).finally(idle);
}

/**
 * Runs `count` chunks on the pool, each worker taking the next chunk when it is done with one. Rejects at once when
 * the signal is aborted or a chunk fails, and launches nothing more after that; chunks already on a worker finish
 * there and their results are dropped.
 */
function runOnPool(
  pl: Pool,
  count: number,
  input: (k: number) => Float32Array,
  store: (k: number, y: Float32Array) => void,
  work: Work,
): Promise<void> {
  const sig = work.signal;
  return new Promise<void>((resolve, reject) => {
    let next = 0;
    let done = 0;
    let over = false;
    const finish = (e?: unknown): void => {
      if (over) return;
      over = true;
      sig?.removeEventListener('abort', onAbort);
      if (e === undefined) resolve();
      else reject(e);
    };
    const onAbort = (): void => finish(sig?.reason ?? new Error('aborted'));
    const launch = (w: Worker): void => {
      if (over) return;
      const k = next++;
      if (k >= count) return;
      runOnWorker(w, input(k)).then((y) => {
        if (over) return;
        store(k, y);
        done++;
        work.report(0.1 + (0.8 * done) / count);
        if (done === count) finish();
        else launch(w);
      }, finish);
    };
    if (sig?.aborted) {
      onAbort();
      return;
    }
    sig?.addEventListener('abort', onAbort);
    for (const w of pl.workers) launch(w);
  });
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

/** Writes one chunk's output into the model-time buffer y, crossfading into the previous chunk's overhang. */
function place(y: Float32Array, ch: Chunk, r: Float32Array, crossfade: boolean): void {
  const at = ch.start * RN_FRAME;
  const skip = ch.preroll * RN_FRAME;
  const len = ch.frames * RN_FRAME + JOIN_XFADE;
  for (let i = 0; i < len && skip + i < r.length; i++) {
    const v = r[skip + i]!;
    if (crossfade && i < JOIN_XFADE) {
      // The previous chunk wrote JOIN_XFADE samples past its end: equal-power crossfade into this one.
      const t = (i + 0.5) / JOIN_XFADE;
      y[at + i] = y[at + i]! * Math.cos((Math.PI / 2) * t) + v * Math.sin((Math.PI / 2) * t);
    } else y[at + i] = v;
  }
}

/** Drops the model delay and the 16-bit scale for samples [from, to). */
function unscale(y: Float32Array, aligned: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) aligned[i] = y[i + RNNOISE_DELAY]! / PCM_SCALE;
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
  const prepared: Array<{ src: Float32Array; x: Float32Array; totalFrames: number; chunks: Chunk[] }> = [];
  for (const src of audio.channels) {
    const x = sr === RN_RATE ? src : await work.run(resampleChannelSteps(src, sr, RN_RATE, INTERNAL_RESAMPLE));
    // Frames cover the signal plus the model delay (zeros flushed through at the end).
    const totalFrames = Math.ceil((x.length + RNNOISE_DELAY) / RN_FRAME);
    prepared.push({ src, x, totalFrames, chunks: planChunks(totalFrames) });
  }
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
  const pl = jobs.length > 1 && threads > 1 ? await getPool(threads) : null;
  if (pl) await runOnPool(pl, jobs.length, (k) => inputOf(jobs[k]!), (k, y) => {
    jobs[k]!.result = y;
  }, work);
  else {
    for (let k = 0; k < jobs.length; k++) {
      jobs[k]!.result = await work.sub(0.1 + (0.8 * k) / jobs.length, 0.1 + (0.8 * (k + 1)) / jobs.length).run(runFrames(rn, inputOf(jobs[k]!)));
    }
  }

  const channels: Float32Array[] = [];
  for (let channel = 0; channel < prepared.length; channel++) {
    const p = prepared[channel]!;
    // Assemble in model time (output index = input index + delay), then drop the delay.
    const y = new Float32Array(p.totalFrames * RN_FRAME + JOIN_XFADE);
    const mine = jobs.filter((j) => j.channel === channel);
    for (let k = 0; k < mine.length; k++) {
      place(y, mine[k]!.chunk, mine[k]!.result!, k > 0);
      await work.step(0.9);
    }
    const aligned = new Float32Array(p.x.length);
    for (let i = 0; i < p.x.length; i += SAMPLE_BLOCK) {
      unscale(y, aligned, i, Math.min(p.x.length, i + SAMPLE_BLOCK));
      await work.step(0.9);
    }
    let out = sr === RN_RATE ? aligned : await work.run(resampleChannelSteps(aligned, RN_RATE, sr, INTERNAL_RESAMPLE));
    if (out.length !== p.src.length) {
      const fixed = new Float32Array(p.src.length);
      fixed.set(out.subarray(0, Math.min(out.length, p.src.length)));
      out = fixed;
    }
    channels.push(out);
  }
  await work.done();
  return { sampleRate: sr, channels };
}
