// HiFT's neural-source-filter excitation (EDITX-SPEC.md §6; the reference's SineGen2 + SourceModuleHnNSF2), from the
// F0 predictor's per-frame output. Arithmetic follows the reference's float32 order (Math.fround at each tensor op) so
// the same F0 and the same draws give the reference's source to float32 precision:
//   F0 repeated to samples (nearest ×spf); harmonic k (1..H) has per-sample phase increment rad = (k·f0 / sr) mod 1;
//   the increments are resampled linearly to frame rate (×1/spf), summed (cumulative, accumulated in float64 as
//   torch's CPU cumsum does), ×2π, ×spf, resampled linearly back to samples; sine = 0.1·sin(phase), zeroed where
//   unvoiced (F0 ≤ threshold); plus noise (std 0.003 voiced, 0.1/3 unvoiced); merged by tanh(w·s + b).
// The reference also adds a random initial phase (uniform, fundamental excluded) to the first sample's increment
// only; the ×1/spf resampling reads samples spf/2 − 1 and spf/2 of each frame, so it never reaches the output. It is
// reproduced anyway (and the golden test checks it changes nothing).

import { Xoshiro128 } from '../lm/rng';
import type { VocoderComponent } from '../pack/manifest';

const f = Math.fround;
const PI_F32 = f(Math.PI);

// sin for the source's large phases (up to ~1e6 rad over 30 s): Cody–Waite reduction by π/2 (fdlibm's two-part
// constant, exact for the quotients met here) and Taylor polynomials on [−π/4, π/4] (errors ~2e-14, far below float32's
// 6e-8: over 6.5 M phases the float32-rounded results equal Math.sin's), about 3× faster than Math.sin.
const PIO2_HI = 1.5707963267341256;
const PIO2_LO = 6.077100506506192e-11;
const TWO_OVER_PI = 0.6366197723675814;

function sin(x: number): number {
  const k = Math.round(x * TWO_OVER_PI);
  const r = x - k * PIO2_HI - k * PIO2_LO;
  const r2 = r * r;
  const q = k & 3;
  const v = (q & 1) === 0
    ? r * (1 + r2 * (-1 / 6 + r2 * (1 / 120 + r2 * (-1 / 5040 + r2 * (1 / 362880 + r2 * (-1 / 39916800 + r2 / 6227020800))))))
    : 1 + r2 * (-1 / 2 + r2 * (1 / 24 + r2 * (-1 / 720 + r2 * (1 / 40320 + r2 * (-1 / 3628800 + r2 * (1 / 479001600 - r2 / 87178291200))))));
  return q >= 2 ? -v : v;
}

export interface SourceDraws {
  /** Initial phases in [0, 1) per harmonic (H values; the first is ignored). */
  phase: Float32Array;
  /** Standard-normal noise per sample and harmonic, samples × H (sample-major, as the reference's (1, samples, H)
   *  tensor): the reference's own draw, for golden tests. */
  noise?: Float32Array;
  /** Or one standard-normal value per sample for the merged noise (see drawSource). */
  mergedNoise?: Float32Array;
}

/**
 * Seeded draws (xoshiro128**, Box–Muller): the phases, and one normal value per sample. The reference draws H normal
 * values per sample, scales them by the same σ and merges them linearly (w · (sines + σ·n)), so its noise reaches the
 * output as σ·Σ w_k n_k, a normal variable of standard deviation σ·‖w‖: one draw per sample scaled by ‖w‖ has exactly
 * that distribution, at a ninth of the cost.
 */
export function drawSource(seed: number, samples: number, harmonics: number): SourceDraws {
  const rng = Xoshiro128.fromSeed(seed);
  const phase = new Float32Array(harmonics);
  for (let i = 0; i < harmonics; i++) phase[i] = rng.nextFloat();
  const mergedNoise = new Float32Array(samples);
  for (let i = 0; i < samples; i += 2) {
    const u1 = (rng.nextUint32() + 1) * 2 ** -32; // (0, 1]: the log stays finite
    const a = 2 * Math.PI * rng.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u1));
    mergedNoise[i] = r * Math.cos(a);
    if (i + 1 < samples) mergedNoise[i + 1] = r * Math.sin(a);
  }
  return { phase, mergedNoise };
}

/**
 * torch's linear resampling (align_corners=False, given a scale factor) as its CPU kernel computes it, measured
 * bit for bit on torch 1.13 (weights read back through one-hot rows): the ratio 1/scale_factor is rounded to float32,
 * the source position computed in float64, the weights rounded to float32 (w0 = 1 − w1 in float32), and the value is
 * x0·w0 + float32(x1·w1) with one rounding (a fused multiply-add).
 */
function taps(outIndex: number, ratio: number, inLen: number, out: Float64Array): void {
  let src = ratio * (outIndex + 0.5) - 0.5;
  if (src < 0) src = 0;
  const i0 = Math.min(Math.floor(src), inLen - 1);
  const l1 = f(Math.min(Math.max(src - i0, 0), 1));
  out[0] = i0;
  out[1] = i0 + (i0 < inLen - 1 ? 1 : 0);
  out[2] = f(1 - l1);
  out[3] = l1;
}

/** The excitation for `f0` (Hz per mel frame): samplesPerFrame × frames samples. */
export function nsfSource(f0: Float32Array, v: Pick<VocoderComponent, 'sampleRate' | 'samplesPerFrame' | 'source'>, draws: SourceDraws): Float32Array {
  const spf = v.samplesPerFrame;
  const sr = v.sampleRate;
  const { harmonics: h, sineAmp, noiseStd, voicedThreshold, mergeWeight, mergeBias } = v.source;
  const frames = f0.length;
  const len = frames * spf;
  if (draws.phase.length !== h) throw new RangeError(`source draws: need ${h} phases`);
  if (draws.noise ? draws.noise.length !== len * h : draws.mergedNoise?.length !== len) {
    throw new RangeError(`source draws: need ${len} × ${h} noise values or ${len} merged ones`);
  }
  // Per-sample phase increments (k·f0/sr mod 1), constant within a frame except the first sample's initial phase.
  const radAt = (sample: number, k: number): number => {
    const fn = f((f0[Math.floor(sample / spf)] as number) * (k + 1));
    const r = f(fn / sr);
    let x = r - Math.floor(r);
    if (sample === 0 && k > 0) x = f(x + (draws.phase[k] as number));
    return x;
  };
  const tp = new Float64Array(4);
  const downLen = Math.floor(len * (1 / spf));
  const downRatio = f(1 / (1 / spf));
  const phase = new Float32Array(downLen * h); // frame-major: [t * h + k]
  const cum = new Float64Array(h); // torch's CPU cumsum accumulates float32 in float64
  for (let t = 0; t < downLen; t++) {
    taps(t, downRatio, len, tp);
    const [i0, i1, l0, l1] = tp as unknown as [number, number, number, number];
    for (let k = 0; k < h; k++) {
      cum[k] = (cum[k] as number) + f(radAt(i0, k) * l0 + f(radAt(i1, k) * l1));
      phase[t * h + k] = f(f(f(f(cum[k] as number) * 2) * PI_F32) * spf);
    }
  }
  const upRatio = f(1 / spf);
  const amp = f(sineAmp);
  const sigmaV = f(noiseStd);
  const sigmaU = f(f(1 * amp) / 3);
  const w = Float64Array.from(mergeWeight);
  let wNorm = 0;
  for (const x of mergeWeight) wNorm += x * x;
  wNorm = Math.sqrt(wNorm);
  const perHarmonic = draws.noise;
  const merged = draws.mergedNoise;
  const out = new Float32Array(len);
  for (let s = 0; s < len; s++) {
    taps(s, upRatio, downLen, tp);
    const b0 = (tp[0] as number) * h;
    const b1 = (tp[1] as number) * h;
    const l0 = tp[2] as number;
    const l1 = tp[3] as number;
    const voiced = (f0[Math.floor(s / spf)] as number) > voicedThreshold;
    const sigma = voiced ? sigmaV : sigmaU;
    let acc = mergeBias;
    if (perHarmonic) {
      const o = s * h;
      for (let k = 0; k < h; k++) {
        const sine = voiced ? f(f(sin(f((phase[b0 + k] as number) * l0 + f((phase[b1 + k] as number) * l1)))) * amp) : 0;
        acc += (w[k] as number) * f(sine + f(sigma * (perHarmonic[o + k] as number)));
      }
    } else {
      if (voiced) {
        for (let k = 0; k < h; k++) {
          acc += (w[k] as number) * f(sin(f((phase[b0 + k] as number) * l0 + f((phase[b1 + k] as number) * l1))) * amp);
        }
      }
      acc += sigma * wNorm * ((merged as Float32Array)[s] as number);
    }
    out[s] = Math.tanh(acc);
  }
  return out;
}
