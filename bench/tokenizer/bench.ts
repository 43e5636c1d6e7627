// vq02 tokenizer benchmark on the tiny pack (test/fixtures/generated/tiny-pack): 30 s of tokenizer input = 125 strides
// of 4 LFR frames, run as the reference runs it (one graph run per stride, the streaming state carried from run to
// run), against the same graph run once over all 500 frames in the same process (the baseline: what the model costs
// without the per-run overhead). Split of the chunked run: time inside session.run, our JS around it (feeds, copies),
// and the nearest-centroid search. The search is also timed at the published size (500 rows × 1024 × 512), where it
// is a large share of the tokenizer's own work.
// Target: our JS outside session.run ≤ 10 % of the time inside it (exit code 1 otherwise).
// Run: npm run bench -- tokenizer [--repeats N] [--pack DIR]

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPack } from '../../src-main/engines/editx/pack/load';
import { Vq02Tokenizer, makeCodebook, nearestCentroids, vq02ChunkPlan } from '../../src-main/engines/editx/tokenizer/vq02';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const PACK = resolve(arg('pack') ?? 'test/fixtures/generated/tiny-pack');
const REPEATS = Number(arg('repeats') ?? 5);
const SECONDS = 30;
/** Our share of a chunked run, relative to the graph runs themselves. */
const OVERHEAD_TARGET = 0.1;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export async function main(): Promise<number> {
  if (!existsSync(join(PACK, 'manifest.json'))) {
    console.error(`No pack in ${PACK}: run \`bash tools/export/run-tests.sh --pack-only\` first.`);
    return 2;
  }
  const pack = await loadPack(PACK);
  const tok = await Vq02Tokenizer.open(pack, { intraOpNumThreads: 1 });
  const c = tok.component.config;
  const plan = vq02ChunkPlan(SECONDS * 16000);
  const frames = plan.reduce((a, b) => a + b, 0);
  const feats = { data: seeded(frames * c.inputSize, 7), frames, bins: c.inputSize };
  const chunked = { total: [] as number[], inside: [] as number[], quant: [] as number[] };
  const whole: number[] = [];
  await tok.tokenize(feats, plan); // warm-up: first-run allocations
  await tok.tokenize(feats, [frames]);
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    const res = await tok.tokenize(feats, plan);
    chunked.total.push(performance.now() - t0);
    chunked.inside.push(res.encoderMs);
    chunked.quant.push(res.quantiseMs);
    const one = await tok.tokenize(feats, [frames]);
    whole.push(one.encoderMs);
  }
  await tok.release();

  const big = makeCodebook(seeded(1024 * 512, 3), 1024, 512);
  const rows = { data: seeded(frames * 512, 5), frames, bins: 512 };
  const bigQuant: number[] = [];
  for (let r = 0; r < Math.min(REPEATS, 3); r++) {
    const t0 = performance.now();
    nearestCentroids(rows, big);
    bigQuant.push(performance.now() - t0);
  }

  const total = median(chunked.total);
  const inside = median(chunked.inside);
  const quant = median(chunked.quant);
  const outside = median(chunked.total.map((t, i) => t - chunked.inside[i]! - chunked.quant[i]!));
  const w = median(whole);
  console.log(`vq02, ${pack.manifest.name} (${c.numBlocks} blocks, d ${c.outputSize}), ${SECONDS} s of input = ` +
    `${plan.length} strides, ${frames} frames; medians of ${REPEATS}, 1 thread`);
  console.log('| measure | ms | per stride ms |');
  console.log('|---|---|---|');
  console.log(`| chunked run, total | ${total.toFixed(1)} | ${(total / plan.length).toFixed(3)} |`);
  console.log(`| … inside session.run | ${inside.toFixed(1)} | ${(inside / plan.length).toFixed(3)} |`);
  console.log(`| … our JS around the runs | ${outside.toFixed(1)} | ${(outside / plan.length).toFixed(3)} |`);
  console.log(`| … nearest centroids (${frames} × 1024 × ${c.outputSize}) | ${quant.toFixed(1)} | |`);
  console.log(`| baseline: one run over all ${frames} frames | ${w.toFixed(1)} | |`);
  console.log(`| nearest centroids at the published size (${frames} × 1024 × 512) | ${median(bigQuant).toFixed(1)} | |`);
  const ratio = outside / inside;
  console.log(`chunked / one run: ${(inside / w).toFixed(2)}×; our JS / inside runs: ${(100 * ratio).toFixed(1)} % ` +
    `(target ≤ ${100 * OVERHEAD_TARGET} %)`);
  return ratio <= OVERHEAD_TARGET ? 0 : 1;
}
