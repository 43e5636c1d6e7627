// The pack builder's fixtures, written by tools/export (`pack`, retake_export/pack_build_fixtures.py) into the tiny
// pack's pack-build/ folder: the tiny Step1 in the published layout, its graph templates, the Python exporter's pack
// of the same checkpoint, torch/.npy files with their expected contents, and dtype conversion goldens.

import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OrtLm } from '../../../src-main/engines/editx/lm/ort-lm';
import { loadPack } from '../../../src-main/engines/editx/pack/load';
import { PackManifestSchema, type PackManifest } from '../../../src-main/engines/editx/pack/manifest';
import { TINY_PACK } from '../editx-lm/tiny-pack';

export const PACK_BUILD = join(TINY_PACK, 'pack-build');
export const PUBLISHED = join(PACK_BUILD, 'published');
export const TEMPLATE = join(PACK_BUILD, 'templates', 'step1-tiny');
export const PYTHON_PACK = join(PACK_BUILD, 'python');
export const HIFT_TEMPLATE = join(PACK_BUILD, 'templates', 'hift-tiny');
export const PYTHON_HIFT = join(PACK_BUILD, 'python-hift');
export const FLOW_TEMPLATE = join(PACK_BUILD, 'templates', 'flow-tiny');
export const PYTHON_FLOW = join(PACK_BUILD, 'python-flow');
export const VQ02_TEMPLATE = join(PACK_BUILD, 'templates', 'vq02-tiny');
export const PYTHON_VQ02 = join(PACK_BUILD, 'python-vq02');
/** The tiny tokenizer in the published Step-Audio-Tokenizer layout, beside published/. */
export const PUBLISHED_TOKENIZER = join(PACK_BUILD, 'Step-Audio-Tokenizer');

export function requirePackBuildFixtures(): void {
  for (const p of [PUBLISHED, TEMPLATE, PYTHON_PACK, HIFT_TEMPLATE, PYTHON_HIFT, FLOW_TEMPLATE, PYTHON_FLOW, VQ02_TEMPLATE, PYTHON_VQ02, PUBLISHED_TOKENIZER, join(PACK_BUILD, 'torch', 'expected.json'), join(PACK_BUILD, 'conversions.bin')]) {
    if (!existsSync(p)) {
      throw new Error(
        `The pack builder's fixtures are missing (${p}). Generate them with \`bash tools/export/run-tests.sh --pack-only\` ` +
          '(needs Debian python3-torch, python3-onnx, python3-sentencepiece, python3-numpy).',
      );
    }
  }
}

/** A copy of the published folder in `dir`, with `edit` applied to the copy. */
export function publishedCopy(dir: string, edit: (dir: string) => void = () => {}): string {
  requirePackBuildFixtures();
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(PUBLISHED)) cpSync(join(PUBLISHED, f), join(dir, f), { recursive: true });
  edit(dir);
  return dir;
}

/** A copy of the tiny template whose template.json is changed by `mutate`. */
export function templateCopy(dir: string, mutate: (t: Record<string, any>) => void): string {
  requirePackBuildFixtures();
  cpSync(TEMPLATE, dir, { recursive: true });
  const t = JSON.parse(readFileSync(join(dir, 'template.json'), 'utf8')) as Record<string, any>;
  mutate(t);
  writeFileSync(join(dir, 'template.json'), JSON.stringify(t));
  return dir;
}

/** Writes a safetensors file (header + raw little-endian bytes), for checkpoints the tests break on purpose. */
export function writeSafetensors(path: string, tensors: { name: string; dtype: string; shape: number[]; data: Uint8Array }[]): void {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.data.length] };
    off += t.data.length;
  }
  let h = Buffer.from(JSON.stringify(header));
  h = Buffer.concat([h, Buffer.alloc((8 - (h.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  writeFileSync(path, Buffer.concat([len, h, ...tensors.map((t) => Buffer.from(t.data))]));
}

/** The manifest a build wrote, parsed by the app's own schema. */
export function readManifest(dir: string): PackManifest {
  return PackManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
}

/** Deterministic inputs in [-1, 1) (a linear congruential sequence: the same on every run and platform). */
export function lcgValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x / 2 ** 31 - 1;
  }
  return out;
}

/** Runs one graph on one thread and returns each output's bytes (for bit-for-bit comparisons). */
export async function runGraph(file: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, Buffer>> {
  const s = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  try {
    const r = await s.run(feeds);
    return Object.fromEntries(Object.entries(r).map(([k, t]) => [k, Buffer.from((t.data as Float32Array).buffer.slice(0))]));
  } finally {
    await s.release();
  }
}

/** Logits after the prompt and after each of `steps` greedy steps. */
export async function greedyLogits(dir: string, variant: string, prompt: number[], steps: number): Promise<Float32Array[]> {
  const pack = await loadPack(dir, { variants: [variant] });
  const lm = await OrtLm.create(pack, { variant, maxTotalIds: 256, intraOpNumThreads: 1 });
  try {
    const rows: Float32Array[] = [];
    let out = await lm.step(prompt, { topK: 1, logits: true });
    rows.push(out.logits!.slice());
    for (let i = 0; i < steps; i++) {
      out = await lm.step([Number(out.topIds[0])], { topK: 1, logits: true });
      rows.push(out.logits!.slice());
    }
    return rows;
  } finally {
    await lm.dispose();
  }
}
