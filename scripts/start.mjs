// `npm start`: the desktop app. Where the Electron runtime cannot be had (no binary downloaded, e.g. on build
// machines without internet), says so in one line and starts the web shell instead.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

if (!existsSync(path.join(root, 'dist', 'electron-main.mjs')) || !existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
  // Build output goes to stderr: stdout carries only the app's own lines (the web shell's URL).
  const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: ['ignore', 2, 2] });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

function electronBinary() {
  try {
    const dir = path.dirname(require.resolve('electron/package.json'));
    const rel = readFileSync(path.join(dir, 'path.txt'), 'utf8');
    const bin = path.join(dir, 'dist', rel);
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

// The Electron shell also needs better-sqlite3 built for Electron (made with the Electron download).
const sqliteForElectron = existsSync(path.join(root, 'build', 'electron-abi', 'better_sqlite3.node'));
const electron = electronBinary();
const bin = sqliteForElectron ? electron : null;
const passthrough = process.argv.slice(2);
if (bin) {
  const child = spawn(bin, [root, ...passthrough], { stdio: 'inherit', env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined } });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  console.log(
    electron
      ? 'Electron is installed but its database module is not (run "npm run setup:electron" when online); starting the web shell instead.'
      : 'Electron runtime not available here (run "npm run setup:electron" when online); starting the web shell instead.',
  );
  const child = spawn(process.execPath, [path.join(root, 'dist', 'web.mjs'), ...passthrough], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
}
