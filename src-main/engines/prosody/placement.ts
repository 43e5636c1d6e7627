// Where a paralinguistic tag goes: its character position in the new text (letters and digits only, tags removed)
// is mapped in proportion onto the speech time of the VAD segments, then snapped to the nearest pause: a gap between
// segments, a quiet dip inside one, or the start/end of the speech.

import { RetakeError } from '../../contract/errors';
import { runSync, SAMPLE_BLOCK, type Steps } from '../../audio/steps';

export interface TagMark {
  tag: string;
  /** Letters/digits of the clean text before the tag. */
  units: number;
  /** units / total units (0 = before the first word, 1 = after the last). */
  fraction: number;
}

export interface ParsedTags {
  /** The new text without its tags. */
  clean: string;
  marks: TagMark[];
}

const TAG_RE = /\[([^[\]]+)\]/g;
const UNIT_RE = /[\p{L}\p{N}]/u;

function countUnits(s: string): number {
  let n = 0;
  for (const ch of s) if (UNIT_RE.test(ch)) n++;
  return n;
}

/** Finds the tags of `text`; throws E_UNKNOWN_OPTION for a bracketed name that is not one of `known`. */
export function parseTags(text: string, known: readonly string[]): ParsedTags {
  const marks: Array<{ tag: string; units: number }> = [];
  let clean = '';
  let last = 0;
  for (const m of text.matchAll(TAG_RE)) {
    const name = m[1]!.trim();
    clean += text.slice(last, m.index);
    last = m.index! + m[0].length;
    if (!known.includes(name)) {
      throw new RetakeError(
        'E_UNKNOWN_OPTION',
        `[${name}] is not a tag the built-in engine can add. Tags: ${known.map((t) => `[${t}]`).join(' ')}.`,
      );
    }
    marks.push({ tag: name, units: countUnits(clean) });
  }
  clean += text.slice(last);
  const total = countUnits(clean);
  return {
    clean,
    marks: marks.map((m) => ({ ...m, fraction: total > 0 ? m.units / total : 1 })),
  };
}

export interface Span {
  start: number;
  end: number;
}

export interface Pause {
  /** Insertion point in seconds. */
  time: number;
  kind: 'start' | 'end' | 'gap' | 'dip';
}

/** A dip inside speech must stay this far under the speech median for at least DIP_MIN_SEC to count as a pause. */
const DIP_BELOW_MEDIAN_DB = 20;
const DIP_MIN_SEC = 0.06;
const LEVEL_HOP_SEC = 0.01;

function levelFrames(x: Float32Array, hop: number, out: Float64Array, from: number, to: number): void {
  for (let f = from; f < to; f++) {
    let s = 0;
    let c = 0;
    for (let i = Math.max(0, f * hop - hop / 2); i < Math.min(x.length, f * hop + hop * 1.5); i++) {
      s += x[i]! * x[i]!;
      c++;
    }
    out[f] = 10 * Math.log10(s / Math.max(1, c) + 1e-12);
  }
}

/** Level envelope (dB) every 10 ms over 20 ms windows. */
function* levelDb(x: Float32Array, sr: number): Steps<Float64Array> {
  const hop = Math.max(1, Math.round(LEVEL_HOP_SEC * sr));
  const frames = Math.ceil(x.length / hop);
  const out = new Float64Array(frames);
  const perPiece = Math.max(1, Math.floor(SAMPLE_BLOCK / (2 * hop)));
  for (let f = 0; f < frames; f += perPiece) {
    levelFrames(x, hop, out, f, Math.min(frames, f + perPiece));
    yield;
  }
  return out;
}

/** Candidate pauses: start and end of speech, gaps between segments (at their quietest 10 ms), dips within. */
export function findPauses(x: Float32Array, sr: number, segments: readonly Span[]): Pause[] {
  return runSync(findPausesSteps(x, sr, segments));
}

/** findPauses in pieces (see audio/steps). */
export function* findPausesSteps(x: Float32Array, sr: number, segments: readonly Span[]): Steps<Pause[]> {
  const dur = x.length / sr;
  if (segments.length === 0) return [{ time: 0, kind: 'start' }, { time: dur, kind: 'end' }];
  const lv = yield* levelDb(x, sr);
  const quietest = (a: number, b: number): number => {
    const fa = Math.max(0, Math.floor(a / LEVEL_HOP_SEC));
    const fb = Math.min(lv.length - 1, Math.ceil(b / LEVEL_HOP_SEC));
    let best = fa;
    for (let f = fa; f <= fb; f++) if (lv[f]! < lv[best]!) best = f;
    return Math.min(b, Math.max(a, best * LEVEL_HOP_SEC));
  };
  const pauses: Pause[] = [{ time: segments[0]!.start, kind: 'start' }];
  for (let i = 0; i + 1 < segments.length; i++) {
    pauses.push({ time: quietest(segments[i]!.end, segments[i + 1]!.start), kind: 'gap' });
  }
  pauses.push({ time: segments[segments.length - 1]!.end, kind: 'end' });
  // Dips: runs of frames far below the speech median inside a segment.
  const speechLv: number[] = [];
  for (const s of segments) {
    for (let f = Math.floor(s.start / LEVEL_HOP_SEC); f < Math.min(lv.length, s.end / LEVEL_HOP_SEC); f++) {
      speechLv.push(lv[f]!);
    }
  }
  speechLv.sort((a, b) => a - b);
  const med = speechLv[speechLv.length >> 1] ?? -120;
  const thr = med - DIP_BELOW_MEDIAN_DB;
  const minRun = Math.ceil(DIP_MIN_SEC / LEVEL_HOP_SEC);
  for (const s of segments) {
    let run = 0;
    let runStart = 0;
    const f0 = Math.ceil(s.start / LEVEL_HOP_SEC);
    const f1 = Math.min(lv.length, Math.floor(s.end / LEVEL_HOP_SEC));
    for (let f = f0; f <= f1; f++) {
      const quiet = f < f1 && lv[f]! < thr;
      if (quiet) {
        if (run === 0) runStart = f;
        run++;
      } else {
        if (run >= minRun && runStart > f0 && f < f1) {
          pauses.push({ time: quietest(runStart * LEVEL_HOP_SEC, f * LEVEL_HOP_SEC), kind: 'dip' });
        }
        run = 0;
      }
    }
  }
  return pauses.sort((a, b) => a.time - b.time);
}

/** Absolute time (s) of a fraction of the total speech time of `segments`. */
export function speechTimeToClock(fraction: number, segments: readonly Span[], durationSec: number): number {
  if (segments.length === 0) return Math.min(1, Math.max(0, fraction)) * durationSec;
  const total = segments.reduce((a, s) => a + (s.end - s.start), 0);
  let want = Math.min(1, Math.max(0, fraction)) * total;
  for (const s of segments) {
    const len = s.end - s.start;
    if (want <= len) return s.start + want;
    want -= len;
  }
  return segments[segments.length - 1]!.end;
}

export function nearestPause(t: number, pauses: readonly Pause[]): Pause {
  let best = pauses[0]!;
  for (const p of pauses) if (Math.abs(p.time - t) < Math.abs(best.time - t)) best = p;
  return best;
}
