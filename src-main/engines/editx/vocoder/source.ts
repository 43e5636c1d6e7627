// HiFT's neural-source-filter excitation (EDITX-SPEC.md §6; the reference's SineGen2 + SourceModuleHnNSF2), from the
// F0 predictor's per-frame output:
//   F0 repeated to samples (nearest ×spf); harmonic k (1..H) has per-sample phase increment rad = (k·f0 / sr) mod 1;
//   the increments are resampled linearly to frame rate (×1/spf), summed over frames, ×2π, ×spf, and resampled
//   linearly back to samples; sine = 0.1·sin(phase), zeroed where unvoiced (F0 ≤ threshold); plus noise (std 0.003
//   voiced, 0.1/3 unvoiced); merged by tanh(w·s + b).
// Two implementations of that one formula:
// - nsfSourceReference follows the reference's float32 arithmetic op by op (Math.fround at each tensor op, its
//   resampling and cumulative-sum kernels as measured): the same F0 and draws give the reference's source to float32
//   precision. It proves the formula against the upstream goldens; it costs ~40 flops per sample and harmonic.
// - nsfSource, which the vocoder runs, computes the same phases in float64 — per frame, then by rotation within each
//   interpolation run (the phase is linear in the sample index there), the overtones by the Chebyshev recurrence
//   where no harmonic's increment wraps — at a small fraction of the cost. It differs from the reference only by the
//   reference's own float32 rounding of the phase (up to ulp(phase)/2, growing with the utterance: ~2e-4 rad after
//   0.6 s, ~0.03 rad after 30 s for the 9th harmonic); tests bound the difference.
// The reference also adds a random initial phase (uniform, fundamental excluded) to the first sample's increment
// only; the ×1/spf resampling reads samples spf/2 − 1 and spf/2 of each frame, so it never reaches the output. The
// reference implementation keeps it (and a golden test checks it changes nothing); the fast one leaves it out.

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
  /** Or one standard-normal value per sample for the merged noise (see seededDraws). */
  mergedNoise?: Float32Array;
  /** Or those values drawn from this seed while the source is computed (see seededDraws). */
  seed?: number;
}

// Standard normal draws by Marsaglia & Tsang's ziggurat (128 layers; J. Stat. Software 5(8), 2000): one 32-bit draw
// and a multiply for ~98 % of the values, exact tails.
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const zigK = new Uint32Array(128);
const zigW = new Float64Array(128);
const zigF = new Float64Array(128);
{
  const m1 = 2147483648;
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  zigK[0] = Math.floor((dn / q) * m1);
  zigK[1] = 0;
  zigW[0] = q / m1;
  zigW[127] = dn / m1;
  zigF[0] = 1;
  zigF[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    zigK[i + 1] = Math.floor((dn / tn) * m1);
    tn = dn;
    zigF[i] = Math.exp(-0.5 * dn * dn);
    zigW[i] = dn / m1;
  }
}

/** Standard normal values from an xoshiro128** stream, its 32-bit words taken in blocks. */
class Normals {
  private readonly words = new Uint32Array(4096);
  private pos = 4096;

  constructor(private readonly rng: Xoshiro128) {}

  private word(): number {
    if (this.pos === this.words.length) {
      this.rng.fillUint32(this.words);
      this.pos = 0;
    }
    return this.words[this.pos++] as number;
  }

  /** Uniform in [0, 1). */
  private uniform(): number {
    return this.word() * 2 ** -32;
  }

  next(): number {
    for (;;) {
      const hz = this.word() | 0;
      const iz = hz & 127;
      if (Math.abs(hz) < (zigK[iz] as number)) return hz * (zigW[iz] as number);
      const x = hz * (zigW[iz] as number);
      if (iz === 0) {
        let xt: number;
        let y: number;
        do {
          xt = -Math.log(1 - this.uniform()) / ZIG_R;
          y = -Math.log(1 - this.uniform());
        } while (y + y < xt * xt);
        return hz > 0 ? ZIG_R + xt : -ZIG_R - xt;
      }
      const fi = zigF[iz] as number;
      if (fi + this.uniform() * ((zigF[iz - 1] as number) - fi) < Math.exp(-0.5 * x * x)) return x;
    }
  }
}

/**
 * Seeded draws (xoshiro128**): H uniform phases, then — as the source is computed, sample by sample — one standard
 * normal value per sample. The reference draws H normal values per sample, scales them by the same σ and merges them
 * linearly (w · (sines + σ·n)), so its noise reaches the output as σ·Σ w_k n_k, a normal variable of standard
 * deviation σ·‖w‖: one draw per sample scaled by ‖w‖ has exactly that distribution, at a ninth of the cost.
 */
export function seededDraws(seed: number, harmonics: number): SourceDraws {
  const rng = Xoshiro128.fromSeed(seed);
  const phase = new Float32Array(harmonics);
  for (let i = 0; i < harmonics; i++) phase[i] = rng.nextFloat();
  return { phase, seed };
}

/** The per-sample normals of seededDraws: the stream after its H phases. */
function normalStream(seed: number, harmonics: number): Normals {
  const rng = Xoshiro128.fromSeed(seed);
  for (let i = 0; i < harmonics; i++) rng.nextFloat();
  return new Normals(rng);
}

/** The per-sample normals of seededDraws as an array (for the reference implementation). */
function seededNormals(seed: number, harmonics: number, samples: number): Float32Array {
  const src = normalStream(seed, harmonics);
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i++) out[i] = src.next();
  return out;
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

type SourceSettings = Pick<VocoderComponent, 'sampleRate' | 'samplesPerFrame' | 'source'>;

function checkDraws(draws: SourceDraws, h: number, len: number): void {
  if (draws.phase.length !== h) throw new RangeError(`source draws: need ${h} phases`);
  const ok = draws.noise ? draws.noise.length === len * h : draws.mergedNoise ? draws.mergedNoise.length === len : draws.seed !== undefined;
  if (!ok) throw new RangeError(`source draws: need ${len} × ${h} noise values, ${len} merged ones, or a seed`);
}

/** The excitation for `f0` (Hz per mel frame), float32 arithmetic as the reference: samplesPerFrame × frames samples. */
export function nsfSourceReference(f0: Float32Array, v: SourceSettings, draws: SourceDraws): Float32Array {
  const spf = v.samplesPerFrame;
  const sr = v.sampleRate;
  const { harmonics: h, sineAmp, noiseStd, voicedThreshold, mergeWeight, mergeBias } = v.source;
  const frames = f0.length;
  const len = frames * spf;
  checkDraws(draws, h, len);
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
  const merged = draws.mergedNoise ?? (perHarmonic ? undefined : seededNormals(draws.seed as number, h, len));
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

/**
 * The excitation for `f0` (Hz per mel frame), phases in float64 (see the module comment): samplesPerFrame × frames
 * samples. Differs from nsfSourceReference only by the reference's float32 rounding of the phases.
 */
export function nsfSource(f0: Float32Array, v: SourceSettings, draws: SourceDraws): Float32Array {
  const spf = v.samplesPerFrame;
  const sr = v.sampleRate;
  const { harmonics: h, sineAmp, noiseStd, voicedThreshold, mergeWeight, mergeBias } = v.source;
  const frames = f0.length;
  const len = frames * spf;
  checkDraws(draws, h, len);
  // Frame phases of every harmonic: 2π·spf·Σ_{j ≤ t} ((k·f0_j / sr) mod 1), frame-major [t·h + k].
  const P = new Float64Array(frames * h);
  for (let k = 0; k < h; k++) {
    let cum = 0;
    for (let t = 0; t < frames; t++) {
      const r = ((k + 1) * (f0[t] as number)) / sr;
      cum += r - Math.floor(r);
      P[t * h + k] = 2 * Math.PI * spf * cum;
    }
  }
  // Per run of samples that share an interpolation interval (torch's taps: ratio float32(1/spf), position
  // r·(s + ½) − ½ clamped at 0) every harmonic's phase is linear in the sample index: sines by rotation, merged
  // (Σ_k w_k · amp · sin).
  const r = f(1 / spf);
  const interval = (s: number): number => {
    const src = r * (s + 0.5) - 0.5;
    return src < 0 ? -1 : Math.min(Math.floor(src), frames - 1);
  };
  let wNorm = 0;
  for (const x of mergeWeight) wNorm += x * x;
  wNorm = Math.sqrt(wNorm);
  const sigmaU = sineAmp / 3;
  const perHarmonic = draws.noise;
  const merged = draws.mergedNoise;
  const normals = !perHarmonic && !merged ? normalStream(draws.seed as number, h) : null;
  const acc = new Float32Array(len);
  const wk = Float64Array.from(mergeWeight, (w) => w * sineAmp);
  let s0 = 0;
  while (s0 < len) {
    const key = interval(s0);
    let s1 = s0 + 1;
    while (s1 < len && interval(s1) === key) s1++;
    const src0 = r * (s0 + 0.5) - 0.5;
    const clamped = key < 0;
    const i0 = clamped ? 0 : key;
    const i1 = i0 + (i0 < frames - 1 ? 1 : 0);
    const l1 = clamped ? 0 : Math.min(Math.max(src0 - i0, 0), 1);
    const slope = clamped || i1 === i0 ? 0 : r;
    if (h * (f0[i1] as number) < sr) {
      // No harmonic's increment wraps in this interval, so harmonic k's phase is k × the fundamental's modulo 2π
      // (the wraps of earlier frames shift it by whole turns: spf × an integer): rotate the fundamental and take the
      // overtones by the Chebyshev recurrence sin(kθ) = 2·cos θ·sin((k−1)θ) − sin((k−2)θ).
      const a = P[i0 * h] as number;
      const d = (P[i1 * h] as number) - a;
      const theta = a + l1 * d;
      let sn = sin(theta);
      let cs = cosOf(theta);
      const sd = Math.sin(slope * d);
      const cd = Math.cos(slope * d);
      if (h === 9) {
        // The published 9 harmonics written out (the weights in locals), summed by Clenshaw's recurrence
        // b_k = w_k + 2·cos θ·b_{k+1} − b_{k+2}, Σ_k w_k·sin(kθ) = b_1·sin θ: one multiply per harmonic.
        const w1 = wk[0] as number;
        const w2 = wk[1] as number;
        const w3 = wk[2] as number;
        const w4 = wk[3] as number;
        const w5 = wk[4] as number;
        const w6 = wk[5] as number;
        const w7 = wk[6] as number;
        const w8 = wk[7] as number;
        const w9 = wk[8] as number;
        for (let s = s0; s < s1; s++) {
          const c2 = 2 * cs;
          const b8 = w8 + c2 * w9;
          const b7 = w7 + c2 * b8 - w9;
          const b6 = w6 + c2 * b7 - b8;
          const b5 = w5 + c2 * b6 - b7;
          const b4 = w4 + c2 * b5 - b6;
          const b3 = w3 + c2 * b4 - b5;
          const b2 = w2 + c2 * b3 - b4;
          const b1 = w1 + c2 * b2 - b3;
          acc[s] = b1 * sn;
          const ns = sn * cd + cs * sd;
          cs = cs * cd - sn * sd;
          sn = ns;
        }
      } else {
        const w0 = wk[0] as number;
        for (let s = s0; s < s1; s++) {
          const twoC = 2 * cs;
          let prev = 0;
          let cur = sn;
          let sum = w0 * sn;
          for (let k = 1; k < h; k++) {
            const next = twoC * cur - prev;
            prev = cur;
            cur = next;
            sum += (wk[k] as number) * next;
          }
          acc[s] = sum;
          const ns = sn * cd + cs * sd;
          cs = cs * cd - sn * sd;
          sn = ns;
        }
      }
    } else {
      for (let k = 0; k < h; k++) {
        const a = P[i0 * h + k] as number;
        const d = (P[i1 * h + k] as number) - a;
        const theta = a + l1 * d;
        let sn = sin(theta);
        let cs = cosOf(theta);
        const sd = Math.sin(slope * d);
        const cd = Math.cos(slope * d);
        const w = wk[k] as number;
        for (let s = s0; s < s1; s++) {
          acc[s] = (acc[s] as number) + w * sn;
          const ns = sn * cd + cs * sd;
          cs = cs * cd - sn * sd;
          sn = ns;
        }
      }
    }
    s0 = s1;
  }
  // Noise, bias and tanh, frame by frame (voicing is per frame); acc becomes the output.
  for (let t = 0; t < frames; t++) {
    const voiced = (f0[t] as number) > voicedThreshold;
    const sigma = (voiced ? noiseStd : sigmaU) * (perHarmonic ? 1 : wNorm);
    for (let s = t * spf; s < (t + 1) * spf; s++) {
      let noise: number;
      if (perHarmonic) {
        noise = 0;
        for (let k = 0; k < h; k++) noise += (mergeWeight[k] as number) * (perHarmonic[s * h + k] as number);
      } else noise = merged ? (merged[s] as number) : (normals as Normals).next();
      acc[s] = tanh(mergeBias + (voiced ? (acc[s] as number) : 0) + sigma * noise);
    }
  }
  return acc;
}

// tanh without a library call (once per output sample, where Math.tanh took a third of the source's time). On
// |x| ≤ 1 — where the merged excitation stays — Lambert's continued fraction x/(1 + x²/(3 + x²/(5 + … x²/17))) as one
// ratio of integer polynomials in x² (the [9/8] Padé approximant): within 3.4e-16 of Math.tanh there (5.6e-16
// relative; measured on 400,001 points). Beyond, (e^{2x} − 1)/(e^{2x} + 1), ±1 past |x| = 20 (1 − tanh 20 ≈ 8e-18;
// e^{2x} would overflow).
function tanh(x: number): number {
  if (x <= 1 && x >= -1) {
    const y = x * x;
    return (x * (34459425 + y * (4729725 + y * (135135 + y * (990 + y))))) / (34459425 + y * (16216200 + y * (945945 + y * (13860 + y * 45))));
  }
  if (x > 20) return 1;
  if (x < -20) return -1;
  const e = Math.exp(2 * x);
  return (e - 1) / (e + 1);
}

function cosOf(x: number): number {
  return sin(x + Math.PI / 2);
}
