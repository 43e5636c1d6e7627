// Waveform peaks: per-channel min/max over fixed buckets of samples, quantised to 16 bits, computed once per media file
// and cached in a small versioned binary file; plus the plain number arrays the renderer's waveform view takes.
//
// Choice: peaks are kept per channel (not a mono mix) so a stereo file can be drawn either way; the renderer helper
// merges channels into one envelope on request. Quantisation rounds min down and max up, so the drawn envelope never
// hides a sample.
//
// Binary layout (little-endian), version 1:
//   0  'RTPK'            magic
//   4  u16 version (1)
//   6  u16 channels
//   8  u32 sampleRate
//  12  u32 samplesPerPeak
//  16  u32 frames, low 32 bits
//  20  u32 frames, high 21 bits
//  24  u32 peak count per channel
//  28  u32 reserved (0)
//  32  per channel: count × (i16 min, i16 max), value / 32767 in [-1, 1]

import type { AudioData } from './types';
import { frameCount } from './types';
import { RetakeError } from '../contract/errors';

export const PEAKS_VERSION = 1;
export const DEFAULT_SAMPLES_PER_PEAK = 256;
const MAGIC = [0x52, 0x54, 0x50, 0x4b]; // 'RTPK'
const HEADER_BYTES = 32;
const Q = 32767;

export interface Peaks {
  sampleRate: number;
  samplesPerPeak: number;
  /** Frames of the audio the peaks describe (the last bucket may be partial). */
  frames: number;
  /** Per channel, interleaved pairs [min0, max0, min1, max1, …] in units of 1/32767. */
  channels: Int16Array[];
}

/** Number of buckets for `frames` samples. */
export function peakCount(frames: number, samplesPerPeak: number): number {
  return Math.ceil(frames / samplesPerPeak);
}

export function computePeaks(audio: AudioData, samplesPerPeak = DEFAULT_SAMPLES_PER_PEAK): Peaks {
  if (!Number.isInteger(samplesPerPeak) || samplesPerPeak < 1) {
    throw new RetakeError('E_VALIDATION', `Cannot compute waveform peaks with ${samplesPerPeak} samples per peak; use a whole number of at least 1.`);
  }
  const frames = frameCount(audio);
  const count = peakCount(frames, samplesPerPeak);
  const channels = audio.channels.map((x) => {
    const out = new Int16Array(count * 2);
    for (let b = 0; b < count; b++) {
      const start = b * samplesPerPeak;
      const end = Math.min(frames, start + samplesPerPeak);
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = start; i < end; i++) {
        const v = x[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      // NaN samples compare false both ways; a bucket of only NaN draws as silence.
      if (lo === Infinity) lo = hi = 0;
      out[2 * b] = Math.max(-Q, Math.min(Q, Math.floor(lo * Q)));
      out[2 * b + 1] = Math.max(-Q, Math.min(Q, Math.ceil(hi * Q)));
    }
    return out;
  });
  return { sampleRate: audio.sampleRate, samplesPerPeak, frames, channels };
}

export function serializePeaks(p: Peaks): Uint8Array {
  const count = peakCount(p.frames, p.samplesPerPeak);
  for (const ch of p.channels) {
    if (ch.length !== count * 2) throw new RetakeError('E_INTERNAL', 'Waveform peaks do not match their frame count. Please report this.');
  }
  const out = new Uint8Array(HEADER_BYTES + p.channels.length * count * 4);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, PEAKS_VERSION, true);
  view.setUint16(6, p.channels.length, true);
  view.setUint32(8, p.sampleRate, true);
  view.setUint32(12, p.samplesPerPeak, true);
  view.setUint32(16, p.frames % 2 ** 32, true);
  view.setUint32(20, Math.floor(p.frames / 2 ** 32), true);
  view.setUint32(24, count, true);
  view.setUint32(28, 0, true);
  let off = HEADER_BYTES;
  for (const ch of p.channels) {
    for (let i = 0; i < ch.length; i++, off += 2) view.setInt16(off, ch[i]!, true);
  }
  return out;
}

function damaged(why: string): RetakeError {
  return new RetakeError('E_CORRUPT_AUDIO', `The cached waveform is unusable (${why}). Delete it and Retake will compute it again.`);
}

export function parsePeaks(bytes: Uint8Array): Peaks {
  if (bytes.length < HEADER_BYTES || !MAGIC.every((b, i) => bytes[i] === b)) throw damaged('not a Retake peaks file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== PEAKS_VERSION) throw damaged(`format version ${version}, this Retake reads version ${PEAKS_VERSION}`);
  const nc = view.getUint16(6, true);
  const sampleRate = view.getUint32(8, true);
  const samplesPerPeak = view.getUint32(12, true);
  const frames = view.getUint32(16, true) + view.getUint32(20, true) * 2 ** 32;
  const count = view.getUint32(24, true);
  if (samplesPerPeak === 0 || count !== peakCount(frames, samplesPerPeak)) throw damaged('its header is inconsistent');
  if (bytes.length !== HEADER_BYTES + nc * count * 4) throw damaged('it is truncated');
  const channels: Int16Array[] = [];
  let off = HEADER_BYTES;
  for (let c = 0; c < nc; c++) {
    const ch = new Int16Array(count * 2);
    for (let i = 0; i < ch.length; i++, off += 2) ch[i] = view.getInt16(off, true);
    channels.push(ch);
  }
  return { sampleRate, samplesPerPeak, frames, channels };
}

export interface RendererPeaks {
  /** For wavesurfer.js `peaks`: see `layout`. Values in [-1, 1]. */
  peaks: number[][];
  /** Seconds, for wavesurfer.js `duration`. */
  duration: number;
  /** Frames each bucket covers (the last one may cover fewer): whole pairs of the cache merged. */
  samplesPerBucket: number;
}

/**
 * Peaks as plain arrays for the renderer.
 * - layout 'envelope' (default): two arrays, [max, min], over all channels. wavesurfer.js draws channelData[0] above
 *   the axis and the magnitude of channelData[1] below it, so this shows the true asymmetric envelope of the mix.
 * - layout 'channels': one array per channel holding, per bucket, the extreme with the larger magnitude (signed),
 *   the shape wavesurfer.js's own exportPeaks produces; for `splitChannels` views.
 * `maxLength` merges adjacent buckets (min of mins, max of maxes) until at most that many remain.
 */
export function peaksForRenderer(p: Peaks, options: { layout?: 'envelope' | 'channels'; maxLength?: number } = {}): RendererPeaks {
  const count = peakCount(p.frames, p.samplesPerPeak);
  const group = options.maxLength && options.maxLength > 0 ? Math.max(1, Math.ceil(count / options.maxLength)) : 1;
  const outCount = Math.ceil(count / group);
  const duration = p.sampleRate > 0 ? p.frames / p.sampleRate : 0;
  const minMax = (ch: Int16Array, k: number): [number, number] => {
    let lo = Q;
    let hi = -Q;
    const end = Math.min(count, (k + 1) * group);
    for (let b = k * group; b < end; b++) {
      if (ch[2 * b]! < lo) lo = ch[2 * b]!;
      if (ch[2 * b + 1]! > hi) hi = ch[2 * b + 1]!;
    }
    return [lo / Q, hi / Q];
  };
  if ((options.layout ?? 'envelope') === 'channels') {
    const peaks = p.channels.map((ch) => {
      const out: number[] = new Array<number>(outCount);
      for (let k = 0; k < outCount; k++) {
        const [lo, hi] = minMax(ch, k);
        out[k] = -lo > hi ? lo : hi;
      }
      return out;
    });
    return { peaks, duration, samplesPerBucket: group * p.samplesPerPeak };
  }
  const max: number[] = new Array<number>(outCount).fill(p.channels.length ? -1 : 0);
  const min: number[] = new Array<number>(outCount).fill(p.channels.length ? 1 : 0);
  for (const ch of p.channels) {
    for (let k = 0; k < outCount; k++) {
      const [lo, hi] = minMax(ch, k);
      if (hi > max[k]!) max[k] = hi;
      if (lo < min[k]!) min[k] = lo;
    }
  }
  return { peaks: [max, min], duration, samplesPerBucket: group * p.samplesPerPeak };
}
