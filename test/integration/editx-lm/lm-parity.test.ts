// torch vs onnxruntime-node, through our LM runner, on the tiny random Step1 of tools/export (--tiny-random): logits
// over a prompt and 32 cached decode steps, greedy continuations, chunked prefill, seeded sampling.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../../src-main/engines/editx/lm/decode';
import { OrtLm, checkIo } from '../../../src-main/engines/editx/lm/ort-lm';
import { repetitionBan, topIndices } from '../../../src-main/engines/editx/lm/sampler';
import type { ModelPack } from '../../../src-main/engines/editx/pack/load';
import { loadPack } from '../../../src-main/engines/editx/pack/load';
import type { LmReference } from './tiny-pack';
import { argmax, maxAbsDiff, readReference, requireTinyPack } from './tiny-pack';

// fp16 tolerance, absolute on logits (tools/export/README.md, "fp16 check"). The tiny model's logits reach |16|,
// where fp16 keeps a spacing of 2^-7..2^-6 (0.008..0.016): storing the logit alone costs up to half of that, and every
// fp16 activation upstream (embeddings, RMSNorm outputs, q/k/v, attention output, MLP, residual stream) adds a
// relative error of about 2^-11 ≈ 5e-4 of terms that sum to ±16 over 2 layers. 0.04 is about 5 rounding units at the
// largest logit (measured: 0.0063 at worst over the 33 steps); a wrong weight, cast or bias moves logits by whole units.
const FP16_TOL = 0.04;

let pack: ModelPack;
let ref: LmReference;

beforeAll(async () => {
  pack = await loadPack(requireTinyPack(), { verify: 'sha256' });
  ref = readReference();
});

interface Teacher {
  diffs: number[];
  greedy: number[];
  topOk: boolean;
}

/** Feeds the prompt, then the reference's greedy ids one by one, comparing every logits row. */
async function teacherForced(lm: OrtLm, chunk = 0): Promise<Teacher> {
  lm.reset();
  const p = ref.promptIds;
  const history = [...p];
  const diffs: number[] = [];
  const greedy: number[] = [];
  let topOk = true;
  let out = null;
  for (let at = 0; at < p.length; at += chunk || p.length) {
    out = await lm.step(p.slice(at, Math.min(p.length, at + (chunk || p.length))), { topK: 6, logits: true });
  }
  for (let i = 0; i <= ref.decodeSteps; i++) {
    const logits = out!.logits!;
    diffs.push(maxAbsDiff(logits, ref.rows[i]!));
    const order = topIndices(logits, 6);
    topOk &&= Array.from(out!.topIds, Number).every((id, j) => id === order[j]);
    greedy.push(argmax(logits, repetitionBan(history, history.length, 10, 1)));
    const next = ref.greedyIds[i]!;
    history.push(next);
    if (i < ref.decodeSteps) out = await lm.step([next], { topK: 6, logits: true });
  }
  return { diffs, greedy, topOk };
}

describe('tiny Step1 fp32 on onnxruntime-node', () => {
  let lm: OrtLm;
  beforeAll(async () => {
    lm = await OrtLm.create(pack, { variant: 'fp32', maxTotalIds: 513, intraOpNumThreads: 1 });
  });
  afterAll(async () => lm?.dispose());

  it('matches torch within 1e-4 over the prompt and 32 decode steps', async () => {
    const t = await teacherForced(lm);
    expect(t.diffs).toHaveLength(33);
    expect(Math.max(...t.diffs)).toBeLessThanOrEqual(1e-4);
    expect(t.greedy).toEqual(ref.greedyIds);
    expect(t.topOk).toBe(true);
  });

  it('gives the same logits when the prompt is fed in chunks', async () => {
    for (const chunk of [1, 7, 16]) {
      const t = await teacherForced(lm, chunk);
      expect(Math.max(...t.diffs), `chunk ${chunk}`).toBeLessThanOrEqual(1e-4);
    }
  });

  it('continues greedily exactly as torch does', async () => {
    const r = await generate(
      lm,
      ref.promptIds,
      { ...pack.manifest.components.lm!.generation, temperature: 0, maxTotalIds: ref.promptIds.length + ref.greedyIds.length },
      { seed: 0, prefillChunk: 32 },
    );
    expect(r.ids).toEqual(ref.greedyIds);
    expect(r.stopReason).toBe('length');
    expect(r.audioCodes).toEqual(ref.greedyIds.filter((id) => id >= 65536 && id < 70656).map((id) => id - 65536));
  });

  it('reproduces sampled ids from the seed', async () => {
    const gen = { ...pack.manifest.components.lm!.generation, maxTotalIds: ref.promptIds.length + 48 };
    const a = await generate(lm, ref.promptIds, gen, { seed: 2024 });
    const b = await generate(lm, ref.promptIds, gen, { seed: 2024 });
    const c = await generate(lm, ref.promptIds, gen, { seed: 2025 });
    expect(a.ids.length).toBeGreaterThan(0);
    expect(b.ids).toEqual(a.ids);
    expect(c.ids).not.toEqual(a.ids);
    expect(a.ids).not.toEqual(ref.greedyIds.slice(0, a.ids.length)); // temperature 0.7 does sample
  });
});

describe('tiny Step1 fp16 on onnxruntime-node', () => {
  let lm: OrtLm;
  beforeAll(async () => {
    lm = await OrtLm.create(pack, { variant: 'fp16', maxTotalIds: 513, intraOpNumThreads: 1 });
  });
  afterAll(async () => lm?.dispose());

  it(`matches torch fp32 within ${FP16_TOL} and agrees on every clear greedy choice`, async () => {
    const t = await teacherForced(lm);
    expect(Math.max(...t.diffs)).toBeLessThanOrEqual(FP16_TOL);
    // Where the reference's top two logits are further apart than twice the tolerance, fp16 must pick the same id.
    const clear = ref.greedyMargins.map((m, i) => (m > 2 * FP16_TOL ? i : -1)).filter((i) => i >= 0);
    expect(clear.length).toBeGreaterThan(15);
    for (const i of clear) expect(t.greedy[i], `step ${i}`).toBe(ref.greedyIds[i]);
  });
});

describe('OrtLm refuses what it cannot run', () => {
  it('names unknown variants and the whole-cache layout', async () => {
    await expect(OrtLm.create(pack, { variant: 'int2' })).rejects.toThrow(/no LM variant "int2" \(it has fp32, fp32-present, fp16, int8, int4\)/);
    await expect(OrtLm.create(pack, { variant: 'fp32-present' })).rejects.toMatchObject({ code: 'E_ENGINE_UNAVAILABLE' });
  });

  it('stops at the cache capacity with E_INPUT_TOO_LONG', async () => {
    const lm = await OrtLm.create(pack, { variant: 'fp32', maxTotalIds: 9, intraOpNumThreads: 1 });
    try {
      await lm.step([1, 4, 5, 6, 7, 8], { topK: 2, logits: false });
      await lm.step([9, 10], { topK: 2, logits: false });
      await expect(lm.step([11], { topK: 2, logits: false })).rejects.toMatchObject({ code: 'E_INPUT_TOO_LONG' });
      expect(lm.length).toBe(8);
    } finally {
      await lm.dispose();
    }
  });

  it('checks the graph against the manifest', () => {
    const v = pack.manifest.components.lm!.variants.fp32!;
    const names = { inputNames: v.inputs.map((i) => i.name), outputNames: v.outputs.map((o) => o.name) };
    expect(checkIo(names, v)).toEqual([]);
    const broken = { inputNames: names.inputNames.filter((n) => n !== 'top_k'), outputNames: [...names.outputNames, 'extra'] };
    expect(checkIo(broken, v)).toEqual(['inputs missing in the graph: top_k', 'outputs not in the manifest: extra']);
  });
});
