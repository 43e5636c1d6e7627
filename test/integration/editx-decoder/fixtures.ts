// Locates the decoder parts of the tiny pack (tools/export: flow, vocoder, CAM++ stand-in, torch references) and the
// committed upstream goldens (test/fixtures/editx/upstream/decoder), and reads safetensors files.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPack } from '../../../src-main/engines/editx/pack/load';
import type { ModelPack } from '../../../src-main/engines/editx/pack/load';

export const TINY_PACK = resolve(__dirname, '../../fixtures/generated/tiny-pack');
/** The pack exported from the upstream goldens' weights (python3 -m retake_export pack builds it). */
export const UPSTREAM_PACK = join(TINY_PACK, 'upstream-decoder');
export const GOLDEN_DIR = resolve(__dirname, '../../fixtures/editx/upstream/decoder');

export interface StTensor {
  dtype: string;
  shape: number[];
  f32: Float32Array;
  i64: BigInt64Array | null;
}

export function readSafetensors(path: string): Map<string, StTensor> {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  const out = new Map<string, StTensor>();
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, end] = e.data_offsets;
    const bytes = buf.subarray(base + b, base + end);
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    if (e.dtype === 'F32') out.set(name, { dtype: e.dtype, shape: e.shape, f32: new Float32Array(copy.buffer), i64: null });
    else if (e.dtype === 'I64') {
      const i64 = new BigInt64Array(copy.buffer);
      out.set(name, { dtype: e.dtype, shape: e.shape, f32: Float32Array.from(i64, Number), i64 });
    } else throw new Error(`${path}: ${name} has dtype ${e.dtype}, which these tests do not read`);
  }
  return out;
}

export function tensor(m: Map<string, StTensor>, name: string): StTensor {
  const t = m.get(name);
  if (!t) throw new Error(`fixture tensor ${name} is missing; regenerate the fixtures`);
  return t;
}

function requireFile(path: string): void {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing. Generate the tiny pack with \`bash tools/export/run-tests.sh --pack-only\` ` +
        '(needs Debian python3-torch, python3-onnx, python3-sentencepiece).',
    );
  }
}

export async function tinyPack(): Promise<ModelPack> {
  requireFile(join(TINY_PACK, 'reference', 'decoder-reference.safetensors'));
  return loadPack(TINY_PACK, { variants: [] });
}

export async function upstreamPack(): Promise<ModelPack> {
  requireFile(join(UPSTREAM_PACK, 'manifest.json'));
  return loadPack(UPSTREAM_PACK, { variants: [] });
}

export function reference(): { t: Map<string, StTensor>; meta: { promptIds: number[]; generatedIds: number[]; promptTokenFrames: number } } {
  const dir = join(TINY_PACK, 'reference');
  requireFile(join(dir, 'decoder-reference.safetensors'));
  return {
    t: readSafetensors(join(dir, 'decoder-reference.safetensors')),
    meta: JSON.parse(readFileSync(join(dir, 'decoder-reference.json'), 'utf8')),
  };
}

export function golden(): { t: Map<string, StTensor>; meta: { promptIds: number[]; generatedIds: number[]; promptTokenFrames: number } } {
  return {
    t: readSafetensors(join(GOLDEN_DIR, 'golden.safetensors')),
    meta: JSON.parse(readFileSync(join(GOLDEN_DIR, 'golden.json'), 'utf8')),
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/** (1, frames, bins) tensor → FeatureMatrix. */
export function featureMatrix(t: StTensor): { data: Float32Array; frames: number; bins: number } {
  return { data: t.f32, frames: t.shape[1] as number, bins: t.shape[2] as number };
}

/** 10·log10(Σ ref² / Σ (x − ref)²): how far below the signal the difference lies. */
export function snrDb(x: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (x.length !== ref.length) throw new Error(`length ${x.length} vs ${ref.length}`);
  let s = 0;
  let e = 0;
  for (let i = 0; i < x.length; i++) {
    const r = ref[i] as number;
    s += r * r;
    e += ((x[i] as number) - r) ** 2;
  }
  return 10 * Math.log10(s / Math.max(e, 1e-30));
}

/**
 * How far the fast source (float64 phases) may lie from the reference's (float32 phases) for `f0`: each harmonic's
 * phase is off by at most half a float32 ulp of its largest value, scaled by the sine amplitude and merge weight
 * (tanh only shrinks differences), plus float32 rounding of the result.
 */
export function sourceBound(v: { sampleRate: number; samplesPerFrame: number; source: { harmonics: number; sineAmp: number; mergeWeight: number[] } }, f0: Float32Array): number {
  let bound = 1e-6;
  for (let k = 1; k <= v.source.harmonics; k++) {
    let cum = 0;
    for (const x of f0) cum += ((k * x) / v.sampleRate) % 1;
    const maxPhase = 2 * Math.PI * v.samplesPerFrame * cum;
    const ulp = 2 ** (Math.floor(Math.log2(Math.max(maxPhase, 1e-30))) - 23);
    bound += v.source.sineAmp * Math.abs(v.source.mergeWeight[k - 1] as number) * ulp;
  }
  return bound;
}

/** The first `n` values (the conditional half of a batch of 2). */
export function firstHalf(x: Float32Array): Float32Array {
  return x.subarray(0, x.length / 2);
}

/** (1 + r)·v_c − r·v_u of a batch-2 velocity, in float32 as the reference computes it. */
export function guided(v: Float32Array, r = 0.7): Float32Array {
  const f = Math.fround;
  const n = v.length / 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f(f(f(1 + r) * (v[i] as number)) - f(f(r) * (v[n + i] as number)));
  return out;
}
