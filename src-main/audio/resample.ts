// Band-limited sample-rate conversion for any pair of integer rates: a polyphase windowed-sinc filter whose phases are
// tabulated once per rate pair (cached), so cost is O(output samples × taps) however long the input is.
//
// Two kernels:
//  - 'high' (default): Kaiser-windowed sinc, passband to 0.45 × the lower rate, stopband from 0.5 × the lower rate at
//    ≥ 100 dB design attenuation; output length round(n · to / from); every phase normalised to unit DC gain.
//  - 'torchaudioHann': the kernel of torchaudio.functional.resample with its default "sinc_interp_hann" method
//    (lowpass_filter_width 6, rolloff 0.99), output length ceil(n · to / from) as torchaudio returns, so features the
//    EditX tokenizers were trained on can be reproduced (EDITX-SPEC.md §4).
// Both treat samples outside the input as zero, and output sample m sits at input time m · from / to. Outputs whose taps
// all fall inside the input are computed by the f32x4 kernel of ./wasm (float32 sums, as torchaudio's conv1d); the few
// at each end, and every output of the interpolated kernel, in float64 JavaScript here.

import type { AudioData } from './types';
import { RetakeError } from '../contract/errors';
import { runSync, type Steps } from './steps';
import { align16, Kernels } from './wasm/kernels';

export type ResampleMode = 'high' | 'torchaudioHann';

export interface ResampleOptions {
  /** Default 'high'. */
  mode?: ResampleMode;
  /** torchaudioHann only: zero crossings of the sinc on each side (torchaudio's lowpass_filter_width). Default 6. */
  lowpassFilterWidth?: number;
  /** torchaudioHann only: cutoff as a fraction of the lower Nyquist frequency (torchaudio's rolloff). Default 0.99. */
  rolloff?: number;
}

// Kaiser design for 'high' (Kaiser & Schafer; Oppenheim & Schafer, Discrete-Time Signal Processing §7.6):
// attenuation A = 100 dB gives beta = 0.1102 (A - 8.7) and length N - 1 = (A - 7.95) / (2.285 Δω).
const HQ_ATTENUATION_DB = 100;
const HQ_BETA = 0.1102 * (HQ_ATTENUATION_DB - 8.7);
/** Transition band 0.45 → 0.50 of the lower rate: width 0.05 of it, cutoff (−6 dB point) in the middle. */
const HQ_TRANSITION = 0.05;
const HQ_CUTOFF = 0.475;
/** Half the Kaiser filter length in samples of the lower rate (≈ 64.1). */
const HQ_HALF_LENGTH_LOW = (HQ_ATTENUATION_DB - 7.95) / (2.285 * 2 * Math.PI * HQ_TRANSITION) / 2;

/** Largest exact phase table (entries); beyond it the kernel is read from a finely sampled table by interpolation. */
const MAX_EXACT_TABLE = 1 << 20;
/** Samples of the interpolated table per zero crossing of the sinc: linear-interpolation error < 1e-7 per tap. */
const FINE_PER_ZERO_CROSSING = 1024;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the β used here). */
function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function sinc(u: number): number {
  if (u === 0) return 1;
  const a = Math.PI * u;
  return Math.sin(a) / a;
}

interface Kernel {
  mode: ResampleMode;
  /** Input and output rates divided by their gcd: output m sits at input position m·L/M. */
  L: number;
  M: number;
  /** Taps per output: input samples q−H+1 … q+H around position q + r/M. */
  H: number;
  taps: number;
  /** Exact table, M rows of `taps` (row r for fractional position r/M), or null when `fine` is used. float32 is ample
   *  (its rounding sits near −140 dB) and holds torchaudio's float32 kernel exactly; it also halves memory traffic. */
  table: Float32Array | null;
  /** Per table row: the first tap and the number of taps that runInterior reads (see trimRows); null with `fine`. */
  rowFirst: Int32Array | null;
  rowTaps: Int32Array | null;
  /** Fallback: the continuous kernel sampled every 1/fineRate input samples on [−H, H]. */
  fine: Float64Array | null;
  fineRate: number;
  /** The table as the SIMD kernel reads it, built on first use (simdRows). */
  simd: { width: number; padded: Float32Array; rowStart: Int32Array } | null;
}

function continuousKernel(mode: ResampleMode, ratio: number, lpw: number, rolloff: number): { h: (x: number) => number; half: number; zeroRate: number } {
  if (mode === 'high') {
    const c = HQ_CUTOFF * ratio; // cutoff in cycles per input sample
    const half = HQ_HALF_LENGTH_LOW / ratio;
    const i0b = besselI0(HQ_BETA);
    const h = (x: number): number => {
      const r = x / half;
      if (r <= -1 || r >= 1) return 0;
      return 2 * c * sinc(2 * c * x) * (besselI0(HQ_BETA * Math.sqrt(1 - r * r)) / i0b);
    };
    return { h, half, zeroRate: 2 * c };
  }
  // torchaudio: t = (p − position) · base / orig with base = min(orig, new) · rolloff, t clamped to ±lpw,
  // kernel = sinc(t) · cos²(π t / (2 lpw)) · base / orig. Outside ±lpw the clamped window is cos²(π/2) ≈ 4e-33: zero here.
  const rho = rolloff * ratio;
  const half = lpw / rho;
  const h = (x: number): number => {
    const t = x * rho;
    if (t < -lpw || t > lpw) return 0;
    const w = Math.cos((t * Math.PI) / lpw / 2);
    return rho * sinc(t) * w * w;
  };
  return { h, half, zeroRate: rho };
}

/**
 * The phase table of torchaudio.functional.resample (torchaudio 0.13 … 2.x, sinc_interp_hann) evaluated the way it does
 * for float32 input: every operation rounded to float32. This matters: torchaudio forms t = (−i/new + idx/orig) · base
 * in float32, where the cancellation leaves errors of ~1e-5 in the kernel, which a float64 kernel would not reproduce.
 * torchaudio's phase i (output m = f·M + i) with tap j reads input f·L + j − width; here that is row (i·L) mod M, tap
 * k = j − floor(i·L/M) − 1, since this resampler's rows start at q − H + 1 with q = floor(m·L/M) and H = width.
 */
function torchaudioTable(L: number, M: number, H: number, lpw: number, rolloff: number): Float32Array {
  const f = Math.fround;
  const taps = 2 * H;
  const table = new Float32Array(M * taps);
  const base = Math.min(L, M) * rolloff;
  const base32 = f(base);
  const pi32 = f(Math.PI);
  const scale32 = f(base / L);
  for (let i = 0; i < M; i++) {
    const row = ((i * L) % M) * taps;
    const shift = Math.floor((i * L) / M) + 1;
    const a = f(-i / M);
    for (let k = 0; k < taps; k++) {
      const idx = k + shift - H; // j − width
      let t = f(f(a + f(idx / L)) * base32);
      t = Math.min(lpw, Math.max(-lpw, t));
      const c = f(Math.cos(f(f(f(t * pi32) / lpw) / 2)));
      const window = f(c * c);
      const tp = f(t * pi32);
      const sincv = tp === 0 ? 1 : f(f(Math.sin(tp)) / tp);
      table[row + k] = f(f(sincv * window) * scale32);
    }
  }
  return table;
}

/**
 * A tap is skipped where it is below 2^-60 of its row's largest: its product is then below 2^-60 of the output's
 * scale, 2^-36 of a float32 ulp of any output above 1e-17 of full scale, so skipping it cannot change a stored
 * sample there. torchaudio's table has such taps (3e-24 at 24 → 16 kHz, where its clamped window meets t = ±lpw).
 */
const NEGLIGIBLE_TAP = 2 ** -60;

/** The non-negligible tap range of each table row: [rowFirst, rowFirst + rowTaps), always contiguous from both ends. */
function trimRows(table: Float32Array, M: number, taps: number): { rowFirst: Int32Array; rowTaps: Int32Array } {
  const rowFirst = new Int32Array(M);
  const rowTaps = new Int32Array(M);
  for (let r = 0; r < M; r++) {
    const row = table.subarray(r * taps, (r + 1) * taps);
    let peak = 0;
    for (let k = 0; k < taps; k++) peak = Math.max(peak, Math.abs(row[k]!));
    const small = peak * NEGLIGIBLE_TAP;
    let a = 0;
    let b = taps - 1;
    while (a < b && Math.abs(row[a]!) < small) a++;
    while (b > a && Math.abs(row[b]!) < small) b--;
    rowFirst[r] = a;
    rowTaps[r] = b - a + 1;
  }
  return { rowFirst, rowTaps };
}

const kernelCache = new Map<string, Kernel>();
const KERNEL_CACHE_SIZE = 8;

function getKernel(fromRate: number, toRate: number, mode: ResampleMode, lpw: number, rolloff: number): Kernel {
  const g = gcd(fromRate, toRate);
  const L = fromRate / g;
  const M = toRate / g;
  const key = `${mode}:${L}:${M}:${lpw}:${rolloff}`;
  const hit = kernelCache.get(key);
  if (hit) {
    kernelCache.delete(key);
    kernelCache.set(key, hit);
    return hit;
  }
  const { h, half, zeroRate } = continuousKernel(mode, Math.min(1, M / L), lpw, rolloff);
  const H = Math.ceil(half);
  const taps = 2 * H;
  let table: Float32Array | null = null;
  let fine: Float64Array | null = null;
  let fineRate = 0;
  if (M * taps <= MAX_EXACT_TABLE) {
    table = mode === 'torchaudioHann' ? torchaudioTable(L, M, H, lpw, rolloff) : new Float32Array(M * taps);
    const row = new Float64Array(taps);
    for (let r = 0; r < M && mode === 'high'; r++) {
      const frac = r / M;
      let sum = 0;
      for (let k = 0; k < taps; k++) sum += row[k] = h(k - H + 1 - frac);
      for (let k = 0; k < taps; k++) table[r * taps + k] = row[k]! / sum;
    }
  } else {
    fineRate = Math.ceil(FINE_PER_ZERO_CROSSING * zeroRate);
    const len = 2 * H * fineRate + 2;
    fine = new Float64Array(len);
    for (let i = 0; i < len; i++) fine[i] = h(i / fineRate - H);
  }
  const trimmed = table ? trimRows(table, M, taps) : null;
  const kernel: Kernel = { mode, L, M, H, taps, table, rowFirst: trimmed?.rowFirst ?? null, rowTaps: trimmed?.rowTaps ?? null, fine, fineRate, simd: null };
  kernelCache.set(key, kernel);
  if (kernelCache.size > KERNEL_CACHE_SIZE) kernelCache.delete(kernelCache.keys().next().value!);
  return kernel;
}

function checkRate(rate: number, what: string): void {
  if (!Number.isSafeInteger(rate) || rate <= 0) {
    throw new RetakeError('E_VALIDATION', `Cannot resample: the ${what} sample rate ${rate} is not a positive whole number of hertz.`);
  }
}

/** Output length for n input samples: round(n·to/from) in 'high' mode, ceil(n·to/from) in 'torchaudioHann' mode. */
export function resampledLength(n: number, fromRate: number, toRate: number, mode: ResampleMode = 'high'): number {
  checkRate(fromRate, 'source');
  checkRate(toRate, 'target');
  if (fromRate === toRate) return n;
  const g = gcd(fromRate, toRate);
  const L = fromRate / g;
  const M = toRate / g;
  return mode === 'high' ? Math.floor((2 * n * M + L) / (2 * L)) : Math.floor((n * M + L - 1) / L);
}

/** Output samples per piece of a cooperative run: ~1 ms of work with the longest kernels used here. */
const OUTPUT_BLOCK = 1 << 14;

/** Position of the next output sample: input sample q, fractional phase r/M. */
interface RunState {
  q: number;
  r: number;
}

/** Computes outputs [m0, m1) into y one at a time from the input position `st` of output m0 (the edges, and every
 *  output of the interpolated kernel). */
function runBlock(x: Float32Array, k: Kernel, y: Float32Array, m0: number, m1: number, st: RunState): void {
  const n = x.length;
  const { L, M, H, taps, table, fine, fineRate } = k;
  const qStep = Math.floor(L / M);
  const rStep = L % M;
  let q = st.q;
  let r = st.r;
  for (let m = m0; m < m1; m++) {
    const start = q - H + 1;
    const k0 = start < 0 ? -start : 0;
    const k1 = start + taps > n ? n - start : taps;
    let acc = 0;
    if (table) {
      const row = r * taps;
      for (let j = k0; j < k1; j++) acc += table[row + j]! * x[start + j]!;
    } else {
      // Tap j sits at x_j = j − H + 1 − r/M; the fine table holds the kernel at (x + H)·fineRate.
      const pos0 = (1 - r / M) * fineRate;
      for (let j = k0; j < k1; j++) {
        const pos = pos0 + j * fineRate;
        const i = Math.floor(pos);
        const f = pos - i;
        acc += (fine![i]! + (fine![i + 1]! - fine![i]!) * f) * x[start + j]!;
      }
    }
    y[m] = acc;
    q += qStep;
    r += rStep;
    if (r >= M) {
      r -= M;
      q++;
    }
  }
}

/** The WebAssembly instance that runs runInterior in this thread, and the kernel whose table it holds. */
let wasm: { kernels: Kernels; loaded: Kernel | null } | null = null;
/** Byte layout of that instance's memory: row starts (i32 per row) from here, then the padded table, input, output. */
const WASM_BASE = 4096;

/**
 * The table as the SIMD kernel reads it (built once per kernel): every row starts at its first non-negligible tap
 * (trimRows) and is zero-padded to `width`, the longest trimmed row rounded up to 4 taps; rowStart[r] is where row r's
 * first coefficient sits relative to the output's input sample q (rowFirst − H + 1).
 */
function simdRows(k: Kernel): { width: number; padded: Float32Array; rowStart: Int32Array } {
  if (k.simd) return k.simd;
  const { M, H, taps } = k;
  const table = k.table!;
  const rowFirst = k.rowFirst!;
  const rowTaps = k.rowTaps!;
  let longest = 0;
  for (let r = 0; r < M; r++) longest = Math.max(longest, rowTaps[r]!);
  const width = Math.ceil(longest / 4) * 4;
  const padded = new Float32Array(M * width);
  const rowStart = new Int32Array(M);
  for (let r = 0; r < M; r++) {
    padded.set(table.subarray(r * taps + rowFirst[r]!, r * taps + rowFirst[r]! + rowTaps[r]!), r * width);
    rowStart[r] = rowFirst[r]! - H + 1;
  }
  k.simd = { width, padded, rowStart };
  return k.simd;
}

/**
 * Outputs [m0, m1) of a tabulated kernel whose taps all fall inside the input, by the f32x4 kernel of
 * ./wasm/assembly/kernels.ts (resampleInterior): the input they read is copied into its memory (zero-padded where a
 * row's padding reaches past the input), the outputs copied back. The sums run in float32 as torchaudio's conv1d
 * does (within ~1e-7 of full scale of a float64 sum); with the f32x4 products, 24 → 16 kHz takes a third of the time of
 * the JavaScript loop it replaces (bench/features).
 */
function runInterior(x: Float32Array, k: Kernel, y: Float32Array, m0: number, m1: number): void {
  const { L, M, H } = k;
  const { width, padded, rowStart } = simdRows(k);
  wasm ??= { kernels: new Kernels(), loaded: null };
  const count = m1 - m0;
  const q0 = Math.floor((m0 * L) / M);
  // Input window: from output m0's untrimmed first tap to past output m1 − 1's padded row.
  const xBase = q0 - H + 1;
  const xEnd = Math.floor(((m1 - 1) * L) / M) + rowStart.reduce((a, b) => Math.max(a, b), -H) + width;
  const xLen = xEnd - xBase;
  const rowsAt = WASM_BASE;
  const tableAt = align16(rowsAt + 4 * M);
  const xAt = align16(tableAt + 4 * padded.length);
  const yAt = align16(xAt + 4 * xLen);
  const buffer = wasm.kernels.reserve(yAt + 4 * count);
  if (wasm.loaded !== k) {
    new Int32Array(buffer, rowsAt, M).set(rowStart);
    new Float32Array(buffer, tableAt, padded.length).set(padded);
    wasm.loaded = k;
  }
  const xs = new Float32Array(buffer, xAt, xLen);
  const inside = Math.min(xEnd, x.length);
  xs.set(x.subarray(xBase, inside));
  xs.fill(0, inside - xBase);
  wasm.kernels.exports.resampleInterior(xAt, tableAt, width, rowsAt, yAt, count, H - 1, (m0 * L) % M, Math.floor(L / M), L % M, M);
  y.set(new Float32Array(buffer, yAt, count), m0);
}

/** Input position of output m: sample ⌊m·L/M⌋, phase (m·L mod M)/M. */
function positionOf(k: Kernel, m: number): RunState {
  return { q: Math.floor((m * k.L) / k.M), r: (m * k.L) % k.M };
}

function* convolveSteps(x: Float32Array, k: Kernel, outLen: number): Steps<Float32Array> {
  const y = new Float32Array(outLen);
  // Outputs whose taps all fall inside the input: ⌊m·L/M⌋ − H + 1 ≥ 0 and ⌊m·L/M⌋ − H + 1 + taps ≤ n.
  const last = x.length - k.taps + k.H - 1;
  const lo = Math.ceil(((k.H - 1) * k.M) / k.L);
  const hi = last < 0 ? lo : Math.max(lo, Math.ceil(((last + 1) * k.M) / k.L));
  for (let m = 0; m < outLen; m += OUTPUT_BLOCK) {
    const end = Math.min(outLen, m + OUTPUT_BLOCK);
    const a = k.table ? Math.min(end, Math.max(m, lo)) : end;
    const b = k.table ? Math.min(end, Math.max(a, hi)) : end;
    if (a > m) runBlock(x, k, y, m, a, positionOf(k, m));
    if (b > a) runInterior(x, k, y, a, b);
    if (end > b) runBlock(x, k, y, b, end, positionOf(k, b));
    yield m / outLen;
  }
  return y;
}

/** Resamples one channel. Equal rates return a copy. */
export function resampleChannel(x: Float32Array, fromRate: number, toRate: number, options: ResampleOptions = {}): Float32Array {
  return runSync(resampleChannelSteps(x, fromRate, toRate, options));
}

/** resampleChannel in pieces (see ../steps), for long signals in cooperative code. */
export function* resampleChannelSteps(
  x: Float32Array,
  fromRate: number,
  toRate: number,
  options: ResampleOptions = {},
): Steps<Float32Array> {
  const mode = options.mode ?? 'high';
  const outLen = resampledLength(x.length, fromRate, toRate, mode);
  if (fromRate === toRate) return x.slice();
  const lpw = options.lowpassFilterWidth ?? 6;
  const rolloff = options.rolloff ?? 0.99;
  if (!(lpw > 0) || !(rolloff > 0 && rolloff <= 1)) {
    throw new RetakeError('E_VALIDATION', 'Cannot resample: lowpassFilterWidth must be positive and rolloff in (0, 1].');
  }
  return yield* convolveSteps(x, getKernel(fromRate, toRate, mode, lpw, rolloff), outLen);
}

/** Resamples every channel to `toRate`. Equal rates return a copy. */
export function resample(audio: AudioData, toRate: number, options: ResampleOptions = {}): AudioData {
  return {
    sampleRate: toRate,
    channels: audio.channels.map((c) => resampleChannel(c, audio.sampleRate, toRate, options)),
  };
}
