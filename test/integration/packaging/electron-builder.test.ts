// Builds the Linux `dir` target with electron-builder against a local stand-in for the Electron runtime (no Electron
// binary can be downloaded on the build machines) and checks the packaged tree: main, preload, renderer, the engine
// host entry inside the asar; the native modules unpacked beside it.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const require = createRequire(import.meta.url);

describe('packaging (electron-builder dir target)', () => {
  it('packs main, preload, renderer and engine host into the asar and unpacks the native modules', () => {
    for (const f of ['electron-main.mjs', 'preload.cjs', 'engine-host.mjs', 'renderer/index.html']) {
      expect(existsSync(path.join(root, 'dist', f)), `dist/${f} is missing: run "npm run build" first`).toBe(true);
    }
    const work = tempDir('retake-pack-');
    const standIn = path.join(work, 'electron-dist');
    mkdirSync(path.join(standIn, 'resources'), { recursive: true });
    writeFileSync(path.join(standIn, 'electron'), '#!/bin/sh\necho "stand-in for the Electron runtime"\n');
    chmodSync(path.join(standIn, 'electron'), 0o755);
    const electronVersion = (require('electron/package.json') as { version: string }).version;
    writeFileSync(path.join(standIn, 'version'), electronVersion);
    const out = path.join(work, 'out');
    const r = spawnSync(
      process.execPath,
      [
        require.resolve('electron-builder/cli.js'),
        '--dir',
        '--linux',
        '--x64',
        '--config',
        'electron-builder.yml',
        `-c.electronDist=${standIn}`,
        `-c.electronVersion=${electronVersion}`,
        `-c.directories.output=${out}`,
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
    );
    expect(r.status, `electron-builder failed:\n${r.stdout}\n${r.stderr}`).toBe(0);

    const resources = path.join(out, 'linux-unpacked', 'resources');
    const asar = require('@electron/asar') as { listPackage(p: string, o: object): string[] };
    const files = new Set(asar.listPackage(path.join(resources, 'app.asar'), {}).map((f) => f.replaceAll('\\', '/')));
    for (const f of ['/package.json', '/dist/electron-main.mjs', '/dist/preload.cjs', '/dist/engine-host.mjs', '/dist/renderer/index.html']) {
      expect(files.has(f), `${f} missing from app.asar`).toBe(true);
    }
    // No test code, sources or source maps ship.
    expect([...files].some((f) => f.startsWith('/test/') || f.startsWith('/src-main/'))).toBe(false);
    expect([...files].some((f) => f.startsWith('/dist/') && f.endsWith('.map'))).toBe(false);

    const unpacked = path.join(resources, 'app.asar.unpacked', 'node_modules');
    expect(existsSync(path.join(unpacked, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
    const ortBin = path.join(unpacked, 'onnxruntime-node', 'bin', 'napi-v6');
    expect(existsSync(path.join(ortBin, 'linux', 'x64', 'onnxruntime_binding.node'))).toBe(true);
    // Only this platform's onnxruntime binaries go into the Linux package.
    expect(readdirSync(ortBin)).toEqual(['linux']);
    expect(existsSync(path.join(out, 'linux-unpacked', 'retake'))).toBe(true);
  });
});
