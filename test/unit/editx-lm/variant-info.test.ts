// What the Models page's LM variant setting is told about a pack (engines/editx/pack/installed.ts lmInfo): each
// variant's memory and recorded agreement, why one may not be used, and what "auto" picks per device whose free
// memory is known — the same choice the engine makes.

import { describe, expect, it } from 'vitest';
import { lmInfo } from '../../../src-main/engines/editx/pack/installed';
import { chooseLmVariant, lmVariantBytes } from '../../../src-main/engines/editx/lm/variant-choice';
import { LmComponentSchema, type LmComponent } from '../../../src-main/engines/editx/pack/manifest';

const GB = 1e9;

function component(weights: Record<string, [dtype: string, bytes: number, agreement?: number]>): LmComponent {
  const variants: Record<string, unknown> = {};
  for (const [name, [dtype, bytes, agreement]] of Object.entries(weights)) {
    const quantized = dtype === 'int4' || dtype === 'int8';
    variants[name] = {
      files: [{ path: `lm.${name}.onnx`, sha256: '0'.repeat(64), bytes }],
      dtype,
      kvDtype: dtype === 'fp16' ? 'float16' : 'float32',
      kvIo: 'append',
      inputs: [],
      outputs: [],
      ...(quantized
        ? {
            quantization: { method: 'matmulnbits', bits: dtype === 'int4' ? 4 : 8, blockSize: 32, symmetric: true, accuracyLevel: 4, head: null, embedding: 'fp16' },
            ...(agreement === undefined
              ? {}
              : { quality: { reference: 'fp32', prompts: 3, positions: 48, top1Agreement: agreement, maxAbsLogitDelta: 1, meanAbsLogitDelta: 0.1, greedySteps: 16, greedyPrefix: [16, 16, 16] } }),
          }
        : {}),
    };
  }
  return LmComponentSchema.parse({
    architecture: 'step1',
    config: { vocabSize: 74752, hiddenSize: 3072, intermediateSize: 8192, numLayers: 32, numHeads: 48, numGroups: 4, headDim: 64, rmsNormEps: 1e-5, alibiSlopeRule: 'step', alibiSlopes: [] },
    defaultVariant: { cpu: Object.keys(weights)[0], gpu: Object.keys(weights)[0] },
    variants,
  });
}

describe('the LM variants as the settings show them', () => {
  it('lists sizes and agreement, flags a variant under the gate or unmeasured, and says what auto picks per device', () => {
    const lm = component({ fp32: ['fp32', 14.1 * GB], int8: ['int8', 4.2 * GB, 0.97], int4: ['int4', 2.4 * GB, 0.1], int4b: ['int4', 2.4 * GB] });
    const info = lmInfo(lm, (d) => (d === 'cpu' ? 9 * GB : 24 * GB))!;
    expect(info.variants.map((v) => [v.name, v.dtype, v.bytes, v.agreement])).toEqual([
      ['fp32', 'fp32', lmVariantBytes(lm, lm.variants.fp32!), null],
      ['int8', 'int8', lmVariantBytes(lm, lm.variants.int8!), { top1: 0.97, positions: 48 }],
      ['int4', 'int4', lmVariantBytes(lm, lm.variants.int4!), { top1: 0.1, positions: 48 }],
      ['int4b', 'int4', lmVariantBytes(lm, lm.variants.int4b!), null],
    ]);
    expect(info.variants.map((v) => v.problem)).toEqual([
      null,
      null,
      'LM variant "int4" (int4) agrees with fp32 on the top-1 id at only 10.0 % of 48 positions; Retake needs at least 25 % for int4',
      'LM variant "int4b" (int4) has no recorded quality measurement',
    ]);
    expect(info.auto).toEqual([
      { device: 'cpu', variant: 'int8', fits: true, reason: chooseLmVariant(lm, 'cpu', 9 * GB).reason },
      { device: 'gpu', variant: 'fp32', fits: true, reason: chooseLmVariant(lm, 'gpu', 24 * GB).reason },
    ]);
  });

  it('leaves out a device whose free memory is unknown, says when nothing fits, and has nothing for a pack without an LM', () => {
    const lm = component({ fp16: ['fp16', 7.06 * GB], int4: ['int4', 2.4 * GB, 0.9] });
    const info = lmInfo(lm, (d) => (d === 'gpu' ? null : 3 * GB))!;
    expect(info.auto).toMatchObject([{ device: 'cpu', variant: 'int4', fits: false }]);
    expect(info.auto[0]!.reason).toMatch(/no variant fits 3.0 GB free in RAM/);
    const old = component({ fp32: ['fp32', 1 * GB] });
    (old.variants.fp32 as { kvIo: string }).kvIo = 'present';
    expect(lmInfo(old, () => 8 * GB)).toEqual({
      variants: [{ name: 'fp32', dtype: 'fp32', bytes: lmVariantBytes(old, old.variants.fp32!), agreement: null, problem: 'LM variant "fp32" uses the "present" cache layout; Retake runs only "append"', note: null }],
      auto: [],
    });
    expect(lmInfo(undefined, () => 8 * GB)).toBeNull();
  });

  it('shows a variant the pack builder could not measure as usable with a note, and auto prefers a measured one', () => {
    const lm = component({ fp32: ['fp32', 14.1 * GB], int8: ['int8', 4.2 * GB], int4: ['int4', 2.4 * GB, 0.3] });
    (lm.variants.int8 as { qualityNotMeasured?: string }).qualityNotMeasured = 'built without the fp32 variant';
    const info = lmInfo(lm, () => 8 * GB)!;
    expect(info.variants.map((v) => [v.name, v.problem, v.note])).toEqual([
      ['fp32', null, null],
      ['int8', null, 'LM variant "int8" (int8): quality gate not measured (built without the fp32 variant)'],
      ['int4', null, null],
    ]);
    // 8 GB would hold int8 beside the other stages, but the measured int4 comes first.
    expect(info.auto.map((a) => a.variant)).toEqual(['int4', 'int4']);
    // Nothing measured fits: the unmeasured int8 is still a choice before giving up.
    expect(chooseLmVariant({ ...lm, variants: { fp32: lm.variants.fp32!, int8: lm.variants.int8! } }, 'cpu', 8 * GB).name).toBe('int8');
  });
});
