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

/** Runs Python code with the exporter package importable, `stdin` as its input; its stdout. Fails naming what is
 *  missing when the interpreter cannot run it. */
export function runExporterPython(code: string, stdin = ''): string {
  const r = spawnSync('/usr/bin/python3', ['-c', code], {
    input: stdin,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYTHONPATH: path.join(ROOT, 'tools', 'export'), PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.error || r.status !== 0) {
    throw new Error(
      `/usr/bin/python3 could not run the exporter code (install python3-torch python3-torchaudio python3-numpy): ${r.error?.message ?? r.stderr}`,
    );
  }
  return r.stdout;
}
