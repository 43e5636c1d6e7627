// Final stage of every DSP edit: loudness matched to the input (plus any change the preset declares), a true-peak
// limiter under −1 dBTP, finite samples. Loudness and true peak are measured by the analysis module (BS.1770-4), the
// same meter the takes list and the tests use, so "within 1 LU" and "≤ −1 dBTP" hold by that meter.

import { integratedLoudness, truePeak } from '../analysis/loudness';
import type { AudioData } from '../types';
import { applyGain, dbToGain, limiterGain, truePeakEnvelope } from './dynamics';

export interface MasterOptions {
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
  truePeakDbtp: number | null;
}

/** The limiter works 0.3 dB under the delivery ceiling so estimator and smoothing differences never cross it. */
const LIMITER_MARGIN_DB = 0.3;
/** Loudness is re-matched after limiting until within 0.2 LU (limiting lowers loudness a little); at most 6 rounds. */
const MATCH_TOLERANCE_LU = 0.2;
const MATCH_ROUNDS = 6;
/** Our 16-tap interpolator and the analysis meter's agree within ~0.05 dB on speech; 0.15 dB is a safe bound. */
const ESTIMATOR_TOLERANCE_DB = 0.15;
/** The envelope is computed exactly up to 3 dB above the first gain tried, room for the re-matching rounds. */
const ENVELOPE_HEADROOM_DB = 3;
/** Never raise the gain by more than this in one edit: a near-silent output is not pumped into noise. */
const MAX_MAKEUP_DB = 24;

function sanitize(audio: AudioData): AudioData {
  return {
    sampleRate: audio.sampleRate,
    channels: audio.channels.map((c) => {
      const o = c.slice();
      for (let i = 0; i < o.length; i++) if (!Number.isFinite(o[i]!)) o[i] = 0;
      return o;
    }),
  };
}

export function master(audioIn: AudioData, opts: MasterOptions): MasterResult {
  const ceilingDb = opts.ceilingDbtp ?? -1;
  const limiterCeiling = dbToGain(ceilingDb - LIMITER_MARGIN_DB);
  const src = sanitize(audioIn);
  const target = opts.referenceLufs === null ? null : opts.referenceLufs + (opts.loudnessChangeDb ?? 0);
  // The true-peak envelope scales with any static gain, so it is computed once (exactly wherever the gains tried can
  // bring it over the ceiling) and every round only rebuilds the gain curve and re-measures loudness.
  let env: Float32Array | null = null;
  let envFor = 0;
  const envelopeFor = (g: number): Float32Array => {
    if (!env || g > envFor) {
      envFor = g * dbToGain(ENVELOPE_HEADROOM_DB);
      env = truePeakEnvelope(src, limiterCeiling / envFor);
    }
    return env;
  };
  // Our estimate of the rendered result's true peak, g·curve·env: around every limited peak the gain curve holds its
  // minimum for ±att/2 (2.5 ms, far wider than the interpolator's 16 taps) and elsewhere moves over 5 ms or more, so the
  // output's own envelope departs from the estimate by far less than the limiter's 0.3 dB margin.
  let estimatedPeak = 0;
  const render = (g: number): AudioData => {
    const e = envelopeFor(g);
    const curve = limiterGain(e, src.sampleRate, limiterCeiling, g);
    estimatedPeak = 0;
    for (let i = 0; i < e.length; i++) {
      const v = e[i]! * g * (curve ? curve[i]! : 1);
      if (v > estimatedPeak) estimatedPeak = v;
    }
    return {
      sampleRate: src.sampleRate,
      channels: src.channels.map((c) => (curve ? c.map((v, i) => v * g * curve[i]!) : c.map((v) => v * g))),
    };
  };
  const lufs0 = integratedLoudness(src);
  let gain = 1;
  let audio: AudioData;
  let lufs: number | null;
  if (target !== null && lufs0 !== null) {
    gain = dbToGain(Math.min(MAX_MAKEUP_DB, target - lufs0));
    audio = render(gain);
    lufs = integratedLoudness(audio);
    for (let round = 1; round < MATCH_ROUNDS && lufs !== null; round++) {
      const diff = target - lufs;
      if (Math.abs(diff) <= MATCH_TOLERANCE_LU) break;
      gain *= dbToGain(Math.min(MAX_MAKEUP_DB, diff));
      audio = render(gain);
      lufs = integratedLoudness(audio);
    }
  } else {
    audio = render(1);
    lufs = lufs0;
  }
  // Safety net: only when our estimate comes within the estimator tolerance of the delivery ceiling is the analysis
  // meter consulted (it is the slower one), and a static trim applied if that meter reads above the ceiling.
  const ceilingLin = dbToGain(ceilingDb);
  const check = ceilingLin * dbToGain(-ESTIMATOR_TOLERANCE_DB);
  let tp = estimatedPeak;
  if (tp >= check) {
    tp = truePeak(audio);
    if (tp > ceilingLin) {
      audio = applyGain(audio, (ceilingLin / tp) * dbToGain(-0.05));
      tp = truePeak(audio);
      lufs = integratedLoudness(audio);
    }
  }
  return {
    audio,
    outputLufs: lufs,
    targetLufs: target,
    truePeakDbtp: tp > 0 ? 20 * Math.log10(tp) : null,
  };
}
