import { describe, expect, it } from 'vitest';
import { parseMemAvailable, parseNvidiaSmiFree } from '../../../src-main/engines/editx/lm/memory';
import { chooseLmVariant, lmVariantBytes, OTHER_STAGES_BYTES } from '../../../src-main/engines/editx/lm/variant-choice';
import { LmComponentSchema, type LmComponent } from '../../../src-main/engines/editx/pack/manifest';

const GB = 1e9;

/** A full-size LM component whose variants' files weigh what the published shape's do (bytes only matter here). */
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
            quality: { reference: 'fp32', prompts: 3, positions: 48, top1Agreement: agreement ?? 1, maxAbsLogitDelta: 1, meanAbsLogitDelta: 0.1, greedySteps: 16, greedyPrefix: [16, 16, 16] },
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

// File sizes of the full-size variants (tools/export README, "Weight-only int8 / int4").
const FULL = component({ fp32: ['fp32', 14.1 * GB], fp16: ['fp16', 7.06 * GB], int8: ['int8', 4.2 * GB], int4: ['int4', 2.4 * GB] });
// The cache at 8,192 ids: 8,191 positions × 32 layers × 2 × 4 groups × 64 × 4 bytes.
const CACHE32 = 8191 * 32 * 2 * 256 * 4;

describe('LM variant chosen from free memory', () => {
  it('counts the files and the float32 or float16 cache at maxTotalIds', () => {
    expect(lmVariantBytes(FULL, FULL.variants.int4!)).toBe(2.4 * GB + CACHE32);
    expect(lmVariantBytes(FULL, FULL.variants.fp16!)).toBe(7.06 * GB + CACHE32 / 2);
    expect(lmVariantBytes(FULL, FULL.variants.int4!, 1001)).toBe(2.4 * GB + 1000 * 32 * 2 * 256 * 4);
  });

  it('takes the most precise variant that fits next to the other stages, on the CPU', () => {
    const at = (free: number) => chooseLmVariant(FULL, 'cpu', free).name;
    expect(at(32 * GB)).toBe('fp32');
    expect(at(14.1 * GB + CACHE32 + OTHER_STAGES_BYTES)).toBe('fp32');
    expect(at(14.1 * GB + CACHE32 + OTHER_STAGES_BYTES - 1)).toBe('fp16');
    expect(at(12 * GB)).toBe('fp16');
    expect(at(8 * GB)).toBe('int8');
    expect(at(6 * GB)).toBe('int4');
    const tight = chooseLmVariant(FULL, 'cpu', 3 * GB);
    expect(tight).toMatchObject({ name: 'int4', fits: false });
    expect(tight.reason).toContain('no variant fits 3.0 GB free in RAM');
  });

  it('prefers fp16 on a GPU and gives int4 to a 6 GB card', () => {
    const at = (free: number) => chooseLmVariant(FULL, 'gpu', free);
    expect(at(24 * GB).name).toBe('fp16');
    expect(at(10 * GB).name).toBe('fp16');
    expect(at(8 * GB).name).toBe('int8');
    const six = at(6 * GB);
    expect(six).toMatchObject({ name: 'int4', fits: true });
    expect(six.reason).toBe('int4: needs 2.9 GB + 2.0 GB for the other stages, 6.0 GB free on the GPU');
    expect(six.candidates.map((c) => [c.name, c.skipped !== null])).toEqual([
      ['fp16', true], ['fp32', true], ['int8', true], ['int4', false],
    ]);
  });

  it('never picks a variant under the quality gate or one the runner cannot run', () => {
    const lm = component({ fp32: ['fp32', 14.1 * GB], int8: ['int8', 4.2 * GB, 0.5], int4: ['int4', 2.4 * GB, 0.95] });
    expect(chooseLmVariant(lm, 'cpu', 8 * GB).name).toBe('int4');
    (lm.variants.int4 as { kvIo: string }).kvIo = 'present';
    expect(chooseLmVariant(lm, 'cpu', 8 * GB).name).toBe('fp32');
  });

  it('between the two int4 variants takes int4 (blocks of 128, the smaller) before int4-b32', () => {
    const lm = component({ fp32: ['fp32', 14.1 * GB], 'int4-b32': ['int4', 2.64 * GB, 0.375], int4: ['int4', 2.35 * GB, 0.29] });
    expect(chooseLmVariant(lm, 'cpu', 5 * GB).candidates.map((c) => c.name)).toEqual(['fp32', 'int4', 'int4-b32']);
    expect(chooseLmVariant(lm, 'cpu', 5 * GB).name).toBe('int4');
  });

  it('chooses among the variants a download holds', () => {
    expect(chooseLmVariant(FULL, 'gpu', 24 * GB, { only: ['int8', 'int4'] }).name).toBe('int8');
    expect(chooseLmVariant(FULL, 'cpu', 32 * GB, { only: ['int4'] }).name).toBe('int4');
    expect(() => chooseLmVariant(FULL, 'cpu', 32 * GB, { only: [] })).toThrow(/no usable LM variant/);
  });

  it('reserves what the caller says and honours a shorter generation', () => {
    expect(chooseLmVariant(FULL, 'cpu', 5.5 * GB).name).toBe('int4');
    expect(chooseLmVariant(FULL, 'cpu', 5.5 * GB, { reserveBytes: 0.5 * GB }).name).toBe('int8');
    expect(chooseLmVariant(FULL, 'cpu', 6.5 * GB).name).toBe('int4');
    expect(chooseLmVariant(FULL, 'cpu', 6.5 * GB, { maxTotalIds: 3072 }).name).toBe('int8');
  });

  it('reads free memory from /proc/meminfo and nvidia-smi', () => {
    expect(parseMemAvailable('MemTotal:       24683784 kB\nMemFree:        16387284 kB\nMemAvailable:   22209736 kB\n')).toBe(22209736 * 1024);
    expect(parseMemAvailable('MemTotal: 1 kB\n')).toBeNull();
    expect(parseNvidiaSmiFree('7811\n')).toBe(7811 * 1048576);
    expect(parseNvidiaSmiFree('[N/A]\n')).toBeNull();
  });
});
