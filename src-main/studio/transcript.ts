// Transcripts and time without speech recognition: a clip's transcript is plain text, and where its words fall in a
// take is estimated by speech time — the words are spread over the take's VAD speech segments in proportion to their
// length (letters; each CJK character is a word), so a word's position is where that share of the speech has been
// spoken. A region's text is then the words whose middle lies in it; a script line over part of a clip replaces the
// words of that part. Pure functions: positions in seconds of the take.

import type { Segment } from '../audio/analysis/common';

export interface Word {
  text: string;
  /** Its share of the speech: letters and digits (one per CJK character), at least 1. */
  weight: number;
}

/** CJK ideographs, kana and Hangul are written without spaces: each is a word of its own. */
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/u;
/** Punctuation that belongs to the character before it (kept attached to it). */
const TRAILING = /^[\s]*[,.;:!?，。；：！？、…”’」』）)\]]+/u;

export function tokenize(text: string): Word[] {
  const out: Word[] = [];
  for (const chunk of text.split(/\s+/u).filter(Boolean)) {
    if (!CJK.test(chunk)) {
      out.push({ text: chunk, weight: Math.max(1, (chunk.match(/[\p{L}\p{N}]/gu) ?? []).length) });
      continue;
    }
    // Split CJK runs into characters, Latin runs inside them stay whole, punctuation stays with what precedes it.
    let rest = chunk;
    while (rest.length > 0) {
      const ch = [...rest][0]!;
      let piece: string;
      if (CJK.test(ch)) piece = ch;
      else {
        const m = /^[^\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+/u.exec(rest);
        piece = m ? m[0] : ch;
      }
      rest = rest.slice(piece.length);
      const punct = TRAILING.exec(rest);
      if (punct) {
        piece += punct[0];
        rest = rest.slice(punct[0].length);
      }
      const letters = (piece.match(/[\p{L}\p{N}]/gu) ?? []).length;
      if (letters === 0 && out.length > 0) {
        out[out.length - 1]!.text += piece;
        continue;
      }
      out.push({ text: piece, weight: Math.max(1, CJK.test(piece) ? 1 : letters) });
    }
  }
  return out;
}

/** CJK text and its punctuation: no space goes between two such words when the text is joined. */
const CJK_OR_PUNCT = /[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\uff00-\uffef]/u;

/** Joins words back into text: spaces between words, none between CJK characters. */
export function joinWords(words: readonly Pick<Word, 'text'>[]): string {
  let s = '';
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.text;
    if (i > 0) {
      const prev = [...words[i - 1]!.text].pop() ?? '';
      const first = [...w][0] ?? '';
      if (!(CJK_OR_PUNCT.test(prev) && CJK.test(first))) s += ' ';
    }
    s += w;
  }
  return s.trim();
}

/**
 * Speech time over the part of a take a transcript covers ([from, to] seconds: a clip's played range): seconds of
 * speech before t. Without segments (an unmeasured take) plain time is used.
 */
export class SpeechClock {
  private readonly segs: Segment[];
  readonly total: number;
  readonly from: number;
  readonly to: number;
  constructor(
    segments: readonly Segment[] | null,
    readonly durationSec: number,
    from = 0,
    to = durationSec,
  ) {
    this.from = Math.max(0, Math.min(from, durationSec));
    this.to = Math.max(this.from, Math.min(to, durationSec));
    const s = (segments ?? [])
      .map((g) => ({ start: Math.max(this.from, g.start), end: Math.min(this.to, g.end) }))
      .filter((g) => g.end > g.start)
      .sort((a, b) => a.start - b.start);
    this.segs = s.length > 0 ? s : [{ start: this.from, end: Math.max(this.to, this.from + 1e-9) }];
    this.total = this.segs.reduce((a, g) => a + g.end - g.start, 0);
  }

  /** Speech seconds spoken before t. */
  speechAt(t: number): number {
    let acc = 0;
    for (const g of this.segs) {
      if (t <= g.start) break;
      acc += Math.min(t, g.end) - g.start;
    }
    return acc;
  }

  /** The time at which `s` seconds of speech have been spoken. */
  timeAt(s: number): number {
    let acc = 0;
    for (const g of this.segs) {
      const len = g.end - g.start;
      if (s <= acc + len) return g.start + (s - acc);
      acc += len;
    }
    return this.segs[this.segs.length - 1]!.end;
  }
}

export interface PlacedWord extends Word {
  /** Where the word's middle falls, seconds of the take. */
  at: number;
}

/** The words of a text spread over a span's speech time (the clock's whole span by default). */
export function placeWords(text: string, clock: SpeechClock, from = clock.from, to = clock.to): PlacedWord[] {
  const words = tokenize(text);
  const total = words.reduce((a, w) => a + w.weight, 0);
  const s0 = clock.speechAt(from);
  const s1 = clock.speechAt(to);
  let acc = 0;
  return words.map((w) => {
    const mid = total > 0 ? (acc + w.weight / 2) / total : 0.5;
    acc += w.weight;
    return { ...w, at: clock.timeAt(s0 + mid * (s1 - s0)) };
  });
}

/** The words of `text` whose middle lies in [from, to) seconds of the take (null when there is no text). */
export function textInRange(text: string | null, clock: SpeechClock, from: number, to: number): string | null {
  if (!text?.trim()) return null;
  const words = placeWords(text, clock).filter((w) => w.at >= from && w.at < to);
  return joinWords(words);
}

/** A text to put at [from, to) seconds of a take (a script line, or the part of one that falls in the take). */
export interface TimedText {
  from: number;
  to: number;
  text: string;
}

/**
 * A transcript with the words of the given spans replaced by new text: existing words whose middle falls outside every
 * span are kept where they are, each span's text goes where the span starts.
 */
export function replaceSpans(existing: string | null, clock: SpeechClock, spans: readonly TimedText[]): string {
  const kept = existing?.trim()
    ? placeWords(existing, clock).filter((w) => !spans.some((s) => w.at >= s.from && w.at < s.to))
    : [];
  const items: Array<{ at: number; order: number; words: Pick<Word, 'text'>[] }> = kept.map((w, i) => ({
    at: w.at,
    order: i,
    words: [w],
  }));
  spans.forEach((s, i) => items.push({ at: s.from, order: kept.length + i, words: tokenize(s.text) }));
  items.sort((a, b) => a.at - b.at || a.order - b.order);
  return joinWords(items.flatMap((x) => x.words));
}

/** The part of a line's text that falls in [from, to), the line spoken evenly over [lineFrom, lineTo). */
export function linePart(text: string, lineFrom: number, lineTo: number, from: number, to: number): string {
  if (from <= lineFrom && to >= lineTo) return text.trim();
  const clock = new SpeechClock(null, Math.max(1e-9, lineTo - lineFrom));
  return joinWords(placeWords(text, clock).filter((w) => w.at + lineFrom >= from && w.at + lineFrom < to));
}

/** Splits a transcript at t seconds of its take (a clip split): the words before and after. */
export function splitText(text: string | null, clock: SpeechClock, t: number): [string | null, string | null] {
  if (!text?.trim()) return [text, text];
  const words = placeWords(text, clock);
  const left = joinWords(words.filter((w) => w.at < t));
  const right = joinWords(words.filter((w) => w.at >= t));
  return [left || null, right || null];
}
