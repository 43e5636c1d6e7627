// AssemblyScript source of the audio front ends' WebAssembly SIMD kernels (compiled by scripts/build-wasm.mjs into
// ../kernels.generated.ts; loaded by ../kernels.ts, which owns the memory layout and checks every argument).
//
//  - resampleInterior: the inner loops of the polyphase resampler (../../resample.ts) in f32x4, four outputs at a time.
//    torchaudio's resampler runs its conv1d in float32 too; the sums differ from a float64 sum by ~1e-7 of full scale.
//  - the spectrogram core (../../features/spectrogram.ts): framing (DC removal, pre-emphasis, window), a Stockham FFT
//    of radices 2, 3, 4 and 5, the power or magnitude spectrum, the sparse mel product and a floored logarithm, four
//    frames per pass in f64x2. Float64, not float32: float32 arithmetic moves near-empty mel bands by up to ~7e-4 on the
//    log scale (torch in float32 against torch in float64 on the corpus), above the 1e-4 the front ends are held to.
//
// No allocation and no runtime: the host lays out the linear memory and passes byte offsets. Every exported function
// trusts its arguments (the host validates them).

// ---------------------------------------------------------------------------------------------------------------
// Resampler

/**
 * `count` outputs of a tabulated polyphase kernel whose taps all lie inside the input window `x` (f32). Output i's
 * position is input sample q + r/M of the window, advancing by qStep + rStep/M per output; it reads the `width`
 * coefficients (f32, a multiple of 4, zero-padded) of table row r, which start at window sample q + rowStart[r]
 * (i32 per row). Outputs go to y (f32), four at a time: each output's four partial sums are added across lanes by
 * one transpose.
 */
export function resampleInterior(
  x: usize,
  table: usize,
  width: i32,
  rowStart: usize,
  y: usize,
  count: i32,
  q0: i32,
  r0: i32,
  qStep: i32,
  rStep: i32,
  M: i32,
): void {
  let q = q0;
  let r = r0;
  const rowBytes = <usize>width << 2;
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const c0 = table + <usize>r * rowBytes;
    const x0 = x + (<usize>(q + load<i32>(rowStart + (<usize>r << 2))) << 2);
    q += qStep;
    r += rStep;
    if (r >= M) {
      r -= M;
      q++;
    }
    const c1 = table + <usize>r * rowBytes;
    const x1 = x + (<usize>(q + load<i32>(rowStart + (<usize>r << 2))) << 2);
    q += qStep;
    r += rStep;
    if (r >= M) {
      r -= M;
      q++;
    }
    const c2 = table + <usize>r * rowBytes;
    const x2 = x + (<usize>(q + load<i32>(rowStart + (<usize>r << 2))) << 2);
    q += qStep;
    r += rStep;
    if (r >= M) {
      r -= M;
      q++;
    }
    const c3 = table + <usize>r * rowBytes;
    const x3 = x + (<usize>(q + load<i32>(rowStart + (<usize>r << 2))) << 2);
    q += qStep;
    r += rStep;
    if (r >= M) {
      r -= M;
      q++;
    }
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let o: usize = 0; o < rowBytes; o += 16) {
      a0 = f32x4.add(a0, f32x4.mul(v128.load(c0 + o), v128.load(x0 + o)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(c1 + o), v128.load(x1 + o)));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(c2 + o), v128.load(x2 + o)));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(c3 + o), v128.load(x3 + o)));
    }
    // Transpose-add: lane k of the result is the sum of a_k's four lanes.
    const s01 = f32x4.add(f32x4.shuffle(a0, a1, 0, 4, 1, 5), f32x4.shuffle(a0, a1, 2, 6, 3, 7));
    const s23 = f32x4.add(f32x4.shuffle(a2, a3, 0, 4, 1, 5), f32x4.shuffle(a2, a3, 2, 6, 3, 7));
    v128.store(y + (<usize>i << 2), f32x4.add(f32x4.shuffle(s01, s23, 0, 1, 4, 5), f32x4.shuffle(s01, s23, 2, 3, 6, 7)));
  }
  for (; i < count; i++) {
    const c0 = table + <usize>r * rowBytes;
    const x0 = x + (<usize>(q + load<i32>(rowStart + (<usize>r << 2))) << 2);
    q += qStep;
    r += rStep;
    if (r >= M) {
      r -= M;
      q++;
    }
    let a0 = f32x4.splat(0);
    for (let o: usize = 0; o < rowBytes; o += 16) a0 = f32x4.add(a0, f32x4.mul(v128.load(c0 + o), v128.load(x0 + o)));
    const h = f32x4.add(a0, f32x4.shuffle(a0, a0, 2, 3, 0, 1));
    store<f32>(y + (<usize>i << 2), f32x4.extract_lane(h, 0) + f32x4.extract_lane(h, 1));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Spectrogram: one configuration per instance (the host instantiates the module once per configured spectrogram).
//
// Four frames per pass: frames t, t + 1, t + 2, t + 3 go into one pair of complex transforms held in the two f64x2
// lanes (lane 0: t as the real part, t + 1 as the imaginary part; lane 1: t + 2 and t + 3), so every FFT operation
// works on two transforms at once. Each pair is separated afterwards:
// X_a[k] = (Z[k] + conj Z[N−k]) / 2, X_b[k] = (Z[k] − conj Z[N−k]) / 2i.

let frameLength: i32 = 0;
let hop: i32 = 0;
let fftSize: i32 = 0;
let specBins: i32 = 0;
let melBins: i32 = 0;
let removeDc: bool = false;
let magnitude: bool = false;
let inputScale: f64 = 1;
let preEmphasis: f64 = 0;
let magnitudeEpsilon: f64 = 0;
let logScale: f64 = 1;
let logFloor: f64 = 0;
/** f64 × frameLength. */
let windowAt: usize = 0;
/** Two ping-pong buffers, each fftSize v128 of real parts then fftSize v128 of imaginary parts. */
let bufA: usize = 0;
let bufB: usize = 0;
/** i32 × 4 per stage: radix p, m, s, byte offset of its twiddles; nStages of them. */
let stagesAt: usize = 0;
let nStages: i32 = 0;
/** v128 × specBins each: the spectra of frames (t, t + 2) and (t + 1, t + 3). */
let specA: usize = 0;
let specB: usize = 0;
/** The sparse mel bank: i32 × melBins each for start, length and weight offset; f64 weights. */
let melStart: usize = 0;
let melLength: usize = 0;
let melOffset: usize = 0;
let melWeights: usize = 0;
/** The largest value written since resetMax (Whisper's dynamic-range floor needs it). */
let maxOut: f64 = -Infinity;

/** Sets this instance's configuration and the byte offsets of its tables and scratch (see the globals above). */
export function configure(
  frameLength_: i32,
  hop_: i32,
  fftSize_: i32,
  specBins_: i32,
  melBins_: i32,
  removeDc_: bool,
  magnitude_: bool,
  inputScale_: f64,
  preEmphasis_: f64,
  magnitudeEpsilon_: f64,
  logScale_: f64,
  logFloor_: f64,
  windowAt_: usize,
  bufA_: usize,
  bufB_: usize,
  stagesAt_: usize,
  nStages_: i32,
  specA_: usize,
  specB_: usize,
  melStart_: usize,
  melLength_: usize,
  melOffset_: usize,
  melWeights_: usize,
): void {
  frameLength = frameLength_;
  hop = hop_;
  fftSize = fftSize_;
  specBins = specBins_;
  melBins = melBins_;
  removeDc = removeDc_;
  magnitude = magnitude_;
  inputScale = inputScale_;
  preEmphasis = preEmphasis_;
  magnitudeEpsilon = magnitudeEpsilon_;
  logScale = logScale_;
  logFloor = logFloor_;
  windowAt = windowAt_;
  bufA = bufA_;
  bufB = bufB_;
  stagesAt = stagesAt_;
  nStages = nStages_;
  specA = specA_;
  specB = specB_;
  melStart = melStart_;
  melLength = melLength_;
  melOffset = melOffset_;
  melWeights = melWeights_;
}

export function resetMax(): void {
  maxOut = -Infinity;
}

export function getMax(): f64 {
  return maxOut;
}

/**
 * `frames` frames of the input x (f32; frame t starts at sample t·hop) into out (f32, row t at t·melBins): each
 * row log(max(mel · spectrum, logFloor)) · logScale.
 */
export function spectrogram(x: usize, frames: i32, out: usize): void {
  let mx = f64x2.splat(-Infinity);
  for (let t = 0; t < frames; t += 4) {
    const present = min(4, frames - t);
    if (present == 4 && (frameLength & 3) == 0) {
      // Frames t and t + 2 into the real parts' lanes, t + 1 and t + 3 into the imaginary parts'.
      framePair(x + (<usize>(t * hop) << 2), x + (<usize>((t + 2) * hop) << 2), bufA);
      framePair(x + (<usize>((t + 1) * hop) << 2), x + (<usize>((t + 3) * hop) << 2), bufA + (<usize>fftSize << 4));
    } else {
      frameInto(x, t, present, 0, bufA, 0);
      frameInto(x, t + 1, present, 1, bufA, 0);
      frameInto(x, t + 2, present, 2, bufA, 8);
      frameInto(x, t + 3, present, 3, bufA, 8);
    }
    const z = fft();
    split(z);
    mx = f64x2.max(mx, melLog(out, t, present));
  }
  maxOut = max(maxOut, max(f64x2.extract_lane(mx, 0), f64x2.extract_lane(mx, 1)));
}

/**
 * Frame t (slot k of the group: k even the real part, odd the imaginary part) into lane `lane` (byte 0 or 8) of
 * buffer `buf`, zero-padded to fftSize; zeros when the slot is past the last frame. Kaldi's order: subtract the
 * frame's mean, pre-emphasise (v[j] − c·v[j − 1], v[0] − c·v[0]), window.
 */
function frameInto(x: usize, t: i32, present: i32, k: i32, buf: usize, lane: usize): void {
  const dst = buf + (k & 1 ? <usize>fftSize << 4 : 0) + lane;
  if (k >= present) {
    for (let i = 0; i < fftSize; i++) store<f64>(dst + (<usize>i << 4), 0);
    return;
  }
  const src = x + (<usize>(t * hop) << 2);
  const scale = inputScale;
  let mean: f64 = 0;
  if (removeDc) {
    let acc: f64 = 0;
    for (let i = 0; i < frameLength; i++) acc += <f64>load<f32>(src + (<usize>i << 2)) * scale;
    mean = acc / <f64>frameLength;
  }
  const c = preEmphasis;
  if (removeDc || c != 0) {
    let prev = <f64>load<f32>(src) * scale - mean;
    store<f64>(dst, (prev - c * prev) * load<f64>(windowAt));
    for (let i = 1; i < frameLength; i++) {
      const v = <f64>load<f32>(src + (<usize>i << 2)) * scale - mean;
      store<f64>(dst + (<usize>i << 4), (v - c * prev) * load<f64>(windowAt + (<usize>i << 3)));
      prev = v;
    }
  } else {
    for (let i = 0; i < frameLength; i++) {
      store<f64>(dst + (<usize>i << 4), <f64>load<f32>(src + (<usize>i << 2)) * scale * load<f64>(windowAt + (<usize>i << 3)));
    }
  }
  for (let i = frameLength; i < fftSize; i++) store<f64>(dst + (<usize>i << 4), 0);
}

/**
 * frameInto for two frames at once (sources a and b, f32) into the two lanes of `dst`, frameLength a multiple of 4:
 * four samples of each frame per load, paired up by shuffles, with the same operations in the same order per sample.
 */
function framePair(a: usize, b: usize, dst: usize): void {
  const scale = f64x2.splat(inputScale);
  let mean = f64x2.splat(0);
  if (removeDc) {
    let acc = f64x2.splat(0);
    for (let i = 0; i < frameLength; i++) {
      const v = f64x2.replace_lane(f64x2.splat(<f64>load<f32>(a + (<usize>i << 2))), 1, <f64>load<f32>(b + (<usize>i << 2)));
      acc = f64x2.add(acc, f64x2.mul(v, scale));
    }
    mean = f64x2.div(acc, f64x2.splat(<f64>frameLength));
  }
  const c = f64x2.splat(preEmphasis);
  const emphasise = removeDc || preEmphasis != 0;
  let prev = f64x2.splat(0);
  for (let i = 0; i < frameLength; i += 4) {
    const xa = v128.load(a + (<usize>i << 2));
    const xb = v128.load(b + (<usize>i << 2));
    const a01 = f64x2.promote_low_f32x4(xa);
    const b01 = f64x2.promote_low_f32x4(xb);
    const a23 = f64x2.promote_low_f32x4(f32x4.shuffle(xa, xa, 2, 3, 2, 3));
    const b23 = f64x2.promote_low_f32x4(f32x4.shuffle(xb, xb, 2, 3, 2, 3));
    const o = dst + (<usize>i << 4);
    const w = windowAt + (<usize>i << 3);
    // Samples i … i + 3 of both frames.
    const x0 = f64x2.shuffle(a01, b01, 0, 2);
    const x1 = f64x2.shuffle(a01, b01, 1, 3);
    const x2 = f64x2.shuffle(a23, b23, 0, 2);
    const x3 = f64x2.shuffle(a23, b23, 1, 3);
    if (emphasise) {
      const v0 = f64x2.sub(f64x2.mul(x0, scale), mean);
      const v1 = f64x2.sub(f64x2.mul(x1, scale), mean);
      const v2 = f64x2.sub(f64x2.mul(x2, scale), mean);
      const v3 = f64x2.sub(f64x2.mul(x3, scale), mean);
      if (i == 0) prev = v0;
      v128.store(o, f64x2.mul(f64x2.sub(v0, f64x2.mul(c, prev)), f64x2.splat(load<f64>(w))));
      v128.store(o, f64x2.mul(f64x2.sub(v1, f64x2.mul(c, v0)), f64x2.splat(load<f64>(w, 8))), 16);
      v128.store(o, f64x2.mul(f64x2.sub(v2, f64x2.mul(c, v1)), f64x2.splat(load<f64>(w, 16))), 32);
      v128.store(o, f64x2.mul(f64x2.sub(v3, f64x2.mul(c, v2)), f64x2.splat(load<f64>(w, 24))), 48);
      prev = v3;
    } else {
      v128.store(o, f64x2.mul(f64x2.mul(x0, scale), f64x2.splat(load<f64>(w))));
      v128.store(o, f64x2.mul(f64x2.mul(x1, scale), f64x2.splat(load<f64>(w, 8))), 16);
      v128.store(o, f64x2.mul(f64x2.mul(x2, scale), f64x2.splat(load<f64>(w, 16))), 32);
      v128.store(o, f64x2.mul(f64x2.mul(x3, scale), f64x2.splat(load<f64>(w, 24))), 48);
    }
  }
  const zero = f64x2.splat(0);
  for (let i = frameLength; i < fftSize; i++) v128.store(dst + (<usize>i << 4), zero);
}

/** The Stockham stages over bufA/bufB; returns the buffer holding the transform. */
function fft(): usize {
  let src = bufA;
  let dst = bufB;
  const half = <usize>fftSize << 4;
  for (let k = 0; k < nStages; k++) {
    const st = stagesAt + (<usize>k << 4);
    const p = load<i32>(st);
    const m = load<i32>(st, 4);
    const s = load<i32>(st, 8);
    const tw = stagesAt + <usize>load<i32>(st, 12);
    if (p == 4) {
      if (m == 1) radix4Last(s, src, src + half, dst, dst + half);
      else radix4(m, s, tw, src, src + half, dst, dst + half);
    } else if (p == 2) radix2(m, s, tw, src, src + half, dst, dst + half);
    else if (p == 5) radix5(m, s, tw, src, src + half, dst, dst + half);
    else radix3(m, s, tw, src, src + half, dst, dst + half);
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

// Each stage: for j < m and q < s, the p inputs x[q + s(j + r·m)] (r < p) go through a size-p DFT; output u, times
// ω_{p·m}^{j·u} (the twiddles, (cos, −sin) pairs, row j holding p − 1 of them), goes to y[q + s(p·j + u)].

// The butterflies' roots of unity as literals (the values of JavaScript's Math.sin/cos/sqrt, as ../../fft uses), so
// that no math library is compiled into the module.
/** sin(2π/3) = √3/2 */
const SIN_2PI_3 = 0.8660254037844386;
const COS_2PI_5 = 0.30901699437494745;
const COS_4PI_5 = -0.8090169943749473;
const SIN_2PI_5 = 0.9510565162951535;
const SIN_4PI_5 = 0.5877852522924732;

// @ts-ignore: decorator
@inline
function cmulRe(ar: v128, ai: v128, wr: v128, wi: v128): v128 {
  return f64x2.sub(f64x2.mul(ar, wr), f64x2.mul(ai, wi));
}

// @ts-ignore: decorator
@inline
function cmulIm(ar: v128, ai: v128, wr: v128, wi: v128): v128 {
  return f64x2.add(f64x2.mul(ar, wi), f64x2.mul(ai, wr));
}

function radix2(m: i32, s: i32, tw: usize, xr: usize, xi: usize, yr: usize, yi: usize): void {
  const sm = <usize>(s * m) << 4;
  for (let j = 0; j < m; j++) {
    const wr = f64x2.splat(load<f64>(tw + (<usize>j << 4)));
    const wi = f64x2.splat(load<f64>(tw + (<usize>j << 4), 8));
    const ib = <usize>(s * j) << 4;
    const ob = <usize>(2 * s * j) << 4;
    const os = <usize>s << 4;
    for (let q = 0; q < s; q++) {
      const i0 = ib + (<usize>q << 4);
      const ar = v128.load(xr + i0);
      const ai = v128.load(xi + i0);
      const br = v128.load(xr + i0 + sm);
      const bi = v128.load(xi + i0 + sm);
      const o0 = ob + (<usize>q << 4);
      v128.store(yr + o0, f64x2.add(ar, br));
      v128.store(yi + o0, f64x2.add(ai, bi));
      const dr = f64x2.sub(ar, br);
      const di = f64x2.sub(ai, bi);
      v128.store(yr + o0 + os, cmulRe(dr, di, wr, wi));
      v128.store(yi + o0 + os, cmulIm(dr, di, wr, wi));
    }
  }
}

function radix3(m: i32, s: i32, tw: usize, xr: usize, xi: usize, yr: usize, yi: usize): void {
  const sm = <usize>(s * m) << 4;
  const os = <usize>s << 4;
  const half = f64x2.splat(0.5);
  const h = f64x2.splat(SIN_2PI_3);
  for (let j = 0; j < m; j++) {
    const t = tw + (<usize>j << 5);
    const w1r = f64x2.splat(load<f64>(t));
    const w1i = f64x2.splat(load<f64>(t, 8));
    const w2r = f64x2.splat(load<f64>(t, 16));
    const w2i = f64x2.splat(load<f64>(t, 24));
    const ib = <usize>(s * j) << 4;
    const ob = <usize>(3 * s * j) << 4;
    for (let q = 0; q < s; q++) {
      const i0 = ib + (<usize>q << 4);
      const a0r = v128.load(xr + i0);
      const a0i = v128.load(xi + i0);
      const a1r = v128.load(xr + i0 + sm);
      const a1i = v128.load(xi + i0 + sm);
      const a2r = v128.load(xr + i0 + 2 * sm);
      const a2i = v128.load(xi + i0 + 2 * sm);
      const sr = f64x2.add(a1r, a2r);
      const si = f64x2.add(a1i, a2i);
      const dr = f64x2.sub(a1r, a2r);
      const di = f64x2.sub(a1i, a2i);
      const tr = f64x2.sub(a0r, f64x2.mul(half, sr));
      const ti = f64x2.sub(a0i, f64x2.mul(half, si));
      // b1 = t − i·h·d, b2 = t + i·h·d
      const b1r = f64x2.add(tr, f64x2.mul(h, di));
      const b1i = f64x2.sub(ti, f64x2.mul(h, dr));
      const b2r = f64x2.sub(tr, f64x2.mul(h, di));
      const b2i = f64x2.add(ti, f64x2.mul(h, dr));
      const o0 = ob + (<usize>q << 4);
      v128.store(yr + o0, f64x2.add(a0r, sr));
      v128.store(yi + o0, f64x2.add(a0i, si));
      v128.store(yr + o0 + os, cmulRe(b1r, b1i, w1r, w1i));
      v128.store(yi + o0 + os, cmulIm(b1r, b1i, w1r, w1i));
      v128.store(yr + o0 + 2 * os, cmulRe(b2r, b2i, w2r, w2i));
      v128.store(yi + o0 + 2 * os, cmulIm(b2r, b2i, w2r, w2i));
    }
  }
}

function radix4(m: i32, s: i32, tw: usize, xr: usize, xi: usize, yr: usize, yi: usize): void {
  const sm = <usize>(s * m) << 4;
  const os = <usize>s << 4;
  for (let j = 0; j < m; j++) {
    const t = tw + <usize>j * 48;
    const w1r = f64x2.splat(load<f64>(t));
    const w1i = f64x2.splat(load<f64>(t, 8));
    const w2r = f64x2.splat(load<f64>(t, 16));
    const w2i = f64x2.splat(load<f64>(t, 24));
    const w3r = f64x2.splat(load<f64>(t, 32));
    const w3i = f64x2.splat(load<f64>(t, 40));
    const ib = <usize>(s * j) << 4;
    const ob = <usize>(4 * s * j) << 4;
    for (let q = 0; q < s; q++) {
      const i0 = ib + (<usize>q << 4);
      const a0r = v128.load(xr + i0);
      const a0i = v128.load(xi + i0);
      const a1r = v128.load(xr + i0 + sm);
      const a1i = v128.load(xi + i0 + sm);
      const a2r = v128.load(xr + i0 + 2 * sm);
      const a2i = v128.load(xi + i0 + 2 * sm);
      const a3r = v128.load(xr + i0 + 3 * sm);
      const a3i = v128.load(xi + i0 + 3 * sm);
      const t0r = f64x2.add(a0r, a2r);
      const t0i = f64x2.add(a0i, a2i);
      const t1r = f64x2.sub(a0r, a2r);
      const t1i = f64x2.sub(a0i, a2i);
      const t2r = f64x2.add(a1r, a3r);
      const t2i = f64x2.add(a1i, a3i);
      // t3 = −i·(a1 − a3)
      const t3r = f64x2.sub(a1i, a3i);
      const t3i = f64x2.sub(a3r, a1r);
      const b1r = f64x2.add(t1r, t3r);
      const b1i = f64x2.add(t1i, t3i);
      const b2r = f64x2.sub(t0r, t2r);
      const b2i = f64x2.sub(t0i, t2i);
      const b3r = f64x2.sub(t1r, t3r);
      const b3i = f64x2.sub(t1i, t3i);
      const o0 = ob + (<usize>q << 4);
      v128.store(yr + o0, f64x2.add(t0r, t2r));
      v128.store(yi + o0, f64x2.add(t0i, t2i));
      v128.store(yr + o0 + os, cmulRe(b1r, b1i, w1r, w1i));
      v128.store(yi + o0 + os, cmulIm(b1r, b1i, w1r, w1i));
      v128.store(yr + o0 + 2 * os, cmulRe(b2r, b2i, w2r, w2i));
      v128.store(yi + o0 + 2 * os, cmulIm(b2r, b2i, w2r, w2i));
      v128.store(yr + o0 + 3 * os, cmulRe(b3r, b3i, w3r, w3i));
      v128.store(yi + o0 + 3 * os, cmulIm(b3r, b3i, w3r, w3i));
    }
  }
}

/** radix4 as the last stage (m = 1), where every twiddle is 1. */
function radix4Last(s: i32, xr: usize, xi: usize, yr: usize, yi: usize): void {
  const os = <usize>s << 4;
  for (let q = 0; q < s; q++) {
    const i0 = <usize>q << 4;
    const a0r = v128.load(xr + i0);
    const a0i = v128.load(xi + i0);
    const a1r = v128.load(xr + i0 + os);
    const a1i = v128.load(xi + i0 + os);
    const a2r = v128.load(xr + i0 + 2 * os);
    const a2i = v128.load(xi + i0 + 2 * os);
    const a3r = v128.load(xr + i0 + 3 * os);
    const a3i = v128.load(xi + i0 + 3 * os);
    const t0r = f64x2.add(a0r, a2r);
    const t0i = f64x2.add(a0i, a2i);
    const t1r = f64x2.sub(a0r, a2r);
    const t1i = f64x2.sub(a0i, a2i);
    const t2r = f64x2.add(a1r, a3r);
    const t2i = f64x2.add(a1i, a3i);
    // t3 = −i·(a1 − a3)
    const t3r = f64x2.sub(a1i, a3i);
    const t3i = f64x2.sub(a3r, a1r);
    v128.store(yr + i0, f64x2.add(t0r, t2r));
    v128.store(yi + i0, f64x2.add(t0i, t2i));
    v128.store(yr + i0 + os, f64x2.add(t1r, t3r));
    v128.store(yi + i0 + os, f64x2.add(t1i, t3i));
    v128.store(yr + i0 + 2 * os, f64x2.sub(t0r, t2r));
    v128.store(yi + i0 + 2 * os, f64x2.sub(t0i, t2i));
    v128.store(yr + i0 + 3 * os, f64x2.sub(t1r, t3r));
    v128.store(yi + i0 + 3 * os, f64x2.sub(t1i, t3i));
  }
}

function radix5(m: i32, s: i32, tw: usize, xr: usize, xi: usize, yr: usize, yi: usize): void {
  const sm = <usize>(s * m) << 4;
  const os = <usize>s << 4;
  const c1 = f64x2.splat(COS_2PI_5);
  const c2 = f64x2.splat(COS_4PI_5);
  const s1 = f64x2.splat(SIN_2PI_5);
  const s2 = f64x2.splat(SIN_4PI_5);
  for (let j = 0; j < m; j++) {
    const t = tw + (<usize>j << 6);
    const w1r = f64x2.splat(load<f64>(t));
    const w1i = f64x2.splat(load<f64>(t, 8));
    const w2r = f64x2.splat(load<f64>(t, 16));
    const w2i = f64x2.splat(load<f64>(t, 24));
    const w3r = f64x2.splat(load<f64>(t, 32));
    const w3i = f64x2.splat(load<f64>(t, 40));
    const w4r = f64x2.splat(load<f64>(t, 48));
    const w4i = f64x2.splat(load<f64>(t, 56));
    const ib = <usize>(s * j) << 4;
    const ob = <usize>(5 * s * j) << 4;
    for (let q = 0; q < s; q++) {
      const i0 = ib + (<usize>q << 4);
      const a0r = v128.load(xr + i0);
      const a0i = v128.load(xi + i0);
      const a1r = v128.load(xr + i0 + sm);
      const a1i = v128.load(xi + i0 + sm);
      const a2r = v128.load(xr + i0 + 2 * sm);
      const a2i = v128.load(xi + i0 + 2 * sm);
      const a3r = v128.load(xr + i0 + 3 * sm);
      const a3i = v128.load(xi + i0 + 3 * sm);
      const a4r = v128.load(xr + i0 + 4 * sm);
      const a4i = v128.load(xi + i0 + 4 * sm);
      const s14r = f64x2.add(a1r, a4r);
      const s14i = f64x2.add(a1i, a4i);
      const d14r = f64x2.sub(a1r, a4r);
      const d14i = f64x2.sub(a1i, a4i);
      const s23r = f64x2.add(a2r, a3r);
      const s23i = f64x2.add(a2i, a3i);
      const d23r = f64x2.sub(a2r, a3r);
      const d23i = f64x2.sub(a2i, a3i);
      const r1r = f64x2.add(f64x2.add(a0r, f64x2.mul(c1, s14r)), f64x2.mul(c2, s23r));
      const r1i = f64x2.add(f64x2.add(a0i, f64x2.mul(c1, s14i)), f64x2.mul(c2, s23i));
      const r2r = f64x2.add(f64x2.add(a0r, f64x2.mul(c2, s14r)), f64x2.mul(c1, s23r));
      const r2i = f64x2.add(f64x2.add(a0i, f64x2.mul(c2, s14i)), f64x2.mul(c1, s23i));
      const q1r = f64x2.add(f64x2.mul(s1, d14r), f64x2.mul(s2, d23r));
      const q1i = f64x2.add(f64x2.mul(s1, d14i), f64x2.mul(s2, d23i));
      const q2r = f64x2.sub(f64x2.mul(s2, d14r), f64x2.mul(s1, d23r));
      const q2i = f64x2.sub(f64x2.mul(s2, d14i), f64x2.mul(s1, d23i));
      // b1 = r1 − i·q1, b4 = r1 + i·q1, b2 = r2 − i·q2, b3 = r2 + i·q2
      const o0 = ob + (<usize>q << 4);
      v128.store(yr + o0, f64x2.add(f64x2.add(a0r, s14r), s23r));
      v128.store(yi + o0, f64x2.add(f64x2.add(a0i, s14i), s23i));
      let br = f64x2.add(r1r, q1i);
      let bi = f64x2.sub(r1i, q1r);
      v128.store(yr + o0 + os, cmulRe(br, bi, w1r, w1i));
      v128.store(yi + o0 + os, cmulIm(br, bi, w1r, w1i));
      br = f64x2.add(r2r, q2i);
      bi = f64x2.sub(r2i, q2r);
      v128.store(yr + o0 + 2 * os, cmulRe(br, bi, w2r, w2i));
      v128.store(yi + o0 + 2 * os, cmulIm(br, bi, w2r, w2i));
      br = f64x2.sub(r2r, q2i);
      bi = f64x2.add(r2i, q2r);
      v128.store(yr + o0 + 3 * os, cmulRe(br, bi, w3r, w3i));
      v128.store(yi + o0 + 3 * os, cmulIm(br, bi, w3r, w3i));
      br = f64x2.sub(r1r, q1i);
      bi = f64x2.add(r1i, q1r);
      v128.store(yr + o0 + 4 * os, cmulRe(br, bi, w4r, w4i));
      v128.store(yi + o0 + 4 * os, cmulIm(br, bi, w4r, w4i));
    }
  }
}

/** The transform z (both pairs) separated into the power or magnitude spectra specA (frames t, t + 2) and specB
 *  (frames t + 1, t + 3), bins 0 … specBins − 1. */
function split(z: usize): void {
  const zi = z + (<usize>fftSize << 4);
  const quarter = f64x2.splat(0.25);
  const eps = f64x2.splat(magnitudeEpsilon);
  for (let k = 0; k < specBins; k++) {
    const j: usize = k == 0 ? 0 : <usize>(fftSize - k) << 4;
    const kk = <usize>k << 4;
    const zr = v128.load(z + kk);
    const zim = v128.load(zi + kk);
    const wr = v128.load(z + j);
    const wi = v128.load(zi + j);
    // 2·X_a = (zr + wr) + i(zi − wi); 2·X_b = (zi + wi) − i(zr − wr)
    const ar = f64x2.add(zr, wr);
    const ai = f64x2.sub(zim, wi);
    const br = f64x2.add(zim, wi);
    const bi = f64x2.sub(zr, wr);
    let pa = f64x2.mul(quarter, f64x2.add(f64x2.mul(ar, ar), f64x2.mul(ai, ai)));
    let pb = f64x2.mul(quarter, f64x2.add(f64x2.mul(br, br), f64x2.mul(bi, bi)));
    if (magnitude) {
      pa = f64x2.sqrt(f64x2.add(pa, eps));
      pb = f64x2.sqrt(f64x2.add(pb, eps));
    }
    v128.store(specA + kk, pa);
    v128.store(specB + kk, pb);
  }
}

/**
 * Rows t … t + present − 1 of out: log(max(mel · spectrum, logFloor)) · logScale; returns the lanes' maxima (over
 * all four slots: an empty slot's values are log(logFloor) · logScale, which no present value is below). The mel sums
 * are gathered first (into bufA, free after the split) and the logarithms taken in a second loop, which keeps the
 * long dependency chains of `ln` apart from the loads of the sums.
 */
function melLog(out: usize, t: i32, present: i32): v128 {
  const sums = bufA;
  for (let b = 0; b < melBins; b++) {
    const bb = <usize>b << 2;
    const k0 = <usize>load<i32>(melStart + bb) << 4;
    const len = load<i32>(melLength + bb);
    const w0 = melWeights + (<usize>load<i32>(melOffset + bb) << 3);
    let accA = f64x2.splat(0);
    let accB = f64x2.splat(0);
    for (let k = 0; k < len; k++) {
      const w = f64x2.splat(load<f64>(w0 + (<usize>k << 3)));
      const kk = k0 + (<usize>k << 4);
      accA = f64x2.add(accA, f64x2.mul(w, v128.load(specA + kk)));
      accB = f64x2.add(accB, f64x2.mul(w, v128.load(specB + kk)));
    }
    v128.store(sums + (<usize>b << 5), accA);
    v128.store(sums + (<usize>b << 5), accB, 16);
  }
  const floor = f64x2.splat(logFloor);
  const scale = f64x2.splat(logScale);
  let mx = f64x2.splat(-Infinity);
  const rowBytes = <usize>melBins << 2;
  const o0 = out + <usize>t * rowBytes;
  for (let b = 0; b < melBins; b++) {
    const accA = v128.load(sums + (<usize>b << 5));
    const accB = v128.load(sums + (<usize>b << 5), 16);
    // max(acc, floor) with NaN mapped to the floor, as `acc > floor ? acc : floor` does.
    const la = f64x2.mul(ln(v128.bitselect(accA, floor, f64x2.gt(accA, floor))), scale);
    const lb = f64x2.mul(ln(v128.bitselect(accB, floor, f64x2.gt(accB, floor))), scale);
    mx = f64x2.max(mx, f64x2.max(la, lb));
    // la: frames t (lane 0) and t + 2 (lane 1); lb: t + 1 and t + 3.
    const bb = <usize>b << 2;
    store<f32>(o0 + bb, <f32>f64x2.extract_lane(la, 0));
    if (present > 1) store<f32>(o0 + rowBytes + bb, <f32>f64x2.extract_lane(lb, 0));
    if (present > 2) store<f32>(o0 + 2 * rowBytes + bb, <f32>f64x2.extract_lane(la, 1));
    if (present > 3) store<f32>(o0 + 3 * rowBytes + bb, <f32>f64x2.extract_lane(lb, 1));
  }
  return mx;
}

const LN2 = 0.6931471805599453;
const SQRT2 = 1.4142135623730951;

/**
 * Natural logarithm of two positive normal finite float64 values (the callers floor them), to ~1e-12: v = m·2^e with m in [√½, √2), then
 * ln m = 2 atanh(s) with s = (m − 1)/(m + 1), |s| ≤ 0.172, by its series s + s³/3 + … + s¹³/13 (the next term is
 * below 2e-12 of the sum; the results are stored as float32, whose rounding is 5e-8 of them).
 */
function ln(v: v128): v128 {
  const bits = v;
  // Exponent (biased) of each lane, and the mantissa with the exponent set to 0 (m in [1, 2)).
  const expo = i64x2.shr_u(bits, 52);
  let m = v128.or(v128.and(bits, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3ff0000000000000));
  let e = f64x2.convert_low_i32x4_s(i32x4.shuffle(expo, expo, 0, 2, 0, 2));
  e = f64x2.sub(e, f64x2.splat(1023));
  const big = f64x2.gt(m, f64x2.splat(SQRT2));
  m = v128.bitselect(f64x2.mul(m, f64x2.splat(0.5)), m, big);
  e = f64x2.add(e, v128.and(f64x2.splat(1), big));
  const s = f64x2.div(f64x2.sub(m, f64x2.splat(1)), f64x2.add(m, f64x2.splat(1)));
  // The series in u = s² to u⁶ by Estrin's scheme (a shorter dependency chain than Horner's).
  const u = f64x2.mul(s, s);
  const u2 = f64x2.mul(u, u);
  const q0 = f64x2.add(f64x2.splat(1), f64x2.mul(u, f64x2.splat(1.0 / 3)));
  const q1 = f64x2.add(f64x2.splat(1.0 / 5), f64x2.mul(u, f64x2.splat(1.0 / 7)));
  const q2 = f64x2.add(f64x2.splat(1.0 / 9), f64x2.mul(u, f64x2.splat(1.0 / 11)));
  const r0 = f64x2.add(q0, f64x2.mul(u2, q1));
  const r1 = f64x2.add(q2, f64x2.mul(u2, f64x2.splat(1.0 / 13)));
  const p = f64x2.add(r0, f64x2.mul(f64x2.mul(u2, u2), r1));
  return f64x2.add(f64x2.mul(e, f64x2.splat(LN2)), f64x2.mul(f64x2.splat(2), f64x2.mul(s, p)));
}
