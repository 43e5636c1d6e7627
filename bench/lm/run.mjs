// Runs bench/lm/decode.ts: bundles it with esbuild (onnxruntime-node stays external) into a temporary .mjs under
// bench/results/ (git-ignored; inside the repository so the bundle resolves node_modules) and imports it.
// Usage: node bench/lm/run.mjs [--quick]

import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
const tmp = mkdtempSync(path.join(root, 'bench/results/.lm-build-'));
const out = path.join(tmp, 'decode.mjs');
let code = 1;
try {
  await build({
    entryPoints: [path.join(root, 'bench/lm/decode.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['onnxruntime-node', 'onnxruntime-common'],
    logLevel: 'warning',
  });
  process.chdir(root);
  const mod = await import(pathToFileURL(out).href);
  code = await mod.main();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);
