// Releasing a pack before it is removed (models.remove → the model host's packRelease): the editx engine closes the
// sessions it holds open in that pack's folder (Windows cannot delete open files), leaves another folder's alone, and
// opens them again on the next run; the engine registry reports which engines released something.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../../src-main/audio/decode';
import { createEditxEngine, type EditxEngine } from '../../../src-main/engines/editx/engine';
import { EngineRegistry } from '../../../src-main/engines/registry';
import { tempDir } from '../../helpers/tmp';
import { corpusFile } from '../../helpers/studio';
import { testPack } from './fixtures';

const home = tempDir('retake-editx-release-');
const pack = testPack(join(home, 'models', 'tiny'));
const engine: EditxEngine = createEditxEngine({ home, pack, provider: 'cpu', intraOpNumThreads: 1, maxNewIds: 150, log: () => {} });
afterAll(() => engine.dispose());

async function edit(): Promise<void> {
  const input = await decodeFile(corpusFile('speed_prompt.wav'));
  await engine.edit(input, { task: 'emotion', option: 'happy', text: '上次你说鞋子有点磨脚。', seed: 3 }, { signal: new AbortController().signal, progress: () => {} });
}

describe('releasing a pack', () => {
  it('closes the sessions open in that folder only, and a later run opens them again', async () => {
    await edit();
    const open = engine.openStages();
    expect(open).toEqual(expect.arrayContaining(['lm', 'flowEstimator', 'hiftTrunk']));
    const registry = new EngineRegistry({ engines: { editx: () => engine } });
    registry.get('editx');
    expect(await registry.releasePack(join(home, 'models', 'other'))).toEqual([]);
    expect(engine.openStages()).toEqual(open);
    expect(await registry.releasePack(join(home, 'models', 'tiny', '.'))).toEqual(['editx']);
    expect(engine.openStages()).toEqual([]);
    expect(await engine.releasePack(pack)).toBe(false);
    await edit();
    expect(engine.openStages()).toEqual(expect.arrayContaining(['lm', 'flowEstimator', 'hiftTrunk']));
  }, 120_000);
});
