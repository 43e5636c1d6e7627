// Builds dist/: the main-side bundles (esbuild, ESM for Node/Electron; the sandboxed preload as CommonJS) and the
// renderer (Vite). Native modules and packages that read files next to themselves stay external (node_modules).
//   node scripts/build.mjs            everything
//   node scripts/build.mjs --main     only the main-side bundles (fast)

import { build } from 'esbuild';
import { external, nodeEsm } from './esbuild-node.mjs';
import { rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const onlyMain = process.argv.includes('--main');

const entries = {
  'web.mjs': 'src-main/shells/web/main.ts',
  'cli.mjs': 'src-main/cli/bin.ts',
  'engine-host.mjs': 'src-main/engines/host/entry.ts',
  'electron-main.mjs': 'src-main/shells/electron/main.ts',
};

const t0 = Date.now();
if (!onlyMain) rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await Promise.all([
  ...Object.entries(entries).map(([out, entry]) => build(nodeEsm(root, entry, path.join(dist, out)))),
  build({
    entryPoints: ['src-main/shells/electron/preload.ts'],
    outfile: path.join(dist, 'preload.cjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    // Sandboxed preloads must be CommonJS and may only require a few Electron modules.
    format: 'cjs',
    sourcemap: 'linked',
    external,
    logLevel: 'warning',
    absWorkingDir: root,
  }),
]);

if (!onlyMain) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
}
console.log(`built dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
