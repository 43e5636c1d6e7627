// The DSP engine's tasks as pure async functions of (audio, request) → audio + facts: emotion/style presets (F0
// contour, tempo, formants, breathiness, tilt, dynamics), neutralisation ("remove"), speed, denoise, silence removal
// and paralinguistic sounds. Every task ends in the same master stage (loudness match + true-peak limit).

import { summarizeF0, trackF0Steps, type F0Track } from '../../audio/analysis/f0';
import { integratedLoudnessSteps } from '../../audio/analysis/loudness';
import { estimateSpeakingRateSteps } from '../../audio/analysis/rate';
import { detectSpeech } from '../../audio/analysis/vad';
import type { Segment } from '../../audio/analysis/common';
import { RetakeError } from '../../contract/errors';
import { breathify } from '../../audio/dsp/breathy';
import { reshapeContour } from '../../audio/dsp/contour';
import { denoise } from '../../audio/dsp/denoise';
import { insertSounds, type Insertion } from '../../audio/dsp/insert';
import { master } from '../../audio/dsp/master';
import { synthesizeNonverbal } from '../../audio/dsp/nonverbal';
import { applyTilt, normalizeTilt, shapeEnergy } from '../../audio/dsp/shape';
import { findBreaths, removeSilences } from '../../audio/dsp/silence';
import { timeStretch } from '../../audio/dsp/stretch';
import { buildVoiceProfileSteps } from '../../audio/dsp/voice';
import type { Work, WorkOptions } from '../../audio/dsp/work';
import type { AudioData } from '../../audio/types';
import { toMonoSteps } from '../../audio/types';
import { findPausesSteps, nearestPause, parseTags, speechTimeToClock } from './placement';
import { intensityScale, type NeutralizeParams, type PresetParams } from './presets';
import { findTag, TAG_NAMES } from './tags';

export interface TaskOutput {
  audio: AudioData;
  info: Record<string, unknown>;
}

export interface Analysis {
  track: F0Track;
  segments: Segment[];
  medianHz: number | null;
}

/** Stages report into their own slice of the run's 0..1 progress. */
export type StageFactory = (name: string, from: number, to: number) => Work;

/**
 * The input's loudness, its mono mix and F0 track, and (when asked) the VAD speech segments; without them the F0
 * summary gates speech frames by level.
 */
async function analyse(input: AudioData, work: Work, withVad = true): Promise<Analysis & { inputLufs: number | null; mono: Float32Array }> {
  const inputLufs = await work.sub(0, 0.15).run(integratedLoudnessSteps(input));
  const mono = await work.sub(0.15, 0.2).run(toMonoSteps(input));
  const track = await work.sub(0.2, 0.6).run(trackF0Steps(mono, input.sampleRate));
  const sig = work.signal;
  const segments = withVad ? (await detectSpeech(input, sig ? { signal: sig } : {})).segments : [];
  const summary = summarizeF0(track, withVad ? segments : null);
  await work.done();
  return { inputLufs, mono, track, segments, medianHz: summary.medianHz };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function finish(
  out: AudioData,
  inputLufs: number | null,
  loudnessChangeDb: number,
  info: Record<string, unknown>,
  work: Work,
): Promise<TaskOutput> {
  const m = await master(out, { referenceLufs: inputLufs, loudnessChangeDb, ...work.nested() });
  return {
    audio: m.audio,
    info: {
      ...info,
      loudness: {
        inputLufs: inputLufs === null ? null : round3(inputLufs),
        targetLufs: m.targetLufs === null ? null : round3(m.targetLufs),
        outputLufs: m.outputLufs === null ? null : round3(m.outputLufs),
        declaredChangeDb: round3(loudnessChangeDb),
        truePeakDbtp: m.truePeakDbtp === null ? null : round3(m.truePeakDbtp),
        // Set when the output could not reach its target (e.g. a hot source held down by the −1 dBTP ceiling).
        shortfallLu: m.shortfallLu === null ? null : round3(m.shortfallLu),
      },
    },
  };
}

/** Applies a shaping preset (already scaled to the request's intensity). */
export async function applyShape(
  input: AudioData,
  p: PresetParams,
  seed: number,
  stage: StageFactory,
  extraInfo: Record<string, unknown> = {},
): Promise<TaskOutput> {
  // Speech segments are only needed as phrases for declination.
  const a = await analyse(input, stage('analysis', 0, 0.15), p.declinationStPerSec !== 0);
  let audio = input;
  const needsStretch =
    p.pitchSt !== 0 || p.rangeScale !== 1 || p.declinationStPerSec !== 0 || p.vibratoSt !== 0 || p.tempo !== 1 || p.formantSt !== 0;
  if (needsStretch) {
    const contour = reshapeContour(
      { hopSec: a.track.hopSec, f0Hz: a.track.f0Hz },
      {
        shiftSt: p.pitchSt,
        rangeScale: p.rangeScale,
        declinationStPerSec: p.declinationStPerSec,
        vibratoSt: p.vibratoSt,
        vibratoHz: p.vibratoHz,
        phrases: a.segments,
        ...(a.medianHz !== null ? { medianHz: a.medianHz } : {}),
      },
    );
    const w = stage('pitch and tempo', 0.15, 0.6);
    audio = await timeStretch(audio, {
      tempo: p.tempo,
      pitchTrack: { hopSeconds: contour.hopSeconds, semitones: contour.semitones },
      formantCompensation: true,
      formantSemitones: p.formantSt,
      formantBaseHz: a.medianHz ?? 0,
      ...workOpts(w),
    });
  }
  if (p.breathiness > 0) {
    const w = stage('voice quality', 0.6, 0.8);
    audio = await breathify(audio, { amount: p.breathiness, seed, ...workOpts(w) });
  }
  if (p.tiltDbPerOct !== 0) {
    const w = stage('spectrum', 0.8, 0.87);
    audio = await applyTilt(audio, p.tiltDbPerOct, workOpts(w));
  }
  if (p.contrast !== 1 || p.tremolo > 0) {
    const w = stage('dynamics', 0.87, 0.92);
    audio = await shapeEnergy(audio, { contrast: p.contrast, tremoloDepth: p.tremolo, tremoloHz: p.vibratoHz, ...workOpts(w) });
  }
  return finish(audio, a.inputLufs, p.loudnessDb, {
    ...extraInfo,
    params: roundParams(p),
    inputMedianF0Hz: a.medianHz === null ? null : round3(a.medianHz),
  }, stage('loudness', 0.92, 1));
}

function workOpts(w: Work): WorkOptions {
  return w.nested();
}

function roundParams(p: PresetParams): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(p)) out[k] = round3(v);
  return out;
}

/**
 * Neutral F0 span (5th–95th percentile of voiced speech frames), semitones. With this analysis the corpus' plain
 * readings measure 9.6–10.8 st and its expressive ones 13–15 st; 9 st pulls expressive readings toward the plain ones
 * and barely touches a plain one.
 */
const NEUTRAL_RANGE_ST = 9;
/**
 * Neutral speaking-rate band, syllable nuclei per second: inside it the rate is left alone (it differs by language:
 * the corpus' English reads at ~4.5, its Mandarin at ~6); outside it the rate moves toward the nearer edge.
 */
const NEUTRAL_RATE_LOW = 3.5;
const NEUTRAL_RATE_HIGH = 6.5;

/** `remove`: moves range, tilt and dynamics (and for styles the rate) toward neutral by amount × intensity scale. */
export async function applyNeutralize(
  input: AudioData,
  np: NeutralizeParams,
  intensity: number | undefined,
  stage: StageFactory,
  extraInfo: Record<string, unknown> = {},
): Promise<TaskOutput> {
  const amount = Math.min(1, np.amount * intensityScale(intensity));
  const a = await analyse(input, stage('analysis', 0, 0.15));
  const summary = summarizeF0(a.track, a.segments);
  let rangeScale = 1;
  if (summary.rangeSt !== null && summary.rangeSt > 0) {
    // Toward the neutral span, never beyond ×0.5 … ×1.5 in one pass.
    rangeScale = Math.min(1.5, Math.max(0.5, Math.pow(NEUTRAL_RANGE_ST / summary.rangeSt, amount)));
  }
  let tempo = 1;
  let rate: number | null = null;
  if (np.tempo && a.segments.length > 0) {
    rate = (await stage('analysis', 0.15, 0.15).run(estimateSpeakingRateSteps(a.mono, input.sampleRate, a.segments)))
      .syllablesPerSec;
    // Rate estimates are rough: move at most ±15 % per pass.
    if (rate !== null && rate > 0) {
      const edge = rate > NEUTRAL_RATE_HIGH ? NEUTRAL_RATE_HIGH : rate < NEUTRAL_RATE_LOW ? NEUTRAL_RATE_LOW : rate;
      tempo = Math.min(1.15, Math.max(0.87, Math.pow(edge / rate, amount)));
    }
  }
  let audio = input;
  if (rangeScale !== 1 || tempo !== 1) {
    const contour = reshapeContour(
      { hopSec: a.track.hopSec, f0Hz: a.track.f0Hz },
      { rangeScale, ...(a.medianHz !== null ? { medianHz: a.medianHz } : {}) },
    );
    const w = stage('pitch and tempo', 0.15, 0.6);
    audio = await timeStretch(audio, {
      tempo,
      pitchTrack: { hopSeconds: contour.hopSeconds, semitones: contour.semitones },
      formantBaseHz: a.medianHz ?? 0,
      ...workOpts(w),
    });
  }
  audio = await normalizeTilt(audio, amount, workOpts(stage('spectrum', 0.6, 0.85)));
  // Accents evened by up to 20 % of their level difference at full amount.
  const contrast = 1 - 0.2 * amount;
  audio = await shapeEnergy(audio, { contrast, ...workOpts(stage('dynamics', 0.85, 0.92)) });
  return finish(audio, a.inputLufs, 0, {
    ...extraInfo,
    params: {
      amount: round3(amount),
      rangeScale: round3(rangeScale),
      inputRangeSt: summary.rangeSt === null ? null : round3(summary.rangeSt),
      tempo: round3(tempo),
      inputSyllablesPerSec: rate === null ? null : round3(rate),
      contrast: round3(contrast),
    },
  }, stage('loudness', 0.92, 1));
}

export async function applySpeed(input: AudioData, tempo: number, stage: StageFactory, extraInfo: Record<string, unknown> = {}): Promise<TaskOutput> {
  const inputLufs = await stage('analysis', 0, 0.05).run(integratedLoudnessSteps(input));
  const audio = await timeStretch(input, { tempo, formantCompensation: true, ...workOpts(stage('tempo', 0.05, 0.9)) });
  return finish(audio, inputLufs, 0, { ...extraInfo, tempo }, stage('loudness', 0.9, 1));
}

export async function applyDenoise(input: AudioData, stage: StageFactory): Promise<TaskOutput> {
  const inputLufs = await stage('analysis', 0, 0.05).run(integratedLoudnessSteps(input));
  const audio = await denoise(input, workOpts(stage('denoise', 0.05, 0.9)));
  return finish(audio, inputLufs, 0, { model: 'RNNoise (48 kHz)' }, stage('loudness', 0.9, 1));
}

export interface VadSettings {
  /** Pauses longer than this are cut down to it (seconds). */
  pauseSec: number;
  /** Breaths inside pauses are kept whole (and the pause cut around them) instead of being cut with the silence. */
  keepBreaths: boolean;
}

/**
 * VAD options for silence removal: no padding (the kept pause and the edge margin of removeSilences are the only
 * silence left, so "100 ms" means 100 ms), and pauses from 50 ms detected (Silero's default 100 ms would leave the
 * short pauses of conversation untouched).
 */
const VAD_FOR_SILENCE = { speechPadMs: 0, minSilenceMs: 50 } as const;

export async function applyVad(input: AudioData, settings: VadSettings, stage: StageFactory): Promise<TaskOutput> {
  const inputLufs = await stage('analysis', 0, 0.05).run(integratedLoudnessSteps(input));
  const w = stage('speech detection', 0.05, 0.6);
  const sig = w.signal;
  const vad = await detectSpeech(input, { ...VAD_FOR_SILENCE, ...(sig ? { signal: sig } : {}) });
  const breaths = settings.keepBreaths ? findBreaths(input, vad.segments) : [];
  await w.done();
  const res = removeSilences(input, [...vad.segments, ...breaths], { maxPauseSec: settings.pauseSec });
  const n = input.channels[0]?.length ?? 0;
  const m = res.audio.channels[0]?.length ?? 0;
  return finish(res.audio, inputLufs, 0, {
    pauseSec: settings.pauseSec,
    keepBreaths: settings.keepBreaths,
    speechSegments: vad.segments.length,
    ...(settings.keepBreaths ? { breathsKept: breaths.length } : {}),
    inputSec: round3(n / input.sampleRate),
    outputSec: round3(m / input.sampleRate),
  }, stage('loudness', 0.9, 1));
}

function normalizeWords(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

export async function applyParalinguistic(
  input: AudioData,
  text: string,
  newText: string,
  seed: number,
  stage: StageFactory,
): Promise<TaskOutput> {
  const parsed = parseTags(newText, TAG_NAMES);
  if (parsed.marks.length === 0) {
    throw new RetakeError(
      'E_VALIDATION',
      `The new text has no tag to add. Write one of ${TAG_NAMES.map((t) => `[${t}]`).join(' ')} where the sound should go.`,
    );
  }
  const a = await analyse(input, stage('analysis', 0, 0.3));
  const mono = a.mono;
  const sr = input.sampleRate;
  const w = stage('synthesis', 0.3, 0.9);
  const profile = await w.sub(0, 0.3).run(buildVoiceProfileSteps(mono, sr, a.track));
  const pauses = await w.sub(0.3, 0.4).run(findPausesSteps(mono, sr, a.segments));
  const dur = mono.length / sr;
  // Tags that snap to the same pause are rendered back to back, in text order.
  const byPause = new Map<number, { time: number; tags: string[]; sounds: Float32Array[] }>();
  const placements: Array<{ tag: string; fraction: number; targetSec: number; pauseSec: number; pauseKind: string }> = [];
  parsed.marks.forEach((m, i) => {
    const target = speechTimeToClock(m.fraction, a.segments, dur);
    const p = nearestPause(target, pauses);
    const recipe = findTag(m.tag)!;
    const sound = synthesizeNonverbal(recipe.events, profile, (seed + 7919 * (i + 1)) >>> 0);
    const key = Math.round(p.time * 1000);
    const g = byPause.get(key) ?? { time: p.time, tags: [], sounds: [] };
    g.tags.push(m.tag);
    g.sounds.push(sound);
    byPause.set(key, g);
    placements.push({ tag: m.tag, fraction: round3(m.fraction), targetSec: round3(target), pauseSec: round3(p.time), pauseKind: p.kind });
  });
  await w.step(0.6);
  const insertions: Insertion[] = [...byPause.values()].map((g) => {
    const len = g.sounds.reduce((x, s) => x + s.length, 0);
    const sound = new Float32Array(len);
    let o = 0;
    for (const s of g.sounds) {
      sound.set(s, o);
      o += s.length;
    }
    return { time: g.time, sound };
  });
  const res = insertSounds(input, insertions, profile.roomTone, seed);
  await w.done();
  const wordsChanged = normalizeWords(parsed.clean) !== normalizeWords(text);
  return finish(res.audio, a.inputLufs, 0, {
    tags: placements,
    inserted: res.placed.map((p) => ({ start: round3(p.start), end: round3(p.end) })),
    voice: {
      medianF0Hz: round3(profile.medianF0Hz),
      vowelFrames: profile.voicedFramesUsed,
      formantScale: round3(profile.formantScale),
    },
    ...(wordsChanged
      ? { note: 'The new text differs from the transcript beyond its tags; the built-in engine only adds the sounds and cannot re-speak words.' }
      : {}),
  }, stage('loudness', 0.9, 1));
}
