// Breathy and whispered voice: the voiced excitation is replaced (in part or fully) by noise filtered through the
// speaker's own frame-wise spectral envelope. Source–filter split by LPC on the pre-emphasised signal; the residual's
// short-time energy is kept, so phones keep their loudness and the vocal tract shape (formants) is the speaker's.

import type { AudioData } from '../types';
import {
  deEmphasize,
  latticeInverse,
  latticeSynthesis,
  lpcTrack,
  preEmphasize,
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

function movingRms(x: Float32Array, len: number): Float32Array {
  const out = new Float32Array(x.length);
  const half = len >> 1;
  let acc = 0;
  const n = x.length;
  // Running sum of squares over [i-half, i+half].
  for (let i = 0; i < Math.min(n, half); i++) acc += x[i]! * x[i]!;
  for (let i = 0; i < n; i++) {
    const add = i + half;
    if (add < n) acc += x[add]! * x[add]!;
    const rem = i - half - 1;
    if (rem >= 0) acc -= x[rem]! * x[rem]!;
    const count = Math.min(n - 1, i + half) - Math.max(0, i - half) + 1;
    out[i] = Math.sqrt(Math.max(0, acc) / count);
  }
  return out;
}

export async function breathify(audio: AudioData, opts: BreathyOptions): Promise<AudioData> {
  const amount = Math.min(1, Math.max(0, opts.amount));
  if (amount === 0) return { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.slice()) };
  const sr = audio.sampleRate;
  const work = new Work(opts);
  const order = speechLpcOrder(sr);
  const frameLen = Math.round(FRAME_SEC * sr);
  const hop = Math.round(HOP_SEC * sr);
  const wVoice = Math.sqrt(1 - amount);
  const wNoise = Math.sqrt(amount);
  const channels: Float32Array[] = [];
  for (let c = 0; c < audio.channels.length; c++) {
    const part = work.sub(c / audio.channels.length, (c + 1) / audio.channels.length);
    const rng = new Rng(opts.seed, 0x42 + c);
    const x = preEmphasize(audio.channels[c]!);
    const track = lpcTrack(x, order, frameLen, hop);
    await part.step(0.3);
    const e = latticeInverse(x, track);
    await part.step(0.5);
    const env = movingRms(e, Math.round(ENERGY_SEC * sr));
    const ex = new Float32Array(e.length);
    for (let i = 0; i < e.length; i++) ex[i] = wVoice * e[i]! + wNoise * env[i]! * rng.gauss();
    await part.step(0.6);
    const y = deEmphasize(latticeSynthesis(ex, track));
    channels.push(y);
    await part.done();
  }
  return { sampleRate: sr, channels };
}
