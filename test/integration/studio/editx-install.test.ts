// A model pack that appears in RETAKE_HOME/models while the app runs (installed by the app, by `retake pack install`
// in a terminal, or copied by hand) makes the studio list EditX as available at once — `engines.changed`, which the
// renderer's engine picker reloads on — and its removal lists it unavailable again; settings.json choosing another
// pack does the same, while the studio's own writes there (recent projects) change nothing.

import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeStamp } from '../../../src-main/studio/services/engines';
import { tempDir } from '../../helpers/tmp';
import { makeStudio, type TestStudio } from '../../helpers/studio';
import { testPack } from '../editx-engine/fixtures';

const home = tempDir('retake-studio-editx-install-');
let t: TestStudio;

beforeAll(() => {
  // No RETAKE_EDITX_PACK: the engine finds packs where an install puts them.
  const env: Record<string, string> = {};
  if (process.env.RETAKE_EDITX_PACK !== undefined) env.RETAKE_EDITX_PACK = '';
  t = makeStudio(home, { env });
});
afterAll(async () => {
  await t.close();
});

const editx = async () => (await t.studio.call('engines.list', {})).find((e) => e.id === 'editx')!;

describe('EditX offered once a pack is installed', () => {
  it('lists EditX when a pack is renamed into models/ and unavailable again when it is removed', async () => {
    expect(await editx()).toMatchObject({ available: false, unavailableReason: expect.stringMatching(/No EditX model pack is installed/) });
    // As an install finishes: the pack is written beside models/ and renamed into place.
    const partial = testPack(path.join(home, '.partial-tiny'));
    mkdirSync(path.join(home, 'models'), { recursive: true });
    const installed = t.next('engines.changed');
    renameSync(partial, path.join(home, 'models', 'tiny'));
    await installed;
    expect(await editx()).toMatchObject({ available: true, tags: expect.arrayContaining(['Laughter']) });
    const removed = t.next('engines.changed');
    rmSync(path.join(home, 'models', 'tiny'), { recursive: true });
    await removed;
    expect((await editx()).available).toBe(false);
  });

  it('lists the pack settings.json chooses when it changes', async () => {
    const pack = testPack(path.join(home, 'elsewhere'), (m) => (m.name = 'chosen-pack'));
    const chosen = t.next('engines.changed');
    writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ editx: { pack } }));
    await chosen;
    expect(await editx()).toMatchObject({ available: true, description: expect.stringMatching(/"chosen-pack"/) });
  });

  it('stamps only what the engines read: packs in models/ and the editx settings, not recent projects or caches', () => {
    const h = tempDir('retake-home-stamp-');
    const empty = homeStamp(h);
    writeFileSync(path.join(h, 'settings.json'), JSON.stringify({ recent: [{ dir: '/p', name: 'p', openedAt: 'now' }] }));
    mkdirSync(path.join(h, 'cache', 'editx'), { recursive: true });
    mkdirSync(path.join(h, 'models', 'not-a-pack'), { recursive: true });
    mkdirSync(path.join(h, 'models', '.tiny.partial-1'), { recursive: true });
    writeFileSync(path.join(h, 'models', '.tiny.partial-1', 'manifest.json'), '{}');
    expect(homeStamp(h)).toBe(empty);
    writeFileSync(path.join(h, 'models', 'not-a-pack', 'manifest.json'), '{}');
    const withPack = homeStamp(h);
    expect(withPack).not.toBe(empty);
    writeFileSync(path.join(h, 'settings.json'), JSON.stringify({ recent: [], editx: { provider: 'cpu' } }));
    expect(homeStamp(h)).not.toBe(withPack);
  });
});
