// Benchmark of the pack builder (src-main/engines/editx/pack/build/) on a FULL-SIZE Step1 checkpoint written in the
// published layout: 3.5 B random bf16 values in two safetensors shards with their index, config.json and tokenizer
// files (tools/export: `lm-published --full`, generated tensor by tensor, 7.06 GB), built through the committed
// template models/templates/step1-3.5b, against `cp` of the same shards in the same run (the baseline: the least a
// build must do is read and write that many bytes). Measures wall time and the peak resident memory of this process
// (getrusage's maxRSS; the build runs in it, `cp` in a child).
// Targets: peak RSS ≤ 1.5 GB (bounded by the largest reshuffled tensor, lm_head: 459 MB in bf16, never the
// checkpoint); build ≤ 10 × cp in wall time: beyond cp's read and write, the build converts every value (bf16 → fp16
// by table, ~3 ns of CPU each), transposes 87 % of them (every Linear weight, tiled, fused with the conversion) and hashes what it
// writes (~1.8 GB/s), single-threaded; CPU times (this process's for the build, cp's from /usr/bin/time where it
// exists) are printed beside the wall times, since on the shared build machines the wall time swings with load.
//   npm run bench -- packs [--variant fp16|fp32] [--from DIR] [--keep] [--work DIR]
// --from reuses a published-layout folder instead of generating one; --keep leaves the files; --work sets where they
// go (default: the system temp folder; it needs ~15 GB for fp16, ~22 GB for fp32). Writes bench/results/packs-<time>.json.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildPack } from '../../src-main/engines/editx/pack/build';

const TARGET_VS_CP = 10;
const TARGET_PEAK_RSS = 1.5e9;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const gb = (n: number) => `${(n / 1e9).toFixed(2)} GB`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
}

export async function main(): Promise<number> {
  const root = process.cwd();
  const variant = arg('variant') ?? 'fp16';
  const keep = process.argv.includes('--keep');
  const work = mkdtempSync(join(resolve(arg('work') ?? tmpdir()), 'retake-bench-packs-'));
  const from = arg('from') ? resolve(arg('from')!) : join(work, 'published');
  try {
    if (!arg('from')) {
      console.log(`generating a full-size random Step1 in the published layout in ${from} …`);
      const t0 = performance.now();
      const r = spawnSync('/usr/bin/python3', ['-m', 'retake_export', 'lm-published', '--full', '--out', from, '--quiet'], {
        cwd: root,
        env: { ...process.env, PYTHONPATH: join(root, 'tools', 'export') },
        stdio: 'inherit',
      });
      if (r.status !== 0) throw new Error('tools/export lm-published --full failed (needs Debian python3-torch, python3-numpy)');
      console.log(`  ${gb(folderBytes(from))} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    const shards = readdirSync(from).filter((f) => f.endsWith('.safetensors'));
    const shardBytes = shards.reduce((s, f) => s + statSync(join(from, f)).size, 0);

    // Baseline: cp of the same shard bytes (after the generator wrote them, so both read them from the same cache state).
    const copy = join(work, 'copy');
    mkdirSync(copy);
    const c0 = performance.now();
    const timed = existsSync('/usr/bin/time');
    const cp = timed
      ? spawnSync('/usr/bin/time', ['-f', '%U %S', 'cp', ...shards.map((f) => join(from, f)), copy], { encoding: 'utf8' })
      : spawnSync('cp', [...shards.map((f) => join(from, f)), copy], { encoding: 'utf8' });
    if (cp.status !== 0) throw new Error(`cp failed: ${cp.stderr}`);
    spawnSync('sync');
    const cpSec = (performance.now() - c0) / 1000;
    const cpCpu = timed ? cp.stderr.trim().split('\n').at(-1)!.split(' ').reduce((a, x) => a + Number(x), 0) : null;
    rmSync(copy, { recursive: true, force: true });

    const rssBefore = peakRss();
    const out = join(work, `pack-${variant}`);
    const b0 = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await buildPack({ from, templates: [join(root, 'models', 'templates', 'step1-3.5b')], variants: [variant], out, modelRevision: null });
    const buildSec = (performance.now() - b0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const buildCpu = (cpu.user + cpu.system) / 1e6;
    const rss = peakRss();
    const written = result.bytes;

    const ratio = buildSec / cpSec;
    const rows = [
      ['checkpoint (shards)', gb(shardBytes), ''],
      [`cp of the shards`, `${cpSec.toFixed(1)} s`, `${(shardBytes / cpSec / 1e9).toFixed(2)} GB/s; CPU ${cpCpu === null ? '?' : `${cpCpu.toFixed(1)} s`}`],
      [`pack build --variant ${variant}`, `${buildSec.toFixed(1)} s`, `${gb(written)} written, ${(written / buildSec / 1e9).toFixed(2)} GB/s; CPU ${buildCpu.toFixed(1)} s (${((buildCpu * 1e9) / result.values).toFixed(1)} ns per value)`],
      ['build / cp', ratio.toFixed(2), `target ≤ ${TARGET_VS_CP}: ${ratio <= TARGET_VS_CP ? 'met' : 'MISSED'}`],
      ['peak RSS', gb(rss), `before the build ${gb(rssBefore)}; target ≤ ${gb(TARGET_PEAK_RSS)}: ${rss <= TARGET_PEAK_RSS ? 'met' : 'MISSED'}`],
    ];
    rows.push(['load average (1 min)', loadavg()[0]!.toFixed(1), 'of a 2-core machine shared with other jobs when measured here']);
    for (const [a, b, c] of rows) console.log(`${a!.padEnd(32)} ${b!.padStart(10)}  ${c}`);
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    const file = join(root, 'bench', 'results', `packs-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ variant, shardBytes, cpSec, cpCpu, buildSec, buildCpu, written, ratio, peakRss: rss, rssBefore, weights: result.weights, values: result.values, loadAverage: loadavg() }, null, 1));
    console.log(`wrote ${file}`);
    return ratio <= TARGET_VS_CP && rss <= TARGET_PEAK_RSS ? 0 : 1;
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}
