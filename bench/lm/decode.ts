// LM decode benchmark on the tiny random Step1 pack (test/fixtures/generated/tiny-pack): time per generated id at
// contexts 100, 1000 and 4000, split into time inside onnxruntime's session.run and time outside it, for our runner
// (append graph, preallocated cache, outputs written in place) and for the other KV-cache options onnxruntime-node
// 1.30 offers, all measured in the same run, interleaved, medians over every decode step (the build machines are
// shared). Target for our runner (./gate.ts): outside ≤ 5 % of inside, flat across contexts, and time per id at most
// 1.25 × the best baseline's (geometric mean over contexts). Exit code 1 when it is missed.
// Run: npm run bench -- lm [--quick]
// Other packs (e.g. the full-size fp16 graph of bench/lm/gpu on a CUDA build of onnxruntime-node), our runner only:
//   npm run bench -- lm --pack DIR --variant fp16 --ep cuda [--contexts 100,1000,4000] [--tokens 64] [--threads N]

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { LmStepOutput, LmStepRequest, LmStepper } from '../../src-main/engines/editx/lm/decode';
import { generate } from '../../src-main/engines/editx/lm/decode';
import { OrtLm } from '../../src-main/engines/editx/lm/ort-lm';
import { Xoshiro128 } from '../../src-main/engines/editx/lm/rng';
import { SamplerScratch, repetitionBan, sampleSorted } from '../../src-main/engines/editx/lm/sampler';
import type { ModelPack } from '../../src-main/engines/editx/pack/load';
import { loadPack } from '../../src-main/engines/editx/pack/load';
import { type Cell, MAX_RATIO_TO_BEST, gate } from './gate';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const quick = process.argv.includes('--quick');
const PACK = arg('pack') ?? 'test/fixtures/generated/tiny-pack';
const VARIANT = arg('variant') ?? 'fp32';
const EP = arg('ep') ?? 'cpu';
const CONTEXTS = (arg('contexts') ?? '100,1000,4000').split(',').map(Number);
const TOKENS = Number(arg('tokens') ?? (quick ? 24 : 64));
const REPEATS = quick ? 1 : 3;
const PREFILL_CHUNK = 128;
const THREADS = Number(arg('threads') ?? 1);
const CAPACITY = Math.max(...CONTEXTS) + TOKENS + 1;

const STRATEGIES = ['ours', 'append-copied', 'present-preallocated', 'present-fed-back'] as const;
type Strategy = (typeof STRATEGIES)[number];
const LABEL: Record<Strategy, string> = {
  ours: 'append, outputs in place (ours)',
  'append-copied': 'append, rows copied by JS',
  'present-preallocated': 'present, preallocated ping-pong',
  'present-fed-back': 'present, outputs fed back',
};

interface Samples {
  inside: number[];
  outside: number[];
}

/**
 * Per decode step (one id fed): the time inside the model run, and the rest of the cycle since the previous step
 * ended (sampling, building feeds, bookkeeping).
 */
class Timed implements LmStepper {
  samples: Samples = { inside: [], outside: [] };
  private lastEnd = 0;
  constructor(private readonly inner: OrtLm) {}
  get vocabSize() {
    return this.inner.vocabSize;
  }
  get capacity() {
    return this.inner.capacity;
  }
  get length() {
    return this.inner.length;
  }
  get runMs() {
    return this.inner.runMs;
  }
  reset(): void {
    this.inner.reset();
  }
  async step(ids: ArrayLike<number>, want: LmStepRequest): Promise<LmStepOutput> {
    const before = this.inner.runMs;
    const out = await this.inner.step(ids, want);
    const end = performance.now();
    if (ids.length === 1) {
      const run = this.inner.runMs - before;
      this.samples.inside.push(run);
      this.samples.outside.push(end - this.lastEnd - run);
    }
    this.lastEnd = end;
    return out;
  }
}

function prompt(n: number, seed: number): number[] {
  const r = Xoshiro128.fromSeed(seed);
  return Array.from({ length: n }, (_, i) => (i < 2 ? [1, 4][i]! : 65536 + Math.floor(r.nextFloat() * 5120)));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function runOurs(pack: ModelPack, timed: Timed, ctx: number, seed: number, into: Samples): Promise<void> {
  timed.samples = into;
  // An end id outside the vocabulary: every run generates exactly TOKENS ids.
  const g = { ...pack.manifest.components.lm!.generation, eosId: 2 ** 30, maxTotalIds: ctx + TOKENS };
  await generate(timed, prompt(ctx, seed), g, { seed, prefillChunk: PREFILL_CHUNK });
}

type Out = { values: Float32Array; ids: BigInt64Array };

/**
 * The other ways of carrying the cache with onnxruntime-node, each a complete decode loop with the same sampler:
 *  - present-fed-back: the classic graph that outputs the whole cache; outputs allocated by onnxruntime (the binding
 *    copies them into new JS buffers) and fed back as the next inputs.
 *  - present-preallocated: same graph; the whole-cache outputs go into two preallocated buffer sets used in turn.
 *  - append-copied: our graph, but the new rows come back in buffers onnxruntime allocates and JS copies them into
 *    the cache.
 */
async function runBaseline(
  pack: ModelPack,
  session: ort.InferenceSession,
  kind: Exclude<Strategy, 'ours'>,
  ctx: number,
  seed: number,
  into: Samples,
): Promise<void> {
  const lmc = pack.manifest.components.lm!;
  const present = kind !== 'append-copied';
  const c = lmc.config;
  const L = c.numLayers;
  const row = c.numGroups * c.headDim;
  const s = lmc.generation;
  const k = s.topK + 1;
  const topK = new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]);
  const p = prompt(ctx, seed);
  const rng = Xoshiro128.fromSeed(seed);
  const scratch = new SamplerScratch();
  const history = new Int32Array(CAPACITY + 1);
  history.set(p);
  let cur = Array.from({ length: 2 * L }, () => new Float32Array(CAPACITY * row));
  let alt = kind === 'present-preallocated' ? Array.from({ length: 2 * L }, () => new Float32Array(CAPACITY * row)) : cur;
  let fedBack: ort.Tensor[] | null = null;
  let len = 0;
  let lastEnd = 0;
  const name = (io: string, i: number): string => `${io}_${i % 2 ? 'value' : 'key'}_${i >> 1}`;
  const shape = (n: number): number[] => [n, c.numGroups, c.headDim];
  const run = async (ids: number[]): Promise<Out> => {
    const n = ids.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, n]),
      top_k: topK,
    };
    const fetches: Record<string, ort.Tensor | null> = { top_values: null, top_ids: null };
    for (let i = 0; i < 2 * L; i++) {
      feeds[name('past', i)] =
        kind === 'present-fed-back' && fedBack ? fedBack[i]! : new ort.Tensor('float32', cur[i]!.subarray(0, len * row), shape(len));
      fetches[name(present ? 'present' : 'new', i)] =
        kind === 'present-preallocated' ? new ort.Tensor('float32', alt[i]!.subarray(0, (len + n) * row), shape(len + n)) : null;
    }
    const t0 = performance.now();
    const out = await session.run(feeds, fetches);
    const runMs = performance.now() - t0;
    if (kind === 'present-fed-back') fedBack = Array.from({ length: 2 * L }, (_, i) => out[name('present', i)]!);
    else if (kind === 'present-preallocated') [cur, alt] = [alt, cur];
    else for (let i = 0; i < 2 * L; i++) cur[i]!.set(out[name('new', i)]!.data as Float32Array, len * row);
    len += n;
    if (n === 1) {
      const end = performance.now();
      into.inside.push(runMs);
      into.outside.push(end - lastEnd - runMs);
      lastEnd = end;
    }
    return { values: out.top_values!.data as Float32Array, ids: out.top_ids!.data as BigInt64Array };
  };
  let last: Out | null = null;
  for (let at = 0; at < p.length; at += PREFILL_CHUNK) last = await run(p.slice(at, at + PREFILL_CHUNK));
  lastEnd = performance.now();
  let hl = p.length;
  for (let t = 0; t < TOKENS; t++) {
    const banned = repetitionBan(history, hl, s.repetitionWindow, s.repetitionMaxCount);
    const id = sampleSorted(last!.values, last!.ids, k, banned, s, rng, scratch);
    history[hl++] = id;
    if (t === TOKENS - 1) break;
    last = await run([id]);
  }
}

export async function main(): Promise<number> {
  const dir = resolve(process.cwd(), PACK);
  if (!existsSync(join(dir, 'manifest.json'))) {
    console.error(`No model pack in ${dir}; generate the tiny one with \`bash tools/export/run-tests.sh --pack-only\`.`);
    return 1;
  }
  const pack = await loadPack(dir);
  const lmc = pack.manifest.components.lm;
  if (!lmc?.variants[VARIANT]) {
    console.error(`The pack in ${dir} has no LM variant ${VARIANT}.`);
    return 1;
  }
  // The other cache options need the whole-cache graph of the tiny pack; elsewhere only our runner is measured.
  const withBaselines = VARIANT === 'fp32' && EP === 'cpu' && lmc.variants['fp32-present'] !== undefined;
  const strategies: readonly Strategy[] = withBaselines ? STRATEGIES : ['ours'];
  const opts = { intraOpNumThreads: THREADS, graphOptimizationLevel: 'all' as const, logSeverityLevel: 3 as const };
  const lm = await OrtLm.create(pack, { variant: VARIANT, maxTotalIds: CAPACITY + 1, intraOpNumThreads: THREADS, executionProviders: [EP] });
  const timed = new Timed(lm);
  const appendSession = withBaselines ? await ort.InferenceSession.create(pack.path(lmc.variants.fp32!.files[0]!), opts) : null;
  const presentSession = withBaselines
    ? await ort.InferenceSession.create(pack.path(lmc.variants['fp32-present']!.files[0]!), opts)
    : null;
  const measure = (st: Strategy, ctx: number, seed: number, into: Samples): Promise<void> =>
    st === 'ours'
      ? runOurs(pack, timed, ctx, seed, into)
      : runBaseline(pack, (st === 'append-copied' ? appendSession : presentSession)!, st, ctx, seed, into);

  console.log(
    `LM decode, ${pack.manifest.name} Step1 (${lmc.config.numLayers} layers, ${lmc.config.hiddenSize} wide, vocab ${lmc.config.vocabSize}), ` +
      `${VARIANT}, ${EP}, ${THREADS} thread(s); ${TOKENS} ids × ${REPEATS} per cell, medians per id`,
  );
  for (const st of strategies) await measure(st, 100, 99, { inside: [], outside: [] }); // warm-up, not reported
  const cells = new Map<string, Samples>();
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const ctx of CONTEXTS) {
      // Rotate the order so no strategy always runs right after the same neighbour.
      const order = strategies.map((_, i) => strategies[(i + rep) % strategies.length]!);
      for (const st of order) {
        const key = `${st}@${ctx}`;
        if (!cells.has(key)) cells.set(key, { inside: [], outside: [] });
        await measure(st, ctx, rep, cells.get(key)!);
      }
    }
  }
  await lm.dispose();
  await appendSession?.release();
  await presentSession?.release();

  const pad = (x: string, n: number) => x.padEnd(n);
  console.log(`${pad('strategy', 34)}${pad('context', 9)}${pad('inside ms', 11)}${pad('outside ms', 12)}${pad('outside/inside', 16)}ids/s`);
  const medians = new Map<string, Map<number, Cell>>();
  for (const ctx of CONTEXTS) {
    for (const st of strategies) {
      const c = cells.get(`${st}@${ctx}`)!;
      const inside = median(c.inside);
      const outside = median(c.outside);
      if (!medians.has(st)) medians.set(st, new Map());
      medians.get(st)!.set(ctx, { inside, outside });
      console.log(
        `${pad(LABEL[st], 34)}${pad(String(ctx), 9)}${pad(inside.toFixed(3), 11)}${pad(outside.toFixed(3), 12)}` +
          `${pad(`${((100 * outside) / inside).toFixed(1)} %`, 16)}${(1000 / (inside + outside)).toFixed(1)}`,
      );
    }
  }
  const g = gate(medians, CONTEXTS);
  const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log(
    `target (ours): outside ≤ 5 % of inside at every context: ${mark(g.overheadOk)}; ` +
      `outside flat across contexts (max ≤ 2 × min + 0.02 ms): ${mark(g.flatOk)}` +
      (g.best
        ? `; time per id ≤ ${MAX_RATIO_TO_BEST} × the best baseline's (geometric mean over contexts): ${mark(g.vsBestOk)} ` +
          `(${g.best.ratio.toFixed(2)} × ${LABEL[g.best.name as Strategy]}; per context ${g.best.perContext.map((r) => r.toFixed(2)).join(', ')})`
        : ''),
  );
  return g.ok ? 0 : 1;
}
