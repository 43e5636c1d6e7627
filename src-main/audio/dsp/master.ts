// Final stage of every DSP edit: loudness matched to the input (plus any change the preset declares), a true-peak
// limiter under −1 dBTP, finite samples. Loudness and true peak are measured by the analysis module (BS.1770-4), the
// same meter the takes list and the tests use, so "within 1 LU" and "≤ −1 dBTP" hold by that meter.

import { integratedLoudnessSteps, truePeakSteps } from '../analysis/loudness';
import { SAMPLE_BLOCK, type Steps } from '../steps';
import type { AudioData } from '../types';
import { dbToGain, limiterGainSteps, truePeakEnvelopeSteps } from './dynamics';
import { Work, type WorkOptions } from './work';

export interface MasterOptions extends WorkOptions {
  /** Loudness of the reference (the edit's input) in LUFS, or null when it is silent. */
  referenceLufs: number | null;
  /** Declared loudness change in dB relative to the reference (0 = match). */
  loudnessChangeDb?: number;
  /** Delivery ceiling in dBTP. Default −1. */
  ceilingDbtp?: number;
}

export interface MasterResult {
  audio: AudioData;
  outputLufs: number | null;
  targetLufs: number | null;
  /** True peak of `audio` as the analysis meter reads it. */
  truePeakDbtp: number | null;
  /** target − output when the target could not be reached within MATCH_TOLERANCE_LU (a hot source that the ceiling
   * keeps from getting louder, or a gain beyond MAX_MAKEUP_DB); null otherwise. */
  shortfallLu: number | null;
}

/** The limiter works 0.3 dB under the delivery ceiling, so that the gain curve's movement within the interpolator's
 * reach rarely lifts the result over it; the meter has the last word either way (see render). */
const LIMITER_MARGIN_DB = 0.3;
/** Loudness is matched to within 0.1 LU (the resolution the takes list shows); a larger miss is reported. */
const MATCH_TOLERANCE_LU = 0.1;
/** Trials of the loudness match: the first at the gain that would match without limiting, then secant steps. */
const MATCH_ROUNDS = 8;
/** Bounds of the loudness-vs-gain slope a secant step divides by: limiting only makes it smaller than 1, and below 0.1
 * one step would move the gain by more than ten times the remaining miss. */
const MIN_SLOPE = 0.1;
/** A static trim 0.05 dB under the ceiling when the meter reads above it (float rounding then cannot cross it). */
const TRIM_MARGIN_DB = 0.05;
/** Trims tried before giving up on the ceiling (one suffices in exact arithmetic: the true peak scales with gain). */
const TRIM_ROUNDS = 4;
/** The envelope is computed exactly up to 3 dB above the gain it was made for, room for the matching rounds. */
const ENVELOPE_HEADROOM_DB = 3;
/** Never raise the gain by more than this in one edit: a near-silent output is not pumped into noise. */
const MAX_MAKEUP_DB = 24;

function finiteCopy(c: Float32Array, o: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) o[i] = Number.isFinite(c[i]!) ? c[i]! : 0;
}

function* sanitize(audio: AudioData): Steps<AudioData> {
  const channels: Float32Array[] = [];
  for (const c of audio.channels) {
    const o = new Float32Array(c.length);
    for (let i = 0; i < c.length; i += SAMPLE_BLOCK) {
      finiteCopy(c, o, i, Math.min(c.length, i + SAMPLE_BLOCK));
      yield;
    }
    channels.push(o);
  }
  return { sampleRate: audio.sampleRate, channels };
}

/** out[i] = c[i]·g·curve[i] (or c[i]·g without a curve) for [from, to). */
function gainBlock(c: Float32Array, g: number, curve: Float32Array | null, out: Float32Array, from: number, to: number): void {
  if (curve) for (let i = from; i < to; i++) out[i] = c[i]! * g * curve[i]!;
  else for (let i = from; i < to; i++) out[i] = c[i]! * g;
}

function* scaled(audio: AudioData, g: number, curve: Float32Array | null): Steps<AudioData> {
  const channels: Float32Array[] = [];
  for (const c of audio.channels) {
    const o = new Float32Array(c.length);
    for (let i = 0; i < c.length; i += SAMPLE_BLOCK) {
      gainBlock(c, g, curve, o, i, Math.min(c.length, i + SAMPLE_BLOCK));
      yield;
    }
    channels.push(o);
  }
  return { sampleRate: audio.sampleRate, channels };
}

interface Trial {
  gainDb: number;
  audio: AudioData;
  lufs: number | null;
  /** Linear true peak by the analysis meter. */
  peak: number;
}

/**
 * Loudness-matches and limits one edit's output. Every candidate gain is rendered through the limiter and then read
 * by the analysis meter; a true peak over the ceiling is trimmed (static gain) until the meter agrees, and loudness is
 * measured after that, so the match accounts for both. The gain search is a secant on loudness against gain in dB.
 */
export async function master(audioIn: AudioData, opts: MasterOptions): Promise<MasterResult> {
  const work = new Work(opts);
  await work.step(0);
  const ceilingDb = opts.ceilingDbtp ?? -1;
  const ceilingLin = dbToGain(ceilingDb);
  const limiterCeiling = dbToGain(ceilingDb - LIMITER_MARGIN_DB);
  const src = await work.run(sanitize(audioIn));
  const target = opts.referenceLufs === null ? null : opts.referenceLufs + (opts.loudnessChangeDb ?? 0);
  // The true-peak envelope scales with any static gain, so it is computed once (exactly wherever the gains tried can
  // bring it over the ceiling) and every trial only rebuilds the gain curve.
  let env: Float32Array | null = null;
  let envFor = 0;
  const envelopeFor = async (g: number): Promise<Float32Array> => {
    if (!env || g > envFor) {
      envFor = g * dbToGain(ENVELOPE_HEADROOM_DB);
      env = await work.run(truePeakEnvelopeSteps(src, limiterCeiling / envFor));
    }
    return env;
  };
  const loudness = (a: AudioData): Promise<number | null> => work.run(integratedLoudnessSteps(a));
  const render = async (gainDb: number, measure: boolean): Promise<Trial> => {
    const g = dbToGain(gainDb);
    const e = await envelopeFor(g);
    const curve = await work.run(limiterGainSteps(e, src.sampleRate, limiterCeiling, g));
    let audio = await work.run(scaled(src, g, curve));
    let peak = await work.run(truePeakSteps(audio));
    for (let k = 0; k < TRIM_ROUNDS && peak > ceilingLin; k++) {
      audio = await work.run(scaled(audio, (ceilingLin / peak) * dbToGain(-TRIM_MARGIN_DB), null));
      peak = await work.run(truePeakSteps(audio));
    }
    return { gainDb, audio, peak, lufs: measure ? await loudness(audio) : null };
  };
  const miss = (t: Trial): number => (target === null || t.lufs === null ? 0 : target - t.lufs);

  const lufs0 = await loudness(src);
  let best: Trial;
  if (target !== null && lufs0 !== null) {
    let cur = await render(Math.min(MAX_MAKEUP_DB, target - lufs0), true);
    best = cur;
    let prev: Trial | null = null;
    for (let round = 1; round < MATCH_ROUNDS && cur.lufs !== null; round++) {
      const diff = miss(cur);
      if (Math.abs(diff) <= MATCH_TOLERANCE_LU) break;
      let slope = 1;
      if (prev && prev.lufs !== null && cur.gainDb !== prev.gainDb) {
        slope = Math.min(1, Math.max(MIN_SLOPE, (cur.lufs - prev.lufs) / (cur.gainDb - prev.gainDb)));
      }
      const next = Math.min(MAX_MAKEUP_DB, cur.gainDb + diff / slope);
      if (next === cur.gainDb) break; // at the makeup limit
      prev = cur;
      cur = await render(next, true);
      if (Math.abs(miss(cur)) < Math.abs(miss(best))) best = cur;
    }
  } else {
    best = await render(0, false);
    best.lufs = lufs0;
  }
  await work.done();
  const shortfall = miss(best);
  return {
    audio: best.audio,
    outputLufs: best.lufs,
    targetLufs: target,
    truePeakDbtp: best.peak > 0 ? 20 * Math.log10(best.peak) : null,
    shortfallLu: shortfall > MATCH_TOLERANCE_LU ? shortfall : null,
  };
}
