// Downloads the runtimes npm does not fetch by itself (package.json's allowScripts denies their install scripts so
// an offline `npm install` succeeds): the Electron binary and, where an NVIDIA GPU is present, onnxruntime-node's
// CUDA provider; after Electron, better-sqlite3 built for Electron's ABI. Every step is optional: a failure prints one line and the install goes on; `npm start` then falls
// back to the web shell and inference to the CPU.
//   node scripts/setup-runtimes.mjs             both, as appropriate (run by postinstall)
//   node scripts/setup-runtimes.mjs --electron  only Electron
//   node scripts/setup-runtimes.mjs --gpu       only the CUDA provider, even without a detected GPU
//   --strict                                    exit non-zero when a step fails (used by npm run dist)
// RETAKE_SKIP_DOWNLOADS=1 skips everything.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const only = args.has('--electron') || args.has('--gpu');
const wantElectron = !only || args.has('--electron');
const forceGpu = args.has('--gpu');
const strict = args.has('--strict');
let failed = false;

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
  failed = true;
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

/**
 * better-sqlite3 for Electron's ABI, kept apart from the Node build in node_modules (which the CLI, the web shell and
 * the tests load) and handed to better-sqlite3 as its nativeBinding by the Electron shell: a prebuilt binary from
 * better-sqlite3's releases (prebuild-install), else a compile against Electron's headers (node-gyp).
 */
function electronSqlite() {
  const electronVersion = JSON.parse(readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  const src = path.join(root, 'node_modules', 'better-sqlite3');
  const outDir = path.join(root, 'build', 'electron-abi');
  const out = path.join(outDir, 'better_sqlite3.node');
  const stamp = path.join(outDir, 'electron-version');
  if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === electronVersion) {
    console.log('retake setup: database module for Electron ready.');
    return;
  }
  const work = path.join(outDir, 'better-sqlite3');
  rmSync(work, { recursive: true, force: true });
  cpSync(src, work, { recursive: true, filter: (f) => !f.startsWith(path.join(src, 'build')) });
  const env = { ...process.env, npm_config_runtime: 'electron', npm_config_target: electronVersion, npm_config_disturl: 'https://electronjs.org/headers' };
  const prebuild = path.join(root, 'node_modules', 'prebuild-install', 'bin.js');
  let r = spawnSync(process.execPath, [prebuild, '--runtime', 'electron', '--target', electronVersion, '--arch', process.arch], { cwd: work, env, encoding: 'utf8', timeout: 10 * 60 * 1000 });
  if (r.status !== 0) {
    const gyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    r = spawnSync(process.execPath, [gyp, 'rebuild', '--release', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers'], { cwd: work, env, encoding: 'utf8', timeout: 20 * 60 * 1000 });
  }
  const built = path.join(work, 'build', 'Release', 'better_sqlite3.node');
  if (r.status === 0 && existsSync(built)) {
    cpSync(built, out);
    writeFileSync(stamp, electronVersion);
    rmSync(work, { recursive: true, force: true });
    console.log('retake setup: database module for Electron ready.');
  } else {
    rmSync(work, { recursive: true, force: true });
    failed = true;
    console.log('retake setup: the database module for Electron could not be built or downloaded; npm start will use the web shell. Run "npm run setup:electron" when online.');
  }
}

if (wantElectron && run('Electron', path.join(root, 'node_modules', 'electron', 'install.js'), [])) electronSqlite();

const gpuPlatform = (process.platform === 'linux' || process.platform === 'win32') && process.arch === 'x64';
if (forceGpu || (!only && gpuPlatform && hasNvidiaGpu())) {
  if (!gpuPlatform) console.log(`retake setup: no CUDA provider exists for ${process.platform}/${process.arch}; the CPU${process.platform === 'win32' ? ' or DirectML' : ''} provider is used.`);
  else run('CUDA provider for onnxruntime-node', path.join(root, 'node_modules', 'onnxruntime-node', 'script', 'install.js'), ['--onnxruntime-node-install=cuda12']);
}

if (strict && failed) process.exit(1);
