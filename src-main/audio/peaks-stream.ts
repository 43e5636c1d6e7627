// Waveform peaks computed while audio is still arriving: `PeaksBuilder` takes the decoded frames block by block and
// ends with exactly what computePeaks gives for the whole file (same buckets, same quantisation), so the cache written
// after a streamed decode is byte-identical to one computed from the whole decode. While it runs it hands out
// envelopes: the channels merged (min of mins, max of maxes) over groups of a power-of-two number of buckets, the
// levels a renderer can nest (every coarser bucket is a whole number of finer ones).

import { RetakeError } from '../contract/errors';
import { DEFAULT_SAMPLES_PER_PEAK, peakCount, type Peaks } from './peaks';

/** Peaks are stored as value × 32767 (./peaks). */
const Q = 32767;

/** One bucket's quantised pair as computePeaks makes it: min rounded down, max rounded up, clipped to ±1. */
export function quantizeMin(lo: number): number {
  return Math.max(-Q, Math.min(Q, Math.floor(lo * Q)));
}

export function quantizeMax(hi: number): number {
  return Math.max(-Q, Math.min(Q, Math.ceil(hi * Q)));
}

/**
 * The smallest power of two `g` such that buckets of `g × samplesPerPeak` frames cover `frames` in at most
 * `maxBuckets` buckets: the level at which a waveform of that many pairs is sent.
 */
export function levelFor(frames: number, samplesPerPeak: number, maxBuckets: number): number {
  const fine = peakCount(frames, samplesPerPeak);
  let g = 1;
  while (Math.ceil(fine / g) > maxBuckets) g *= 2;
  return g;
}

export class PeaksBuilder {
  private readonly data: Int16Array[];
  private readonly count: number;
  /** Frames pushed so far. */
  private pushed = 0;
  /** Running extremes of the bucket being filled, per channel (a bucket may span blocks). */
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;

  constructor(
    readonly channelCount: number,
    readonly frames: number,
    readonly sampleRate: number,
    readonly samplesPerPeak: number = DEFAULT_SAMPLES_PER_PEAK,
  ) {
    if (!Number.isInteger(samplesPerPeak) || samplesPerPeak < 1) {
      throw new RetakeError('E_VALIDATION', `Cannot compute waveform peaks with ${samplesPerPeak} samples per peak; use a whole number of at least 1.`);
    }
    this.count = peakCount(frames, samplesPerPeak);
    this.data = Array.from({ length: channelCount }, () => new Int16Array(this.count * 2));
    this.lo = new Float64Array(channelCount).fill(Infinity);
    this.hi = new Float64Array(channelCount).fill(-Infinity);
  }

  /** Buckets whose frames have all been pushed. */
  get completed(): number {
    return this.pushed >= this.frames ? this.count : Math.floor(this.pushed / this.samplesPerPeak);
  }

  get done(): boolean {
    return this.pushed >= this.frames;
  }

  /** The next frames, in order: one array per channel, all of the same length (frames beyond `frames` are ignored). */
  push(block: readonly Float32Array[]): void {
    if (block.length !== this.channelCount) {
      throw new RetakeError('E_INTERNAL', `A block of ${block.length} channels was pushed to peaks of ${this.channelCount}.`);
    }
    const n = Math.min(block[0]?.length ?? 0, this.frames - this.pushed);
    const spp = this.samplesPerPeak;
    for (let c = 0; c < this.channelCount; c++) {
      const x = block[c]!;
      const out = this.data[c]!;
      let lo = this.lo[c]!;
      let hi = this.hi[c]!;
      let pos = this.pushed;
      let i = 0;
      while (i < n) {
        const bucket = Math.floor(pos / spp);
        const bucketEnd = Math.min((bucket + 1) * spp, this.frames);
        const stop = Math.min(n, i + (bucketEnd - pos));
        for (let k = i; k < stop; k++) {
          const v = x[k]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        pos += stop - i;
        i = stop;
        if (pos === bucketEnd) {
          // NaN samples compare false both ways; a bucket of only NaN draws as silence (as computePeaks does).
          if (lo === Infinity) lo = hi = 0;
          out[2 * bucket] = quantizeMin(lo);
          out[2 * bucket + 1] = quantizeMax(hi);
          lo = Infinity;
          hi = -Infinity;
        }
      }
      this.lo[c] = lo;
      this.hi[c] = hi;
    }
    this.pushed += n;
  }

  /**
   * The next frames as interleaved 16-bit integers (`x[i × channels + c]`), read as value / 32768 like the WAV
   * decoder does. The extremes are found on the integers and scaled once per bucket: the scaling is exact and
   * monotonic, so the result is the same as pushing the decoded floats, without making them.
   */
  pushInt16(x: Int16Array): void {
    const nc = this.channelCount;
    const n = Math.min(Math.floor(x.length / nc), this.frames - this.pushed);
    const spp = this.samplesPerPeak;
    const INT16_SCALE = 32768;
    for (let c = 0; c < nc; c++) {
      const out = this.data[c]!;
      // Running extremes as integers; a bucket carried over from the previous block starts from its float extremes.
      let lo = this.lo[c] === Infinity ? 32768 : Math.round(this.lo[c]! * INT16_SCALE);
      let hi = this.hi[c] === -Infinity ? -32769 : Math.round(this.hi[c]! * INT16_SCALE);
      let pos = this.pushed;
      let i = 0;
      while (i < n) {
        const bucket = Math.floor(pos / spp);
        const bucketEnd = Math.min((bucket + 1) * spp, this.frames);
        const stop = Math.min(n, i + (bucketEnd - pos));
        for (let k = i * nc + c, end = stop * nc; k < end; k += nc) {
          const v = x[k]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        pos += stop - i;
        i = stop;
        if (pos === bucketEnd) {
          out[2 * bucket] = quantizeMin(lo / INT16_SCALE);
          out[2 * bucket + 1] = quantizeMax(hi / INT16_SCALE);
          lo = 32768;
          hi = -32769;
        }
      }
      this.lo[c] = lo === 32768 ? Infinity : lo / INT16_SCALE;
      this.hi[c] = hi === -32769 ? -Infinity : hi / INT16_SCALE;
    }
    this.pushed += n;
  }

  /** The finished peaks (what computePeaks gives for the whole audio). */
  peaks(): Peaks {
    if (!this.done) {
      throw new RetakeError('E_INTERNAL', `Waveform peaks were asked for after ${this.pushed} of ${this.frames} frames.`);
    }
    return { sampleRate: this.sampleRate, samplesPerPeak: this.samplesPerPeak, frames: this.frames, channels: this.data };
  }

  /**
   * The envelope of groups [from, to) of `group` buckets each (the last group may be partial): per group the min of
   * every channel's mins and the max of their maxes, interleaved [min, max, …] in units of 1/32767. Only groups
   * whose buckets are all completed may be asked for.
   */
  envelope(group: number, from: number, to: number): Int16Array {
    const groups = Math.ceil(this.count / group);
    if (from < 0 || to > groups || from > to || (to * group > this.completed && !(to === groups && this.done))) {
      throw new RetakeError('E_INTERNAL', `Waveform groups ${from}–${to} of ${groups} are not all computed yet.`);
    }
    const out = new Int16Array((to - from) * 2);
    for (let g = from; g < to; g++) {
      let lo = Q;
      let hi = -Q;
      const end = Math.min(this.count, (g + 1) * group);
      for (const ch of this.data) {
        for (let b = g * group; b < end; b++) {
          if (ch[2 * b]! < lo) lo = ch[2 * b]!;
          if (ch[2 * b + 1]! > hi) hi = ch[2 * b + 1]!;
        }
      }
      out[2 * (g - from)] = lo;
      out[2 * (g - from) + 1] = hi;
    }
    return out;
  }
}
