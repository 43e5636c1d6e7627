// Time stretch and pitch shift with formant preservation, offline, on signalsmith-stretch 1.3.2 (MIT).
//
// The npm package ships the library as an Emscripten build wrapped for an AudioWorklet; the Emscripten factory is not
// exported. Its WASM binary (embedded as base64) exports a plain C API, so we compile that binary ourselves and call the
// API directly: the glue's own text names which minified export is which C function (`Module["_process"] =
// wasmExports["w"]`) and which import letter is which runtime helper, so we read both maps from the file rather than
// hard-coding the letters, and fail with a clear message if the file no longer has that shape.
//
// Offline exact-length recipe (verified with impulse trains at tempo 0.67…1.5: every click lands on round(t/tempo)):
// seek() with the first inputLatency samples, process() the rest padded by inputLatency zeros over round(n/tempo)
// output samples, flush() outputLatency more, and drop the first outputLatency output samples.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { RetakeError } from '../../contract/errors';
import type { AudioData } from '../types';
import { frameCount } from '../types';
import { SAMPLE_BLOCK } from '../steps';
import { Work, type WorkOptions } from './work';
import { wasm, type WasmMemory, type WasmModule } from '../wasm/webassembly';

export interface StretchOptions extends WorkOptions {
  /** Speed factor: output duration = input duration / tempo (1.25 = 25 % faster). */
  tempo: number;
  /** Constant pitch shift in semitones (added to `pitchTrack`). */
  semitones?: number;
  /**
   * Time-varying pitch shift in semitones, sampled every `hopSeconds` of INPUT time (linear interpolation between
   * points, held at the ends). Applied block-wise, one value per output block of `blockSamples`.
   */
  pitchTrack?: { hopSeconds: number; semitones: ArrayLike<number> };
  /** Keep the spectral envelope (formants) in place while transposing. Default true. */
  formantCompensation?: boolean;
  /** Extra formant shift in semitones (e.g. +2 for a smaller vocal tract). Default 0. */
  formantSemitones?: number;
  /** Rough fundamental of the voice for the formant analysis, Hz; 0 lets the library track it. Default 0. */
  formantBaseHz?: number;
  /** Above this frequency content is treated as non-tonal (noise keeps its character). Default 8000 Hz. */
  tonalityHz?: number;
  /** 'default' (120 ms blocks) or 'cheaper' (about half the CPU, slightly rougher). Default 'default'. */
  quality?: 'default' | 'cheaper';
  /** Output duration per process() call when a pitch track is given (its time resolution), in seconds. Default
   * PITCH_BLOCK_SEC. */
  blockSeconds?: number;
}

/**
 * Time resolution of a pitch track: 256 output samples at 24 kHz (10.7 ms), the block the presets were tuned with and
 * about the 10 ms hop of the F0 contours it follows. Kept as a duration, so that every rate follows a contour alike
 * (512 samples at 48 kHz, 171 at 16 kHz).
 */
export const PITCH_BLOCK_SEC = 256 / 24000;

interface StretchApi {
  memory: WasmMemory;
  main(): void;
  presetDefault(channels: number, sampleRate: number): void;
  presetCheaper(channels: number, sampleRate: number): void;
  reset(): void;
  inputLatency(): number;
  outputLatency(): number;
  setBuffers(channels: number, length: number): number;
  setTransposeSemitones(semitones: number, tonalityLimit: number): void;
  setFormantSemitones(semitones: number, compensate: number): void;
  setFormantBase(baseFreq: number): void;
  seek(inputSamples: number, playbackRate: number): void;
  process(inputSamples: number, outputSamples: number): void;
  flush(outputSamples: number): void;
}

const C_FUNCTIONS = [
  '_main',
  '_presetDefault',
  '_presetCheaper',
  '_reset',
  '_inputLatency',
  '_outputLatency',
  '_setBuffers',
  '_setTransposeSemitones',
  '_setFormantSemitones',
  '_setFormantBase',
  '_seek',
  '_process',
  '_flush',
] as const;

interface Loaded {
  module: WasmModule;
  exportOf: Record<string, string>;
  memoryExport: string;
  ctorsExport: string;
  importOf: Record<string, string>;
}

let loading: Promise<Loaded> | null = null;

function packageFile(): string {
  const bases: string[] = [];
  if (typeof import.meta.url === 'string' && import.meta.url) bases.push(import.meta.url);
  bases.push(pathToFileURL(`${process.cwd()}/`).href);
  for (const base of bases) {
    try {
      return createRequire(base).resolve('signalsmith-stretch');
    } catch {
      // try the next base
    }
  }
  throw new RetakeError(
    'E_ENGINE_UNAVAILABLE',
    'The time-stretch library (npm package signalsmith-stretch 1.3.2) is not installed; run npm install.',
  );
}

function unavailable(why: string): RetakeError {
  return new RetakeError(
    'E_ENGINE_UNAVAILABLE',
    `The installed signalsmith-stretch package has an unexpected layout (${why}); reinstall version 1.3.2.`,
  );
}

async function load(): Promise<Loaded> {
  const text = readFileSync(packageFile(), 'utf8');
  const b64 = /data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)/.exec(text)?.[1];
  if (!b64) throw unavailable('no embedded WASM binary');
  const exportOf: Record<string, string> = {};
  for (const m of text.matchAll(/Module\["(_\w+)"\]=wasmExports\["(\w+)"\]/g)) exportOf[m[1]!] = m[2]!;
  for (const f of C_FUNCTIONS) if (!exportOf[f]) throw unavailable(`no export for ${f}`);
  const memoryExport = /wasmMemory=wasmExports\["(\w+)"\]/.exec(text)?.[1];
  const ctorsExport = /addOnInit\(wasmExports\["(\w+)"\]\)/.exec(text)?.[1];
  if (!memoryExport || !ctorsExport) throw unavailable('no memory or constructor export');
  const importsText = /var wasmImports=\{([^}]*)\}/.exec(text)?.[1];
  if (!importsText) throw unavailable('no import table');
  const importOf: Record<string, string> = {};
  for (const pair of importsText.split(',')) {
    const [letter, name] = pair.split(':');
    if (letter && name) importOf[name.trim()] = letter.trim();
  }
  for (const need of ['__abort_js', '__emscripten_memcpy_js', '_emscripten_resize_heap', '_random_get']) {
    if (!importOf[need]) throw unavailable(`no import ${need}`);
  }
  const module = await wasm.compile(Buffer.from(b64, 'base64'));
  return { module, exportOf, memoryExport, ctorsExport, importOf };
}

/** One fresh library instance (its own memory): no state leaks between calls, so results are reproducible. */
async function instantiate(): Promise<StretchApi> {
  loading ??= load();
  let l: Loaded;
  try {
    l = await loading;
  } catch (e) {
    loading = null;
    throw e;
  }
  let memory: WasmMemory | null = null;
  const mem = (): WasmMemory => {
    if (!memory) throw new Error('signalsmith-stretch: memory used before instantiation');
    return memory;
  };
  const env: Record<string, (...args: number[]) => number | void> = {
    [l.importOf['__abort_js']!]: () => {
      throw new RetakeError('E_ENGINE_FAILED', 'The time-stretch library aborted; try a shorter selection.');
    },
    [l.importOf['__emscripten_memcpy_js']!]: (dest, src, num) => {
      new Uint8Array(mem().buffer).copyWithin(dest!, src!, src! + num!);
    },
    [l.importOf['_emscripten_resize_heap']!]: (requested) => {
      const want = requested! >>> 0;
      const have = mem().buffer.byteLength;
      if (want <= have) return 1;
      try {
        mem().grow(Math.ceil((want - have) / 65536));
        return 1;
      } catch {
        return 0;
      }
    },
    // The library seeds an internal generator from here once; a constant fill keeps every run identical.
    [l.importOf['_random_get']!]: (ptr, size) => {
      const view = new Uint8Array(mem().buffer, ptr!, size!);
      for (let i = 0; i < view.length; i++) view[i] = (i * 73 + 41) & 0xff;
      return 0;
    },
  };
  const inst = await wasm.instantiate(l.module, { a: env });
  const ex = inst.exports as Record<string, unknown>;
  memory = ex[l.memoryExport] as WasmMemory;
  const fn = (name: string) => ex[l.exportOf[name]!] as (...args: number[]) => number;
  (ex[l.ctorsExport] as () => void)();
  return {
    memory,
    main: () => void fn('_main')(0, 0),
    presetDefault: (c, sr) => void fn('_presetDefault')(c, sr),
    presetCheaper: (c, sr) => void fn('_presetCheaper')(c, sr),
    reset: () => void fn('_reset')(),
    inputLatency: () => fn('_inputLatency')(),
    outputLatency: () => fn('_outputLatency')(),
    setBuffers: (c, n) => fn('_setBuffers')(c, n),
    setTransposeSemitones: (s, t) => void fn('_setTransposeSemitones')(s, t),
    setFormantSemitones: (s, c) => void fn('_setFormantSemitones')(s, c),
    setFormantBase: (f) => void fn('_setFormantBase')(f),
    seek: (n, r) => void fn('_seek')(n, r),
    process: (i, o) => void fn('_process')(i, o),
    flush: (o) => void fn('_flush')(o),
  };
}

function zeroNonFinite(o: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) if (!Number.isFinite(o[i]!)) o[i] = 0;
}

/** Interpolated value of a track sampled every `hop` seconds, at time `t` seconds. */
function trackAt(track: ArrayLike<number>, hop: number, t: number): number {
  const n = track.length;
  if (n === 0) return 0;
  const x = t / hop;
  if (x <= 0) return track[0]!;
  if (x >= n - 1) return track[n - 1]!;
  const i = Math.floor(x);
  const f = x - i;
  return track[i]! * (1 - f) + track[i + 1]! * f;
}

/**
 * Time-stretches and/or pitch-shifts `audio`. Output length is exactly round(n / tempo) samples, aligned with the
 * input (latency compensated), same channel count and sample rate.
 */
export async function timeStretch(audio: AudioData, opts: StretchOptions): Promise<AudioData> {
  const { tempo } = opts;
  if (!(tempo > 0) || !Number.isFinite(tempo)) {
    throw new RetakeError('E_VALIDATION', `Tempo must be a positive number (got ${tempo}).`);
  }
  const work = new Work(opts);
  const sr = audio.sampleRate;
  const chCount = audio.channels.length;
  const n = frameCount(audio);
  const outLen = Math.round(n / tempo);
  if (n === 0 || chCount === 0) return { sampleRate: sr, channels: audio.channels.map(() => new Float32Array(outLen)) };

  const api = await instantiate();
  api.main();
  if (opts.quality === 'cheaper') api.presetCheaper(chCount, sr);
  else api.presetDefault(chCount, sr);
  api.reset();
  const inLat = api.inputLatency();
  const outLat = api.outputLatency();

  const track = opts.pitchTrack;
  const block = track ? Math.max(32, Math.round((opts.blockSeconds ?? PITCH_BLOCK_SEC) * sr)) : 4096;
  const maxIn = Math.ceil(block * tempo) + 2;
  const bufLen = Math.max(inLat, outLat, maxIn, block) + 16;
  const ptr = api.setBuffers(chCount, bufLen);
  const inBase = ptr / 4;
  const outBase = inBase + bufLen * chCount;

  const tonality = (opts.tonalityHz ?? 8000) / sr;
  const constSemis = opts.semitones ?? 0;
  api.setFormantSemitones(opts.formantSemitones ?? 0, opts.formantCompensation === false ? 0 : 1);
  api.setFormantBase((opts.formantBaseHz ?? 0) / sr);
  const semisAtInput = (inSample: number): number =>
    constSemis + (track ? trackAt(track.semitones, track.hopSeconds, inSample / sr) : 0);
  api.setTransposeSemitones(semisAtInput(0), tonality);

  // Input padded by inLat zeros at the end: the last output samples are centred on input that far ahead.
  const total = n + inLat;
  const heap = (): Float32Array => new Float32Array(api.memory.buffer);
  const loadInput = (from: number, count: number): void => {
    const h = heap();
    for (let c = 0; c < chCount; c++) {
      const src = audio.channels[c]!;
      const dst = inBase + c * bufLen;
      const avail = Math.max(0, Math.min(count, n - from));
      if (avail > 0) h.set(src.subarray(from, from + avail), dst);
      if (avail < count) h.fill(0, dst + Math.max(0, avail), dst + count);
    }
  };

  const out = audio.channels.map(() => new Float32Array(outLen));
  // Output position counted from the first *aligned* sample: the first outLat samples produced are latency.
  let produced = -outLat;
  const store = (count: number): void => {
    const h = heap();
    for (let c = 0; c < chCount; c++) {
      const src = outBase + c * bufLen;
      const o = out[c]!;
      for (let i = 0; i < count; i++) {
        const p = produced + i;
        if (p >= 0 && p < outLen) o[p] = h[src + i]!;
      }
    }
    produced += count;
  };

  loadInput(0, inLat);
  api.seek(inLat, tempo);
  let inPos = inLat;
  let outPos = 0;
  while (outPos < outLen) {
    const co = Math.min(block, outLen - outPos);
    const target = outPos + co === outLen ? total : Math.min(total, inLat + Math.round((outPos + co) * tempo));
    const ci = Math.max(0, target - inPos);
    if (track) api.setTransposeSemitones(semisAtInput((outPos + co / 2) * tempo), tonality);
    loadInput(inPos, ci);
    api.process(ci, co);
    store(co);
    inPos += ci;
    outPos += co;
    await work.step(outPos / outLen);
  }
  // bufLen ≥ outLat, so one flush() returns the whole tail.
  api.flush(outLat);
  store(outLat);
  for (const o of out) {
    for (let i = 0; i < o.length; i += SAMPLE_BLOCK) {
      zeroNonFinite(o, i, Math.min(o.length, i + SAMPLE_BLOCK));
      await work.step(1);
    }
  }
  await work.done();
  return { sampleRate: sr, channels: out };
}

/** Pitch shift without a tempo change (formants preserved unless told otherwise). */
export function pitchShift(
  audio: AudioData,
  semitones: number,
  opts: Omit<StretchOptions, 'tempo' | 'semitones'> = {},
): Promise<AudioData> {
  return timeStretch(audio, { ...opts, tempo: 1, semitones });
}
