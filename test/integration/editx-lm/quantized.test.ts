// The tiny pack's weight-only quantized LM variants (tools/export: lm/variants.py, quality gate lm/quality.py) through
// the app's pack loader and runner: every variant loads and runs, int8 follows torch fp32's logits within a bound and
// makes every clear greedy choice fp32 makes, the manifest carries the gate's figures, and a variant recorded under the
// gate is refused.

import { afterAll, describe, expect, it } from 'vitest';
import { OrtLm } from '../../../src-main/engines/editx/lm/ort-lm';
import { presentVariants, probeManifest } from '../../../src-main/engines/editx/pack-check';
import { loadPack } from '../../../src-main/engines/editx/pack/load';
import { MIN_TOP1_AGREEMENT } from '../../../src-main/engines/editx/pack/quality';
import { tempDir } from '../../helpers/tmp';
import { argmax, maxAbsDiff, readReference, requireTinyPack, tinyPackCopy } from './tiny-pack';

// int8's bound on |Δ logits| against torch fp32 on the tiny model. Blocks of 32 weights, each rounded to one of 255
// steps of its block's largest magnitude (error ≤ max/254 per weight), and MatMulNBits' accuracy level 4 rounds the
// activations to int8 per block too; over the tiny model's 2 layers and its lm_head that moves logits reaching |16| by
// up to ~0.3 (measured 0.32 along the reference path, 0.40 over the gate's 192 positions). 0.5 leaves room for
// onnxruntime's kernel choice; a wrong scale, nibble order or block layout moves logits by whole units (int4: ~2.9).
const INT8_TOL = 0.5;

const dir = tempDir('retake-quantized-');
const opened: OrtLm[] = [];
afterAll(async () => {
  for (const lm of opened) await lm.dispose();
});

async function greedy(variant: string, prompt: number[], steps: number): Promise<number[]> {
  const pack = await loadPack(requireTinyPack(), { variants: [variant], verify: 'sha256' });
  const lm = await OrtLm.create(pack, { variant, maxTotalIds: prompt.length + steps + 1, intraOpNumThreads: 1 });
  opened.push(lm);
  const r = await lm.generate(prompt, { seed: 0, generation: { temperature: 0, maxTotalIds: prompt.length + steps } });
  return r.ids;
}

describe('quantized LM variants of the tiny pack', () => {
  it('every variant loads through the pack loader and runs', async () => {
    const pack = await loadPack(requireTinyPack(), { verify: 'sha256' });
    const names = Object.keys(pack.manifest.components.lm!.variants).filter((n) => n !== 'fp32-present');
    expect(names).toEqual(['fp32', 'fp16', 'int8', 'int4']);
    const ref = readReference();
    for (const variant of names) {
      const ids = await greedy(variant, ref.promptIds, 4);
      expect(ids, variant).toHaveLength(4);
    }
  });

  it('records how each was made and its agreement with fp32', async () => {
    const lm = (await loadPack(requireTinyPack(), { variants: [] })).manifest.components.lm!;
    for (const [name, bits] of [['int8', 8], ['int4', 4]] as const) {
      const v = lm.variants[name]!;
      expect(v.dtype).toBe(name);
      expect(v.quantization).toMatchObject({ method: 'matmulnbits', bits, embedding: 'fp16' });
      const q = v.quality!;
      expect(q.reference).toBe('fp32');
      expect(q.positions).toBe(q.prompts * q.greedySteps);
      expect(q.top1Agreement).toBeGreaterThanOrEqual(MIN_TOP1_AGREEMENT[name]);
      expect(q.maxAbsLogitDelta).toBeGreaterThan(0);
      expect(q.meanAbsLogitDelta).toBeLessThan(q.maxAbsLogitDelta);
    }
    // int8's own greedy continuations follow fp32's far longer than int4's (the exporter measured them on
    // onnxruntime); where they part, fp32's top two logits were a near-tie (see the next test).
    const q8 = lm.variants.int8!.quality!;
    const q4 = lm.variants.int4!.quality!;
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    expect(sum(q8.greedyPrefix)).toBeGreaterThan(3 * sum(q4.greedyPrefix));
    expect(q8.maxAbsLogitDelta).toBeLessThanOrEqual(INT8_TOL);
    expect(q4.meanAbsLogitDelta).toBeGreaterThan(q8.meanAbsLogitDelta);
  });

  it(`int8 follows torch fp32 within ${INT8_TOL} and its greedy run equals fp32's up to the first near-tie`, async () => {
    const ref = readReference();
    const pack = await loadPack(requireTinyPack(), { variants: ['int8'] });
    const lm = await OrtLm.create(pack, { variant: 'int8', maxTotalIds: ref.promptIds.length + ref.decodeSteps + 2, intraOpNumThreads: 1 });
    opened.push(lm);
    // Teacher-forced along the reference's greedy path: every logits row within the bound, and wherever fp32's top
    // two logits are further apart than twice the bound, the same choice.
    let out = await lm.step(ref.promptIds, { topK: 6, logits: true });
    const forced: number[] = [];
    for (let i = 0; i <= ref.decodeSteps; i++) {
      expect(maxAbsDiff(out.logits!, ref.rows[i]!), `step ${i}`).toBeLessThanOrEqual(INT8_TOL);
      forced.push(argmax(out.logits!));
      if (i < ref.decodeSteps) out = await lm.step([ref.greedyIds[i]!], { topK: 6, logits: true });
    }
    const clear = ref.greedyMargins.map((m, i) => (m > 2 * INT8_TOL ? i : -1)).filter((i) => i >= 0);
    expect(clear.length).toBeGreaterThan(8);
    for (const i of clear) expect(forced[i], `step ${i}`).toBe(ref.greedyIds[i]);
    // Its own greedy run is fp32's greedy run until the first step where int8 and fp32 choose differently on the same
    // input, and that step is a near-tie of fp32's.
    const own = await greedy('int8', ref.promptIds, ref.greedyIds.length);
    const firstOff = forced.findIndex((id, i) => i < ref.greedyIds.length && id !== ref.greedyIds[i]);
    const upTo = firstOff < 0 ? ref.greedyIds.length : firstOff;
    expect(upTo).toBeGreaterThanOrEqual(4);
    expect(own.slice(0, upTo)).toEqual(ref.greedyIds.slice(0, upTo));
    if (firstOff >= 0) expect(ref.greedyMargins[firstOff]).toBeLessThanOrEqual(2 * INT8_TOL);
  });

  it('refuses a variant whose recorded agreement is under the gate', async () => {
    const broken = tinyPackCopy(`${dir}/broken`, (m) => {
      m.components.lm.variants.int4.quality.top1Agreement = 0.2;
    });
    await expect(loadPack(broken, { variants: ['int4'] })).rejects.toMatchObject({
      code: 'E_ENGINE_UNAVAILABLE',
      message: expect.stringMatching(/LM variant "int4" \(int4\) agrees with fp32 on the top-1 id at only 20\.0 %/),
    });
    // The engine opens such a pack for its other variants only (pack-check.ts presentVariants).
    expect(presentVariants(probeManifest(broken))).toEqual(['fp32', 'fp32-present', 'fp16', 'int8']);
    const pack = await loadPack(broken);
    await expect(OrtLm.create(pack, { variant: 'int4' })).rejects.toMatchObject({ code: 'E_ENGINE_UNAVAILABLE' });
    const lm = await OrtLm.create(pack, { variant: 'int8', maxTotalIds: 16, intraOpNumThreads: 1 });
    opened.push(lm);
    expect(lm.variantName).toBe('int8');
  });
});
