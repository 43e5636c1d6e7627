// The prompt cache (content keys, memory LRU, the disk layer, damaged entries, the disk bound) and where the EditX
// engine finds its pack and providers (env, settings.json, installed packs, the Settings' execution provider).

import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PromptCache, type PromptFeatures } from '../../../src-main/engines/editx/cache';
import { editxSettings, installedPacks } from '../../../src-main/engines/editx/locate';
import { tempDir } from '../../helpers/tmp';

const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

function features(seed: number, frames = 50): PromptFeatures {
  return {
    vq02: Int32Array.from({ length: 20 }, (_, i) => (i * seed) % 1024),
    vq06: Int32Array.from({ length: 30 }, (_, i) => (i + seed) % 4096),
    mel: { data: Float32Array.from({ length: frames * 80 }, (_, i) => Math.sin(i + seed)), frames, bins: 80 },
    embedding: Float32Array.from({ length: 192 }, (_, i) => i / (seed + 1)),
    tokenizerSeconds: 1.27,
    resampledFrom: 24000,
  };
}

const audio = (x: number[]) => ({ sampleRate: 24000, channels: [Float32Array.from(x)] });

describe('prompt cache', () => {
  it('keys audio by content, rate, channels and salt', () => {
    const a = PromptCache.key(audio([0.1, 0.2, 0.3]), 'pack A');
    expect(PromptCache.key(audio([0.1, 0.2, 0.3]), 'pack A')).toBe(a);
    // A view into a larger buffer hashes only its own samples.
    const big = Float32Array.from([9, 0.1, 0.2, 0.3, 9]);
    expect(PromptCache.key({ sampleRate: 24000, channels: [big.subarray(1, 4)] }, 'pack A')).toBe(a);
    expect(PromptCache.key(audio([0.1, 0.2, 0.30001]), 'pack A')).not.toBe(a);
    expect(PromptCache.key(audio([0.1, 0.2, 0.3]), 'pack B')).not.toBe(a);
    expect(PromptCache.key({ sampleRate: 16000, channels: [Float32Array.from([0.1, 0.2, 0.3])] }, 'pack A')).not.toBe(a);
  });

  it('keeps the most recently used entries in memory', async () => {
    const c = new PromptCache({ dir: null, maxEntries: 2 });
    await c.put('a', features(1));
    await c.put('b', features(2));
    expect((await c.get('a'))?.from).toBe('memory'); // a is now the most recent
    await c.put('c', features(3));
    expect(await c.get('b')).toBeNull();
    expect(await c.get('a')).not.toBeNull();
    expect(c.size).toBe(2);
  });

  it('reads entries back from disk exactly, in another cache over the same folder', async () => {
    const dir = join(tempDir('retake-cache-'), 'prompts');
    const f = features(5);
    await new PromptCache({ dir }).put('k', f);
    const other = new PromptCache({ dir });
    const hit = await other.get('k');
    expect(hit?.from).toBe('disk');
    expect(hit!.value).toEqual(f);
    expect((await other.get('k'))?.from).toBe('memory');
  });

  it('treats a damaged entry as a miss and removes it', async () => {
    const dir = tempDir('retake-cache-bad-');
    await new PromptCache({ dir }).put('k', features(1));
    const file = join(dir, 'k.bin');
    writeFileSync(file, Buffer.from('RTKPC1\0\0garbage'));
    expect(await new PromptCache({ dir }).get('k')).toBeNull();
    expect(existsSync(file)).toBe(false);
  });

  it('removes the least recently used files beyond its disk bound', async () => {
    const dir = tempDir('retake-cache-bound-');
    const one = 50 * 80 * 4 + 2000; // about one entry
    const c = new PromptCache({ dir, maxDiskBytes: 3 * one });
    for (const k of ['a', 'b', 'c', 'd', 'e']) {
      await c.put(k, features(k.charCodeAt(0)));
      await new Promise((r) => setTimeout(r, 15)); // distinct modification times
    }
    const left = readdirSync(dir).sort();
    expect(left.length).toBeLessThanOrEqual(3);
    expect(left).toContain('e.bin');
    expect(left).not.toContain('a.bin');
  });
});

describe('where EditX finds its pack', () => {
  function home(settings?: object, packs: string[] = []): string {
    const h = tempDir('retake-locate-');
    if (settings) writeFileSync(join(h, 'settings.json'), JSON.stringify(settings));
    for (const p of packs) {
      mkdirSync(join(h, 'models', p), { recursive: true });
      writeFileSync(join(h, 'models', p, 'manifest.json'), '{}');
    }
    return h;
  }

  it('says what to do when nothing is configured or installed', () => {
    const s = editxSettings(home(), {});
    expect(s.pack).toMatchObject({ dir: null, from: 'none', reason: expect.stringMatching(/No EditX model pack is installed.*retake pack install/) });
    expect(s.provider).toBe('auto');
  });

  it('takes the first installed pack, then the one settings.json names (a folder or an installed name), then the environment', () => {
    const h = home(undefined, ['b-pack', 'a-pack']);
    mkdirSync(join(h, 'models', 'not-a-pack'));
    expect(installedPacks(h)).toEqual([join(h, 'models', 'a-pack'), join(h, 'models', 'b-pack')]);
    expect(editxSettings(h, {}).pack).toMatchObject({ dir: join(h, 'models', 'a-pack'), from: 'installed' });
    writeFileSync(join(h, 'settings.json'), JSON.stringify({ recent: [], editx: { pack: 'b-pack', provider: 'cpu' } }));
    expect(editxSettings(h, {})).toMatchObject({ pack: { dir: join(h, 'models', 'b-pack'), from: 'settings' }, provider: 'cpu' });
    writeFileSync(join(h, 'settings.json'), JSON.stringify({ editx: { pack: '/somewhere/else' } }));
    expect(editxSettings(h, {}).pack).toMatchObject({ dir: '/somewhere/else', from: 'settings' });
    expect(editxSettings(h, { RETAKE_EDITX_PACK: '/from/env', RETAKE_EDITX_PROVIDER: 'gpu' })).toMatchObject({
      pack: { dir: '/from/env', from: 'env' },
      provider: 'gpu',
    });
    expect(editxSettings(h, { RETAKE_EDITX_PACK: '/from/env' }, '/from/argument').pack).toMatchObject({ dir: '/from/argument', from: 'argument' });
  });

  it('reads the LM variant from settings.json or the environment, "auto" otherwise, and ignores a bad name, saying so', () => {
    expect(editxSettings(home(), {}).variant).toBe('auto');
    const h = home({ editx: { variant: 'int4', provider: 'cpu' } });
    expect(editxSettings(h, {})).toMatchObject({ variant: 'int4', provider: 'cpu', warnings: [] });
    expect(editxSettings(h, { RETAKE_EDITX_VARIANT: 'int8' }).variant).toBe('int8');
    for (const bad of ['../int4', 4, 'INT4']) {
      const s = editxSettings(home({ editx: { variant: bad } }), {});
      expect(s.variant).toBe('auto');
      expect(s.warnings[0]).toMatch(/LM variant setting .* is not a variant name .*; using auto\./);
    }
  });

  it('prefers the first installed pack that has every component an edit needs (an LM-only pack sorts first here)', () => {
    const tiny = join(repoRoot, 'test', 'fixtures', 'generated', 'tiny-pack', 'manifest.json');
    if (!existsSync(tiny)) throw new Error(`${tiny} is missing: run bash tools/export/run-tests.sh --pack-only first.`);
    const h = home(undefined, ['a-lm-only', 'b-complete']);
    const full = JSON.parse(readFileSync(tiny, 'utf8')) as { components: Record<string, unknown> };
    writeFileSync(join(h, 'models', 'b-complete', 'manifest.json'), JSON.stringify(full));
    const { lm, textTokenizer } = full.components;
    writeFileSync(join(h, 'models', 'a-lm-only', 'manifest.json'), JSON.stringify({ ...full, components: { lm, textTokenizer } }));
    expect(editxSettings(h, {}).pack).toMatchObject({ dir: join(h, 'models', 'b-complete'), from: 'installed' });
  });

  it('runs where the Settings\' execution provider says unless an EditX provider is set', () => {
    expect(editxSettings(home({ executionProvider: 'cpu' }), {}).provider).toBe('cpu');
    expect(editxSettings(home({ executionProvider: 'cuda' }), {}).provider).toBe('gpu');
    expect(editxSettings(home({ executionProvider: 'directml' }), {}).provider).toBe('gpu');
    expect(editxSettings(home({ executionProvider: 'auto' }), {}).provider).toBe('auto');
    expect(editxSettings(home({ executionProvider: 'cuda', editx: { provider: 'cpu' } }), {}).provider).toBe('cpu');
    expect(editxSettings(home({ executionProvider: 'cuda' }), { RETAKE_EDITX_PROVIDER: 'auto' }).provider).toBe('auto');
  });

  it('ignores a provider it does not know, saying so', () => {
    const s = editxSettings(home({ editx: { provider: 'tpu' } }), {});
    expect(s.provider).toBe('auto');
    expect(s.warnings[0]).toMatch(/"tpu" is not one of auto, cpu, gpu/);
  });
});
