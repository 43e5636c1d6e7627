// The vq02 goldens computed by the upstream code itself (test/fixtures/editx/upstream/tokenizer, written by
// tools/export/retake_export/goldens/upstream_tokenizer.py): settings, excerpts with their codes, per-call features,
// encoder rows, and the chunk plans upstream produced for many lengths.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseNpy } from '../../src-main/engines/editx/tokenizer/pack-files';

export const GOLDENS = path.resolve(import.meta.dirname, '..', 'fixtures', 'editx', 'upstream', 'tokenizer');

export interface Excerpt {
  name: string;
  source: string;
  samples: number;
  chunkFrames: number[];
  codes: number[];
  minMargin: number;
}

export interface Goldens {
  encoder: { input_size: number; output_size: number; num_blocks: number };
  excerpts: Excerpt[];
}

export function goldens(): Goldens {
  return JSON.parse(readFileSync(path.join(GOLDENS, 'goldens.json'), 'utf8')) as Goldens;
}

export function plans(): { vq02: Record<string, number[]>; vq06: Record<string, number[]> } {
  return JSON.parse(readFileSync(path.join(GOLDENS, 'plans.json'), 'utf8'));
}

export function npy(name: string): { data: Float32Array; shape: number[] } {
  return parseNpy(new Uint8Array(readFileSync(path.join(GOLDENS, name))), name);
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
