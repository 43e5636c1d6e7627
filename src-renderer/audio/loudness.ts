// The master meter's maths (ITU-R BS.1770 / EBU R128 for loudness, sample peak for the level): pure, fed with the
// K-weighted and the plain samples that reached the output since the last read, so it is tested without audio.

/** K-weighting as two Web Audio biquads (BS.1770-4 stage 1 shelf and stage 2 high-pass, rate-independent form). */
export const K_WEIGHTING = {
  // Stage 1: +4 dB high shelf at 1682 Hz whose slope is Web Audio's S = 1 (Q = 1/√2, the standard's 0.7072).
  shelf: { frequency: 1681.974, gainDb: 3.99984 },
  // Stage 2: the RLB high-pass at 38 Hz, Q 0.5003.
  highpass: { frequency: 38.13547, q: 0.5003270 },
} as const;

// EBU Tech 3341: momentary loudness over 400 ms, short-term over 3 s.
export const MOMENTARY_SEC = 0.4;
export const SHORT_TERM_SEC = 3;
// Silence reads as this floor rather than −∞.
export const FLOOR_DB = -70;
// The peak reading holds for 1.5 s, then falls 20 dB a second (a common PPM-like ballistics for a sample peak meter).
const PEAK_HOLD_SEC = 1.5;
const PEAK_FALL_DB_PER_SEC = 20;

/** BS.1770's loudness of a sum of channel mean squares (weights 1 for the front channels). */
export function lufs(meanSquareSum: number): number {
  if (!(meanSquareSum > 0)) return FLOOR_DB;
  return Math.max(FLOOR_DB, -0.691 + 10 * Math.log10(meanSquareSum));
}

export function dbfs(amplitude: number): number {
  if (!(amplitude > 0)) return FLOOR_DB;
  return Math.max(FLOOR_DB, 20 * Math.log10(amplitude));
}

interface Block {
  /** Output time at the end of the block, seconds. */
  t: number;
  samples: number;
  /** Σ over channels of the block's Σ x² of the K-weighted signal. */
  energy: number;
}

export interface MeterReading {
  /** Highest sample since the hold began, dBFS (held, then falling). */
  peakDb: number;
  /** Momentary loudness (400 ms), LUFS. */
  momentary: number;
  /** Short-term loudness (3 s), LUFS. */
  shortTerm: number;
}

/** Sliding loudness windows and a held sample peak over the samples the output played. */
export class LoudnessMeter {
  private blocks: Block[] = [];
  private heldPeak = 0;
  private heldAt = -Infinity;

  /**
   * Adds what played up to output time `t` (seconds): per channel, the K-weighted samples (`weighted`) and the plain
   * ones (`plain`), all the same length.
   */
  push(t: number, weighted: readonly Float32Array[], plain: readonly Float32Array[]): void {
    let energy = 0;
    let samples = 0;
    for (const ch of weighted) {
      samples = ch.length;
      let e = 0;
      for (let i = 0; i < ch.length; i++) e += ch[i]! * ch[i]!;
      energy += e;
    }
    let peak = 0;
    for (const ch of plain) for (let i = 0; i < ch.length; i++) peak = Math.max(peak, Math.abs(ch[i]!));
    if (samples > 0) this.blocks.push({ t, samples, energy });
    const horizon = t - SHORT_TERM_SEC - 0.5;
    while (this.blocks.length && this.blocks[0]!.t < horizon) this.blocks.shift();
    if (peak >= this.peakAt(t)) {
      this.heldPeak = peak;
      this.heldAt = t;
    }
  }

  private peakAt(t: number): number {
    const since = t - this.heldAt;
    if (since <= PEAK_HOLD_SEC) return this.heldPeak;
    return this.heldPeak * 10 ** (-(PEAK_FALL_DB_PER_SEC * (since - PEAK_HOLD_SEC)) / 20);
  }

  private windowLoudness(t: number, seconds: number): number {
    let energy = 0;
    let samples = 0;
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const b = this.blocks[i]!;
      if (b.t <= t - seconds) break;
      energy += b.energy;
      samples += b.samples;
    }
    // Mean square per channel summed over channels: Σ_c (Σ x_c² / n) = (Σ_c Σ x_c²) / n.
    return samples > 0 ? lufs(energy / samples) : FLOOR_DB;
  }

  read(t: number): MeterReading {
    return { peakDb: dbfs(this.peakAt(t)), momentary: this.windowLoudness(t, MOMENTARY_SEC), shortTerm: this.windowLoudness(t, SHORT_TERM_SEC) };
  }

  reset(): void {
    this.blocks = [];
    this.heldPeak = 0;
    this.heldAt = -Infinity;
  }
}
