// Linear prediction: autocorrelation-method LPC (Levinson–Durbin), frame-wise analysis of a whole signal into
// reflection coefficients, lattice inverse/synthesis filters that stay stable while the coefficients change every hop,
// and envelope evaluation / formant peak picking for choosing a speaker's own vowel envelopes.

import { runSync, SAMPLE_BLOCK, type Steps } from '../steps';

export interface LpcResult {
  /** Predictor polynomial A(z) = 1 + a1 z^-1 + … (a[0] = 1). */
  a: Float64Array;
  /** Reflection coefficients k1..kp (|k| < 1 for the autocorrelation method). */
  k: Float64Array;
  /** Prediction error power (per sample, of the windowed frame). */
  err: number;
}

/** Rule of thumb order for speech: two poles per kHz of bandwidth plus a few for glottal/radiation shape. */
export function speechLpcOrder(sampleRate: number): number {
  return Math.min(48, Math.round(sampleRate / 1000) + 4);
}

export function autocorrelation(frame: ArrayLike<number>, order: number): Float64Array {
  const r = new Float64Array(order + 1);
  const n = frame.length;
  for (let lag = 0; lag <= order; lag++) {
    let s = 0;
    for (let i = lag; i < n; i++) s += frame[i]! * frame[i - lag]!;
    r[lag] = s;
  }
  return r;
}

/** Levinson–Durbin recursion with a small white-noise floor (lag window) that keeps the solution well conditioned. */
export function levinson(rIn: Float64Array, order: number): LpcResult {
  const r = Float64Array.from(rIn);
  // 1e-9 relative noise floor (≈ −90 dB): avoids singular systems on digital silence without colouring speech.
  r[0] = r[0]! * (1 + 1e-9) + 1e-12;
  const a = new Float64Array(order + 1);
  const k = new Float64Array(order);
  const tmp = new Float64Array(order + 1);
  a[0] = 1;
  let err = r[0]!;
  for (let i = 1; i <= order; i++) {
    let acc = r[i]!;
    for (let j = 1; j < i; j++) acc += a[j]! * r[i - j]!;
    let ki = -acc / err;
    if (!Number.isFinite(ki)) ki = 0;
    ki = Math.max(-0.9999, Math.min(0.9999, ki));
    k[i - 1] = ki;
    tmp.set(a);
    for (let j = 1; j < i; j++) a[j] = tmp[j]! + ki * tmp[i - j]!;
    a[i] = ki;
    err *= 1 - ki * ki;
  }
  return { a, k, err: Math.max(err, 0) };
}

export interface LpcTrack {
  order: number;
  hop: number;
  /** Reflection coefficients, frame-major (frames × order), frame f centred at sample f·hop. */
  k: Float64Array;
  frames: number;
}

/** Pre-emphasis coefficient for envelope estimation: flattens the −6 dB/oct glottal+radiation tilt (classic 0.97). */
export const PRE_EMPHASIS = 0.97;

export function preEmphasize(x: Float32Array, coef = PRE_EMPHASIS): Float32Array {
  return runSync(preEmphasizeSteps(x, coef));
}

/** preEmphasize in pieces (see ../steps). */
export function* preEmphasizeSteps(x: Float32Array, coef = PRE_EMPHASIS): Steps<Float32Array> {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i += SAMPLE_BLOCK) {
    emphasize(x, y, coef, i, Math.min(x.length, i + SAMPLE_BLOCK));
    yield;
  }
  return y;
}

function emphasize(x: Float32Array, y: Float32Array, coef: number, from: number, to: number): void {
  let prev = from > 0 ? x[from - 1]! : 0;
  for (let i = from; i < to; i++) {
    y[i] = x[i]! - coef * prev;
    prev = x[i]!;
  }
}

export function deEmphasize(x: Float32Array, coef = PRE_EMPHASIS): Float32Array {
  return runSync(deEmphasizeSteps(x, coef));
}

/** deEmphasize in pieces (see ../steps). */
export function* deEmphasizeSteps(x: Float32Array, coef = PRE_EMPHASIS): Steps<Float32Array> {
  const y = new Float32Array(x.length);
  const st = new Float64Array(1);
  for (let i = 0; i < x.length; i += SAMPLE_BLOCK) {
    deEmphasizeBlock(x, y, coef, st, i, Math.min(x.length, i + SAMPLE_BLOCK));
    yield;
  }
  return y;
}

/** The recursion y[i] = x[i] + coef·y[i−1] over [from, to), its state (the last output, unrounded) in st[0]. */
function deEmphasizeBlock(x: Float32Array, y: Float32Array, coef: number, st: Float64Array, from: number, to: number): void {
  let prev = st[0]!;
  for (let i = from; i < to; i++) {
    prev = x[i]! + coef * prev;
    y[i] = prev;
  }
  st[0] = prev;
}

/** Frame-wise LPC of a (pre-emphasised) signal: Hann frames of `frameLen` every `hop` samples, centred at f·hop. */
export function lpcTrack(x: Float32Array, order: number, frameLen: number, hop: number): LpcTrack {
  return runSync(lpcTrackSteps(x, order, frameLen, hop));
}

function lpcFrames(x: Float32Array, order: number, win: Float64Array, buf: Float64Array, hop: number, k: Float64Array, from: number, to: number): void {
  const frameLen = win.length;
  const half = frameLen >> 1;
  for (let f = from; f < to; f++) {
    const start = f * hop - half;
    for (let i = 0; i < frameLen; i++) {
      const idx = start + i;
      buf[i] = idx >= 0 && idx < x.length ? x[idx]! * win[i]! : 0;
    }
    const res = levinson(autocorrelation(buf, order), order);
    k.set(res.k, f * order);
  }
}

/** lpcTrack in pieces (see ../steps), yielding its progress. */
export function* lpcTrackSteps(x: Float32Array, order: number, frameLen: number, hop: number): Steps<LpcTrack> {
  const frames = Math.max(1, Math.ceil(x.length / hop) + 1);
  const k = new Float64Array(frames * order);
  const win = new Float64Array(frameLen);
  for (let i = 0; i < frameLen; i++) win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / frameLen);
  const buf = new Float64Array(frameLen);
  // ~1 ms per piece: the autocorrelation costs frameLen × (order + 1) per frame.
  const perPiece = Math.max(1, Math.floor((1 << 20) / (frameLen * (order + 1))));
  for (let f = 0; f < frames; f += perPiece) {
    lpcFrames(x, order, win, buf, hop, k, f, Math.min(frames, f + perPiece));
    yield f / frames;
  }
  return { order, hop, k, frames };
}

/** Reflection coefficients at sample i, linearly interpolated between frame centres (stays inside (−1, 1)). */
function coeffsAt(t: LpcTrack, i: number, out: Float64Array): void {
  const p = t.order;
  const pos = i / t.hop;
  const f0 = Math.min(t.frames - 1, Math.floor(pos));
  const f1 = Math.min(t.frames - 1, f0 + 1);
  const w = pos - f0;
  for (let j = 0; j < p; j++) out[j] = t.k[f0 * p + j]! * (1 - w) + t.k[f1 * p + j]! * w;
}

/** Samples per piece of a cooperative lattice run (~1 ms at order 48). */
function latticeBlock(order: number): number {
  return Math.max(1024, Math.floor((1 << 19) / order));
}

/**
 * Prediction residual e = A(z)x through a lattice FIR with the track's time-varying coefficients (updated every
 * `update` samples). `latticeSynthesis` with the same track and update inverts it exactly.
 */
export function latticeInverse(x: Float32Array, t: LpcTrack, update = 32): Float32Array {
  return runSync(latticeInverseSteps(x, t, update));
}

/** latticeInverse in pieces (see ../steps). */
export function* latticeInverseSteps(x: Float32Array, t: LpcTrack, update = 32): Steps<Float32Array> {
  const p = t.order;
  const e = new Float32Array(x.length);
  const k = new Float64Array(p);
  const b = new Float64Array(p + 1); // backward errors of the previous sample, b[j] = b_j[n-1]
  const bNew = new Float64Array(p + 1);
  const block = latticeBlock(p);
  for (let n = 0; n < x.length; n += block) {
    inverseBlock(x, e, t, update, k, b, bNew, n, Math.min(x.length, n + block));
    yield;
  }
  return e;
}

function inverseBlock(
  x: Float32Array,
  e: Float32Array,
  t: LpcTrack,
  update: number,
  k: Float64Array,
  b: Float64Array,
  bNew: Float64Array,
  from: number,
  to: number,
): void {
  const p = t.order;
  for (let n = from; n < to; n++) {
    if (n % update === 0) coeffsAt(t, n + update / 2, k);
    let f = x[n]!;
    bNew[0] = f;
    for (let j = 0; j < p; j++) {
      const kj = k[j]!;
      const fj = f + kj * b[j]!;
      bNew[j + 1] = b[j]! + kj * f;
      f = fj;
    }
    e[n] = f;
    b.set(bNew);
  }
}

/** All-pole lattice synthesis x = e / A(z); stable for any |k| < 1 sequence. */
export function latticeSynthesis(e: Float32Array, t: LpcTrack, update = 32): Float32Array {
  return runSync(latticeSynthesisSteps(e, t, update));
}

/** latticeSynthesis in pieces (see ../steps). */
export function* latticeSynthesisSteps(e: Float32Array, t: LpcTrack, update = 32): Steps<Float32Array> {
  const p = t.order;
  const x = new Float32Array(e.length);
  const k = new Float64Array(p);
  const b = new Float64Array(p + 1); // b[j] = backward error of stage j at the previous sample
  const block = latticeBlock(p);
  for (let n = 0; n < e.length; n += block) {
    synthesisBlock(e, x, t, update, k, b, n, Math.min(e.length, n + block));
    yield;
  }
  return x;
}

function synthesisBlock(
  e: Float32Array,
  x: Float32Array,
  t: LpcTrack,
  update: number,
  k: Float64Array,
  b: Float64Array,
  from: number,
  to: number,
): void {
  const p = t.order;
  for (let n = from; n < to; n++) {
    if (n % update === 0) coeffsAt(t, n + update / 2, k);
    let f = e[n]!;
    for (let j = p - 1; j >= 0; j--) {
      f -= k[j]! * b[j]!;
      b[j + 1] = b[j]! + k[j]! * f;
    }
    b[0] = f;
    x[n] = f;
  }
}

/** Reflection coefficients → predictor polynomial (step-up recursion). */
export function reflectionToPredictor(k: ArrayLike<number>): Float64Array {
  const p = k.length;
  const a = new Float64Array(p + 1);
  const tmp = new Float64Array(p + 1);
  a[0] = 1;
  for (let i = 1; i <= p; i++) {
    const ki = k[i - 1]!;
    tmp.set(a);
    for (let j = 1; j < i; j++) a[j] = tmp[j]! + ki * tmp[i - j]!;
    a[i] = ki;
  }
  return a;
}

/** |1/A(e^{jω})| in dB at `points` frequencies from 0 to `maxHz`. */
export function envelopeDb(a: Float64Array, sampleRate: number, maxHz: number, points: number): Float64Array {
  const out = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    const w = (2 * Math.PI * ((i * maxHz) / (points - 1))) / sampleRate;
    let re = 0;
    let im = 0;
    for (let j = 0; j < a.length; j++) {
      re += a[j]! * Math.cos(w * j);
      im -= a[j]! * Math.sin(w * j);
    }
    out[i] = -10 * Math.log10(re * re + im * im + 1e-20);
  }
  return out;
}

/** First two envelope peaks (rough F1, F2 in Hz) below 4 kHz, or null when the envelope has fewer than two. */
export function formantPeaks(a: Float64Array, sampleRate: number): [number, number] | null {
  const maxHz = Math.min(4000, sampleRate / 2 - 1);
  const pts = 400;
  const env = envelopeDb(a, sampleRate, maxHz, pts);
  const peaks: number[] = [];
  for (let i = 1; i < pts - 1; i++) {
    const hz = (i * maxHz) / (pts - 1);
    // 180 Hz: below any F1 of adult or child speech; lower peaks are the glottal formant or hum.
    if (hz < 180) continue;
    if (env[i]! > env[i - 1]! && env[i]! >= env[i + 1]!) peaks.push(hz);
  }
  if (peaks.length < 2) return null;
  return [peaks[0]!, peaks[1]!];
}

/** Predictor polynomial → reflection coefficients (step-down recursion); |k| clamped below 1 for stability. */
export function predictorToReflection(aIn: ArrayLike<number>): Float64Array {
  const p = aIn.length - 1;
  let a = Float64Array.from(aIn as ArrayLike<number>);
  const k = new Float64Array(p);
  for (let i = p; i >= 1; i--) {
    const ki = Math.max(-0.9999, Math.min(0.9999, a[i]!));
    k[i - 1] = ki;
    const d = 1 - ki * ki;
    const next = new Float64Array(i);
    next[0] = 1;
    for (let j = 1; j < i; j++) next[j] = (a[j]! - ki * a[i - j]!) / d;
    a = next;
  }
  return k;
}

/** Widens every formant bandwidth: a_j ← a_j·γ^j moves the poles toward the origin by γ (γ < 1). */
export function expandBandwidth(a: Float64Array, gamma: number): Float64Array {
  const out = new Float64Array(a.length);
  let g = 1;
  for (let j = 0; j < a.length; j++) {
    out[j] = a[j]! * g;
    g *= gamma;
  }
  return out;
}

/** All-pole polynomial with one resonance per (frequency, bandwidth) pair in Hz (a formant synthesiser's filter). */
export function formantsToPredictor(formants: ReadonlyArray<[number, number]>, sampleRate: number): Float64Array {
  let a = Float64Array.of(1);
  for (const [f, bw] of formants) {
    if (f <= 0 || f >= sampleRate / 2) continue;
    const r = Math.exp((-Math.PI * bw) / sampleRate);
    const c = -2 * r * Math.cos((2 * Math.PI * f) / sampleRate);
    const sec = [1, c, r * r];
    const next = new Float64Array(a.length + 2);
    for (let i = 0; i < a.length; i++) for (let j = 0; j < 3; j++) next[i + j] = next[i + j]! + a[i]! * sec[j]!;
    a = next;
  }
  return a;
}
