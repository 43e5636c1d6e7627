// analyze() on a generated 1-hour recording (corpus speech looped at 48 kHz mono, 172.8 M samples), and the share of
// that time spent on the input bounds every analysis now checks first (rate and channel limits, a range check of
// every sample). Target: the bounds cost at most 5 % of the analysis, so normal files are not slowed by them. Both
// are measured in the same run. Run: npm run bench -- analysis [--minutes N] [--baseline DIR [--repeats R]]
//
// With --baseline DIR (a copy of an older tree, e.g. `git archive b4c0f57 | tar -x -C DIR`, the commit before the
// bounds), that tree's analyze() is bundled too and both run on the same audio, alternately, R times each (default
// 2); the target is then also met by the ratio of the medians, current / baseline ≤ 1.05.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
// The benchmarks' own bundling settings (a plain .mjs of the build scripts, typed as any here).
// @ts-expect-error -- an untyped JavaScript module
import { nodeEsm } from '../../scripts/esbuild-node.mjs';
import { analyze } from '../../src-main/audio/analysis';
import { decodeFile } from '../../src-main/audio/decode';
import { checkAudioLimits, firstBadSampleSteps } from '../../src-main/audio/limits';
import { resampleChannel } from '../../src-main/audio/resample';
import { runSync } from '../../src-main/audio/steps';
import type { AudioData } from '../../src-main/audio/types';
import type { TakeMetrics } from '../../src-main/audio/analysis/metrics';

type Analyze = (audio: AudioData) => Promise<TakeMetrics>;

/** analyze() of another tree (bundled from its sources, packages resolved from ours). */
async function baselineAnalyze(dir: string): Promise<Analyze> {
  const root = process.cwd();
  const outDir = join(root, 'bench', 'results', '.build');
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, 'analysis-baseline.mjs');
  const opts = nodeEsm(dir, join(dir, 'src-main', 'audio', 'analysis', 'index.ts'), out) as Parameters<typeof build>[0];
  await build({ ...opts, nodePaths: [join(root, 'node_modules')] });
  const mod = (await import(pathToFileURL(out).href)) as { analyze: Analyze };
  return mod.analyze;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const TARGET_SHARE = 0.05;
const RATE = 48000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export async function main(): Promise<number> {
  const minutes = Number(arg('minutes') ?? 60);
  const corpus = resolve(process.cwd(), '..', 'shared', 'corpus');
  const parts: Float32Array[] = [];
  for (const f of ['en_happy_prompt.wav', 'speed_prompt.wav', 'zero_shot_en_prompt.wav', 'paralingustic_prompt.wav']) {
    const a = await decodeFile(join(corpus, f));
    parts.push(a.sampleRate === RATE ? a.channels[0]! : resampleChannel(a.channels[0]!, a.sampleRate, RATE));
    parts.push(new Float32Array(Math.round(0.4 * RATE)));
  }
  const n = Math.round(minutes * 60 * RATE);
  const x = new Float32Array(n);
  for (let o = 0, k = 0; o < n; k++) {
    const p = parts[k % parts.length]!;
    x.set(p.subarray(0, Math.min(p.length, n - o)), o);
    o += p.length;
  }
  const audio = { sampleRate: RATE, channels: [x] };
  const baselineDir = arg('baseline');
  const repeats = Number(arg('repeats') ?? 2);
  const base = baselineDir ? await baselineAnalyze(resolve(baselineDir)) : null;
  const runs: number[] = [];
  const baseRuns: number[] = [];
  let m: TakeMetrics | null = null;
  for (let r = 0; r < (base ? repeats : 1); r++) {
    if (base) {
      const tb = performance.now();
      await base(audio);
      baseRuns.push(performance.now() - tb);
    }
    const t0 = performance.now();
    m = await analyze(audio);
    runs.push(performance.now() - t0);
  }
  const analyzeMs = median(runs);
  const bounds: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    checkAudioLimits(audio, 'analyse');
    runSync(firstBadSampleSteps(audio));
    bounds.push(performance.now() - t);
  }
  const boundsMs = bounds.sort((a, b) => a - b)[1]!;
  const share = boundsMs / analyzeMs;
  console.log(
    `analyze, ${minutes} min at ${RATE} Hz mono: ${(analyzeMs / 1000).toFixed(1)} s (${m!.segments.length} speech segments); ` +
      `input bounds ${boundsMs.toFixed(0)} ms = ${(100 * share).toFixed(2)} % of it (target ≤ ${100 * TARGET_SHARE} %: ${share <= TARGET_SHARE ? 'met' : 'MISSED'})`,
  );
  if (!base) return share <= TARGET_SHARE ? 0 : 1;
  const ratio = analyzeMs / median(baseRuns);
  const fmt = (xs: number[]) => xs.map((v) => (v / 1000).toFixed(1)).join(', ');
  console.log(
    `baseline ${baselineDir}: ${fmt(baseRuns)} s; current: ${fmt(runs)} s (alternating); median ratio current/baseline ${ratio.toFixed(3)} ` +
      `(target ≤ ${1 + TARGET_SHARE}: ${ratio <= 1 + TARGET_SHARE ? 'met' : 'MISSED'})`,
  );
  return share <= TARGET_SHARE && ratio <= 1 + TARGET_SHARE ? 0 : 1;
}
