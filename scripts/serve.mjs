// `npm run serve [-- --project DIR] [--no-open] [--port N]`: the web shell (builds first when dist/ is missing).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'dist', 'web.mjs')) || !existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
  // Build output goes to stderr: stdout carries only the URL line.
  const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: ['ignore', 2, 2] });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const child = spawn(process.execPath, [path.join(root, 'dist', 'web.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
