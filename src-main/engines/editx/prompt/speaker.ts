// The opaque speaker name of a clone prompt: "clone_" + the first 16 hex digits of
// sha256(prompt text as UTF-8 ‖ float32 little-endian bytes of prompt samples), as the reference computes it on the
// prompt wav exactly as loaded (all channels, native sample rate, before any resampling, mixing or peak capping).
//
// Which samples: the loaded audio is flattened channel after channel (the reference's (channels, frames) array in C
// order). If that holds more than 2000 values, the first 1000 and the last 1000 are hashed; otherwise all of them
// (so a mono wav of 2000 samples or fewer, or a stereo one of 1000 frames or fewer, is hashed whole, and an empty
// one contributes no bytes). The values must be what the reference loader gives: integer PCM divided by 2^(bits−1).

import { createHash } from 'node:crypto';
import type { AudioData } from '../../../audio/types';

const EDGE = 1000;

/** The 2026 reference profile does not hash: it names every clone speaker this (EDITX-SPEC.md §3). */
export const PROFILE_2026_SPEAKER = 'debug';

export function cloneSpeakerName(promptText: string, audio: AudioData): string {
  const frames = audio.channels[0]?.length ?? 0;
  const total = frames * audio.channels.length;
  const at = (k: number) => audio.channels[Math.floor(k / frames)]![k % frames]!;
  const picks: number[] = [];
  if (total > 2 * EDGE) {
    for (let k = 0; k < EDGE; k++) picks.push(k);
    for (let k = total - EDGE; k < total; k++) picks.push(k);
  } else {
    for (let k = 0; k < total; k++) picks.push(k);
  }
  const bytes = new Uint8Array(picks.length * 4);
  const view = new DataView(bytes.buffer);
  picks.forEach((k, i) => view.setFloat32(i * 4, at(k), true));
  const hash = createHash('sha256');
  hash.update(Buffer.from(promptText, 'utf8'));
  hash.update(bytes);
  return `clone_${hash.digest('hex').slice(0, 16)}`;
}
