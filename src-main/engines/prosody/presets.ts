// The acoustic recipe of every emotion, style and speed option of the DSP engine (exact EditX spellings,
// EDITX-SPEC.md §2), as data: one entry per option with the changes it makes and why.
//
// Intensity. Every emotion/style entry is written for the DEFAULT intensity 0.5. A request's intensity x (0..1) scales
// each change by s = x / 0.5 (0 → no change, 0.5 → as written, 1 → twice as written) in the parameter's natural
// domain: additive values (semitones, dB, dB/oct, st/s) are multiplied by s; ratios (range ×, tempo ×, contrast ×)
// are raised to the power s; breathiness (0..1) is multiplied by s and clamped to 1. Speed options are exact tempo
// ratios and ignore intensity. `remove` entries are neutralisations whose pull toward the clip's own median is
// `amount` × s (clamped to 1).
//
// Sources for the directions of the changes (facts, not values, are taken from them): Scherer 2003 "Vocal
// communication of emotion: a review of research paradigms"; Juslin & Laukka 2003 "Communication of emotions in vocal
// expression and music performance" (cue tables: F0 level, F0 variability, rate, intensity, high-frequency energy);
// Banse & Scherer 1996; Gobl & Ní Chasaide 2003 (voice quality: breathy/tense); Titze 1994 (vocal-tract length and
// formants: children and small speakers have higher formants; smiling shortens the tract).

export interface PresetParams {
  /** Mean F0 shift, semitones. */
  pitchSt: number;
  /** F0 range multiplier around the clip's median (semitone domain). */
  rangeScale: number;
  /** Added F0 slope inside each phrase, semitones per second (negative = more falling). */
  declinationStPerSec: number;
  /** Speaking-rate multiplier: duration ÷ tempo. */
  tempo: number;
  /** Declared change of integrated loudness, dB (the final loudness match aims at input + this). */
  loudnessDb: number;
  /** Spectral tilt around 1 kHz, dB per octave (positive = brighter, tenser; negative = darker, softer). */
  tiltDbPerOct: number;
  /** Share of the voiced excitation replaced by noise: 0 modal voice … 1 whisper. */
  breathiness: number;
  /** Formant shift, semitones (positive = shorter vocal tract: child, smile; negative = longer: bigger, older). */
  formantSt: number;
  /** Energy contrast: 1 unchanged, > 1 more emphatic accents, < 1 flatter dynamics. */
  contrast: number;
  /** F0 vibrato depth (peak, semitones) and rate (Hz): tremor of fear or age. */
  vibratoSt: number;
  vibratoHz: number;
  /** Amplitude tremolo depth 0..1 at the vibrato rate. */
  tremolo: number;
}

export interface NeutralizeParams {
  /** How far F0 range, spectral tilt and energy contrast move toward the clip's median/neutral values (0..1). */
  amount: number;
  /** Whether the speaking rate is also pulled toward a neutral rate (styles carry tempo; emotions mostly do not). */
  tempo: boolean;
}

export type Preset =
  | { kind: 'shape'; option: string; params: Partial<PresetParams>; why: string }
  | { kind: 'neutralize'; option: 'remove'; params: NeutralizeParams; why: string };

export interface SpeedPreset {
  option: string;
  /** Exact tempo ratio (output duration = input duration ÷ tempo); not scaled by intensity. */
  tempo: number;
  why: string;
}

export const NEUTRAL: PresetParams = {
  pitchSt: 0,
  rangeScale: 1,
  declinationStPerSec: 0,
  tempo: 1,
  loudnessDb: 0,
  tiltDbPerOct: 0,
  breathiness: 0,
  formantSt: 0,
  contrast: 1,
  vibratoSt: 0,
  vibratoHz: 5.5,
  tremolo: 0,
};

export const EMOTION_PRESETS: readonly Preset[] = [
  {
    kind: 'shape',
    option: 'happy',
    params: { pitchSt: 2.5, rangeScale: 1.3, tempo: 1.06, loudnessDb: 1.5, tiltDbPerOct: 1, contrast: 1.1, formantSt: 0.4 },
    why: 'Joy raises mean F0 and widens its range, speeds speech slightly and adds high-frequency energy (Juslin & Laukka 2003); smiling shortens the vocal tract, lifting formants a little.',
  },
  {
    kind: 'shape',
    option: 'angry',
    params: { pitchSt: 1.5, rangeScale: 1.25, tempo: 1.08, loudnessDb: 3, tiltDbPerOct: 2.5, contrast: 1.3 },
    why: 'Hot anger: louder, tenser voice (much more high-frequency energy), higher and more variable F0, faster with harder accents (Banse & Scherer 1996).',
  },
  {
    kind: 'shape',
    option: 'sad',
    params: { pitchSt: -2, rangeScale: 0.7, tempo: 0.92, loudnessDb: -2, tiltDbPerOct: -1.5, breathiness: 0.15, contrast: 0.85 },
    why: 'Sadness lowers F0 and narrows its range, slows speech, softens level and darkens the spectrum (lax, slightly breathy phonation) (Scherer 2003).',
  },
  {
    kind: 'shape',
    option: 'humour',
    params: { pitchSt: 1.5, rangeScale: 1.35, tempo: 1.03, loudnessDb: 1, tiltDbPerOct: 0.5, breathiness: 0.1, contrast: 1.1, formantSt: 0.5 },
    why: 'Amused speech: livelier, wider melody with a smile (raised formants) and a touch of laughing breathiness.',
  },
  {
    kind: 'shape',
    option: 'confusion',
    params: { pitchSt: 0.5, rangeScale: 1.15, declinationStPerSec: 0.8, tempo: 0.93, loudnessDb: -0.5, contrast: 0.95 },
    why: 'Uncertainty: slower, hesitant delivery whose phrases fall less or rise (question-like intonation).',
  },
  {
    kind: 'shape',
    option: 'disgusted',
    params: { pitchSt: -1.5, rangeScale: 0.85, tempo: 0.9, tiltDbPerOct: -0.5, breathiness: 0.1, formantSt: -0.3, contrast: 1.05 },
    why: 'Disgust: lower F0, slow and drawn-out delivery, a darker, constricted timbre (Banse & Scherer 1996).',
  },
  {
    kind: 'shape',
    option: 'empathy',
    params: { pitchSt: -0.5, rangeScale: 0.9, tempo: 0.93, loudnessDb: -1.5, tiltDbPerOct: -1, breathiness: 0.2, contrast: 0.9 },
    why: 'Empathic speech is softer, slower and warmer: lower level, darker spectrum, gentle breathiness, smoothed accents.',
  },
  {
    kind: 'shape',
    option: 'embarrass',
    params: { pitchSt: 0.8, rangeScale: 0.8, tempo: 0.95, loudnessDb: -2, tiltDbPerOct: -0.5, breathiness: 0.2, contrast: 0.9 },
    why: 'Embarrassment: quieter, slightly higher and narrower pitch, hesitant pace and breathy voice.',
  },
  {
    kind: 'shape',
    option: 'fear',
    params: { pitchSt: 2.5, rangeScale: 0.9, tempo: 1.08, loudnessDb: -1, breathiness: 0.2, vibratoSt: 0.35, vibratoHz: 6, tremolo: 0.1 },
    why: 'Fear raises F0 and speeds speech, with an irregular, trembling voice (F0 and amplitude tremor) and breathy onsets (Scherer 2003).',
  },
  {
    kind: 'shape',
    option: 'surprised',
    params: { pitchSt: 3, rangeScale: 1.5, declinationStPerSec: 0.5, loudnessDb: 1.5, tiltDbPerOct: 1, contrast: 1.15 },
    why: 'Surprise: high F0 with large excursions and less final fall, louder and brighter.',
  },
  {
    kind: 'shape',
    option: 'excited',
    params: { pitchSt: 3, rangeScale: 1.4, tempo: 1.12, loudnessDb: 2, tiltDbPerOct: 1.5, contrast: 1.2 },
    why: 'High arousal: higher, wider F0, faster rate, louder and brighter voice, strong accents (Juslin & Laukka 2003).',
  },
  {
    kind: 'shape',
    option: 'depressed',
    params: { pitchSt: -2.5, rangeScale: 0.55, declinationStPerSec: -0.3, tempo: 0.85, loudnessDb: -3, tiltDbPerOct: -2, breathiness: 0.2, contrast: 0.8 },
    why: 'Depressed speech: low, nearly monotone F0, slow rate, low level and a dark, lax voice (a stronger form of sadness).',
  },
  {
    kind: 'shape',
    option: 'coldness',
    params: { pitchSt: -1, rangeScale: 0.6, declinationStPerSec: -0.3, tempo: 0.97, contrast: 0.9 },
    why: 'Cold, detached delivery: flat, slightly low melody with firm final falls and even dynamics; level unchanged.',
  },
  {
    kind: 'shape',
    option: 'admiration',
    params: { pitchSt: 1.5, rangeScale: 1.25, tempo: 0.95, loudnessDb: 0.5, breathiness: 0.15, contrast: 1.05 },
    why: 'Admiration: warm, raised and expressive melody, slightly slower and breathy ("wow" quality).',
  },
  {
    kind: 'neutralize',
    option: 'remove',
    params: { amount: 0.6, tempo: false },
    why: 'Toward a neutral reading: F0 range compressed toward a neutral span around the speaker\'s own median, frame-wise spectral tilt pulled toward the clip\'s median, accents evened. Mean F0, tempo and voice quality (e.g. whisper) cannot be recovered from one clip and stay.',
  },
];

export const STYLE_PRESETS: readonly Preset[] = [
  {
    kind: 'shape',
    option: 'serious',
    params: { pitchSt: -1, rangeScale: 0.8, declinationStPerSec: -0.4, tempo: 0.95, tiltDbPerOct: 0.5, contrast: 1.05 },
    why: 'Serious: lower, controlled melody with firm falls, measured pace, slightly tenser voice.',
  },
  {
    kind: 'shape',
    option: 'arrogant',
    params: { pitchSt: -0.5, rangeScale: 1.2, declinationStPerSec: -0.6, tempo: 0.9, loudnessDb: 1, tiltDbPerOct: 0.5, contrast: 1.1 },
    why: 'Arrogant: drawn-out, condescending delivery with large falling contours and emphatic stresses.',
  },
  {
    kind: 'shape',
    option: 'child',
    params: { pitchSt: 5, formantSt: 2.5, rangeScale: 1.3, tempo: 1.05, tiltDbPerOct: 1 },
    why: 'Child voice: much higher F0 and formants raised ~15 % (a shorter vocal tract, Titze 1994), lively melody.',
  },
  {
    kind: 'shape',
    option: 'older',
    params: { pitchSt: -1, formantSt: -0.7, rangeScale: 0.8, tempo: 0.88, tiltDbPerOct: -1, breathiness: 0.2, vibratoSt: 0.25, vibratoHz: 5, tremolo: 0.06 },
    why: 'Older speaker: slower, narrower melody, lowered formants, breathier voice with a slight vocal tremor.',
  },
  {
    kind: 'shape',
    option: 'girl',
    params: { pitchSt: 3.5, formantSt: 1.5, rangeScale: 1.25, tempo: 1.03, tiltDbPerOct: 1, breathiness: 0.1 },
    why: 'Young girl: higher F0 and formants (smaller vocal tract), bright and lively melody.',
  },
  {
    kind: 'shape',
    option: 'pure',
    params: { pitchSt: 1.5, formantSt: 0.5, rangeScale: 1.1, loudnessDb: -1, tiltDbPerOct: -0.5, breathiness: 0.15 },
    why: 'Pure, innocent: light, slightly raised voice with soft onsets and a clear but gentle timbre.',
  },
  {
    kind: 'shape',
    option: 'sister',
    params: { pitchSt: -1, formantSt: -0.3, rangeScale: 1.05, tempo: 0.95, tiltDbPerOct: -0.5, breathiness: 0.15 },
    why: 'Mature "big sister" voice: slightly lower and fuller, relaxed pace, soft breathy warmth.',
  },
  {
    kind: 'shape',
    option: 'sweet',
    params: { pitchSt: 2, formantSt: 0.8, rangeScale: 1.25, tempo: 0.95, loudnessDb: -0.5, tiltDbPerOct: -0.5, breathiness: 0.2 },
    why: 'Sweet: raised pitch with a smiling (raised-formant) timbre, lilting melody and soft breathiness.',
  },
  {
    kind: 'shape',
    option: 'ethereal',
    params: { pitchSt: 1, rangeScale: 0.85, tempo: 0.88, loudnessDb: -2, tiltDbPerOct: -1.5, breathiness: 0.45, contrast: 0.85 },
    why: 'Ethereal: airy, floating voice: strongly breathy, soft and dark, slow and smooth.',
  },
  {
    kind: 'shape',
    option: 'whisper',
    params: { breathiness: 1, loudnessDb: -6, tiltDbPerOct: 1, tempo: 0.97, contrast: 0.9 },
    why: 'Whisper: no vocal-fold vibration, so all voiced excitation is replaced by noise through the speaker\'s own vocal-tract envelope; whispers are quieter and relatively brighter.',
  },
  {
    kind: 'shape',
    option: 'gentle',
    params: { pitchSt: 0.5, rangeScale: 0.85, tempo: 0.93, loudnessDb: -2, tiltDbPerOct: -1.5, breathiness: 0.2, contrast: 0.85 },
    why: 'Gentle: soft, slightly slower, darker and breathier with smoothed accents.',
  },
  {
    kind: 'shape',
    option: 'recite',
    params: { rangeScale: 1.3, declinationStPerSec: -0.4, tempo: 0.88, loudnessDb: 1, tiltDbPerOct: 0.5, contrast: 1.15 },
    why: 'Recitation: declamatory, slow and rhythmic, with wide melodic arcs falling to each line end and clear stresses.',
  },
  {
    kind: 'shape',
    option: 'generous',
    params: { pitchSt: -0.5, formantSt: -0.3, rangeScale: 1.1, tempo: 0.94, loudnessDb: 1 },
    why: 'Generous, open-hearted: a fuller (slightly longer-tract), relaxed and unhurried voice with a broad melody.',
  },
  {
    kind: 'shape',
    option: 'act_coy',
    params: { pitchSt: 3, formantSt: 1, rangeScale: 1.4, declinationStPerSec: 0.6, tempo: 0.92, breathiness: 0.2, loudnessDb: -0.5 },
    why: 'Acting coy (sajiao): high, sing-song pitch with drawn-out rising ends, a childlike timbre and breathiness.',
  },
  {
    kind: 'shape',
    option: 'warm',
    params: { pitchSt: -0.5, formantSt: -0.3, tempo: 0.95, tiltDbPerOct: -1.5, breathiness: 0.1 },
    why: 'Warm: relaxed, slightly lower voice with a darker (less high-frequency) spectrum.',
  },
  {
    kind: 'shape',
    option: 'shy',
    params: { pitchSt: 1, rangeScale: 0.7, tempo: 0.92, loudnessDb: -3, tiltDbPerOct: -1, breathiness: 0.25, contrast: 0.85 },
    why: 'Shy: quiet, breathy and tentative, with a narrow, slightly raised melody.',
  },
  {
    kind: 'shape',
    option: 'comfort',
    params: { pitchSt: -0.5, rangeScale: 0.85, tempo: 0.9, loudnessDb: -2, tiltDbPerOct: -1.5, breathiness: 0.2, contrast: 0.85 },
    why: 'Comforting: slow, soft and warm, with soothing, even dynamics.',
  },
  {
    kind: 'shape',
    option: 'authority',
    params: { pitchSt: -1.5, formantSt: -0.3, rangeScale: 0.9, declinationStPerSec: -0.5, tempo: 0.94, loudnessDb: 2, tiltDbPerOct: 1, contrast: 1.1 },
    why: 'Authoritative: lower, fuller and louder voice with decisive falling phrase ends and firm stresses.',
  },
  {
    kind: 'shape',
    option: 'chat',
    params: { rangeScale: 1.1, tempo: 1.06, loudnessDb: -0.5, breathiness: 0.05, contrast: 0.95 },
    why: 'Casual chat: a little quicker and looser, relaxed level and dynamics.',
  },
  {
    kind: 'shape',
    option: 'radio',
    params: { pitchSt: -1, formantSt: -0.2, rangeScale: 1.1, loudnessDb: 1, tiltDbPerOct: 1, contrast: 0.8 },
    why: 'Radio presenter: slightly deeper and fuller, with presence (brighter) and compressed, even broadcast dynamics.',
  },
  {
    kind: 'shape',
    option: 'soulful',
    params: { pitchSt: -0.5, rangeScale: 1.2, tempo: 0.9, tiltDbPerOct: -0.5, breathiness: 0.25, vibratoSt: 0.2, vibratoHz: 5 },
    why: 'Soulful: deeply felt, slower delivery with expressive melody, breathiness and a slight vibrato.',
  },
  {
    kind: 'shape',
    option: 'story',
    params: { rangeScale: 1.35, declinationStPerSec: -0.3, tempo: 0.92, contrast: 1.1 },
    why: 'Storytelling: slower, with wide, engaging melody and clear emphasis.',
  },
  {
    kind: 'shape',
    option: 'vivid',
    params: { pitchSt: 1, rangeScale: 1.4, tempo: 1.05, loudnessDb: 1, tiltDbPerOct: 0.5, contrast: 1.2 },
    why: 'Vivid, lively: higher, wide-ranging melody, brisk pace and strong accents.',
  },
  {
    kind: 'shape',
    option: 'program',
    params: { pitchSt: 1, rangeScale: 1.3, tempo: 1.08, loudnessDb: 1.5, tiltDbPerOct: 1, contrast: 1.1 },
    why: 'TV/variety host: energetic, bright and projected, quicker, with a lively melody.',
  },
  {
    kind: 'shape',
    option: 'news',
    params: { pitchSt: -0.5, rangeScale: 0.9, declinationStPerSec: -0.4, tempo: 1.05, loudnessDb: 1, tiltDbPerOct: 0.5, contrast: 0.85 },
    why: 'Newsreader: brisk and steady, controlled melody with regular phrase-final falls, clear and even.',
  },
  {
    kind: 'shape',
    option: 'advertising',
    params: { pitchSt: 1.5, rangeScale: 1.35, tempo: 1.1, loudnessDb: 2, tiltDbPerOct: 1.5, contrast: 1.15 },
    why: 'Advertising: upbeat and persuasive: higher, wider melody, fast, loud and bright.',
  },
  {
    kind: 'shape',
    option: 'roar',
    params: { pitchSt: 3, rangeScale: 1.2, tempo: 0.95, loudnessDb: 4, tiltDbPerOct: 4, breathiness: 0.1, contrast: 1.2 },
    why: 'Roaring: maximum vocal effort: much louder with far more high-frequency energy, raised F0, rough edges.',
  },
  {
    kind: 'shape',
    option: 'murmur',
    params: { pitchSt: -1, rangeScale: 0.7, tempo: 0.95, loudnessDb: -5, tiltDbPerOct: -2, breathiness: 0.5, contrast: 0.85 },
    why: 'Murmuring: low, quiet, half-voiced speech: strongly breathy, dark and flat.',
  },
  {
    kind: 'shape',
    option: 'shout',
    params: { pitchSt: 4, rangeScale: 1.1, loudnessDb: 4, tiltDbPerOct: 3.5, contrast: 1.15 },
    why: 'Shouting: high vocal effort raises F0 by several semitones and shifts energy to high frequencies, much louder.',
  },
  {
    kind: 'shape',
    option: 'deeply',
    params: { pitchSt: -3, formantSt: -1, rangeScale: 0.9, tempo: 0.92, tiltDbPerOct: -1, loudnessDb: 0.5 },
    why: 'Deep voice: lower F0 and lower formants (a bigger-sounding vocal tract), darker and slower.',
  },
  {
    kind: 'shape',
    option: 'loudly',
    params: { pitchSt: 1.5, rangeScale: 1.05, loudnessDb: 3.5, tiltDbPerOct: 2, contrast: 1.05 },
    why: 'Speaking loudly: more vocal effort raises level, F0 and high-frequency energy (Lombard-like).',
  },
  {
    kind: 'neutralize',
    option: 'remove',
    params: { amount: 0.6, tempo: true },
    why: 'Toward a plain reading: F0 range compressed toward a neutral span around the speaker\'s median, spectral tilt pulled toward the clip\'s median, dynamics evened, and a clearly fast or slow speaking rate moved toward a neutral band (3.5–6.5 syllables/s). Voice-quality styles (whisper, breathy) cannot be undone by signal processing.',
  },
  {
    kind: 'shape',
    option: 'exaggerated',
    params: { pitchSt: 1, rangeScale: 1.7, declinationStPerSec: -0.5, tempo: 0.95, loudnessDb: 1, contrast: 1.3 },
    why: 'Exaggerated: everything larger than life: very wide melody, strong accents and falls.',
  },
];

export const SPEED_PRESETS: readonly SpeedPreset[] = [
  { option: 'faster', tempo: 1.25, why: 'Duration × 0.8 (tempo 1.25), pitch and formants kept.' },
  { option: 'slower', tempo: 0.8, why: 'Duration × 1.25 (tempo 0.8), pitch and formants kept.' },
  { option: 'more faster', tempo: 1.5, why: 'Duration × 0.667 (tempo 1.5), pitch and formants kept.' },
  { option: 'more slower', tempo: 0.67, why: 'Duration × 1.49 (tempo 0.67), pitch and formants kept.' },
];

/** The intensity presets are written for. */
export const PRESET_INTENSITY = 0.5;
export const DEFAULT_INTENSITY = 0.5;

/** Scale factor s = intensity / 0.5 (0..2). */
export function intensityScale(intensity: number | undefined): number {
  const x = intensity ?? DEFAULT_INTENSITY;
  return Math.min(1, Math.max(0, x)) / PRESET_INTENSITY;
}

/** A preset's parameters at an intensity (see the header for the rule per kind of parameter). */
export function scaleParams(p: Partial<PresetParams>, intensity: number | undefined): PresetParams {
  const s = intensityScale(intensity);
  const q = { ...NEUTRAL, ...p };
  // `|| 0` turns −0 (a negative value at intensity 0) into 0.
  const mul = (v: number): number => v * s || 0;
  return {
    pitchSt: mul(q.pitchSt),
    rangeScale: Math.pow(q.rangeScale, s),
    declinationStPerSec: mul(q.declinationStPerSec),
    tempo: Math.pow(q.tempo, s),
    loudnessDb: mul(q.loudnessDb),
    tiltDbPerOct: mul(q.tiltDbPerOct),
    breathiness: Math.min(1, mul(q.breathiness)),
    formantSt: mul(q.formantSt),
    contrast: Math.pow(q.contrast, s),
    vibratoSt: mul(q.vibratoSt),
    vibratoHz: q.vibratoHz,
    tremolo: Math.min(0.9, mul(q.tremolo)),
  };
}

export function findPreset(task: 'emotion' | 'style', option: string): Preset | undefined {
  return (task === 'emotion' ? EMOTION_PRESETS : STYLE_PRESETS).find((p) => p.option === option);
}

export function findSpeed(option: string): SpeedPreset | undefined {
  return SPEED_PRESETS.find((p) => p.option === option);
}
