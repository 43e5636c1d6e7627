// The EditX LM variant setting through the studio's contract with real engine hosts: a pack installed through the
// Models page lists its LM variants with the memory each needs and the agreement with fp32 its manifest records, and
// what "auto" picks on this machine and why; settings.set keeps the choice in settings.json as
// `{"editx": {"variant": …}}` (where the engine reads it), "auto" removes it, and a bad name is refused.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelJob } from '../../../src-main/contract';
import { tempDir } from '../../helpers/tmp';
import { makeStudio, type TestStudio } from '../../helpers/studio';
import { TINY_PACK, requireTinyPack } from '../editx-lm/tiny-pack';

const home = path.join(tempDir('retake-studio-lm-variant-'), 'home');
let t: TestStudio;

beforeAll(() => {
  requireTinyPack();
  t = makeStudio(home);
});
afterAll(() => t?.close());

function ended(id: number): Promise<ModelJob> {
  return new Promise((resolve) => {
    const off = t.studio.events.on('models.job', ({ job }) => {
      if (job.id === id && ['done', 'failed', 'cancelled'].includes(job.status)) {
        off();
        resolve(job);
      }
    });
  });
}

interface ManifestVariant {
  dtype: string;
  kvIo: string;
  files: { bytes: number }[];
  quality?: { top1Agreement: number; positions: number };
}

describe('the LM variant setting', () => {
  it('lists the installed pack\'s variants with their size, recorded agreement and what auto picks', async () => {
    const job = await t.studio.call('models.install', { source: { kind: 'folder', path: TINY_PACK }, name: 'tiny' });
    const end = await ended(job.id);
    expect(end.status, JSON.stringify(end.error)).toBe('done');
    const manifest = JSON.parse(readFileSync(path.join(TINY_PACK, 'manifest.json'), 'utf8')) as {
      components: { lm: { variants: Record<string, ManifestVariant> } };
    };
    const variants = manifest.components.lm.variants;
    const pack = (await t.studio.call('models.list', {})).packs.find((p) => p.name === 'tiny')!;
    expect(pack.status).toBe('ready');
    const lm = pack.lm!;
    expect(lm.variants.map((v) => v.name).sort()).toEqual(Object.keys(variants).sort());
    for (const v of lm.variants) {
      const m = variants[v.name]!;
      expect(v.dtype).toBe(m.dtype);
      // Files plus the KV cache: more than the files alone.
      expect(v.bytes).toBeGreaterThan(m.files.reduce((s, f) => s + f.bytes, 0));
      expect(v.agreement).toEqual(m.quality ? { top1: m.quality.top1Agreement, positions: m.quality.positions } : null);
      expect(v.problem === null).toBe(m.kvIo === 'append');
    }
    // The exporter's tiny int8 and int4 carry their gate figures.
    expect(lm.variants.find((v) => v.name === 'int8')?.agreement?.top1).toBeGreaterThanOrEqual(0.9);
    const cpu = lm.auto.find((a) => a.device === 'cpu')!;
    expect(cpu, 'free RAM is known on Linux: auto must say what it picks on the CPU').toBeDefined();
    expect(lm.variants.find((v) => v.name === cpu.variant)?.problem).toBeNull();
    expect(cpu.reason).toMatch(new RegExp(`^${cpu.variant}: .* free in RAM`));
  });

  it('keeps the choice in settings.json where the engine reads it; auto removes it; a bad name is refused', async () => {
    const settingsFile = () => JSON.parse(readFileSync(path.join(home, 'settings.json'), 'utf8')) as { editx?: { variant?: string } };
    expect(await t.studio.call('settings.get', {})).toEqual({ executionProvider: 'cpu', lmVariant: 'auto' });
    const changed = t.next('settings.changed');
    expect(await t.studio.call('settings.set', { lmVariant: 'int8' })).toEqual({ executionProvider: 'cpu', lmVariant: 'int8' });
    await changed;
    expect(settingsFile().editx?.variant).toBe('int8');
    // The provider setting beside it is untouched, and setting the provider keeps the variant.
    expect(await t.studio.call('settings.set', { executionProvider: 'auto' })).toEqual({ executionProvider: 'auto', lmVariant: 'int8' });
    expect(await t.studio.call('settings.set', { lmVariant: 'auto' })).toEqual({ executionProvider: 'auto', lmVariant: 'auto' });
    expect(settingsFile().editx).toEqual({});
    await expect(t.studio.call('settings.set', { lmVariant: 'INT 8' })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    expect((await t.studio.call('settings.get', {})).lmVariant).toBe('auto');
  });
});
