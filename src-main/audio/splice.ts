// Region edits at the sample level: where to cut (the window planner: a range widened to nearby pauses and split at
// pauses into windows an engine accepts, each cut placed at the quietest crossfade position), and how edited windows go
// back (an equal-power crossfade at every junction). Pure functions over AudioData and frame positions; the edit loop
// (engines/edit-loop.ts) drives them.
//
// Geometry. A plan has cuts c0 < c1 < … < ck in frames of the input. Window j is what the engine edits:
// input[cj, cj+1 + f) — the f frames past its end overlap the next piece, so every junction has both sides' audio for
// a crossfade over input[c, c + f). Pieces in order: the untouched head input[0, c0 + f), the edited windows, the
// untouched tail input[ck, n). A piece at the file's start has no head overlap, one at the file's end no tail overlap
// (c0 = 0 or ck = n). An edited window is assumed to keep its first and last f frames in place (engines change timing
// inside speech, and the cuts sit in pauses): its head and tail overlaps crossfade with its neighbours.

import type { Segment } from './analysis/common';
import { frameCount, type AudioData } from './types';

/**
 * Crossfade length: 20 ms. Longer than one period of the lowest speaking voices (~80 Hz → 12.5 ms), so a junction
 * never cuts a period in two audibly; short enough to sit inside the shortest pause the VAD reports (its 100 ms minimum
 * silence) with room to slide to the quietest spot.
 */
export const CROSSFADE_SEC = 0.02;
/**
 * How far a range edge may move to reach a pause: 2 s. Read speech pauses every 1.5–3 s at phrase boundaries
 * (Goldman-Eisler's breath groups), so a pause is nearly always within reach without dragging much unasked-for speech
 * into the edit.
 */
export const WIDEN_REACH_SEC = 2;
/** Without a pause in reach, an edge moves to the quietest crossfade position within this much (a breath, a stop). */
export const FALLBACK_REACH_SEC = 0.25;
/** Resolution of the quietest-position search: 1 ms (a crossfade placed 1 ms off the optimum changes nothing audible). */
const ENERGY_HOP_SEC = 0.001;

export interface FrameSpan {
  start: number;
  end: number;
}

export interface WindowPlanInput {
  /** Length of the input in frames. */
  frames: number;
  sampleRate: number;
  /** What the user asked to change, frames [start, end). */
  range: FrameSpan;
  /** Move the range's edges out to nearby pauses (region edits); false keeps them (whole-clip edits). */
  widen: boolean;
  /** Speech segments of the input in seconds (VAD); null when unknown (edges then go to the quietest nearby spot). */
  speech: readonly Segment[] | null;
  /** Longest window one engine run accepts, in frames (its maxInputSeconds), or null for no limit. */
  maxFrames: number | null;
  /** Crossfade length in frames. */
  fade: number;
  /**
   * The quietest crossfade start in [from, to] (frames), ties nearest `prefer`; without it, cuts go to `prefer` (the
   * nearest admissible position), which is what a plan made without the audio (a preview) can do.
   */
  quietest?: (from: number, to: number, prefer: number) => number;
}

export interface WindowPlan {
  /** Cut positions c0 < … < ck (frames): window j is [cj, cj+1), edited with f frames of overlap past its end. */
  cuts: number[];
  fade: number;
  frames: number;
  /** How far each edge moved out, in frames (0 when not widened). */
  widenedBy: { left: number; right: number };
  /** Per edge, what it landed on: a VAD pause, the quietest nearby spot, or the range itself. */
  edges: { left: EdgeKind; right: EdgeKind };
}

export type EdgeKind = 'pause' | 'quiet' | 'range' | 'file';

/** The frames one window's engine run reads: [cj, cj+1 + f), without the overlap at the file's end. */
export function windowInput(plan: Pick<WindowPlan, 'cuts' | 'fade' | 'frames'>, j: number): FrameSpan {
  const a = plan.cuts[j]!;
  const b = plan.cuts[j + 1]!;
  return { start: a, end: Math.min(plan.frames, b + plan.fade) };
}

/** Pauses: the gaps between speech segments, including before the first and after the last, in frames. */
export function pausesOf(speech: readonly Segment[], frames: number, sampleRate: number): FrameSpan[] {
  const out: FrameSpan[] = [];
  let at = 0;
  for (const g of [...speech].sort((a, b) => a.start - b.start)) {
    const s = Math.max(0, Math.min(frames, Math.round(g.start * sampleRate)));
    const e = Math.max(s, Math.min(frames, Math.round(g.end * sampleRate)));
    if (s > at) out.push({ start: at, end: s });
    at = Math.max(at, e);
  }
  if (at < frames) out.push({ start: at, end: frames });
  return out;
}

/**
 * The quietest crossfade start in [from, to] for crossfades of `fade` frames: the position whose fade window holds the
 * least energy (all channels), searched on a 1 ms grid. Ties go to the position nearest `prefer`.
 */
export function quietestStart(audio: AudioData, from: number, to: number, fade: number, prefer = from): number {
  const n = frameCount(audio);
  const lo = Math.max(0, Math.min(from, n - fade));
  const hi = Math.max(lo, Math.min(to, n - fade));
  if (hi <= lo) return lo;
  const hop = Math.max(1, Math.round(ENERGY_HOP_SEC * audio.sampleRate));
  // Energy per hop-sized block over [lo, hi + fade), then a sliding sum over the blocks one fade covers.
  const blocks = Math.ceil((hi + fade - lo) / hop);
  const e = new Float64Array(blocks);
  for (const ch of audio.channels) {
    for (let b = 0; b < blocks; b++) {
      const s = lo + b * hop;
      const t = Math.min(n, s + hop);
      let acc = 0;
      for (let i = s; i < t; i++) acc += ch[i]! * ch[i]!;
      e[b]! += acc;
    }
  }
  const span = Math.max(1, Math.round(fade / hop));
  let best = lo;
  let bestE = Infinity;
  let acc = 0;
  for (let b = 0; b < Math.min(span, blocks); b++) acc += e[b]!;
  for (let b = 0; lo + b * hop <= hi; b++) {
    const pos = lo + b * hop;
    if (acc < bestE - 1e-18 || (Math.abs(acc - bestE) <= 1e-18 && Math.abs(pos - prefer) < Math.abs(best - prefer))) {
      bestE = acc;
      best = pos;
    }
    acc -= e[b]!;
    if (b + span < blocks) acc += e[b + span]!;
  }
  return best;
}

/**
 * Plans a region edit: the range widened to nearby pauses (or kept), then split at pauses into windows of at most
 * maxFrames (overlap included). Every cut is a crossfade start placed at the quietest spot available.
 */
export function planWindows(p: WindowPlanInput): WindowPlan {
  const n = p.frames;
  const f = Math.max(0, Math.min(p.fade, n));
  const start = Math.max(0, Math.min(n, Math.floor(p.range.start)));
  const end = Math.max(start, Math.min(n, Math.ceil(p.range.end)));
  if (end - start <= 0) throw new RangeError('An edit range must hold at least one frame.');
  const sr = p.sampleRate;
  const quiet = p.quietest ?? ((a: number, b: number, prefer: number) => Math.max(a, Math.min(b, prefer)));
  const pauses = p.speech ? pausesOf(p.speech, n, sr) : null;
  const reach = Math.round(WIDEN_REACH_SEC * sr);
  const fallback = Math.round(FALLBACK_REACH_SEC * sr);

  let c0: number;
  let left: EdgeKind;
  if (start <= f) {
    c0 = 0;
    left = 'file';
  } else if (!p.widen) {
    // The junction's crossfade ends where the range starts, so the range itself is edited audio throughout.
    c0 = start - f;
    left = 'range';
  } else {
    const inPause = pauses?.find((q) => q.start <= start && start < q.end);
    const before = pauses
      ?.filter((q) => q.end <= start && q.end >= start - reach && q.end - q.start >= f)
      .sort((a, b) => b.end - a.end)[0];
    const q = inPause ?? before;
    if (q) {
      c0 = quiet(Math.max(q.start, start - reach), Math.min(start, q.end - f), start);
      left = 'pause';
    } else {
      c0 = quiet(Math.max(0, start - fallback), start, start);
      left = 'quiet';
    }
    c0 = Math.min(c0, start);
    if (c0 <= f) {
      c0 = 0;
      left = 'file';
    }
  }

  let ck: number;
  let right: EdgeKind;
  if (end >= n - f) {
    ck = n;
    right = 'file';
  } else if (!p.widen) {
    ck = end;
    right = 'range';
  } else {
    const inPause = pauses?.find((q) => q.start <= end && end < q.end && q.end - end >= f);
    const after = pauses
      ?.filter((q) => q.start >= end && q.start <= end + reach && q.end - q.start >= f)
      .sort((a, b) => a.start - b.start)[0];
    const q = inPause ?? after;
    if (q) {
      ck = quiet(Math.max(end, q.start), Math.min(q.end - f, end + reach), end);
      right = 'pause';
    } else {
      ck = quiet(end, Math.min(n - f, end + fallback), end);
      right = 'quiet';
    }
    ck = Math.max(ck, end);
    if (ck >= n - f) {
      ck = n;
      right = 'file';
    }
  }

  const cuts = [c0];
  const max = p.maxFrames;
  if (max !== null) {
    if (max <= 2 * f + 1) throw new RangeError(`A window of ${max} frames cannot hold two crossfades of ${f}.`);
    let pos = c0;
    // A window's engine input is [c, next + f): its body may span max − f frames.
    const body = max - f;
    while (ck - pos > body || (ck < n && ck - pos + f > max)) {
      const lim = pos + body;
      const minCut = pos + Math.floor(body / 2);
      const q = pauses
        ?.filter((g) => g.end - f > minCut && g.start < lim && g.end - g.start >= f)
        .sort((a, b) => b.start - a.start)[0];
      let c: number;
      if (q) c = quiet(Math.max(q.start, minCut), Math.min(q.end - f, lim), Math.min(q.end - f, lim));
      else c = quiet(minCut, lim, lim);
      c = Math.max(pos + 1, Math.min(lim, c));
      cuts.push(c);
      pos = c;
    }
  }
  cuts.push(ck);
  return { cuts, fade: f, frames: n, widenedBy: { left: start - c0, right: ck - end }, edges: { left, right } };
}

/** Equal-power fade-in gain at position k of a crossfade of length f (the fade-out is its mirror, cos). */
function fadeIn(k: number, f: number): number {
  return Math.sin((Math.PI / 2) * ((k + 0.5) / f));
}

export interface SplicedSpan {
  /** The changed frames of the output, crossfades included: [start, end). */
  start: number;
  end: number;
  /** The frames of the input they replace. */
  parentStart: number;
  parentEnd: number;
}

export interface SpliceResult {
  audio: AudioData;
  /** One span for the edited windows (they are contiguous). */
  span: SplicedSpan;
  /** Output position of every cut (the same cuts, after the edit): where a following iteration's windows start. */
  cuts: number[];
}

/**
 * Puts edited windows back into the input. `edited[j]` is window j's engine output (fitted or not). Junctions
 * crossfade over `plan.fade` frames with equal power (sin/cos), so every junction's level stays constant for
 * uncorrelated sides and the slope a crossfade adds is bounded by π/(2f) times the sides' amplitude.
 */
export function spliceWindows(
  input: AudioData,
  plan: WindowPlan,
  edited: readonly AudioData[],
  opts: { inPlace?: boolean } = {},
): SpliceResult {
  const n = frameCount(input);
  const { cuts, fade: f } = plan;
  const k = cuts.length - 1;
  if (edited.length !== k) throw new RangeError(`Expected ${k} edited windows, got ${edited.length}.`);
  const c0 = cuts[0]!;
  const ck = cuts[k]!;
  if (opts.inPlace && edited.every((e, j) => frameCount(e) === windowInput(plan, j).end - windowInput(plan, j).start)) {
    return spliceInPlace(input, plan, edited);
  }
  // Pieces in output order, each [from, to) of its own audio; neighbours overlap by f frames.
  interface Piece {
    audio: AudioData;
    from: number;
    to: number;
  }
  const pieces: Piece[] = [];
  if (c0 > 0) pieces.push({ audio: input, from: 0, to: Math.min(n, c0 + f) });
  for (let j = 0; j < k; j++) {
    const m = frameCount(edited[j]!);
    const headOverlap = c0 > 0 || j > 0 ? f : 0;
    const tailOverlap = j < k - 1 || ck < n ? f : 0;
    if (m < headOverlap + tailOverlap + 1) {
      throw new RangeError(`Edited window ${j + 1} has ${m} frames, fewer than its two crossfades need.`);
    }
    pieces.push({ audio: edited[j]!, from: 0, to: m });
  }
  if (ck < n) pieces.push({ audio: input, from: ck, to: n });

  let total = 0;
  for (const p of pieces) total += p.to - p.from;
  total -= f * (pieces.length - 1);
  const channels = input.channels.map(() => new Float32Array(total));
  const outCuts: number[] = [];
  let o = 0;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    const head = i > 0 ? f : 0;
    // The head overlap was written as the crossfade with the previous piece.
    if (i > 0) {
      const prev = pieces[i - 1]!;
      const at = o - f;
      for (let c = 0; c < channels.length; c++) {
        const out = channels[c]!;
        const a = prev.audio.channels[Math.min(c, prev.audio.channels.length - 1)]!;
        const b = p.audio.channels[Math.min(c, p.audio.channels.length - 1)]!;
        for (let q = 0; q < f; q++) {
          const g = fadeIn(q, f);
          const h = fadeIn(f - 1 - q, f);
          out[at + q] = a[prev.to - f + q]! * h + b[p.from + q]! * g;
        }
      }
    }
    const bodyFrom = p.from + head;
    const bodyTo = p.to;
    for (let c = 0; c < channels.length; c++) {
      const src = p.audio.channels[Math.min(c, p.audio.channels.length - 1)]!;
      channels[c]!.set(src.subarray(bodyFrom, bodyTo), o);
    }
    o += bodyTo - bodyFrom;
  }
  // Cut positions after the edit: cut j starts window j; windows lie one after another from c0.
  let pos = c0;
  outCuts.push(pos);
  for (let j = 0; j < k; j++) {
    const m = frameCount(edited[j]!);
    const tailOverlap = j < k - 1 || ck < n ? f : 0;
    pos += m - tailOverlap;
    outCuts.push(pos);
  }
  const end = ck < n ? pos + f : pos;
  return {
    audio: { sampleRate: input.sampleRate, channels },
    span: { start: c0, end, parentStart: c0, parentEnd: ck < n ? ck + f : ck },
    cuts: outCuts,
  };
}

/**
 * The splice when every window kept its length, written into the input itself (the caller owns it and no longer needs
 * the original): only the span changes, so nothing else is copied. Same samples as the copying splice.
 */
function spliceInPlace(input: AudioData, plan: WindowPlan, edited: readonly AudioData[]): SpliceResult {
  const n = frameCount(input);
  const { cuts, fade: f } = plan;
  const k = cuts.length - 1;
  const c0 = cuts[0]!;
  const ck = cuts[k]!;
  for (let c = 0; c < input.channels.length; c++) {
    const out = input.channels[c]!;
    // The original where the last window's tail overlap will fade into it, saved before the window overwrites it.
    const tailOrig = ck < n ? out.slice(ck, ck + f) : null;
    // Each window from its cut: a crossfade with what is already there (the original, or the previous window's
    // overlap written just before), then its own samples up to its tail overlap.
    for (let j = 0; j < k; j++) {
      const src = edited[j]!.channels[Math.min(c, edited[j]!.channels.length - 1)]!;
      const at = cuts[j]!;
      const head = c0 > 0 || j > 0 ? f : 0;
      for (let q = 0; q < head; q++) out[at + q] = out[at + q]! * fadeIn(f - 1 - q, f) + src[q]! * fadeIn(q, f);
      out.set(src.subarray(head), at + head);
    }
    // The junction with the untouched tail: the last window's overlap fades out into the original.
    if (tailOrig) for (let q = 0; q < f; q++) out[ck + q] = out[ck + q]! * fadeIn(f - 1 - q, f) + tailOrig[q]! * fadeIn(q, f);
  }
  return { audio: input, span: { start: c0, end: ck < n ? ck + f : ck, parentStart: c0, parentEnd: ck < n ? ck + f : ck }, cuts: [...cuts] };
}
