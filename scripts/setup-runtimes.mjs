// Downloads the runtimes npm does not fetch by itself (package.json's allowScripts denies their install scripts so
// an offline `npm install` succeeds): the Electron binary and, where an NVIDIA GPU is present, onnxruntime-node's
// CUDA provider. Every step is optional: a failure prints one line and the install goes on; `npm start` then falls
// back to the web shell and inference to the CPU.
//   node scripts/setup-runtimes.mjs             both, as appropriate (run by postinstall)
//   node scripts/setup-runtimes.mjs --electron  only Electron
//   node scripts/setup-runtimes.mjs --gpu       only the CUDA provider, even without a detected GPU
// RETAKE_SKIP_DOWNLOADS=1 skips everything.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const only = args.has('--electron') || args.has('--gpu');
const wantElectron = !only || args.has('--electron');
const forceGpu = args.has('--gpu');

function run(label, script, scriptArgs, env = {}) {
  if (!existsSync(script)) {
    console.log(`retake setup: ${label} skipped (${path.relative(root, script)} is not installed).`);
    return false;
  }
  const r = spawnSync(process.execPath, [script, ...scriptArgs], {
    cwd: path.dirname(script),
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 15 * 60 * 1000,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (r.status === 0) {
    console.log(`retake setup: ${label} ready.`);
    return true;
  }
  const why = `${r.stderr ?? ''}${r.stdout ?? ''}`.split('\n').map((l) => l.trim()).find((l) => /error|fail|ENOTFOUND|EAI_AGAIN|ECONN/i.test(l));
  console.log(`retake setup: ${label} could not be downloaded (${(why ?? `exit ${r.status}`).slice(0, 160)}). ${label === 'Electron' ? 'npm start will use the web shell; run "npm run setup:electron" when online.' : 'Inference will use the CPU; run "npm run setup:gpu" when online.'}`);
  return false;
}

function hasNvidiaGpu() {
  if (process.platform === 'linux' && existsSync('/proc/driver/nvidia/version')) return true;
  if (process.platform === 'linux' || process.platform === 'win32') {
    const r = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 10_000 });
    return r.status === 0 && /GPU/.test(r.stdout ?? '');
  }
  return false;
}

if (process.env.RETAKE_SKIP_DOWNLOADS === '1') {
  console.log('retake setup: downloads skipped (RETAKE_SKIP_DOWNLOADS=1).');
  process.exit(0);
}

if (wantElectron) run('Electron', path.join(root, 'node_modules', 'electron', 'install.js'), []);

const gpuPlatform = (process.platform === 'linux' || process.platform === 'win32') && process.arch === 'x64';
if (forceGpu || (!only && gpuPlatform && hasNvidiaGpu())) {
  if (!gpuPlatform) console.log(`retake setup: no CUDA provider exists for ${process.platform}/${process.arch}; the CPU${process.platform === 'win32' ? ' or DirectML' : ''} provider is used.`);
  else run('CUDA provider for onnxruntime-node', path.join(root, 'node_modules', 'onnxruntime-node', 'script', 'install.js'), ['--onnxruntime-node-install=cuda12']);
}
