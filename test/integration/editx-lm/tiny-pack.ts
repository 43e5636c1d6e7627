// Locates the tiny random Step1 pack that tools/export generates, and reads its torch reference outputs.

import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const TINY_PACK = resolve(__dirname, '../../fixtures/generated/tiny-pack');

export interface LmReference {
  promptIds: number[];
  decodeSteps: number;
  greedyIds: number[];
  greedyMargins: number[];
  /** One row of vocabSize logits per step: after the prompt, then after each decode step. */
  rows: Float32Array[];
}

export function requireTinyPack(): string {
  if (!existsSync(join(TINY_PACK, 'manifest.json')) || !existsSync(join(TINY_PACK, 'reference', 'lm-reference.json'))) {
    throw new Error(
      `The tiny model pack is missing (${TINY_PACK}). Generate it with \`bash tools/export/run-tests.sh\` ` +
        '(needs Debian python3-torch, python3-onnx, python3-sentencepiece).',
    );
  }
  return TINY_PACK;
}

export function readReference(): LmReference {
  const dir = join(requireTinyPack(), 'reference');
  const ref = JSON.parse(readFileSync(join(dir, 'lm-reference.json'), 'utf8')) as {
    promptIds: number[];
    decodeSteps: number;
    greedyIds: number[];
    greedyMargins: number[];
    logits: { file: string; shape: [number, number] };
  };
  const buf = readFileSync(join(dir, ref.logits.file));
  const [steps, vocab] = ref.logits.shape;
  if (buf.byteLength !== steps * vocab * 4) throw new Error(`${ref.logits.file} has the wrong size; regenerate the pack`);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const rows = Array.from({ length: steps }, (_, i) => all.subarray(i * vocab, (i + 1) * vocab));
  return { promptIds: ref.promptIds, decodeSteps: ref.decodeSteps, greedyIds: ref.greedyIds, greedyMargins: ref.greedyMargins, rows };
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

export function argmax(a: Float32Array, skip = -1): number {
  let best = -1;
  for (let i = 0; i < a.length; i++) if (i !== skip && (best < 0 || (a[i] as number) > (a[best] as number))) best = i;
  return best;
}

/**
 * A pack folder `dir` (created) whose files are links to the tiny pack's, except `omit`, with its manifest changed by
 * `mutate`: packs that differ from the tiny one in a setting or a missing file, without copying 100 MB.
 */
export function tinyPackCopy(dir: string, mutate: (m: Record<string, any>) => void = () => {}, omit: string[] = []): string {
  const src = requireTinyPack();
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(src)) {
    if (f === 'manifest.json' || f === 'reference' || omit.includes(f)) continue;
    symlinkSync(join(src, f), join(dir, f));
  }
  const m = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8')) as Record<string, any>;
  mutate(m);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}
