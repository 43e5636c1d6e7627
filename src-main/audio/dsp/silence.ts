// Silence removal from speech segments (VAD): long pauses are shortened to a natural length, leading and trailing
// silence trimmed, and every cut joined with a short equal-power crossfade inside the pause (low energy, so no click).

import type { AudioData } from '../types';
import { frameCount } from '../types';

export interface SilenceOptions {
  /** Pauses longer than this are cut down to it (seconds). Default 0.2: a natural breath-group pause. */
  maxPauseSec?: number;
  /** Silence kept before the first and after the last speech (seconds). Default 0.1. */
  edgeSec?: number;
  /** Speech segments are widened by this much on each side so VAD edges never clip a consonant. Default 0.04. */
  padSec?: number;
  /** Crossfade length at each cut (seconds). Default 0.012 (equal power, inside the pause). */
  crossfadeSec?: number;
}

export interface SpanMap {
  /** Kept input ranges in samples [start, end), in order. */
  kept: Array<{ start: number; end: number }>;
}

export interface SilenceResult {
  audio: AudioData;
  map: SpanMap;
}

/**
 * Shortens pauses between `segments` (speech spans in seconds, sorted). With no segments (no speech found) the input is
 * returned unchanged: removing everything would be destructive.
 */
export function removeSilences(
  audio: AudioData,
  segments: ReadonlyArray<{ start: number; end: number }>,
  opts: SilenceOptions = {},
): SilenceResult {
  const sr = audio.sampleRate;
  const n = frameCount(audio);
  const maxPause = Math.round((opts.maxPauseSec ?? 0.2) * sr);
  const edge = Math.round((opts.edgeSec ?? 0.1) * sr);
  const pad = Math.round((opts.padSec ?? 0.04) * sr);
  const xf = Math.max(2, Math.round((opts.crossfadeSec ?? 0.012) * sr));
  const speech: Array<{ start: number; end: number }> = [];
  for (const s of [...segments].sort((a, b) => a.start - b.start)) {
    const a = Math.max(0, Math.round(s.start * sr) - pad);
    const b = Math.min(n, Math.round(s.end * sr) + pad);
    if (b <= a) continue;
    const last = speech[speech.length - 1];
    if (last && a <= last.end + maxPause) last.end = Math.max(last.end, b);
    else speech.push({ start: a, end: b });
  }
  if (speech.length === 0 || n === 0) {
    return {
      audio: { sampleRate: sr, channels: audio.channels.map((c) => c.slice()) },
      map: { kept: [{ start: 0, end: n }] },
    };
  }
  // Ranges to keep: each speech run plus half the allowed pause on either side (the edges get `edge`).
  const halfPause = maxPause >> 1;
  const kept: Array<{ start: number; end: number }> = [];
  for (let i = 0; i < speech.length; i++) {
    const s = speech[i]!;
    const before = i === 0 ? edge : halfPause;
    const after = i === speech.length - 1 ? edge : halfPause;
    kept.push({ start: Math.max(0, s.start - before), end: Math.min(n, s.end + after) });
  }
  // Merge ranges that touch (short pauses stay whole).
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
    return out;
  });
  return { audio: { sampleRate: sr, channels }, map: { kept: merged } };
}
