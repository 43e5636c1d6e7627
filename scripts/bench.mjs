// `npm run bench [-- NAME [ARGS…]]`: the benchmarks under bench/ (all of them when no NAME is given). Each is a
// TypeScript module exporting `main(): Promise<number>` (its exit code: non-zero when a target is missed); it is
// bundled like the app's main-side code and run in this process with its own arguments in process.argv.
//   npm run bench                      every benchmark with default arguments
//   npm run bench -- prosody --repeats 5
//   npm run bench -- lm --quick
//   npm run bench -- features --repeats 7
//   npm run bench -- region --repeats 5
//   npm run bench -- export
//   npm run bench -- import --minutes 60
//   npm run bench -- timeline --clips 300
//   npm run bench -- analysis --minutes 10 [--baseline DIR]
//   npm run bench -- editx --quick
//   npm run bench -- mp3 --minutes 10

import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nodeEsm } from './esbuild-node.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCHES = {
  prosody: 'bench/prosody/bench.ts',
  lm: 'bench/lm/decode.ts',
  features: 'bench/features/bench.ts',
  packs: 'bench/packs/bench.ts',
  tokenizer: 'bench/tokenizer/bench.ts',
  decoder: 'bench/decoder/decode.ts',
  region: 'bench/region/bench.ts',
  export: 'bench/export/bench.ts',
  import: 'bench/import/bench.ts',
  timeline: 'bench/timeline/bench.ts',
  analysis: 'bench/analysis/long.ts',
  editx: 'bench/editx/bench.ts',
  mp3: 'bench/mp3/bench.ts',
};

const [name, ...rest] = process.argv.slice(2);
if (name !== undefined && !(name in BENCHES)) {
  console.error(`Unknown benchmark "${name}". Benchmarks: ${Object.keys(BENCHES).join(', ')}.`);
  process.exit(2);
}
const selected = name ? [name] : Object.keys(BENCHES);
const buildDir = path.join(root, 'bench', 'results', '.build');
mkdirSync(buildDir, { recursive: true });
process.chdir(root);

let worst = 0;
for (const b of selected) {
  const entry = BENCHES[b];
  const out = path.join(buildDir, `${b}.mjs`);
  // The browser driver and esbuild (which bundles a baseline tree for comparisons) are loaded from node_modules at run
  // time, not bundled.
  const options = nodeEsm(root, entry, out);
  await build({ ...options, external: [...options.external, 'playwright-core', 'esbuild'] });
  process.argv = [process.argv[0], path.join(root, entry), ...(name ? rest : [])];
  console.log(`\n=== ${b} (${entry}) ===`);
  const mod = await import(pathToFileURL(out).href);
  const code = await mod.main();
  if (code !== 0) console.log(`${b}: a target was missed (exit ${code}).`);
  worst = Math.max(worst, code);
}
process.exit(worst);
