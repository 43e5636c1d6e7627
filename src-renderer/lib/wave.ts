// Waveform data for drawing, with no DOM: a file's peaks as min/max per bucket with halved levels above them (so a
// pixel column at any zoom reads one or two buckets), the waveform of a file still being imported assembled from
// `import.peaks` messages (coarse first, the finest kept per span), and the pauses found in a waveform (snap targets).

/** What the lanes draw from: the min and max of the signal over a span of the file, in seconds. */
export interface Wave {
  readonly durationSec: number;
  /** [min, max] over [t0, t1) seconds (values −1..1), or null where nothing is known yet. */
  range(t0: number, t1: number): [number, number] | null;
}

interface Level {
  bucketSec: number;
  min: Float32Array;
  max: Float32Array;
}

function halve(l: Level): Level {
  const n = Math.ceil(l.min.length / 2);
  const min = new Float32Array(n);
  const max = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = 2 * i;
    const b = Math.min(a + 1, l.min.length - 1);
    min[i] = Math.min(l.min[a]!, l.min[b]!);
    max[i] = Math.max(l.max[a]!, l.max[b]!);
  }
  return { bucketSec: l.bucketSec * 2, min, max };
}

function levelRange(levels: readonly Level[], t0: number, t1: number): [number, number] | null {
  // The coarsest level with at least four buckets in the span: reading whole buckets then overshoots the span by at
  // most a quarter of it, while a column still reads only a handful of values.
  const span = t1 - t0;
  let k = 0;
  while (k + 1 < levels.length && levels[k + 1]!.bucketSec * 4 <= span) k++;
  const l = levels[k]!;
  const n = l.min.length;
  if (n === 0) return null;
  const i0 = Math.max(0, Math.floor(t0 / l.bucketSec));
  const i1 = Math.min(n - 1, Math.max(i0, Math.ceil(t1 / l.bucketSec) - 1));
  if (i0 >= n) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = i0; i <= i1; i++) {
    if (l.min[i]! < lo) lo = l.min[i]!;
    if (l.max[i]! > hi) hi = l.max[i]!;
  }
  return [lo, hi];
}

// The core's peak files hold one min/max pair per 256 samples (src-main/audio/peaks.ts) and a request for fewer
// buckets merges whole pairs, so a bucket is always a multiple of 256 samples; knowing that, the bucket length is
// exact and an hour's waveform does not drift against the audio by the rounding of frames / buckets.
const CORE_SAMPLES_PER_PEAK = 256;

/** Samples per bucket of a `media.peaks` answer with `buckets` buckets for `frames` frames. */
export function samplesPerBucket(frames: number, buckets: number): number {
  if (buckets <= 0) return 1;
  const raw = frames / buckets;
  // Only a file shorter than half a pair gives less: its one bucket is the whole file.
  return raw < CORE_SAMPLES_PER_PEAK / 2 ? raw : CORE_SAMPLES_PER_PEAK * Math.max(1, Math.round(raw / CORE_SAMPLES_PER_PEAK));
}

/** A whole file's waveform, from the core's `media.peaks` ([max[], min[]]). */
export class FileWave implements Wave {
  readonly durationSec: number;
  readonly bucketSec: number;
  private readonly levels: Level[];

  constructor(max: ArrayLike<number>, min: ArrayLike<number>, bucketSec: number, durationSec: number) {
    const n = Math.min(max.length, min.length);
    const base: Level = { bucketSec, min: Float32Array.from({ length: n }, (_, i) => min[i]!), max: Float32Array.from({ length: n }, (_, i) => max[i]!) };
    this.levels = [base];
    while (this.levels.at(-1)!.min.length > 1) this.levels.push(halve(this.levels.at(-1)!));
    this.bucketSec = bucketSec;
    this.durationSec = durationSec;
  }

  /** From a `media.peaks` answer for a file of `frames` frames at `sampleRate`. */
  static fromCore(peaks: readonly (readonly number[])[], frames: number, sampleRate: number): FileWave {
    const max = peaks[0] ?? [];
    const min = peaks[1] ?? max.map((v) => -Math.abs(v));
    const spb = samplesPerBucket(frames, max.length);
    return new FileWave(max, min, spb / sampleRate, frames / sampleRate);
  }

  get buckets(): number {
    return this.levels[0]!.min.length;
  }

  range(t0: number, t1: number): [number, number] | null {
    return levelRange(this.levels, t0, t1);
  }

  /** The envelope at its own resolution (max |value| per bucket), for scans such as pause detection. */
  magnitudes(): Float32Array {
    const l = this.levels[0]!;
    return Float32Array.from({ length: l.min.length }, (_, i) => Math.max(Math.abs(l.min[i]!), Math.abs(l.max[i]!)));
  }
}

/** One `import.peaks` message's data (see the contract's Events). */
export interface PeaksChunk {
  durationSec: number;
  bucketSec: number;
  start: number;
  /** Interleaved [min, max] pairs. */
  peaks: readonly number[];
}

/**
 * The waveform of a file being imported, built from the messages as they arrive: each resolution (bucket length) is
 * kept apart, and a span is drawn from the finest one that has it, so a coarse overview shows at once and the detail
 * fills in behind the decoder.
 */
export class StreamedWave implements Wave {
  durationSec = 0;
  /** Resolutions by bucket length, finest first. */
  private res: { bucketSec: number; min: Float32Array; max: Float32Array; known: Uint8Array }[] = [];
  /** How many buckets of the finest resolution are known (for progress in tests and the UI). */
  finestKnown = 0;

  add(chunk: PeaksChunk): void {
    if (chunk.durationSec > this.durationSec) this.durationSec = chunk.durationSec;
    if (!(chunk.bucketSec > 0) || chunk.durationSec <= 0) return;
    let r = this.res.find((x) => Math.abs(x.bucketSec - chunk.bucketSec) < 1e-9);
    if (!r) {
      const n = Math.ceil(chunk.durationSec / chunk.bucketSec);
      r = { bucketSec: chunk.bucketSec, min: new Float32Array(n), max: new Float32Array(n), known: new Uint8Array(n) };
      this.res.push(r);
      this.res.sort((a, b) => a.bucketSec - b.bucketSec);
    }
    const pairs = Math.floor(chunk.peaks.length / 2);
    for (let k = 0; k < pairs; k++) {
      const i = chunk.start + k;
      if (i < 0 || i >= r.known.length) continue;
      r.min[i] = chunk.peaks[2 * k]!;
      r.max[i] = chunk.peaks[2 * k + 1]!;
      r.known[i] = 1;
    }
    const finest = this.res[0]!;
    let known = 0;
    for (let i = 0; i < finest.known.length; i++) known += finest.known[i]!;
    this.finestKnown = known;
  }

  get empty(): boolean {
    return this.res.length === 0;
  }

  range(t0: number, t1: number): [number, number] | null {
    for (const r of this.res) {
      const n = r.known.length;
      const i0 = Math.max(0, Math.floor(t0 / r.bucketSec));
      const i1 = Math.min(n - 1, Math.max(i0, Math.ceil(t1 / r.bucketSec) - 1));
      if (i0 >= n) continue;
      let lo = Infinity;
      let hi = -Infinity;
      let any = false;
      for (let i = i0; i <= i1; i++) {
        if (!r.known[i]) continue;
        any = true;
        if (r.min[i]! < lo) lo = r.min[i]!;
        if (r.max[i]! > hi) hi = r.max[i]!;
      }
      if (any) return [lo, hi];
    }
    return null;
  }
}

/** A pause: a span (seconds into the file) quieter than the threshold for at least the minimum length. */
export interface Pause {
  start: number;
  end: number;
}

// Speech pauses worth cutting at: 150 ms or longer (shorter gaps are stop closures inside words), at least 30 dB
// below the file's loudest peak and never louder than −45 dBFS, i.e. room tone rather than a soft syllable.
export const PAUSE_MIN_SEC = 0.15;
const PAUSE_BELOW_PEAK_DB = 30;
const PAUSE_MAX_DBFS = -45;

/** The pauses in an envelope of magnitudes (one per `bucketSec`), for snapping: a cheap scan of the peaks. */
export function findPauses(magnitudes: ArrayLike<number>, bucketSec: number, minSec = PAUSE_MIN_SEC): Pause[] {
  let peak = 0;
  for (let i = 0; i < magnitudes.length; i++) peak = Math.max(peak, magnitudes[i]!);
  if (peak <= 0) return [];
  const threshold = Math.min(peak * 10 ** (-PAUSE_BELOW_PEAK_DB / 20), 10 ** (PAUSE_MAX_DBFS / 20));
  const out: Pause[] = [];
  let runStart = -1;
  const close = (end: number) => {
    if (runStart >= 0 && (end - runStart) * bucketSec >= minSec) out.push({ start: runStart * bucketSec, end: end * bucketSec });
    runStart = -1;
  };
  for (let i = 0; i < magnitudes.length; i++) {
    if (magnitudes[i]! <= threshold) {
      if (runStart < 0) runStart = i;
    } else close(i);
  }
  close(magnitudes.length);
  return out;
}
