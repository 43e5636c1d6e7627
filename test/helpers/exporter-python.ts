// Runs a module of the Python exporter package (tools/export/retake_export) with Debian's interpreter, the way the
// npm scripts do: `PYTHONPATH=tools/export /usr/bin/python3 -m MODULE ARGS`.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export function runExporterModule(module: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync('/usr/bin/python3', ['-m', module, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYTHONPATH: path.join(ROOT, 'tools', 'export'), PYTHONDONTWRITEBYTECODE: '1' },
  });
}
