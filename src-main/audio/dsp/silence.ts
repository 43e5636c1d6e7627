// Silence removal from speech segments (VAD): every pause longer than the kept pause is cut down to exactly it, leading
// and trailing silence is removed down to a small margin, spans to protect (breaths, when kept) count as speech, and
// every cut is joined with a short equal-power crossfade inside the pause (low energy, so no click). Also finds the
// breaths in pauses, for callers that keep them.

import type { Segment } from '../analysis/common';
import type { AudioData } from '../types';
import { frameCount, toMono } from '../types';

export interface SilenceOptions {
  /** Pauses longer than this are cut down to exactly it (seconds). Default 0.1 (see DEFAULT_KEPT_PAUSE_SEC). */
  maxPauseSec?: number;
  /** Margin kept before the first and after the last speech (seconds). Default 0.03 (see DEFAULT_EDGE_SEC). */
  edgeSec?: number;
  /** Speech segments are widened by this much on each side before pauses are measured. Default 0. */
  padSec?: number;
  /** Crossfade length at each cut (seconds). Default 0.012 (equal power, inside the pause). */
  crossfadeSec?: number;
}

/**
 * Kept pause by default: 100 ms, the gap that editors tighten conversational speech to (Descript's "shorten word
 * gaps" and Audacity's Truncate Silence both default to a few hundred ms at most; 100 ms keeps phrases apart while
 * pauses of 100–300 ms, common in conversation, are tightened rather than left alone).
 */
export const DEFAULT_KEPT_PAUSE_SEC = 0.1;
/**
 * Margin at the ends: one 32 ms Silero window, so that an onset or release the VAD frame grid places a window late is
 * not clipped; everything before and after it goes.
 */
export const DEFAULT_EDGE_SEC = 0.03;
/** Fade at the very start and end of the output, inside the edge margin, so a cut into room tone does not click. */
const END_FADE_SEC = 0.005;

export interface SpanMap {
  /** Kept input ranges in samples [start, end), in order. */
  kept: Array<{ start: number; end: number }>;
}

export interface SilenceResult {
  audio: AudioData;
  map: SpanMap;
}

/**
 * Shortens pauses between `segments` (speech spans in seconds, any order; spans to protect may be included). With no
 * segments (no speech found) the input is returned unchanged: removing everything would be destructive.
 */
export function removeSilences(audio: AudioData, segments: ReadonlyArray<Segment>, opts: SilenceOptions = {}): SilenceResult {
  const sr = audio.sampleRate;
  const n = frameCount(audio);
  const maxPause = Math.max(0, Math.round((opts.maxPauseSec ?? DEFAULT_KEPT_PAUSE_SEC) * sr));
  const edge = Math.max(0, Math.round((opts.edgeSec ?? DEFAULT_EDGE_SEC) * sr));
  const pad = Math.max(0, Math.round((opts.padSec ?? 0) * sr));
  const xf = Math.max(2, Math.round((opts.crossfadeSec ?? 0.012) * sr));
  const speech: Array<{ start: number; end: number }> = [];
  for (const s of [...segments].sort((a, b) => a.start - b.start)) {
    const a = Math.max(0, Math.round(s.start * sr) - pad);
    const b = Math.min(n, Math.round(s.end * sr) + pad);
    if (b <= a) continue;
    const last = speech[speech.length - 1];
    // Pauses up to the kept length stay whole.
    if (last && a <= last.end + maxPause) last.end = Math.max(last.end, b);
    else speech.push({ start: a, end: b });
  }
  if (speech.length === 0 || n === 0) {
    return {
      audio: { sampleRate: sr, channels: audio.channels.map((c) => c.slice()) },
      map: { kept: [{ start: 0, end: n }] },
    };
  }
  // Each longer pause keeps its first and last half of the kept length; the ends keep the edge margin.
  const after = maxPause >> 1;
  const before = maxPause - after;
  const kept: Array<{ start: number; end: number }> = [];
  for (let i = 0; i < speech.length; i++) {
    const s = speech[i]!;
    const lead = i === 0 ? edge : before;
    const tail = i === speech.length - 1 ? edge : after;
    kept.push({ start: Math.max(0, s.start - lead), end: Math.min(n, s.end + tail) });
  }
  // Merge ranges whose removed part would be shorter than a crossfade (the pause stays whole).
  const merged: Array<{ start: number; end: number }> = [];
  for (const k of kept) {
    const last = merged[merged.length - 1];
    if (last && k.start <= last.end + xf) last.end = Math.max(last.end, k.end);
    else merged.push({ ...k });
  }
  // Output: pieces joined with an xf-sample equal-power crossfade; each join overlaps the pieces by xf samples taken
  // from the removed pause (half past the end of one range, half before the start of the next).
  const halfXf = xf >> 1;
  const pieces = merged.map((k, i) => ({
    start: i === 0 ? k.start : Math.max(0, k.start - halfXf),
    end: i === merged.length - 1 ? k.end : Math.min(n, k.end + (xf - halfXf)),
  }));
  let total = 0;
  for (let i = 0; i < pieces.length; i++) total += pieces[i]!.end - pieces[i]!.start - (i > 0 ? xf : 0);
  const fadeIn = new Float32Array(xf);
  const fadeOut = new Float32Array(xf);
  for (let i = 0; i < xf; i++) {
    const t = (i + 0.5) / xf;
    fadeIn[i] = Math.sin((Math.PI / 2) * t);
    fadeOut[i] = Math.cos((Math.PI / 2) * t);
  }
  const channels = audio.channels.map((src) => {
    const out = new Float32Array(total);
    let w = 0;
    for (let p = 0; p < pieces.length; p++) {
      const { start, end } = pieces[p]!;
      const len = end - start;
      if (p === 0) {
        out.set(src.subarray(start, end), 0);
        w = len;
        continue;
      }
      // Overlap the first xf samples of this piece with the last xf samples already written.
      const o = w - xf;
      for (let i = 0; i < xf && i < len; i++) out[o + i] = out[o + i]! * fadeOut[i]! + src[start + i]! * fadeIn[i]!;
      if (len > xf) out.set(src.subarray(start + xf, end), w);
      w = o + len;
    }
    // Fade in and out where the output starts or ends inside material that was cut.
    const fade = Math.min(Math.round(END_FADE_SEC * sr), out.length >> 1);
    if (merged[0]!.start > 0) for (let i = 0; i < fade; i++) out[i]! *= (i + 0.5) / fade;
    if (merged[merged.length - 1]!.end < n) for (let i = 0; i < fade; i++) out[out.length - 1 - i]! *= (i + 0.5) / fade;
    return out;
  });
  return { audio: { sampleRate: sr, channels }, map: { kept: merged } };
}

export interface BreathOptions {
  /** A breath is at least this much louder than the pause's quietest frames (dB). Default 10. */
  aboveFloorDb?: number;
  /** Shortest and longest breath (seconds). Defaults 0.1 and 1.0: inhalations in speech last ~0.2–0.8 s. */
  minSec?: number;
  maxSec?: number;
}

/** Frame of the breath detector: 10 ms, fine enough for a 100 ms breath and coarse enough to smooth noise. */
const BREATH_FRAME_SEC = 0.01;
/** Absolute floor: anything under −70 dBFS RMS is room tone, never a breath. */
const BREATH_MIN_DB = -70;

/**
 * Breaths inside the pauses between `segments`: runs of 10 ms frames at least `aboveFloorDb` above the pause's
 * quietest tenth and above −70 dBFS, lasting `minSec`–`maxSec`. Returns spans in seconds, to be protected by
 * removeSilences when the user keeps breaths.
 */
export function findBreaths(audio: AudioData, segments: ReadonlyArray<Segment>, opts: BreathOptions = {}): Segment[] {
  const sr = audio.sampleRate;
  const x = toMono(audio);
  const hop = Math.max(1, Math.round(BREATH_FRAME_SEC * sr));
  const above = opts.aboveFloorDb ?? 10;
  const minFrames = Math.ceil((opts.minSec ?? 0.1) / BREATH_FRAME_SEC);
  const maxFrames = Math.floor((opts.maxSec ?? 1.0) / BREATH_FRAME_SEC);
  const sorted = [...segments].sort((a, b) => a.start - b.start);
  const gaps: Array<[number, number]> = [];
  let prev = 0;
  for (const s of sorted) {
    if (s.start > prev) gaps.push([prev, s.start]);
    prev = Math.max(prev, s.end);
  }
  if (sorted.length > 0 && prev < x.length / sr) gaps.push([prev, x.length / sr]);
  const out: Segment[] = [];
  for (const [g0, g1] of gaps) {
    const a = Math.round(g0 * sr);
    const frames = Math.floor((Math.round(g1 * sr) - a) / hop);
    if (frames < minFrames) continue;
    const db = new Float64Array(frames);
    for (let f = 0; f < frames; f++) {
      let e = 0;
      for (let i = a + f * hop; i < a + (f + 1) * hop; i++) e += x[i]! * x[i]!;
      db[f] = 10 * Math.log10(e / hop + 1e-20);
    }
    const floor = Float64Array.from(db).sort()[Math.floor(frames / 10)]!;
    const line = Math.max(floor + above, BREATH_MIN_DB);
    let run = -1;
    for (let f = 0; f <= frames; f++) {
      const loud = f < frames && db[f]! >= line;
      if (loud && run < 0) run = f;
      if (!loud && run >= 0) {
        const len = f - run;
        if (len >= minFrames && len <= maxFrames) out.push({ start: (a + run * hop) / sr, end: (a + f * hop) / sr });
        run = -1;
      }
    }
  }
  return out;
}
