// `retake debug lm --pack DIR [--variant auto|NAME] [--device cpu|gpu] [--ids 1,4,…] [--steps N] [--json]`: runs
// the pack's Step1 LM greedily (temperature 0, the repetition guard on) from prompt ids and prints the ids, the
// speed, the process's memory and which variant ran. "auto" (the default) picks the variant as the app does, from the
// device's free memory (engines/editx/lm/variant-choice.ts), and says why. Without --ids the prompt is BOS, turn
// start and 64 fixed audio ids. A quantized variant under the quality gate is refused; "auto" chooses among the
// variants whose files are present.

import path from 'node:path';
import { RetakeError } from '../contract/errors';
import { freeGpuBytes, freeRamBytes } from '../engines/editx/lm/memory';
import { OrtLm, type LmDevice } from '../engines/editx/lm/ort-lm';
import { chooseLmVariant, type VariantChoice } from '../engines/editx/lm/variant-choice';
import { loadPack } from '../engines/editx/pack/load';
import { presentVariants, probeManifest } from '../engines/editx/pack-check';
import { defineCommand, UsageError } from './table';

export interface DebugLmArgs {
  pack: string;
  variant?: string;
  device?: LmDevice;
  ids?: number[];
  steps?: number;
  /** Free memory to choose "auto" by, instead of measuring it (tests, and "what would run on N GB?"). */
  freeBytes?: number;
}

export interface DebugLmReport {
  pack: string;
  variant: string;
  dtype: string;
  /** How "auto" chose, null when a variant was named. */
  choice: VariantChoice | null;
  device: LmDevice;
  executionProvider: string;
  promptIds: number[];
  ids: number[];
  loadMs: number;
  prefillMs: number;
  tokensPerSecond: number;
  /** Resident memory after the session opened and after the run, and the process's peak, in bytes. */
  rssAfterLoad: number;
  rssAfterRun: number;
  maxRss: number;
}

/** BOS, turn start, then 64 audio ids from a fixed sequence: a prompt shaped like an edit's audio part. */
export function defaultPrompt(audioIdBase: number, audioIdCount: number): number[] {
  const ids = [1, 4];
  let x = 12345;
  for (let i = 0; i < 64; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    ids.push(audioIdBase + (x % audioIdCount));
  }
  return ids;
}

export async function debugLmReport(args: DebugLmArgs): Promise<DebugLmReport> {
  const device = args.device ?? 'cpu';
  const probe = await loadPack(path.resolve(args.pack), { variants: [] });
  const lmc = probe.manifest.components.lm;
  if (!lmc) throw new RetakeError('E_ENGINE_UNAVAILABLE', `The model pack in ${probe.dir} has no language model.`);
  let choice: VariantChoice | null = null;
  let variant = args.variant ?? 'auto';
  if (variant === 'auto') {
    const free = args.freeBytes ?? (device === 'gpu' ? freeGpuBytes() : freeRamBytes());
    if (free === null) {
      throw new RetakeError('E_ENGINE_UNAVAILABLE', 'The free GPU memory is unknown (no nvidia-smi): name a variant with --variant.');
    }
    choice = chooseLmVariant(lmc, device, free, { only: presentVariants(probeManifest(probe.dir)) });
    variant = choice.name;
  }
  const pack = await loadPack(probe.dir, { variants: [variant] });
  const prompt = args.ids ?? defaultPrompt(lmc.generation.audioIdBase, lmc.generation.audioIdCount);
  const steps = args.steps ?? 16;
  const t0 = performance.now();
  const lm = await OrtLm.create(pack, { variant, device, maxTotalIds: prompt.length + steps + 1 });
  const loadMs = performance.now() - t0;
  const rssAfterLoad = process.memoryUsage().rss;
  try {
    // An end id outside the vocabulary: exactly `steps` ids, whatever the model says.
    const r = await lm.generate(prompt, { seed: 0, generation: { temperature: 0, eosId: 2 ** 30, maxTotalIds: prompt.length + steps } });
    return {
      pack: pack.dir,
      variant,
      dtype: lmc.variants[variant]!.dtype,
      choice,
      device,
      executionProvider: lm.executionProvider,
      promptIds: prompt,
      ids: r.ids,
      loadMs,
      prefillMs: r.prefillMs,
      tokensPerSecond: r.tokensPerSecond,
      rssAfterLoad,
      rssAfterRun: process.memoryUsage().rss,
      maxRss: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    await lm.dispose();
  }
}

const mb = (b: number): string => `${(b / 1048576).toFixed(0)} MB`;

export async function debugLm(args: DebugLmArgs & { json?: boolean }): Promise<string> {
  const r = await debugLmReport(args);
  if (args.json) return JSON.stringify(r);
  return [
    `variant ${r.variant} (${r.dtype}) on ${r.executionProvider}${r.choice ? `, chosen by auto: ${r.choice.reason}` : ''}`,
    `loaded in ${(r.loadMs / 1000).toFixed(1)} s; resident ${mb(r.rssAfterLoad)} after load, ${mb(r.rssAfterRun)} after the run, peak ${mb(r.maxRss)}`,
    `prompt ${r.promptIds.length} ids, prefill ${(r.prefillMs / 1000).toFixed(2)} s, ${r.ids.length} ids at ${r.tokensPerSecond.toFixed(2)} ids/s`,
    `ids: ${r.ids.join(' ')}`,
  ].join('\n');
}

function parseIds(text: string): number[] {
  const ids = text.split(',').map((t) => t.trim());
  if (ids.length === 0 || ids.some((t) => !/^\d+$/.test(t))) throw new UsageError('--ids takes comma-separated token ids, e.g. 1,4,65536');
  return ids.map(Number);
}

export const debugLmCommand = defineCommand({
  name: 'debug lm',
  options: {
    pack: { type: 'string', usage: '--pack DIR' },
    variant: { type: 'string', usage: '[--variant auto|int4|int8|fp16|fp32]' },
    device: { type: 'string', usage: '[--device cpu|gpu]' },
    ids: { type: 'string', usage: '[--ids 1,4,…]' },
    steps: { type: 'string', usage: '[--steps N]' },
    'free-gb': { type: 'string', usage: '[--free-gb N]' },
    json: { type: 'boolean', usage: '[--json]' },
  },
  async run({ values: v, out }) {
    if (typeof v.pack !== 'string') throw new UsageError('debug lm needs --pack DIR.');
    const device = v.device ?? 'cpu';
    if (device !== 'cpu' && device !== 'gpu') throw new UsageError('--device is cpu or gpu.');
    const steps = v.steps === undefined ? undefined : Number(v.steps);
    if (steps !== undefined && !(Number.isInteger(steps) && steps > 0)) throw new UsageError('--steps takes a whole number above 0.');
    const freeGb = v['free-gb'] === undefined ? undefined : Number(v['free-gb']);
    if (freeGb !== undefined && !(freeGb > 0)) throw new UsageError('--free-gb takes a number of gigabytes above 0.');
    out(
      await debugLm({
        pack: v.pack,
        device,
        json: v.json === true,
        ...(typeof v.variant === 'string' ? { variant: v.variant } : {}),
        ...(typeof v.ids === 'string' ? { ids: parseIds(v.ids) } : {}),
        ...(steps !== undefined ? { steps } : {}),
        ...(freeGb !== undefined ? { freeBytes: freeGb * 1e9 } : {}),
      }),
    );
  },
});
