// The pack's session registry on the tiny pack: the 'lm' stage opens once and serves OrtLm runners (which leave its
// release to the registry), and putting another pack in use releases it.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OrtLm } from '../../../src-main/engines/editx/lm/ort-lm';
import { loadPack } from '../../../src-main/engines/editx/pack/load';
import { usePack, type EditxStage } from '../../../src-main/engines/editx/pack/sessions';
import { SessionRegistry, recentChoices } from '../../../src-main/onnx';
import { updateSettingsFile } from '../../../src-main/settings-file';
import { tempDir } from '../../helpers/tmp';
import { readReference, requireTinyPack, tinyPackCopy } from './tiny-pack';

// The stages read the execution-provider setting from RETAKE_HOME/settings.json: an empty home means the default.
const home = tempDir('retake-pack-sessions-home-');
process.env.RETAKE_HOME = home;

describe('pack sessions', () => {
  it('opens the LM stage once, shares it between runners, and releases it on a pack switch', async () => {
    const lines: string[] = [];
    const reg = new SessionRegistry<EditxStage>({ log: (l) => lines.push(l) });
    const pack = await loadPack(requireTinyPack());
    const opts = { intraOpNumThreads: 1 };
    await usePack(reg, pack, opts);
    const a = await OrtLm.fromRegistry(pack, reg, { ...opts, maxTotalIds: 128 });
    const b = await OrtLm.fromRegistry(pack, reg, { ...opts, maxTotalIds: 128 });
    expect(reg.opened()).toEqual(['lm']);
    const ref = readReference();
    const gen = { seed: 3, generation: { maxTotalIds: ref.promptIds.length + 8 } };
    const ra = await a.generate(ref.promptIds, gen);
    // Disposing a runner leaves the registry's session open for the next one.
    await a.dispose();
    expect((await b.generate(ref.promptIds, gen)).ids).toEqual(ra.ids);
    const session = await reg.get('lm');
    expect(reg.stats()[0]!.runs).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/tiny-pack \{"device":"cpu","intraOpNumThreads":1\} lm opened in \d+ ms, runs on the CPU/);

    const other = await loadPack(tinyPackCopy(join(tempDir('retake-pack-sessions-'), 'p')));
    await usePack(reg, other, opts);
    expect(session.isReleased).toBe(true);
    expect(lines[1]).toMatch(/lm released after \d+ runs; peak RSS while open \d+ MB$/);
    const c = await OrtLm.fromRegistry(other, reg, { ...opts, maxTotalIds: 128 });
    expect((await c.generate(ref.promptIds, gen)).ids).toEqual(ra.ids);
    await reg.releaseAll();
  });

  it('opens the stages as the Settings say: a chosen GPU provider that cannot start falls back to the CPU, saying why', async () => {
    updateSettingsFile(home, (st) => {
      st.executionProvider = 'cuda';
    });
    const lines: string[] = [];
    const reg = new SessionRegistry<EditxStage>({ log: (l) => lines.push(l) });
    const pack = await loadPack(requireTinyPack());
    await usePack(reg, pack, { intraOpNumThreads: 1 });
    const session = await reg.get('lm');
    // This machine's onnxruntime-node has no CUDA provider installed; on one that has it, CUDA runs the GPU variant.
    if (session.provider === 'cuda') {
      expect(session.providerReason).toMatch(/^runs on CUDA \(CUDA was asked for\)$/);
    } else {
      expect(session.provider).toBe('cpu');
      expect(session.providerReason).toMatch(/^runs on the CPU because CUDA did not start: .+ \(.+\)$/);
    }
    expect(lines[0]).toMatch(/\{"device":"gpu","providers":\{"prefer":"cuda"\},"intraOpNumThreads":1\} lm opened/);
    expect(recentChoices()[0]).toMatchObject({ label: expect.stringMatching(/lm\.fp16\.onnx$/), provider: session.provider, reason: session.providerReason });
    await reg.releaseAll();
  });
});
