// Test support for the prosody engine's checks: corpus speech (a missing corpus fails the test with a message), an edit
// runner with a recording context, and small signal helpers.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeFile } from '../../../src-main/audio/decode';
import type { AudioData } from '../../../src-main/audio/types';
import { createProsodyEngine } from '../../../src-main/engines/prosody';
import type { EditRequest, EditResult } from '../../../src-main/engines/types';

export const CORPUS_DIR = resolve(process.cwd(), '../shared/corpus');

export async function corpus(file: string): Promise<AudioData> {
  const path = join(CORPUS_DIR, file);
  if (!existsSync(path)) {
    throw new Error(`These checks need real speech: ${path} is missing (the shared corpus lives at ../shared/corpus).`);
  }
  return decodeFile(path);
}

export const engine = createProsodyEngine();

export interface Recorded extends EditResult {
  progress: number[];
  stages: string[];
}

export async function edit(input: AudioData, req: Omit<EditRequest, 'seed'> & { seed?: number }, signal?: AbortSignal): Promise<Recorded> {
  const progress: number[] = [];
  const stages: string[] = [];
  const res = await engine.edit(input, { seed: 1, ...req }, {
    signal: signal ?? new AbortController().signal,
    progress: (v, stage) => {
      progress.push(v);
      if (stage && stages[stages.length - 1] !== stage) stages.push(stage);
    },
  });
  return { ...res, progress, stages };
}

export function seconds(a: AudioData): number {
  return (a.channels[0]?.length ?? 0) / a.sampleRate;
}

export function concat(sampleRate: number, parts: Float32Array[]): AudioData {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { sampleRate, channels: [out] };
}

export function allFinite(a: AudioData): boolean {
  return a.channels.every((c) => c.every((v) => Number.isFinite(v)));
}

/** Deterministic Gaussian noise (Box–Muller over mulberry32) for building test inputs. */
export function gaussianNoise(n: number, sd: number, seed = 7): Float32Array {
  let s = seed >>> 0;
  const u = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}
