// The pack builder's weight-only quantized LMs against the Python exporter's: from the tiny Step1 in the published
// layout, the int8, int4 (blocks of 128) and int4-b32 graphs the builder makes (template graphs rewritten as the
// exporter rewrites its own, matrices quantized by pack/quantize.ts) must hold exactly the exporter's initializers,
// tensor by tensor (the exporter writes them inline in its .onnx, the builder into the template's data file, so the
// files themselves differ), and give exactly its logits. Also the quality gate's record: measured against the fp32
// variant built alongside, or "not measured" with the reason, which the loader and "auto" then treat as documented.

import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrtLm } from '../../../src-main/engines/editx/lm/ort-lm';
import { chooseLmVariant } from '../../../src-main/engines/editx/lm/variant-choice';
import { buildPack, loadTemplate } from '../../../src-main/engines/editx/pack/build';
import { loadPack } from '../../../src-main/engines/editx/pack/load';
import { MIN_TOP1_AGREEMENT, variantQualityNote, variantQualityProblem } from '../../../src-main/engines/editx/pack/quality';
import { tempDir } from '../../helpers/tmp';
import { readReference } from '../editx-lm/tiny-pack';
import { PUBLISHED, PYTHON_PACK, TEMPLATE, readManifest, greedyLogits, requirePackBuildFixtures } from './fixtures';

const QUANTIZED = ['int8', 'int4', 'int4-b32'] as const;
const root = tempDir('retake-pack-build-q-');
let n = 0;
const fresh = (name: string) => join(root, `${name}-${n++}`);

interface Index {
  [name: string]: { dtype: string; shape: number[]; sha256: string };
}

const NUMPY: Record<string, string> = { float32: 'float32', float16: 'float16', uint8: 'uint8' };

/** Every initializer the builder wrote for `variant`, read back through the template's weight map. */
function builtInitializers(dir: string, variant: string): Index {
  const map = JSON.parse(readFileSync(join(TEMPLATE, `lm.${variant}.weights.json`), 'utf8')) as {
    data: string;
    initializers: { name: string; dtype: string; shape: number[]; offset: number; bytes: number }[];
  };
  const data = readFileSync(join(dir, map.data));
  return Object.fromEntries(
    map.initializers.map((w) => [
      w.name,
      { dtype: NUMPY[w.dtype]!, shape: w.shape, sha256: createHash('sha256').update(data.subarray(w.offset, w.offset + w.bytes)).digest('hex') },
    ]),
  );
}


let built: string;
beforeAll(async () => {
  requirePackBuildFixtures();
  for (const v of QUANTIZED) {
    try {
      readFileSync(join(PYTHON_PACK, `lm.${v}.initializers.json`));
    } catch {
      throw new Error(`The exporter's ${v} LM is missing from ${PYTHON_PACK}; regenerate the fixtures with \`bash tools/export/run-tests.sh --pack-only\`.`);
    }
  }
  built = fresh('pack');
  await buildPack({ from: PUBLISHED, templates: [TEMPLATE], out: built, variants: ['fp32', ...QUANTIZED] });
}, 300_000);

describe('quantized LMs built from the published layout equal the Python export', () => {
  for (const variant of QUANTIZED) {
    it(`${variant}: the same initializers, tensor by tensor (names, dtypes, shapes, bytes)`, () => {
      const python = JSON.parse(readFileSync(join(PYTHON_PACK, `lm.${variant}.initializers.json`), 'utf8')) as Index;
      const ours = builtInitializers(built, variant);
      expect(Object.keys(ours).sort()).toEqual(Object.keys(python).sort());
      const differing = Object.keys(python).filter((k) => JSON.stringify(ours[k]) !== JSON.stringify(python[k]));
      expect(differing).toEqual([]);
      // The quantized matrices are there (B, scales), and lm_head at 8 bits.
      expect(Object.keys(ours).filter((k) => k.endsWith('_scales')).length).toBe(2 * 7 + 1);
      expect(ours['lm_head.weight_q8']?.dtype).toBe('uint8');
    });

    it(`${variant}: identical logits on the same inputs, bit for bit`, async () => {
      const prompt = readReference().promptIds;
      const [ours, python] = [await greedyLogits(built, variant, prompt, 8), await greedyLogits(PYTHON_PACK, variant, prompt, 8)];
      for (let i = 0; i < ours.length; i++) {
        const a = Buffer.from(ours[i]!.buffer, ours[i]!.byteOffset, ours[i]!.byteLength);
        const b = Buffer.from(python[i]!.buffer, python[i]!.byteOffset, python[i]!.byteLength);
        expect(a.equals(b), `step ${i}`).toBe(true);
      }
    });
  }

  it('records the quantization the exporter records and a quality measured against the fp32 variant built alongside', () => {
    const ours = readManifest(built).components.lm!;
    const python = readManifest(PYTHON_PACK).components.lm!;
    for (const variant of QUANTIZED) {
      const v = ours.variants[variant]!;
      expect(v.dtype).toBe(python.variants[variant]!.dtype);
      expect(v.quantization).toEqual(python.variants[variant]!.quantization);
      expect(v.qualityNotMeasured).toBeUndefined();
      expect(v.quality).toMatchObject({ reference: 'fp32', prompts: 6, greedySteps: 16, positions: 96 });
      expect(v.quality!.top1Agreement).toBeGreaterThanOrEqual(MIN_TOP1_AGREEMENT[v.dtype as 'int8' | 'int4']);
      expect(variantQualityProblem(variant, v)).toBeNull();
      expect(variantQualityNote(variant, v)).toBeNull();
    }
    expect(ours.variants.int4!.quantization).toMatchObject({ bits: 4, blockSize: 128, symmetric: true, head: { bits: 8, blockSize: 32 } });
    expect(ours.variants['int4-b32']!.quantization).toMatchObject({ bits: 4, blockSize: 32 });
    // int8 is nearly lossless: far closer to fp32 than int4.
    expect(ours.variants.int8!.quality!.maxAbsLogitDelta).toBeLessThan(ours.variants.int4!.quality!.maxAbsLogitDelta);
  });
});

describe('a quantized variant the builder cannot measure', () => {
  it('without fp32 in the build: usable, says why it was not measured, and "auto" prefers measured variants', async () => {
    const out = fresh('int4');
    await buildPack({ from: PUBLISHED, templates: [TEMPLATE], out, variants: ['int8', 'int4'] });
    const lm = readManifest(out).components.lm!;
    expect(lm.defaultVariant).toEqual({ cpu: 'int8', gpu: 'int8' });
    for (const name of ['int8', 'int4']) {
      const v = lm.variants[name]!;
      expect(v.quality).toBeUndefined();
      expect(v.qualityNotMeasured).toMatch(/without the fp32 variant/);
      expect(variantQualityProblem(name, v)).toBeNull();
      expect(variantQualityNote(name, v)).toMatch(new RegExp(`LM variant "${name}" \\(${name}\\): quality gate not measured`));
    }
    const pack = await loadPack(out, { variants: ['int4'], verify: 'sha256' });
    const runner = await OrtLm.create(pack, { variant: 'int4', maxTotalIds: 64, intraOpNumThreads: 1 });
    await runner.dispose();
    // Beside a measured int4, the unmeasured int8 is chosen only when nothing measured fits.
    const measured = readManifest(built).components.lm!;
    const mixed = { ...lm, variants: { int8: lm.variants.int8!, int4: measured.variants.int4! } };
    expect(chooseLmVariant(mixed, 'cpu', 1e12).name).toBe('int4');
  });

  it('without the memory for fp32 and the variant side by side: says how much it needed', async () => {
    const out = fresh('nomem');
    await buildPack({ from: PUBLISHED, templates: [TEMPLATE], out, variants: ['fp32', 'int4'], gateFreeBytes: 1e6 });
    const v = readManifest(out).components.lm!.variants.int4!;
    expect(v.quality).toBeUndefined();
    expect(v.qualityNotMeasured).toMatch(/needs \d+\.\d GB of free memory .*, 0\.0 GB were free/);
  });
});

describe('the quantized weight maps are checked before anything is written', () => {
  /** A copy of the tiny template whose int4 weight map is changed by `edit` (entries by name). */
  function brokenTemplate(edit: (byName: Map<string, Record<string, any>>) => void): string {
    const dir = fresh('tpl');
    cpSync(TEMPLATE, dir, { recursive: true });
    const path = join(dir, 'lm.int4.weights.json');
    const map = JSON.parse(readFileSync(path, 'utf8')) as { initializers: Record<string, any>[] };
    edit(new Map(map.initializers.map((w) => [w.name as string, w])));
    writeFileSync(path, JSON.stringify(map));
    return dir;
  }

  it('refuses a quantized input of the wrong dtype, a matmulnbits that is not the last op, and uint8 without it', async () => {
    const cases: [(m: Map<string, Record<string, any>>) => void, RegExp][] = [
      [(m) => Object.assign(m.get('model.layers.0.mlp.up_proj.weight_scales')!, { dtype: 'uint8', bytes: m.get('model.layers.0.mlp.up_proj.weight_scales')!.bytes / 4 }), /weight_scales is uint8, matmulnbits scales is float32/],
      [(m) => m.get('model.layers.0.mlp.up_proj.weight_q4')!.ops.push({ op: 'reshape', shape: [192, 64] }), /matmulnbits needs one \(out, in\) matrix and must be the last op/],
      [(m) => Object.assign(m.get('model.norm.weight')!, { dtype: 'uint8', bytes: 64 }), /model\.norm\.weight is uint8, but only matmulnbits makes uint8/],
    ];
    for (const [edit, message] of cases) {
      await expect(loadTemplate(brokenTemplate(edit))).rejects.toMatchObject({ code: 'E_INTERNAL', message: expect.stringMatching(message) });
    }
  });
});
