// Small shared pieces of the analysis module: the speech-segment type, percentiles, frame masks.

/** A time span in seconds, start inclusive, end exclusive. */
export interface Segment {
  start: number;
  end: number;
}

/**
 * Percentile p (0..100) of values with linear interpolation between closest ranks (the same rule as NumPy's default),
 * NaN for an empty input. Sorts a copy.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentiles(values, [p])[0]!;
}

export function percentiles(values: ArrayLike<number>, ps: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) return ps.map(() => Number.NaN);
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  return ps.map((p) => {
    const q = Math.min(100, Math.max(0, p));
    const pos = (q / 100) * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    const f = pos - lo;
    return sorted[lo]! * (1 - f) + sorted[hi]! * f;
  });
}

export function sumSegments(segments: readonly Segment[]): number {
  let s = 0;
  for (const g of segments) s += Math.max(0, g.end - g.start);
  return s;
}

/** Per-frame flags for frames centred at i·hopSec that fall inside any segment (segments sorted by start). */
export function segmentMask(segments: readonly Segment[], frames: number, hopSec: number): Uint8Array {
  const mask = new Uint8Array(frames);
  for (const g of segments) {
    const a = Math.max(0, Math.ceil(g.start / hopSec - 1e-9));
    const b = Math.min(frames, Math.ceil(g.end / hopSec - 1e-9));
    for (let i = a; i < b; i++) mask[i] = 1;
  }
  return mask;
}

/** Power ratio in dB with a floor, so that digital silence stays finite. */
export function powerDb(meanSquare: number, floorDb = -120): number {
  return meanSquare > 0 ? Math.max(floorDb, 10 * Math.log10(meanSquare)) : floorDb;
}
