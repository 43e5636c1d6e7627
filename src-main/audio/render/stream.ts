// Streaming counterparts of the meters and the limiter, for renders too long to hold in memory: a true-peak meter that
// reads blocks as they come, and a true-peak limiter that processes a signal chunk by chunk from a random-access
// source. Both do the same arithmetic as their whole-signal versions (analysis/loudness.ts truePeak,
// dsp/dynamics.ts limiterGain), carrying state across chunk edges, so a render's figures do not depend on its chunking.

import { truePeakInterpolator } from '../analysis/loudness';
import { truePeakEnvelope } from '../dsp/dynamics';

/** Samples per block of the meter's skip test (as the whole-signal meter). */
const TP_BLOCK = 32;

/**
 * True peak (BS.1770-4 Annex 2, the analysis meter's interpolator) of blocks pushed in order: each position is
 * interpolated once its taps' samples have arrived (one block of delay); `finish` treats what follows the end as silence,
 * as the whole-signal meter does. As that meter, it interpolates only 32-sample blocks whose neighbourhood could beat
 * the running maximum (l1 · max |x| under their taps), so its result is exact and its cost mostly one pass over the
 * samples. A pushed block is kept (not copied) until the next push.
 */
export class TruePeakMeter {
  private readonly phases: Float64Array[];
  private readonly l1: number;
  private readonly taps: number;
  private readonly half: number;
  /** Per channel: the last taps samples before the pending block. */
  private tail: Float32Array[];
  private pending: readonly Float32Array[] | null = null;
  private best = 0;

  /**
   * `floor`: a level already known to be reached (linear); blocks that cannot exceed it are not interpolated, and the
   * result is max(floor, true peak) — exact whenever the true peak is above the floor.
   */
  constructor(
    sampleRate: number,
    readonly channels: number,
    floor = 0,
  ) {
    this.best = floor;
    const ip = truePeakInterpolator(sampleRate);
    this.phases = ip.phases;
    this.l1 = ip.l1;
    this.taps = ip.taps;
    this.half = ip.taps / 2;
    this.tail = Array.from({ length: channels }, () => new Float32Array(0));
  }

  push(block: readonly Float32Array[]): void {
    if (this.pending) this.measure(this.pending, block);
    this.pending = block;
  }

  /** The true peak (linear) of everything pushed. */
  finish(): number {
    if (this.pending) this.measure(this.pending, null);
    this.pending = null;
    return this.best;
  }

  /** Measures the positions of `cur`, with the previous samples in `tail` and the next block's start in `next`. */
  private measure(cur: readonly Float32Array[], next: readonly Float32Array[] | null): void {
    const L = this.phases.length;
    const h = this.half;
    const T = this.taps;
    for (let c = 0; c < this.channels; c++) {
      const x = cur[c]!;
      const n = x.length;
      const left = this.tail[c]!;
      const right = next ? next[c]!.subarray(0, h) : null;
      // Sample at position i of cur (i may reach into the tail or the next block; zero beyond them).
      const at = (i: number): number => (i >= 0 ? (i < n ? x[i]! : right && i - n < right.length ? right[i - n]! : 0) : i >= -left.length ? left[left.length + i]! : 0);
      // Sample peak and the largest |x| of each 32-sample block, in one pass.
      const blocks = Math.ceil(n / TP_BLOCK);
      const blockMax = new Float64Array(blocks);
      for (let b = 0; b < blocks; b++) {
        let m = 0;
        const end = Math.min(n, (b + 1) * TP_BLOCK);
        for (let i = b * TP_BLOCK; i < end; i++) {
          const v = Math.abs(x[i]!);
          if (v > m) m = v;
        }
        blockMax[b] = m;
        if (m > this.best) this.best = m;
      }
      if (L === 1) continue;
      let edgeLeft = 0;
      for (let i = 0; i < left.length; i++) edgeLeft = Math.max(edgeLeft, Math.abs(left[i]!));
      let edgeRight = 0;
      if (right) for (let i = 0; i < right.length; i++) edgeRight = Math.max(edgeRight, Math.abs(right[i]!));
      for (let b = 0; b < blocks; b++) {
        // The taps of block b's positions reach into blocks b − 1 … b + 1 (or the neighbouring pushes at the edges).
        const m = Math.max(b > 0 ? blockMax[b - 1]! : edgeLeft, blockMax[b]!, b + 1 < blocks ? blockMax[b + 1]! : edgeRight);
        if (this.l1 * m <= this.best) continue;
        const end = Math.min(n, (b + 1) * TP_BLOCK);
        for (let i = b * TP_BLOCK; i < end; i++) {
          const base = i - h + 1;
          const inside = base >= 0 && base + T <= n;
          for (let p = 1; p < L; p++) {
            const hp = this.phases[p]!;
            let acc = 0;
            if (inside) for (let j = 0; j < T; j++) acc += hp[j]! * x[base + j]!;
            else for (let j = 0; j < T; j++) acc += hp[j]! * at(base + j);
            const v = Math.abs(acc);
            if (v > this.best) this.best = v;
          }
        }
      }
      // Keep the last taps samples (cur's end, after what came before) for the next block's left reach.
      const keep = new Float32Array(Math.min(T, left.length + n));
      for (let k = 0; k < keep.length; k++) keep[k] = at(n - keep.length + k);
      this.tail[c] = keep;
    }
  }
}

export interface LimiterSettings {
  sampleRate: number;
  /** Ceiling (linear) the gained, limited signal's true-peak envelope stays under. */
  ceiling: number;
  /** Static gain applied before limiting (linear). */
  preGain: number;
  /** Frames of the whole signal (positions past it count as outside the signal, as the whole-signal limiter treats them). */
  frames: number;
  /** Look-ahead/attack and release, as dsp/dynamics.ts (defaults 5 ms and 80 ms). */
  attackSec?: number;
  releaseSec?: number;
}

/**
 * The true-peak limiter of dsp/dynamics.ts (need = ceiling / envelope, a ±attack sliding minimum, a release toward 1,
 * a ±attack/2 box average, gain never above the released gain) run chunk by chunk over a random-access source: each chunk
 * reads the context it needs around itself, and the release state and the released values the average reaches back to
 * are carried from the chunk before.
 */
export class StreamLimiter {
  private readonly att: number;
  private readonly halfAvg: number;
  private readonly rel: number;
  private readonly half: number;
  /** Released gain at the last position of the previous chunk (1 before the signal). */
  private g = 1;
  /** The last halfAvg released values of the previous chunk. */
  private prevReleased: Float32Array;
  private next = 0;
  /** Whether any sample needed limiting so far. */
  limited = false;

  constructor(private readonly s: LimiterSettings) {
    this.att = Math.max(1, Math.round((s.attackSec ?? 0.005) * s.sampleRate));
    this.halfAvg = this.att >> 1;
    this.rel = 1 - Math.exp(-1 / ((s.releaseSec ?? 0.08) * s.sampleRate));
    this.half = truePeakInterpolator(s.sampleRate).taps / 2;
    this.prevReleased = new Float32Array(this.halfAvg).fill(1);
  }

  /**
   * Frames [a, b) of the limited signal (preGain · x · gain). `read(from, to)` returns the un-gained source for any
   * range (zeros outside the signal). Chunks must come in order without gaps.
   */
  process(a: number, b: number, read: (from: number, to: number) => Float32Array[]): Float32Array[] {
    if (a !== this.next) throw new RangeError(`Limiter chunks must follow each other (expected ${this.next}, got ${a}).`);
    this.next = b;
    const { att, halfAvg, half } = this;
    const n = this.s.frames;
    const pre = this.s.preGain;
    const ceiling = this.s.ceiling;
    // Needs over [a − att, b + halfAvg + att); envelope values there need the source within ±half of them.
    const needFrom = a - att;
    const needTo = b + halfAvg + att;
    const srcFrom = needFrom - half;
    const srcTo = needTo + half;
    const x = read(srcFrom, srcTo);
    const env = truePeakEnvelope({ sampleRate: this.s.sampleRate, channels: x }, ceiling / pre);
    const need = new Float32Array(needTo - needFrom);
    for (let i = needFrom; i < needTo; i++) {
      if (i < 0 || i >= n) {
        need[i - needFrom] = 1;
        continue;
      }
      const e = env[i - srcFrom]! * pre;
      need[i - needFrom] = e > ceiling ? ceiling / e : 1;
      if (e > ceiling) this.limited = true;
    }
    const out = x.map(() => new Float32Array(b - a));
    // Nothing to limit here and nothing carried over: the gain is 1 throughout (the common case, kept cheap).
    let quiet = this.g === 1;
    for (let k = 0; quiet && k < need.length; k++) if (need[k]! < 1) quiet = false;
    for (let k = 0; quiet && k < this.prevReleased.length; k++) if (this.prevReleased[k]! < 1) quiet = false;
    if (quiet) {
      for (let c = 0; c < x.length; c++) for (let i = a; i < b; i++) out[c]![i - a] = x[c]![i - srcFrom]! * pre;
      this.prevReleased.fill(1);
      return out;
    }
    // Held: the minimum need within ±att, for [a, b + halfAvg) (a monotonic deque over the needs; positions outside
    // the signal need 1, which never lowers a minimum).
    const heldFrom = a;
    const heldTo = b + halfAvg;
    const held = new Float32Array(heldTo - heldFrom);
    const dq = new Int32Array(need.length);
    let head = 0;
    let tail = 0;
    let nextIn = 0;
    for (let i = heldFrom; i < heldTo; i++) {
      const hi = i + att - needFrom;
      while (nextIn <= hi) {
        while (tail > head && need[dq[tail - 1]!]! >= need[nextIn]!) tail--;
        dq[tail++] = nextIn++;
      }
      while (dq[head]! < i - att - needFrom) head++;
      held[i - heldFrom] = need[dq[head]!]!;
    }
    // Release forward from the carried state; the state at b − 1 is what the next chunk continues from.
    const released = new Float32Array(held.length);
    let g = this.g;
    let gAtEnd = g;
    for (let i = heldFrom; i < heldTo; i++) {
      g = Math.min(held[i - heldFrom]!, g + (1 - g) * this.rel);
      released[i - heldFrom] = g;
      if (i === b - 1) gAtEnd = g;
    }
    const releasedAt = (i: number): number => {
      if (i < 0 || i >= n) return 1;
      if (i < a) return this.prevReleased[this.halfAvg - (a - i)]!;
      return released[i - heldFrom]!;
    };
    // Box average over [i − halfAvg, i + halfAvg] as a running sum (outside the signal the gain counts as 1).
    let sum = 0;
    for (let j = a - halfAvg; j <= a + halfAvg; j++) sum += releasedAt(j);
    const width = 2 * halfAvg + 1;
    for (let i = a; i < b; i++) {
      if (i > a) sum += releasedAt(i + halfAvg) - releasedAt(i - halfAvg - 1);
      // The whole-signal limiter's cap is the released gain itself (its release overwrites the held values in place).
      const gain = Math.fround(Math.min(released[i - heldFrom]!, sum / width));
      for (let c = 0; c < x.length; c++) out[c]![i - a] = x[c]![i - srcFrom]! * pre * gain;
    }
    this.g = gAtEnd;
    const keep = new Float32Array(this.halfAvg);
    for (let k = 0; k < this.halfAvg; k++) keep[k] = releasedAt(b - this.halfAvg + k);
    this.prevReleased = keep;
    return out;
  }
}
