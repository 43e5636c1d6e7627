// Builds the Linux `dir` target with electron-builder against a local stand-in for the Electron runtime (no Electron
// binary can be downloaded on the build machines), checks the packaged tree, and runs the packaged bundles with Node
// from an extracted copy of the package: what they load at run time must be inside it.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp';
import { corpusFile } from '../../helpers/studio';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const require = createRequire(import.meta.url);

describe('packaging (electron-builder dir target)', () => {
  const work = tempDir('retake-pack-');
  const out = path.join(work, 'out');
  const resources = path.join(out, 'linux-unpacked', 'resources');

  it('packs main, preload, renderer and engine host; unpacks the native and WASM modules', () => {
    for (const f of ['electron-main.mjs', 'preload.cjs', 'engine-host.mjs', 'renderer/index.html']) {
      expect(existsSync(path.join(root, 'dist', f)), `dist/${f} is missing: run "npm run build" first`).toBe(true);
    }
    const standIn = path.join(work, 'electron-dist');
    mkdirSync(path.join(standIn, 'resources'), { recursive: true });
    writeFileSync(path.join(standIn, 'electron'), '#!/bin/sh\necho "stand-in for the Electron runtime"\n');
    chmodSync(path.join(standIn, 'electron'), 0o755);
    const electronVersion = (require('electron/package.json') as { version: string }).version;
    writeFileSync(path.join(standIn, 'version'), electronVersion);
    // The Electron-ABI database module needs Electron's headers (a download): a stand-in file takes its place.
    const sqliteStandIn = path.join(work, 'better_sqlite3.node');
    writeFileSync(sqliteStandIn, 'stand-in');
    const yaml = require('js-yaml') as { load(s: string): Record<string, unknown> };
    const config = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8'));
    const extra = config.extraResources as Array<{ from: string; to: string }>;
    expect(extra.map((e) => e.to)).toContain('native/better_sqlite3.node');
    config.extraResources = extra.map((e) => (e.to === 'native/better_sqlite3.node' ? { ...e, from: sqliteStandIn } : e));
    const configFile = path.join(work, 'builder.json');
    writeFileSync(configFile, JSON.stringify(config));

    const r = spawnSync(
      process.execPath,
      [
        require.resolve('electron-builder/cli.js'),
        '--dir',
        '--linux',
        '--x64',
        '--config',
        configFile,
        `-c.electronDist=${standIn}`,
        `-c.electronVersion=${electronVersion}`,
        `-c.directories.output=${out}`,
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
    );
    expect(r.status, `electron-builder failed:\n${r.stdout}\n${r.stderr}`).toBe(0);

    const asar = require('@electron/asar') as { listPackage(p: string, o: object): string[] };
    const files = new Set(asar.listPackage(path.join(resources, 'app.asar'), {}).map((f) => f.replaceAll('\\', '/')));
    for (const f of [
      '/package.json',
      '/dist/electron-main.mjs',
      '/dist/preload.cjs',
      '/dist/engine-host.mjs',
      '/dist/renderer/index.html',
      '/models/catalogue.json',
      '/models/templates/step1-3.5b/template.json',
      '/models/templates/step1-3.5b/lm.fp16.onnx',
    ]) {
      expect(files.has(f), `${f} missing from app.asar`).toBe(true);
    }
    // No sources, tests or source maps ship.
    expect([...files].filter((f) => /^\/(test|src-main|src-renderer|tools|bench)\//.test(f))).toEqual([]);
    expect([...files].filter((f) => f.startsWith('/dist/') && f.endsWith('.map'))).toEqual([]);

    expect(readFileSync(path.join(resources, 'native', 'better_sqlite3.node'), 'utf8')).toBe('stand-in');
    const unpacked = path.join(resources, 'app.asar.unpacked', 'node_modules');
    const ortBin = path.join(unpacked, 'onnxruntime-node', 'bin', 'napi-v6');
    expect(existsSync(path.join(ortBin, 'linux', 'x64', 'onnxruntime_binding.node'))).toBe(true);
    // Only this platform's onnxruntime binaries go into the Linux package.
    expect(readdirSync(ortBin)).toEqual(['linux']);
    expect(existsSync(path.join(unpacked, 'signalsmith-stretch', 'SignalsmithStretch.mjs'))).toBe(true);
    expect(existsSync(path.join(resources, 'app.asar.unpacked', 'models', 'templates', 'step1-3.5b', 'lm.fp32.weights.json'))).toBe(true);
    expect(existsSync(path.join(unpacked, '@shiguredo', 'rnnoise-wasm', 'dist', 'rnnoise.js'))).toBe(true);
    expect(existsSync(path.join(out, 'linux-unpacked', 'retake'))).toBe(true);
    // The licences of shipped third-party code and data travel with the app.
    expect(existsSync(path.join(resources, 'licenses', 'THIRD-PARTY.md'))).toBe(true);
  });

  it('runs the packaged CLI bundle from the package alone (its run-time files are all inside)', () => {
    expect(existsSync(path.join(resources, 'app.asar')), 'the previous test must build the package first').toBe(true);
    const app = path.join(work, 'extracted');
    const asar = require('@electron/asar') as { extractAll(a: string, d: string): void };
    asar.extractAll(path.join(resources, 'app.asar'), app);
    cpSync(path.join(resources, 'app.asar.unpacked'), app, { recursive: true });
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(app, 'dist', 'cli.mjs'), ...args], { encoding: 'utf8', cwd: work, env: { ...process.env, NODE_PATH: '' } });
    const input = corpusFile('speed_prompt.wav');
    const speed = cli('edit', input, '-o', path.join(work, 'speed.wav'), '--task', 'speed', '--option', 'faster', '-q');
    expect(speed.status, speed.stderr).toBe(0);
    const analyzed = cli('analyze', input, '--json');
    expect(analyzed.status, analyzed.stderr).toBe(0);
    expect((JSON.parse(analyzed.stdout) as { speechSec: number }).speechSec).toBeGreaterThan(1);
    const denoise = cli('edit', input, '-o', path.join(work, 'denoise.wav'), '--task', 'denoise', '-q');
    expect(denoise.status, denoise.stderr).toBe(0);
  });
});
