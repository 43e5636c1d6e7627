// Issue 3 check for the paralinguistic task: [Laughter] and [Breathing] each lengthen the clip by ≥ 0.2 s, inserted
// near the tag's place (its share of the letters of the new text, mapped onto the speech time of the VAD segments).
// The insertion point is found from the audio alone: the split that best aligns output and input envelopes.

import { describe, expect, it } from 'vitest';
import { detectSpeech } from '../../../src-main/audio/analysis';
import type { AudioData } from '../../../src-main/audio/types';
import { toMono } from '../../../src-main/audio/types';
import { corpus, edit, seconds } from './helpers';

const HOP = 0.01;

function envelopeDb(a: AudioData): Float64Array {
  const x = toMono(a);
  const hop = Math.round(HOP * a.sampleRate);
  const frames = Math.floor(x.length / hop);
  const out = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let s = 0;
    for (let i = f * hop; i < (f + 1) * hop; i++) s += x[i]! * x[i]!;
    out[f] = 10 * Math.log10(s / hop + 1e-10);
  }
  return out;
}

/** Seconds of the input where extra material was spliced in (argmin over splits of the envelope mismatch). */
function findSplit(input: AudioData, output: AudioData): number {
  const ei = envelopeDb(input);
  const eo = envelopeDb(output);
  const d = eo.length - ei.length;
  let max = -Infinity;
  for (const v of ei) max = Math.max(max, v);
  const loud = ei.map((v) => (v > max - 40 ? 1 : 0));
  // cost(p) = mismatch of the prefix aligned at 0 + mismatch of the suffix aligned at +d; prefix sums make it O(n).
  const pre = new Float64Array(ei.length + 1);
  const suf = new Float64Array(ei.length + 1);
  for (let t = 0; t < ei.length; t++) pre[t + 1] = pre[t]! + (loud[t] ? Math.min(6, Math.abs(eo[t]! - ei[t]!)) : 0);
  for (let t = ei.length - 1; t >= 0; t--) suf[t] = suf[t + 1]! + (loud[t] ? Math.min(6, Math.abs(eo[t + d]! - ei[t]!)) : 0);
  let best = 0;
  for (let p = 0; p <= ei.length; p++) if (pre[p]! + suf[p]! < pre[best]! + suf[best]!) best = p;
  return best * HOP;
}

function letters(s: string): number {
  return [...s].filter((c) => /[\p{L}\p{N}]/u.test(c)).length;
}

async function tagPlace(input: AudioData, before: string, all: string): Promise<number> {
  const vad = await detectSpeech(input);
  const total = vad.segments.reduce((a, s) => a + s.end - s.start, 0);
  let want = (letters(before) / letters(all)) * total;
  for (const s of vad.segments) {
    if (want <= s.end - s.start) return s.start + want;
    want -= s.end - s.start;
  }
  return vad.segments[vad.segments.length - 1]!.end;
}

const TEXT = 'You know, I just finished that big project and feel so relieved. Everything seems easier and more colorful, what a wonderful feeling!';
const BEFORE = 'You know, I just finished that big project and feel so relieved.';

describe('paralinguistic', () => {
  it.each(['Laughter', 'Breathing'])('[%s] lengthens the clip by at least 0.2 s near the tag', async (tag) => {
    const input = await corpus('en_happy_prompt.wav');
    const newText = `${BEFORE}[${tag}]${TEXT.slice(BEFORE.length)}`;
    const res = await edit(input, { task: 'paralinguistic', text: TEXT, newText });
    const added = seconds(res.audio) - seconds(input);
    expect(added).toBeGreaterThanOrEqual(0.2);
    const expected = await tagPlace(input, BEFORE, TEXT);
    const split = findSplit(input, res.audio);
    expect(Math.abs(split - expected)).toBeLessThanOrEqual(0.6);
  });

  it('places a tag at the start of the text before the speech and one at the end after it', async () => {
    const input = await corpus('speed_prompt.wav');
    const text = '上次你说鞋子有点磨脚，我给你买了一双软软的鞋垫。';
    const atStart = await edit(input, { task: 'paralinguistic', text, newText: `[Sigh]${text}` });
    const vad = await detectSpeech(input);
    expect(findSplit(input, atStart.audio)).toBeLessThanOrEqual(vad.segments[0]!.start + 0.15);
    const atEnd = await edit(input, { task: 'paralinguistic', text, newText: `${text}[Uhm]` });
    expect(findSplit(input, atEnd.audio)).toBeGreaterThanOrEqual(vad.segments[vad.segments.length - 1]!.end - 0.15);
  });
});
