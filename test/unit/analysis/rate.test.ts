import { describe, expect, it } from 'vitest';
import { estimateSpeakingRate } from '../../../src-main/audio/analysis/rate';
import { detectSpeech } from '../../../src-main/audio/analysis/vad';
import { toMono } from '../../../src-main/audio/types';
import { corpusEntries, harmonicTone, readCorpusWav } from './corpus';

/**
 * Test-only English syllable counter: vowel groups (y counts as a vowel), minus a silent final "e" (not "-le") and a
 * silent "-ed" (not after t or d), at least one per word.
 */
function englishSyllables(text: string): number {
  let total = 0;
  for (const raw of text.toLowerCase().match(/[a-z']+/g) ?? []) {
    const w = raw.replace(/'/g, '');
    let n = (w.match(/[aeiouy]+/g) ?? []).length;
    if (w.length > 2 && w.endsWith('e') && !w.endsWith('le') && !/[aeiouy]e$/.test(w)) n--;
    if (w.length > 3 && w.endsWith('ed') && !/[td]ed$/.test(w)) n--;
    total += Math.max(1, n);
  }
  return total;
}

/** Chinese: one syllable per Han character. */
function hanSyllables(text: string): number {
  return (text.match(/\p{Script=Han}/gu) ?? []).length;
}

describe('syllable counters of the test', () => {
  it('count known words', () => {
    expect(englishSyllables('political conservative particularly')).toBe(13);
    expect(englishSyllables('finished relieved seems close feeling wonderful')).toBe(11);
    expect(hanSyllables('我觉得，可行的。')).toBe(6);
  });
});

describe('estimateSpeakingRate', () => {
  it('counts syllable-like bursts of a harmonic tone at 3, 5 and 7 per second', () => {
    const sr = 16000;
    for (const rate of [3, 5, 7]) {
      const tone = harmonicTone((t) => 120 + 20 * Math.sin(t), sr, 4, 0.5);
      for (let i = 0; i < tone.length; i++) {
        const t = i / sr;
        tone[i]! *= 0.05 + 0.95 * Math.sin(Math.PI * rate * t) ** 2;
      }
      const r = estimateSpeakingRate(tone, sr, [{ start: 0, end: 4 }]);
      expect(Math.abs(r.nuclei.length - 4 * rate), `${rate}/s`).toBeLessThanOrEqual(1);
      expect(r.speechSec).toBe(4);
    }
  });

  it('counts only inside the speech segments and returns null without speech', () => {
    const sr = 16000;
    const tone = harmonicTone(() => 150, sr, 2, 0.5);
    for (let i = 0; i < tone.length; i++) tone[i]! *= Math.sin((Math.PI * 4 * i) / sr) ** 2;
    const half = estimateSpeakingRate(tone, sr, [{ start: 0, end: 1 }]);
    expect(Math.abs(half.nuclei.length - 4)).toBeLessThanOrEqual(1);
    expect(half.nuclei.every((t) => t < 1)).toBe(true);
    expect(estimateSpeakingRate(tone, sr, [])).toEqual({ nuclei: [], speechSec: 0, syllablesPerSec: null });
  });

  it('matches the transcripts of the corpus within ±25 %', async () => {
    for (const e of corpusEntries()) {
      const a = readCorpusWav(e.file);
      const vad = await detectSpeech(a);
      const r = estimateSpeakingRate(toMono(a), a.sampleRate, vad.segments);
      const syllables = e.lang === 'zh' ? hanSyllables(e.text) : englishSyllables(e.text);
      const truth = syllables / vad.speechSec;
      expect(r.syllablesPerSec! / truth, `${e.file}: ${r.nuclei.length} nuclei for ${syllables} syllables`).toBeGreaterThan(0.75);
      expect(r.syllablesPerSec! / truth, `${e.file}: ${r.nuclei.length} nuclei for ${syllables} syllables`).toBeLessThan(1.25);
    }
  });
});
