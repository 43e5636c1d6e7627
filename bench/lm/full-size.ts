// `npm run bench -- lm --full-size`: the Step1 LM at the published size (random weights, tools/export
// `lm --full-size-random`) on this machine's CPU, one variant per child process so each one's memory is its own:
// file size, resident memory after load (anonymous and file-backed) and at its peak while decoding, and decode ids/s
// at contexts 1000 and 4000 through our runner (OrtLm, the app's path), fp32 measured in the same run as the baseline.
// The cache is declared filled (OrtLm.assumeFilled) instead of prefilled: a decode step costs the same whatever the
// cache holds, and prefilling 4,000 ids of the fp32 model takes many minutes here.
// A variant whose files, cache and a 1 GB margin do not fit MemAvailable is not run ("no room"): fp32 needs ~15 GB.
// Targets (exit code 1 when a measured one is missed), on the default int4 (blocks of 128): resident ≤ 2.5 GB after
// load and while decoding; at least 2× the ids/s of fp32 at context 1000.
// The machines are shared, so with --repeats N every variant runs N times in rotation and each cell reports the run
// with the most ids/s (the one least disturbed by other processes); memory is the largest seen.
// Run: npm run bench -- lm --full-size [--pack DIR] [--variants fp32,int8,int4,int4-b32] [--contexts 1000,4000] [--tokens 12]
//      [--threads 2] [--repeats 1] [--force]

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeRamBytes } from '../../src-main/engines/editx/lm/memory';
import { OrtLm } from '../../src-main/engines/editx/lm/ort-lm';
import { lmVariantBytes } from '../../src-main/engines/editx/lm/variant-choice';
import { loadPack } from '../../src-main/engines/editx/pack/load';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const PACK = resolve(arg('pack') ?? 'test/fixtures/generated/full-size-pack');
const CONTEXTS = (arg('contexts') ?? '1000,4000').split(',').map(Number);
const TOKENS = Number(arg('tokens') ?? 12);
const THREADS = Number(arg('threads') ?? 2);
const REPEATS = Number(arg('repeats') ?? 1);
/** Target of the issue: the int4 LM next to the tokenizers, flow and HiFT on a 6 GB GPU. */
const INT4_RESIDENT_TARGET = 2.5e9;
/** Target of the issue: decode reads every weight once per id, so 4-bit weights should at least double fp32's speed. */
const INT4_SPEED_TARGET = 2;
/** Room left beside a variant before it is run. */
const MARGIN = 1e9;

interface ChildResult {
  variant: string;
  dtype: string;
  fileBytes: number;
  loadMs: number;
  afterLoad: Memory;
  peakRss: number;
  /** Median ms per id at each context, and the resident memory after the steps at that context. */
  contexts: { context: number; msPerId: number; rss: number }[];
}

interface Memory {
  rss: number;
  anon: number;
  file: number;
}

function memory(): Memory {
  const rss = process.memoryUsage().rss;
  try {
    const s = readFileSync('/proc/self/status', 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
    return { rss, anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return { rss, anon: NaN, file: NaN };
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One variant, in a process of its own (spawned by fullSizeMain): prints its ChildResult as JSON. */
export async function fullSizeChild(): Promise<number> {
  const variant = arg('child')!;
  const pack = await loadPack(PACK, { variants: [variant] });
  const v = pack.manifest.components.lm!.variants[variant]!;
  const t0 = performance.now();
  const lm = await OrtLm.create(pack, {
    variant,
    maxTotalIds: Math.max(...CONTEXTS) + TOKENS + 1,
    intraOpNumThreads: THREADS,
  });
  const loadMs = performance.now() - t0;
  const afterLoad = memory();
  let peak = afterLoad.rss;
  const contexts: ChildResult['contexts'] = [];
  await lm.step([70000], { topK: 51, logits: false }); // warm-up: first-run allocations
  for (const context of CONTEXTS) {
    lm.reset();
    lm.assumeFilled(context);
    const times: number[] = [];
    let id = 65536 + (context % 5120);
    for (let t = 0; t < TOKENS; t++) {
      const a = performance.now();
      const out = await lm.step([id], { topK: 51, logits: false });
      times.push(performance.now() - a);
      id = Number(out.topIds[0]);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    contexts.push({ context, msPerId: median(times), rss: process.memoryUsage().rss });
  }
  await lm.dispose();
  const result: ChildResult = {
    variant,
    dtype: v.dtype,
    fileBytes: v.files.reduce((s, f) => s + f.bytes, 0),
    loadMs,
    afterLoad,
    peakRss: Math.max(peak, process.resourceUsage().maxRSS * 1024),
    contexts,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

function runChild(variant: string): Promise<ChildResult> {
  const bundle = fileURLToPath(import.meta.url);
  const args = ['--input-type=module', '-e', 'const m = await import(process.argv[1]); process.exitCode = await m.fullSizeChild();',
    bundle, '--child', variant, '--pack', PACK, '--contexts', CONTEXTS.join(','), '--tokens', String(TOKENS), '--threads', String(THREADS)];
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) ok(JSON.parse(line) as ChildResult);
      else fail(new Error(`the ${variant} run failed (exit ${code}): ${out.slice(-500)}`));
    });
  });
}

const gb = (b: number): string => (b / 1e9).toFixed(2);

export async function fullSizeMain(): Promise<number> {
  if (!existsSync(join(PACK, 'manifest.json'))) {
    console.error(
      `No full-size pack in ${PACK}. Write it with \`PYTHONPATH=tools/export /usr/bin/python3 -m retake_export lm --full-size-random\` ` +
        '(random weights of the published shape; fp32 14 GB, int8 ~4 GB, int4 ~2.4 GB on disk).',
    );
    return 1;
  }
  const pack = await loadPack(PACK, { variants: [] });
  const lmc = pack.manifest.components.lm!;
  const names = (arg('variants') ?? ['fp32', 'int8', 'int4'].filter((n) => n in lmc.variants).join(',')).split(',');
  console.log(
    `Step1 full size (${lmc.config.numLayers} layers, ${lmc.config.hiddenSize} wide, vocab ${lmc.config.vocabSize}, random weights), ` +
      `CPU, ${THREADS} thread(s), ${TOKENS} decode steps per context, median ms per id; one process per variant, ` +
      `${REPEATS} run(s) each (fastest shown); RSS in GB after load, after each context, and the process's maxRSS`,
  );
  const runs = new Map<string, ChildResult[]>();
  const skipped: string[] = [];
  for (const name of names) {
    if (!lmc.variants[name]) {
      console.error(`The pack has no variant ${name} (it has ${Object.keys(lmc.variants).join(', ')}).`);
      return 1;
    }
  }
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const name of names) {
      if (skipped.includes(name)) continue;
      const need = lmVariantBytes(lmc, lmc.variants[name]!, Math.max(...CONTEXTS) + TOKENS + 1) + MARGIN;
      const free = freeRamBytes();
      if (need > free && !process.argv.includes('--force')) {
        skipped.push(name);
        console.log(`${name}: not run, no room: needs ${gb(need)} GB with a margin, ${gb(free)} GB available (--force runs it anyway)`);
        continue;
      }
      console.log(`${name}: run ${rep + 1} of ${REPEATS} (${gb(free)} GB available)…`);
      runs.set(name, [...(runs.get(name) ?? []), await runChild(name)]);
    }
  }
  // Per variant: the fastest run at each context, the largest memory of all runs.
  const results: ChildResult[] = [...runs.values()].map((rs) => ({
    ...rs[0]!,
    loadMs: Math.min(...rs.map((r) => r.loadMs)),
    afterLoad: rs.reduce((a, r) => (r.afterLoad.rss > a.rss ? r.afterLoad : a), rs[0]!.afterLoad),
    peakRss: Math.max(...rs.map((r) => r.peakRss)),
    contexts: rs[0]!.contexts.map((c, i) => ({
      context: c.context,
      msPerId: Math.min(...rs.map((r) => r.contexts[i]!.msPerId)),
      rss: Math.max(...rs.map((r) => r.contexts[i]!.rss)),
    })),
  }));
  const base = results.find((r) => r.dtype === 'fp32');
  const pad = (x: string, n: number): string => x.padEnd(n);
  const head = ['variant', 'file GB', 'load s', 'RSS load GB', '(anon+file)', 'maxRSS GB'];
  for (const c of CONTEXTS) head.push(`ids/s@${c}`, base ? `×fp32@${c}` : '', `RSS@${c}`);
  console.log(head.filter(Boolean).map((h) => pad(h, 12)).join(''));
  for (const r of results) {
    const cells = [r.variant, gb(r.fileBytes), (r.loadMs / 1000).toFixed(1), gb(r.afterLoad.rss), `${gb(r.afterLoad.anon)}+${gb(r.afterLoad.file)}`, gb(r.peakRss)];
    for (const c of r.contexts) {
      cells.push((1000 / c.msPerId).toFixed(3));
      const b = base?.contexts.find((x) => x.context === c.context);
      if (base) cells.push(b ? (b.msPerId / c.msPerId).toFixed(2) : '');
      cells.push(gb(c.rss));
    }
    console.log(cells.map((c) => pad(c, 12)).join(''));
  }
  let ok = true;
  const int4 = results.find((r) => r.variant === 'int4');
  if (int4) {
    // Resident while it works: after load and after the steps at each context. The process's maxRSS ("peak") also
    // holds the moment of loading, when onnxruntime has read a weight and not yet dropped it after repacking.
    const resident = Math.max(int4.afterLoad.rss, ...int4.contexts.map((c) => c.rss));
    const met = resident <= INT4_RESIDENT_TARGET;
    ok &&= met;
    console.log(
      `target: int4 resident ≤ ${gb(INT4_RESIDENT_TARGET)} GB after load and while decoding: ${met ? 'met' : 'MISSED'} ` +
        `(${gb(resident)} GB; maxRSS including the load ${gb(int4.peakRss)} GB)`,
    );
    const c1000 = int4.contexts.find((c) => c.context === 1000);
    const b1000 = base?.contexts.find((c) => c.context === 1000);
    if (c1000 && b1000) {
      const ratio = b1000.msPerId / c1000.msPerId;
      const metSpeed = ratio >= INT4_SPEED_TARGET;
      ok &&= metSpeed;
      console.log(`target: int4 ≥ ${INT4_SPEED_TARGET}× the ids/s of fp32 at context 1000: ${metSpeed ? 'met' : 'MISSED'} (${ratio.toFixed(2)}×)`);
    } else {
      console.log(`target: int4 ≥ ${INT4_SPEED_TARGET}× fp32 at context 1000: not evaluated (${skipped.includes('fp32') ? 'fp32 had no room' : 'fp32 or context 1000 not measured'})`);
    }
  }
  return ok ? 0 : 1;
}
