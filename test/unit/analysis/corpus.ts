// Test support: the shared speech corpus (../shared/corpus) and signal generators. A missing corpus fails loudly: these tests need real speech.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AudioData } from '../../../src-main/audio/types';
import { decodeWav } from '../../../src-main/audio/wav';

/** The corpus sits beside the repository: `../shared/corpus` from the repository root (vitest's working directory). */
export const CORPUS_DIR = resolve(process.cwd(), '../shared/corpus');

export interface CorpusEntry {
  file: string;
  lang: string;
  text: string;
}

export function corpusEntries(): CorpusEntry[] {
  const tsv = join(CORPUS_DIR, 'transcripts.tsv');
  if (!existsSync(tsv)) throw new Error(`The speech corpus is missing: expected ${tsv} (../shared/corpus beside the repository).`);
  return readFileSync(tsv, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [file, lang, text] = l.split('\t');
      return { file: file!, lang: lang!, text: text! };
    });
}

/** Decodes a corpus file with the product's WAV reader. */
export function readCorpusWav(file: string): AudioData {
  const path = join(CORPUS_DIR, file);
  if (!existsSync(path)) throw new Error(`Corpus file missing: ${path}`);
  return decodeWav(new Uint8Array(readFileSync(path)), file);
}

/** Deterministic uniform noise in [-1, 1) (mulberry32). */
export function noise(n: number, seed = 1, amp = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = amp * ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1);
  }
  return out;
}

export function sine(freq: number, sampleRate: number, seconds: number, amp = 1, phase = 0): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amp * Math.sin((2 * Math.PI * freq * i) / sampleRate + phase);
  return out;
}

/**
 * Harmonic tone with 1/k amplitudes up to 4 kHz, F0 following f0At(t) (phase-integrated, so vibrato is exact),
 * normalised to the given peak.
 */
export function harmonicTone(f0At: (t: number) => number, sampleRate: number, seconds: number, peak = 0.5): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const f0 = f0At(i / sampleRate);
    let v = 0;
    for (let k = 1; k * f0 < Math.min(4000, sampleRate / 2); k++) v += Math.sin(k * phase) / k;
    out[i] = v;
    phase += (2 * Math.PI * f0) / sampleRate;
    if (phase > 2 * Math.PI * 1e4) phase -= 2 * Math.PI * 1e4;
  }
  let m = 0;
  for (const v of out) m = Math.max(m, Math.abs(v));
  for (let i = 0; i < n; i++) out[i]! *= peak / m;
  return out;
}
