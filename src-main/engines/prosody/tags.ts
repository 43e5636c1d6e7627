// Paralinguistic tags the DSP engine can add (EDITX-SPEC.md §2, exact spellings), each with its synthesis recipe as
// data: a sequence of voiced sounds (F0 in semitones relative to the speaker's median, the speaker's own vowel
// envelopes), breath noises and gaps. Levels are relative to the speaker's speech RMS.

import type { NonverbalEvent } from '../../audio/dsp/nonverbal';

export interface TagRecipe {
  tag: string;
  events: NonverbalEvent[];
  why: string;
}

/** Laughter: a train of "ha" syllables (aspiration + open vowel), ~4–5 per second, each lower and softer than the
 * last, ending in an inhale (Bachorowski, Smoski & Owren 2001: voiced laugh bouts of 3–8 calls, ~200 ms period, F0
 * well above speech and falling across the bout). */
function laughter(): NonverbalEvent[] {
  const ev: NonverbalEvent[] = [{ kind: 'gap', dur: 0.06 }];
  for (let k = 0; k < 5; k++) {
    ev.push({ kind: 'noise', shape: 'h', dur: 0.045, levelDb: -14 - k, attack: 0.01, release: 0.01 });
    ev.push({
      kind: 'voiced',
      from: 'a',
      dur: 0.11,
      f0St: [5 - 0.7 * k, 4 - 0.7 * k],
      levelDb: -3 - 1.5 * k,
      breath: 0.35,
      attack: 0.012,
      release: 0.04,
    });
    ev.push({ kind: 'gap', dur: 0.06 });
  }
  ev.push({ kind: 'noise', shape: 'inhale', dur: 0.32, levelDb: -20, attack: 0.12, release: 0.12 });
  ev.push({ kind: 'gap', dur: 0.06 });
  return ev;
}

export const TAG_RECIPES: readonly TagRecipe[] = [
  {
    tag: 'Breathing',
    events: [
      { kind: 'gap', dur: 0.08 },
      { kind: 'noise', shape: 'inhale', dur: 0.6, levelDb: -21, attack: 0.28, release: 0.22 },
      { kind: 'gap', dur: 0.1 },
    ],
    why: 'An audible inhale (~0.6 s, slow rise and fall) of noise through the speaker\'s widened vocal-tract envelope, about 20 dB under speech.',
  },
  {
    tag: 'Laughter',
    events: laughter(),
    why: 'Five "ha" calls (aspiration + breathy open vowel) at ~4.5 per second, F0 5 st above the speaker\'s median and falling across the bout, then an inhale.',
  },
  {
    tag: 'Surprise-oh',
    events: [
      { kind: 'gap', dur: 0.05 },
      { kind: 'noise', shape: 'h', dur: 0.03, levelDb: -18, attack: 0.01, release: 0.01 },
      { kind: 'voiced', from: 'o', dur: 0.38, f0St: [4, 6.5, 2], levelDb: -2, breath: 0.15, attack: 0.03, release: 0.12 },
      { kind: 'gap', dur: 0.08 },
    ],
    why: '"Oh!": a rounded back vowel with a high rise-fall F0 peak (surprise), slightly aspirated onset.',
  },
  {
    tag: 'Confirmation-en',
    events: [
      { kind: 'gap', dur: 0.05 },
      { kind: 'voiced', from: 'schwa', to: 'n', dur: 0.34, f0St: [0.5, 1, -1.5], levelDb: -6, breath: 0.1, attack: 0.03, release: 0.1 },
      { kind: 'gap', dur: 0.08 },
    ],
    why: '"En" (mm-hm, agreeing): a short central vowel into a nasal murmur at speaking pitch with a gentle fall.',
  },
  {
    tag: 'Uhm',
    events: [
      { kind: 'gap', dur: 0.06 },
      { kind: 'voiced', from: 'schwa', to: 'm', dur: 0.55, f0St: [0, -0.5, -1], levelDb: -6, breath: 0.1, attack: 0.05, release: 0.12 },
      { kind: 'gap', dur: 0.12 },
    ],
    why: 'Filled pause "uhm": a level, slightly falling neutral vowel closing into /m/, at the speaker\'s median pitch.',
  },
  {
    tag: 'Surprise-ah',
    events: [
      { kind: 'gap', dur: 0.04 },
      { kind: 'noise', shape: 'inhale', dur: 0.12, levelDb: -20, attack: 0.04, release: 0.03 },
      { kind: 'voiced', from: 'a', dur: 0.34, f0St: [5, 7.5, 3], levelDb: -1, breath: 0.25, attack: 0.02, release: 0.12 },
      { kind: 'gap', dur: 0.08 },
    ],
    why: '"Ah!": a quick intake of breath then an open vowel with a high rise-fall F0 peak.',
  },
  {
    tag: 'Surprise-wa',
    events: [
      { kind: 'gap', dur: 0.05 },
      { kind: 'voiced', from: 'u', to: 'a', dur: 0.4, f0St: [4, 7, 3], levelDb: -1, breath: 0.15, attack: 0.03, release: 0.12 },
      { kind: 'gap', dur: 0.08 },
    ],
    why: '"Wa!": a rounded onset gliding into an open vowel, high rise-fall pitch.',
  },
  {
    tag: 'Sigh',
    events: [
      { kind: 'gap', dur: 0.05 },
      { kind: 'noise', shape: 'inhale', dur: 0.35, levelDb: -21, attack: 0.15, release: 0.08 },
      { kind: 'gap', dur: 0.05 },
      { kind: 'voiced', from: 'a', to: 'schwa', dur: 0.75, f0St: [3, 0, -3], levelDb: -10, breath: 0.7, attack: 0.08, release: 0.35 },
      { kind: 'gap', dur: 0.1 },
    ],
    why: 'A sigh: an inhale, then a long breathy exhaled vowel whose pitch falls about 6 semitones while fading.',
  },
  {
    tag: 'Question-ei',
    events: [
      { kind: 'gap', dur: 0.05 },
      { kind: 'voiced', from: 'e', to: 'i', dur: 0.4, f0St: [-1, 1, 6], levelDb: -4, breath: 0.1, attack: 0.03, release: 0.1 },
      { kind: 'gap', dur: 0.08 },
    ],
    why: '"Ei?": a front diphthong with a steep final rise, the intonation of a puzzled question.',
  },
  {
    tag: 'Dissatisfaction-hnn',
    events: [
      { kind: 'gap', dur: 0.05 },
      { kind: 'noise', shape: 'h', dur: 0.08, levelDb: -14, attack: 0.02, release: 0.02 },
      { kind: 'voiced', from: 'n', dur: 0.45, f0St: [1, -2, -3], levelDb: -6, breath: 0.25, attack: 0.03, release: 0.12 },
      { kind: 'gap', dur: 0.08 },
    ],
    why: '"Hnn": a nasal grunt after a puff of breath, pitch falling (displeasure), somewhat breathy.',
  },
];

export const TAG_NAMES: readonly string[] = TAG_RECIPES.map((r) => r.tag);

export function findTag(name: string): TagRecipe | undefined {
  return TAG_RECIPES.find((r) => r.tag === name);
}
