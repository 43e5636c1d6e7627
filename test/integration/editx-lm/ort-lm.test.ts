// OrtLm on the tiny pack beyond parity: execution providers, one generation at a time, the pack's runtime and length
// settings, packs holding one variant, and graphs that do not match their manifest entry.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { OrtLm } from '../../../src-main/engines/editx/lm/ort-lm';
import type { ModelPack } from '../../../src-main/engines/editx/pack/load';
import { loadPack } from '../../../src-main/engines/editx/pack/load';
import { tempDir } from '../../helpers/tmp';
import { readReference, requireTinyPack, tinyPackCopy } from './tiny-pack';

const root = tempDir('retake-ort-lm-');
let n = 0;
const copy = (mutate?: (m: Record<string, any>) => void, omit: string[] = []): string =>
  tinyPackCopy(join(root, `p${n++}`), mutate, omit);

async function failure(p: Promise<unknown>): Promise<RetakeError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(RetakeError);
  return e as RetakeError;
}

let pack: ModelPack;
beforeAll(async () => {
  pack = await loadPack(requireTinyPack());
});

describe('execution providers', () => {
  it('runs on the CPU by default and says so', async () => {
    const lm = await OrtLm.create(pack, { maxTotalIds: 64, intraOpNumThreads: 1 });
    try {
      expect([lm.variantName, lm.executionProvider, lm.providerNotes]).toEqual(['fp32', 'cpu', []]);
    } finally {
      await lm.dispose();
    }
  });

  it("device 'gpu' uses a GPU provider or fails naming it, never a silent CPU session", async () => {
    // linux x64: CUDA. On a machine with the CUDA libraries the session starts on it; on this CPU-only build of
    // onnxruntime-node it cannot, and the error must say so.
    expect(`${process.platform} ${process.arch}`).toBe('linux x64');
    const r = await OrtLm.create(pack, { device: 'gpu', maxTotalIds: 64, intraOpNumThreads: 1 }).then(
      (lm) => lm,
      (e: unknown) => e,
    );
    if (r instanceof OrtLm) {
      try {
        expect([r.variantName, r.executionProvider]).toEqual(['fp16', 'cuda']);
      } finally {
        await r.dispose();
      }
    } else {
      expect(r).toBeInstanceOf(RetakeError);
      expect(r).toMatchObject({ code: 'E_ENGINE_UNAVAILABLE' });
      expect((r as Error).message).toMatch(/on the GPU \(cuda\+cpu: .+\)\. Use the CPU, or install onnxruntime.s CUDA provider with "npm run setup:gpu"\.$/);
      // eslint-disable-next-line no-control-regex -- the terminal colour code onnxruntime's log starts with
      expect((r as Error).message).not.toMatch(/\n|\u001b/);
    }
  });

  it('uses explicit providers as given', async () => {
    const lm = await OrtLm.create(pack, { executionProviders: ['cpu'], maxTotalIds: 64, intraOpNumThreads: 1 });
    expect(lm.executionProvider).toBe('cpu');
    await lm.dispose();
    const e = await failure(OrtLm.create(pack, { executionProviders: ['nosuch'], maxTotalIds: 64 }));
    expect(e.code).toBe('E_ENGINE_UNAVAILABLE');
    expect(e.message).toMatch(/with nosuch \(nosuch: /);
  });
});

describe('one generation at a time', () => {
  let lm: OrtLm;
  beforeAll(async () => {
    lm = await OrtLm.create(pack, { maxTotalIds: 256, intraOpNumThreads: 1 });
  });
  afterAll(async () => lm?.dispose());

  it('refuses a concurrent generate() and a step during a run with E_JOB_ACTIVE, and stays correct', async () => {
    const ref = readReference();
    const opts = { seed: 7, generation: { maxTotalIds: ref.promptIds.length + 24 } };
    const alone = await lm.generate(ref.promptIds, opts);
    const first = lm.generate(ref.promptIds, opts);
    const second = await failure(lm.generate(ref.promptIds.slice(0, 20), opts));
    expect(second.code).toBe('E_JOB_ACTIVE');
    expect(second.message).toMatch(/already generating/);
    expect((await first).ids).toEqual(alone.ids);
    lm.reset();
    const run = lm.step([1, 4, 5], { topK: 2, logits: false });
    expect((await failure(lm.step([6], { topK: 2, logits: false }))).code).toBe('E_JOB_ACTIVE');
    expect(() => lm.reset()).toThrow(expect.objectContaining({ code: 'E_JOB_ACTIVE' }));
    await run;
    expect(lm.length).toBe(3);
    expect((await lm.generate(ref.promptIds, opts)).ids).toEqual(alone.ids);
  });
});

describe('pack settings', () => {
  it("feeds the prompt in runs of the manifest's runtime.prefillChunk", async () => {
    const p = await loadPack(copy((m) => (m.components.lm.runtime.prefillChunk = 16)));
    const lm = await OrtLm.create(p, { maxTotalIds: 128, intraOpNumThreads: 1 });
    try {
      expect(lm.prefillChunk).toBe(16);
      const ref = readReference();
      const done: number[] = [];
      await lm.generate(ref.promptIds, {
        seed: 1,
        generation: { maxTotalIds: ref.promptIds.length + 2 },
        onProgress: (pr) => pr.phase === 'prefill' && done.push(pr.done),
      });
      expect(ref.promptIds.length).toBe(85);
      expect(done).toEqual([16, 32, 48, 64, 80, 85]);
    } finally {
      await lm.dispose();
    }
  });

  it("sizes the cache for the pack's maxTotalIds, and refuses a longer limit than it was opened for", async () => {
    const p = await loadPack(copy((m) => (m.components.lm.generation.maxTotalIds = 100)));
    const lm = await OrtLm.create(p, { intraOpNumThreads: 1 });
    const small = await OrtLm.create(p, { maxTotalIds: 90, intraOpNumThreads: 1 });
    try {
      expect([lm.capacity, lm.generation.maxTotalIds]).toEqual([99, 100]);
      expect([small.capacity, small.generation.maxTotalIds]).toEqual([89, 90]);
      const ids = readReference().promptIds;
      const r = await small.generate(ids, { seed: 1, generation: { eosId: 2 ** 30 } });
      expect(ids.length + r.ids.length).toBe(90);
      const e = await failure(small.generate(ids, { seed: 1, generation: { maxTotalIds: 100 } }));
      expect(e.code).toBe('E_VALIDATION');
      expect(e.message).toMatch(/100 ids \(maxTotalIds\) exceeds the model cache of 89 positions/);
    } finally {
      await lm.dispose();
      await small.dispose();
    }
  });

  it('names a misspelled generation setting instead of ignoring it', async () => {
    const e = await failure(loadPack(copy((m) => (m.components.lm.generation.temprature = 0.2))));
    expect(e.code).toBe('E_ENGINE_UNAVAILABLE');
    expect(e.message).toMatch(/Unrecognized key: "temprature"[\s\S]*components\.lm\.generation/);
  });
});

describe('a pack holding one variant', () => {
  it('opens an fp16-only folder for fp16, and names the missing file otherwise', async () => {
    const dir = copy(undefined, ['lm.fp32.onnx', 'lm.fp32-present.onnx']);
    const p = await loadPack(dir, { variants: ['fp16'] });
    expect(p.verifiedVariants).toEqual(['fp16']);
    const lm = await OrtLm.create(p, { variant: 'fp16', maxTotalIds: 64, intraOpNumThreads: 1 });
    await lm.dispose();
    expect((await failure(loadPack(dir))).message).toMatch(/is missing lm\.fp32\.onnx/);
    expect((await failure(loadPack(dir, { variants: ['fp32'] }))).message).toMatch(/is missing lm\.fp32\.onnx/);
    expect((await failure(loadPack(dir, { variants: ['fp8'] }))).message).toMatch(
      /no LM variant "fp8" \(it has fp32, fp32-present, fp16, int8, int4\)/,
    );
    // A variant the pack was not opened for is checked when a session asks for it.
    const e = await failure(OrtLm.create(p, { variant: 'fp32', maxTotalIds: 64 }));
    expect(e.code).toBe('E_ENGINE_UNAVAILABLE');
    expect(e.message).toMatch(/is missing lm\.fp32\.onnx/);
  });
});

describe('graph against manifest', () => {
  const toHalf = (m: Record<string, any>): void => {
    const v = m.components.lm.variants.fp32;
    v.kvDtype = 'float16';
    for (const t of [...v.inputs, ...v.outputs]) if (/_(key|value)_\d+$/.test(t.name)) t.dtype = 'float16';
  };

  it('refuses a variant whose declared cache type is not the graph’s, naming tensor and types', async () => {
    const p = await loadPack(copy(toHalf));
    const e = await failure(OrtLm.create(p, { variant: 'fp32', maxTotalIds: 64 }));
    expect(e.code).toBe('E_ENGINE_UNAVAILABLE');
    expect(e.message).toMatch(/input past_key_0 is float32 in the graph but float16 in the manifest/);
    expect(e.message).toMatch(/output new_value_1 is float32 in the graph but float16 in the manifest/);
  });

  it('refuses a kvDtype that disagrees with the declared cache tensors when the manifest is read', async () => {
    const e = await failure(loadPack(copy((m) => (m.components.lm.variants.fp32.kvDtype = 'float16'))));
    expect(e.message).toMatch(/past_key_0 is float32 but kvDtype is float16/);
  });
});
