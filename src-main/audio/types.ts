// Audio buffers as every module of the main side passes them: planar float32, nominally in [-1, 1].

import { runSync, SAMPLE_BLOCK, type Steps } from './steps';

export interface AudioData {
  sampleRate: number;
  /** One Float32Array per channel, all of the same length. */
  channels: Float32Array[];
}

export function frameCount(a: AudioData): number {
  return a.channels[0]?.length ?? 0;
}

export function durationSeconds(a: AudioData): number {
  return a.sampleRate > 0 ? frameCount(a) / a.sampleRate : 0;
}

/** Mean of all channels (a copy, even for mono input). */
export function toMono(a: AudioData): Float32Array {
  return runSync(toMonoSteps(a));
}

function addInto(out: Float32Array, ch: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) out[i]! += ch[i]!;
}

function divideBy(out: Float32Array, c: number, from: number, to: number): void {
  for (let i = from; i < to; i++) out[i]! /= c;
}

/** toMono in pieces (see ./steps). */
export function* toMonoSteps(a: AudioData): Steps<Float32Array> {
  const n = frameCount(a);
  const out = new Float32Array(n);
  const c = a.channels.length;
  if (c === 0) return out;
  if (c === 1) {
    // A copy (a block move, several times faster than adding onto zeros).
    const ch = a.channels[0]!;
    for (let i = 0; i < n; i += SAMPLE_BLOCK) {
      out.set(ch.subarray(i, Math.min(n, i + SAMPLE_BLOCK)), i);
      yield;
    }
    return out;
  }
  for (const ch of a.channels) {
    for (let i = 0; i < n; i += SAMPLE_BLOCK) {
      addInto(out, ch, i, Math.min(n, i + SAMPLE_BLOCK));
      yield;
    }
  }
  if (c > 1) {
    for (let i = 0; i < n; i += SAMPLE_BLOCK) {
      divideBy(out, c, i, Math.min(n, i + SAMPLE_BLOCK));
      yield;
    }
  }
  return out;
}

export function mono(samples: Float32Array, sampleRate: number): AudioData {
  return { sampleRate, channels: [samples] };
}
