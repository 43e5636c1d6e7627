// The quality gate of the weight-only quantized LM variants a pack build writes: each one's logits and greedy
// continuations against the fp32 variant built in the same run, measured as the exporter measures (tools/export/
// retake_export/lm/quality.py: the fp32 greedy path with the reference's repetition guard on six edit-shaped prompts,
// the variant teacher-forced along it — top-1 agreement, max and mean |Δ logits| — and greedy on its own — the
// leading ids equal to fp32's). Both sides run on onnxruntime through the app's own runner (OrtLm), so the fp32 side
// needs the fp32 LM in memory: without an fp32 variant in the build, or without room for it, the variant's manifest
// entry says why it was not measured (`qualityNotMeasured`) instead.

import { freeRamBytes } from '../../lm/memory';
import { OrtLm } from '../../lm/ort-lm';
import { loadPack } from '../load';
import type { LmComponent, VariantQuality } from '../manifest';
import { openPackTokenizer } from '../text-tokenizer';

/** Greedy ids per prompt: the exporter's default for checkpoints (lm/export.py export_quantized). */
export const GATE_STEPS = 16;

/** The instructions of the gate prompts: the exporter's (lm/quality.py _TEXTS), so that both measure alike. */
const TEXTS = [
  'human\nMake the following audio more happy. The text corresponding to the audio is: 今天天气真好，我们去公园散步吧。\n',
  'human\nRemove any noise from the given audio while preserving the voice content clearly.\n',
  'human\nAdd some non-verbal sounds to make the audio more natural, the new text is : Great[Laughter], the weather.\n',
  'human\nMake the following audio more whisper. The text corresponding to the audio is: I told you it would rain.\n',
  'human\nMake the following audio more faster. The text corresponding to the audio is: 我觉得这个计划大概是可行的。\n',
  "human\nClone the voice: Good evening, and welcome to the nine o'clock news.\n",
];
/** Audio ids per prompt (the exporter's lengths): prompts are mostly audio ids, as real edit prompts are. */
const AUDIO_IDS = [48, 64, 80, 56, 72, 40];

/**
 * Room the measurement needs beside the two variants' files: onnxruntime, Node and both caches (bench/lm --full-size:
 * ~0.35 GB of runtime per session and 0.26 GB of cache at 4,000 positions; the gate's prompts are ~200 ids), rounded up.
 */
const GATE_RESERVE_BYTES = 1.0e9;

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** The reference's repetition guard (lm/quality.py repetition_banned): the id to ban, or null. */
function banned(history: readonly number[], window: number, maxCount: number): number | null {
  if (history.length < window) return null;
  const last = history[history.length - 1]!;
  let n = 0;
  for (let i = history.length - window; i < history.length; i++) if (history[i] === last) n++;
  return n > maxCount ? last : null;
}

function argmax(row: Float32Array, ban: number | null = null): number {
  let best = -1;
  let v = -Infinity;
  for (let i = 0; i < row.length; i++) {
    if (i === ban) continue;
    if (row[i]! > v || best < 0) {
      v = row[i]!;
      best = i;
    }
  }
  return best;
}

/** The six gate prompts: BOS, turn start, the instruction (through the pack's tokenizer, else fixed pseudo-random
 *  text ids), a run of audio ids, turn end, turn start. */
export function gatePrompts(lm: LmComponent, encode: ((text: string) => number[]) | null): number[][] {
  const rand = lcg(7);
  const g = lm.generation;
  const vocab = lm.config.vocabSize;
  const textTop = Math.max(6, Math.min(g.audioIdBase, vocab));
  return TEXTS.map((text, i) => {
    const ids = encode ? encode(text) : Array.from({ length: 32 }, () => 5 + Math.floor(rand() * (textTop - 5)));
    const audio = Array.from({ length: AUDIO_IDS[i]! }, () => g.audioIdBase + Math.floor(rand() * g.audioIdCount));
    return [1, 4, ...ids, ...audio, 3, 4].filter((t) => t < vocab);
  });
}

interface Run {
  rows: Float32Array[];
  ids: number[];
}

/** `steps` logits rows after the prompt: fed `forced` ids (teacher forcing), or its own guarded greedy choices. */
async function run(lm: OrtLm, prompt: number[], steps: number, forced: number[] | null, guard: { window: number; maxCount: number }): Promise<Run> {
  lm.reset();
  const rows: Float32Array[] = [];
  const ids: number[] = [];
  const history = [...prompt];
  let out = await lm.step(prompt, { topK: 0, logits: true });
  for (let j = 0; j < steps; j++) {
    const row = out.logits!.slice();
    rows.push(row);
    const next = forced ? forced[j]! : argmax(row, banned(history, guard.window, guard.maxCount));
    ids.push(next);
    history.push(next);
    if (j + 1 < steps) out = await lm.step([next], { topK: 0, logits: true });
  }
  return { rows, ids };
}

/** The quality record of one variant (lm/quality.py measure), rounded as the exporter rounds it. */
export function measure(paths: number[][], refRows: Float32Array[][], forced: Float32Array[][], own: number[][]): VariantQuality {
  let agree = 0;
  let positions = 0;
  let maxD = 0;
  let sumD = 0;
  let count = 0;
  const margins: number[] = [];
  refRows.forEach((rows, p) =>
    rows.forEach((ref, j) => {
      const got = forced[p]![j]!;
      if (argmax(ref) === argmax(got)) agree++;
      positions++;
      for (let i = 0; i < ref.length; i++) {
        const d = Math.abs(got[i]! - ref[i]!);
        if (d > maxD) maxD = d;
        sumD += d;
        count++;
      }
      let a = -Infinity;
      let b = -Infinity;
      for (const x of ref) {
        if (x > a) [a, b] = [x, a];
        else if (x > b) b = x;
      }
      margins.push(a - b);
    }),
  );
  margins.sort((x, y) => x - y);
  const mid = margins.length >> 1;
  const median = margins.length % 2 ? margins[mid]! : (margins[mid - 1]! + margins[mid]!) / 2;
  const sig = (x: number) => Number(x.toPrecision(4));
  return {
    reference: 'fp32',
    prompts: paths.length,
    positions,
    top1Agreement: Math.round((agree / positions) * 1e4) / 1e4,
    maxAbsLogitDelta: sig(maxD),
    meanAbsLogitDelta: sig(sumD / count),
    greedySteps: paths[0]!.length,
    greedyPrefix: own.map((ids, p) => {
      let n = 0;
      while (n < ids.length && ids[n] === paths[p]![n]) n++;
      return n;
    }),
    fp32MedianMargin: sig(median),
  };
}

export interface GateOutcome {
  quality: Record<string, VariantQuality>;
  /** Why the variants were not measured; null when they were. */
  notMeasured: string | null;
}

/**
 * Measures the quantized variants `names` of the pack in `dir` (its manifest written, those variants marked not
 * measured so that it opens) against its fp32 variant. `freeBytes` is injectable for tests.
 */
export async function measureQuantized(
  dir: string,
  lm: LmComponent,
  names: string[],
  opts: { freeBytes?: number; steps?: number; check?: () => void } = {},
): Promise<GateOutcome> {
  const fp32 = Object.entries(lm.variants).find(([, v]) => v.dtype === 'fp32' && v.kvIo === 'append')?.[0];
  if (!fp32) {
    return { quality: {}, notMeasured: 'built without the fp32 variant, the reference of the quality gate (build fp32 alongside to measure it)' };
  }
  const bytes = (n: string) => lm.variants[n]!.files.reduce((s, f) => s + f.bytes, 0);
  const need = bytes(fp32) + Math.max(...names.map(bytes)) + GATE_RESERVE_BYTES;
  const free = opts.freeBytes ?? freeRamBytes();
  if (need > free) {
    return {
      quality: {},
      notMeasured: `the quality gate needs ${(need / 1e9).toFixed(1)} GB of free memory (the fp32 reference and the variant side by side), ${(free / 1e9).toFixed(1)} GB were free`,
    };
  }
  const pack = await loadPack(dir, { variants: [fp32, ...names] });
  let encode: ((t: string) => number[]) | null = null;
  if (pack.manifest.components.textTokenizer) {
    const tok = await openPackTokenizer(pack);
    encode = (t) => [...tok.tokenizer.encode(t)];
  }
  const prompts = gatePrompts(lm, encode);
  const steps = opts.steps ?? GATE_STEPS;
  const guard = { window: lm.generation.repetitionWindow, maxCount: lm.generation.repetitionMaxCount };
  const longest = Math.max(...prompts.map((p) => p.length)) + steps + 1;
  const open = (variant: string) => OrtLm.create(pack, { variant, maxTotalIds: longest, intraOpNumThreads: 2 });
  const paths: number[][] = [];
  const refRows: Float32Array[][] = [];
  const ref = await open(fp32);
  try {
    for (const p of prompts) {
      opts.check?.();
      const r = await run(ref, p, steps, null, guard);
      paths.push(r.ids);
      refRows.push(r.rows);
    }
  } finally {
    await ref.dispose();
  }
  const quality: Record<string, VariantQuality> = {};
  for (const name of names) {
    const lmq = await open(name);
    try {
      const forced: Float32Array[][] = [];
      const own: number[][] = [];
      for (const [i, p] of prompts.entries()) {
        opts.check?.();
        forced.push((await run(lmq, p, steps, paths[i]!, guard)).rows);
        own.push((await run(lmq, p, steps, null, guard)).ids);
      }
      quality[name] = measure(paths, refRows, forced, own);
    } finally {
      await lmq.dispose();
    }
  }
  return { quality, notMeasured: null };
}
