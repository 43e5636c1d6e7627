// Breathy and whispered voice: the voiced excitation is replaced (in part or fully) by noise filtered through the
// speaker's own frame-wise spectral envelope. Source–filter split by LPC on the pre-emphasised signal; the residual's
// short-time energy is kept, so phones keep their loudness and the vocal tract shape (formants) is the speaker's.
// Above 24 kHz the LPC runs on the band below 12 kHz at 24 kHz (see LPC_MAX_RATE), so the timbre does not depend on
// the sample rate.

import type { AudioData } from '../types';
import { resampleChannelSteps, type ResampleOptions } from '../resample';
import { SAMPLE_BLOCK, type Steps } from '../steps';
import {
  deEmphasizeSteps,
  latticeInverseSteps,
  latticeSynthesisSteps,
  lpcTrackSteps,
  PRE_EMPHASIS,
  preEmphasizeSteps,
  speechLpcOrder,
} from './lpc';
import { Rng } from './prng';
import { Work, type WorkOptions } from './work';

export interface BreathyOptions extends WorkOptions {
  /** 0 = unchanged, 1 = fully whispered (no voiced excitation left). */
  amount: number;
  seed: number;
}

/** 25 ms analysis frames every 10 ms: the usual LPC framing for speech (stationary over ~20–30 ms); coefficients are
 * interpolated between frames. */
const FRAME_SEC = 0.025;
const HOP_SEC = 0.01;
/** Residual energy is followed over 10 ms: short enough for plosive bursts, long enough to smooth the glottal pulses. */
const ENERGY_SEC = 0.01;

/** Moving RMS over [i − len/2, i + len/2] (a running sum of squares, its state in st[0]) for outputs [from, to). */
function movingRmsBlock(x: Float32Array, half: number, out: Float32Array, st: Float64Array, from: number, to: number): void {
  const n = x.length;
  let acc = st[0]!;
  for (let i = from; i < to; i++) {
    const add = i + half;
    if (add < n) acc += x[add]! * x[add]!;
    const rem = i - half - 1;
    if (rem >= 0) acc -= x[rem]! * x[rem]!;
    const count = Math.min(n - 1, i + half) - Math.max(0, i - half) + 1;
    out[i] = Math.sqrt(Math.max(0, acc) / count);
  }
  st[0] = acc;
}

function* movingRms(x: Float32Array, len: number): Steps<Float32Array> {
  const out = new Float32Array(x.length);
  const half = len >> 1;
  const n = x.length;
  const st = new Float64Array(1);
  // Running sum of squares over [i-half, i+half].
  for (let i = 0; i < Math.min(n, half); i++) st[0] = st[0]! + x[i]! * x[i]!;
  for (let i = 0; i < n; i += SAMPLE_BLOCK) {
    movingRmsBlock(x, half, out, st, i, Math.min(n, i + SAMPLE_BLOCK));
    yield;
  }
  return out;
}

/** Excitation of samples [from, to): the residual weighted by wVoice plus its envelope times Gaussian noise. */
function mixExcitation(e: Float32Array, env: Float32Array, rng: Rng, wVoice: number, wNoise: number, ex: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) ex[i] = wVoice * e[i]! + wNoise * env[i]! * rng.gauss();
}

/**
 * The LPC source–filter split runs at 24 kHz at most: there the speech order (28 poles) resolves the formants of the
 * band that carries them, and the fit never sees a near-empty top octave. At 48 or 96 kHz speech leaves the band above
 * ~12 kHz nearly empty (a microphone's roll-off, or material from a lower rate); a fit at the full rate spends its
 * poles there and the noise excitation lifted the whole top of the spectrum (measured on the corpus at 48 kHz: 4–8 kHz
 * 9 dB, 2–4 kHz 4 dB above the same speech at 24 kHz). Content above the split gets the same treatment without an
 * envelope: its excitation is replaced by noise at its own short-time level.
 */
const LPC_MAX_RATE = 24000;
/** The band split: Hann-windowed sinc of 16 zero crossings, cutoff 0.97 × 12 kHz (the kernel denoise uses). */
const SPLIT: ResampleOptions = { mode: 'torchaudioHann', lowpassFilterWidth: 16, rolloff: 0.97 };

/** x resampled between `from` and `to`, cut or zero-padded to n samples (the resampler rounds the length up). */
async function resampled(x: Float32Array, from: number, to: number, n: number, work: Work): Promise<Float32Array> {
  const y = await work.run(resampleChannelSteps(x, from, to, SPLIT));
  if (y.length === n) return y;
  const out = new Float32Array(n);
  out.set(y.subarray(0, Math.min(n, y.length)));
  return out;
}

/**
 * Pre-emphasis coefficient at a rate: the classic 0.97 at 24 kHz, whose zero (−ln 0.97 · sr / 2π ≈ 116 Hz) stays at
 * the same frequency at lower rates, so the envelope fit sees the same tilt (measured: 8–16 kHz whispers then match
 * the 24 kHz band levels within 1.2 dB instead of 3 dB).
 */
function preEmphasisAt(sr: number): number {
  return Math.pow(PRE_EMPHASIS, LPC_MAX_RATE / sr);
}

/** The LPC method on one channel at its own rate (≤ LPC_MAX_RATE). */
async function breatheLpc(x0: Float32Array, sr: number, amount: number, rng: Rng, work: Work): Promise<Float32Array> {
  const order = speechLpcOrder(sr);
  const frameLen = Math.round(FRAME_SEC * sr);
  const hop = Math.round(HOP_SEC * sr);
  const wVoice = Math.sqrt(1 - amount);
  const wNoise = Math.sqrt(amount);
  const coef = preEmphasisAt(sr);
  const x = await work.sub(0, 0.05).run(preEmphasizeSteps(x0, coef));
  const track = await work.sub(0.05, 0.3).run(lpcTrackSteps(x, order, frameLen, hop));
  const e = await work.sub(0.3, 0.5).run(latticeInverseSteps(x, track));
  const env = await work.run(movingRms(e, Math.round(ENERGY_SEC * sr)));
  const ex = new Float32Array(e.length);
  for (let i = 0; i < e.length; i += SAMPLE_BLOCK) {
    mixExcitation(e, env, rng, wVoice, wNoise, ex, i, Math.min(e.length, i + SAMPLE_BLOCK));
    await work.step(0.5 + (0.1 * i) / e.length);
  }
  const synth = await work.sub(0.6, 0.95).run(latticeSynthesisSteps(ex, track));
  const y = await work.sub(0.95, 1).run(deEmphasizeSteps(synth, coef));
  await work.done();
  return y;
}

/** y += wVoice·high + wNoise·env·noise/σ over [from, to): the top band with its excitation replaced by noise. */
function addTopBand(
  y: Float32Array,
  high: Float32Array,
  env: Float32Array,
  noise: Float32Array,
  wVoice: number,
  wNoiseOverSigma: number,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) y[i] = y[i]! + wVoice * high[i]! + wNoiseOverSigma * env[i]! * noise[i]!;
}

function gaussians(rng: Rng, out: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) out[i] = rng.gauss();
}

function difference(a: Float32Array, b: Float32Array, out: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) out[i] = a[i]! - b[i]!;
}

function sumSquares(x: Float32Array, from: number, to: number, acc: number): number {
  for (let i = from; i < to; i++) acc += x[i]! * x[i]!;
  return acc;
}

/** Above LPC_MAX_RATE: the band below the split through the LPC method at that rate, the band above through noise. */
async function breatheSplit(x: Float32Array, sr: number, amount: number, seed: number, c: number, work: Work): Promise<Float32Array> {
  const n = x.length;
  const low = await work.sub(0, 0.05).run(resampleChannelSteps(x, sr, LPC_MAX_RATE, SPLIT));
  const yLow = await breatheLpc(low, LPC_MAX_RATE, amount, new Rng(seed, 0x42 + c), work.sub(0.05, 0.6));
  const y = await resampled(yLow, LPC_MAX_RATE, sr, n, work.sub(0.6, 0.65));
  // The top band is what the round trip through LPC_MAX_RATE leaves out (so amount 0 would give x back).
  const lowBack = await resampled(low, LPC_MAX_RATE, sr, n, work.sub(0.65, 0.7));
  const high = new Float32Array(n);
  for (let i = 0; i < n; i += SAMPLE_BLOCK) {
    difference(x, lowBack, high, i, Math.min(n, i + SAMPLE_BLOCK));
    await work.step(0.7);
  }
  const env = await work.run(movingRms(high, Math.round(ENERGY_SEC * sr)));
  // White noise split the same way; its top band, normalised to unit power, carries the top band's level.
  const rng = new Rng(seed, 0x142 + c);
  const noise = new Float32Array(n);
  for (let i = 0; i < n; i += SAMPLE_BLOCK) {
    gaussians(rng, noise, i, Math.min(n, i + SAMPLE_BLOCK));
    await work.step(0.75);
  }
  const noiseLow = await work.sub(0.75, 0.8).run(resampleChannelSteps(noise, sr, LPC_MAX_RATE, SPLIT));
  const noiseBack = await resampled(noiseLow, LPC_MAX_RATE, sr, n, work.sub(0.8, 0.85));
  let power = 0;
  for (let i = 0; i < n; i += SAMPLE_BLOCK) {
    difference(noise, noiseBack, noise, i, Math.min(n, i + SAMPLE_BLOCK));
    power = sumSquares(noise, i, Math.min(n, i + SAMPLE_BLOCK), power);
    await work.step(0.9);
  }
  const sigma = Math.sqrt(power / Math.max(1, n));
  const wNoiseOverSigma = sigma > 0 ? Math.sqrt(amount) / sigma : 0;
  for (let i = 0; i < n; i += SAMPLE_BLOCK) {
    addTopBand(y, high, env, noise, Math.sqrt(1 - amount), wNoiseOverSigma, i, Math.min(n, i + SAMPLE_BLOCK));
    await work.step(0.95);
  }
  await work.done();
  return y;
}

export async function breathify(audio: AudioData, opts: BreathyOptions): Promise<AudioData> {
  const amount = Math.min(1, Math.max(0, opts.amount));
  if (amount === 0) return { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.slice()) };
  const sr = audio.sampleRate;
  const work = new Work(opts);
  const channels: Float32Array[] = [];
  const cs = audio.channels.length;
  for (let c = 0; c < cs; c++) {
    const part = work.sub(c / cs, (c + 1) / cs);
    const x = audio.channels[c]!;
    channels.push(
      sr <= LPC_MAX_RATE
        ? await breatheLpc(x, sr, amount, new Rng(opts.seed, 0x42 + c), part)
        : await breatheSplit(x, sr, amount, opts.seed, c, part),
    );
  }
  return { sampleRate: sr, channels };
}
