// The built main-side bundles (dist/, `npm run build`) contain what their process runs and nothing more: the shells
// (web, Electron main) carry the studio but not the built-in engine's presets or the test engine, which belong to the
// engine host. esbuild marks every bundled module with a `// src-main/…` line, so the check reads the bundle itself.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = path.resolve(import.meta.dirname, '..', '..', '..', 'dist');

function modules(bundle: string): Set<string> {
  const file = path.join(dist, bundle);
  if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first.`);
  return new Set(readFileSync(file, 'utf8').match(/^\/\/ src-main\/\S+\.ts$/gm)?.map((l) => l.slice(3)) ?? []);
}

const ENGINE_ONLY = ['src-main/engines/prosody/presets.ts', 'src-main/engines/testing/index.ts', 'src-main/engines/registry.ts'];

describe('bundles', () => {
  it('the engine host carries the engines (so the markers this test looks for exist)', () => {
    const host = modules('engine-host.mjs');
    for (const m of ENGINE_ONLY) expect(host.has(m), m).toBe(true);
  });

  it.each(['web.mjs', 'electron-main.mjs'])('%s carries the studio but no engine', (bundle) => {
    const mods = modules(bundle);
    expect(mods.has('src-main/studio/studio.ts')).toBe(true);
    for (const m of ENGINE_ONLY) expect(mods.has(m), `${bundle} contains ${m}`).toBe(false);
  });
});
