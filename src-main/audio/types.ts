// Audio buffers as every module of the main side passes them: planar float32, nominally in [-1, 1].

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
  const n = frameCount(a);
  const out = new Float32Array(n);
  const c = a.channels.length;
  if (c === 0) return out;
  for (const ch of a.channels) for (let i = 0; i < n; i++) out[i]! += ch[i]!;
  if (c > 1) for (let i = 0; i < n; i++) out[i]! /= c;
  return out;
}

export function mono(samples: Float32Array, sampleRate: number): AudioData {
  return { sampleRate, channels: [samples] };
}
