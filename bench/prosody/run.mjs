#!/usr/bin/env node
// Runs the prosody benchmark: bundles bench/prosody/bench.ts (and the engine it measures) with esbuild into
// bench/results/.build/, imports it, prints the table and writes the figures to bench/results/prosody-<time>.json.
// Usage (from the repository root): node bench/prosody/run.mjs [--repeats N]

import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const outDir = join(root, 'bench', 'results');
const buildDir = join(outDir, '.build');
mkdirSync(buildDir, { recursive: true });

const argv = process.argv.slice(2);
const ri = argv.indexOf('--repeats');
const repeats = ri >= 0 ? Number(argv[ri + 1]) : 3;

const bundle = join(buildDir, 'prosody-bench.mjs');
await build({
  entryPoints: [join(here, 'bench.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native modules stay outside the bundle and resolve from node_modules at run time.
  external: ['onnxruntime-node', 'better-sqlite3'],
  // Bundled CommonJS dependencies may call require(); give the ES module one.
  banner: { js: "import { createRequire as __retakeCreateRequire } from 'node:module'; const require = __retakeCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

const { runBenchmark } = await import(pathToFileURL(bundle).href);
const result = await runBenchmark({ repoRoot: root, repeats });
const file = join(outDir, `prosody-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(result, null, 2));
console.log(`\nwrote ${file}`);
