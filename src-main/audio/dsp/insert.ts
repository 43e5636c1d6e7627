// Inserting sounds into a recording at given times: the recording is split there, the inserted time is laid over a
// bed of the recording's own room tone (so the background does not drop out), and the joins are short fades.

import type { AudioData } from '../types';
import { frameCount } from '../types';
import { Rng } from './prng';

export interface Insertion {
  /** Split point in seconds of the input. */
  time: number;
  /** Mono sound, at the input's sample rate; copied to every channel. */
  sound: Float32Array;
}

export interface InsertResult {
  audio: AudioData;
  /** Where each insertion landed in the output, seconds (same order as given). */
  placed: Array<{ start: number; end: number }>;
}

/** 6 ms fades at each join: long enough to avoid a click at a low-level split point, short enough to be inaudible. */
const JOIN_FADE_SEC = 0.006;

/** `len` samples of room tone: Hann-windowed grains of `tone` at random offsets, overlap-added at 50 %. */
function roomBed(tone: Float32Array, len: number, rng: Rng): Float32Array {
  const out = new Float32Array(len);
  if (tone.length < 64 || len === 0) return out;
  const grain = Math.min(tone.length, 2048);
  const hop = grain >> 1;
  const w = new Float32Array(grain);
  // sin window: squares of 50 %-overlapped sines sum to 1, so uncorrelated grains keep the tone's power.
  for (let i = 0; i < grain; i++) w[i] = Math.sin((Math.PI * (i + 0.5)) / grain);
  for (let start = -hop; start < len; start += hop) {
    const off = Math.floor(rng.next() * (tone.length - grain + 1));
    for (let i = 0; i < grain; i++) {
      const o = start + i;
      if (o >= 0 && o < len) out[o] = out[o]! + tone[off + i]! * w[i]!;
    }
  }
  return out;
}

export function insertSounds(audio: AudioData, insertions: readonly Insertion[], roomTone: Float32Array, seed: number): InsertResult {
  const sr = audio.sampleRate;
  const n = frameCount(audio);
  const rng = new Rng(seed, 0x1b5);
  const order = insertions.map((ins, i) => ({ ins, i, at: Math.min(n, Math.max(0, Math.round(ins.time * sr))) }));
  order.sort((a, b) => a.at - b.at || a.i - b.i);
  const total = n + insertions.reduce((a, b) => a + b.sound.length, 0);
  const fade = Math.max(1, Math.round(JOIN_FADE_SEC * sr));
  const placed: Array<{ start: number; end: number }> = insertions.map(() => ({ start: 0, end: 0 }));
  const beds = order.map(({ ins }) => roomBed(roomTone, ins.sound.length, rng));
  const channels = audio.channels.map((src) => {
    const out = new Float32Array(total);
    let r = 0;
    let w = 0;
    order.forEach(({ ins, i, at: wanted }, k) => {
      // A second insertion at the same point goes right after the previous one.
      const at = Math.max(wanted, r);
      // Original audio up to the split, fading out over its last `fade` samples (unless it is the very start).
      out.set(src.subarray(r, at), w);
      for (let j = 0; j < fade && at - 1 - j >= r && at > 0; j++) out[w + (at - r) - 1 - j] = out[w + (at - r) - 1 - j]! * (j / fade);
      w += at - r;
      r = at;
      const bed = beds[k]!;
      const len = ins.sound.length;
      for (let j = 0; j < len; j++) {
        const g = Math.min(1, j / fade, (len - 1 - j) / fade);
        out[w + j] = ins.sound[j]! + bed[j]! * Math.max(0, g);
      }
      placed[i] = { start: w / sr, end: (w + len) / sr };
      w += len;
      // The original resumes with a fade-in.
      for (let j = 0; j < fade && r + j < n; j++) out[w + j] = src[r + j]! * (j / fade);
      const skip = Math.min(fade, n - r);
      w += skip;
      r += skip;
    });
    out.set(src.subarray(r, n), w);
    return out;
  });
  return { audio: { sampleRate: sr, channels }, placed };
}
