// The pack builder against the Python exporter: a pack built in TypeScript from the tiny Step1 written in the
// PUBLISHED layout (bf16 safetensors shards + index, config.json, tokenizer files) and the exporter's graph template
// must give exactly the logits of the pack the Python exporter made from the same files, for both variants, on
// onnxruntime-node. Also: the manifest it writes, one-variant builds, and the checks that refuse wrong inputs.

import { readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { buildPack, FileReader, readSafetensorsFolder } from '../../../src-main/engines/editx/pack/build';
import { loadPack } from '../../../src-main/engines/editx/pack/load';
import { tempDir } from '../../helpers/tmp';
import { readReference } from '../editx-lm/tiny-pack';
import { PUBLISHED, PYTHON_PACK, TEMPLATE, publishedCopy, greedyLogits, requirePackBuildFixtures, templateCopy, writeSafetensors } from './fixtures';

const root = tempDir('retake-pack-build-');
let n = 0;
const fresh = (name = 'x') => join(root, `${name}-${n++}`);

async function failure(p: Promise<unknown>): Promise<RetakeError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(RetakeError);
  return e as RetakeError;
}


let built: string;
beforeAll(async () => {
  requirePackBuildFixtures();
  built = fresh('pack');
  await buildPack({ from: PUBLISHED, templates: [TEMPLATE], out: built, variants: ['fp16', 'fp32'] });
}, 120_000);

describe('a pack built from the published layout equals the Python export', () => {
  for (const variant of ['fp32', 'fp16']) {
    it(`${variant}: identical logits on the same inputs, bit for bit`, async () => {
      const prompt = readReference().promptIds;
      const [ours, python] = [await greedyLogits(built, variant, prompt, 12), await greedyLogits(PYTHON_PACK, variant, prompt, 12)];
      expect(ours.length).toBe(13);
      for (let i = 0; i < ours.length; i++) {
        const a = Buffer.from(ours[i]!.buffer, ours[i]!.byteOffset, ours[i]!.byteLength);
        const b = Buffer.from(python[i]!.buffer, python[i]!.byteOffset, python[i]!.byteLength);
        expect(a.equals(b), `step ${i}`).toBe(true);
      }
      // And the logits are those of a real model, not of an empty one (rows differ, values spread).
      expect(Math.max(...ours[0]!) - Math.min(...ours[0]!)).toBeGreaterThan(1);
    });
  }

  it('writes the manifest the exporter writes, apart from the files themselves and the fp16 range check', async () => {
    const ours = JSON.parse(readFileSync(join(built, 'manifest.json'), 'utf8'));
    const python = JSON.parse(readFileSync(join(PYTHON_PACK, 'manifest.json'), 'utf8'));
    const strip = (lm: any) => {
      const c = structuredClone(lm);
      // The quantized variants are compared in ./quantized.test.ts.
      for (const name of Object.keys(c.variants)) if (!['fp16', 'fp32'].includes(name)) delete c.variants[name];
      for (const v of Object.values(c.variants) as any[]) {
        delete v.files;
        delete v.activationCheck;
      }
      return c;
    };
    expect(strip(ours.components.lm)).toEqual(strip(python.components.lm));
    // tokenizer.model is copied verbatim: same hash; the chat template and normalizer spec are read the same way.
    expect(ours.components.textTokenizer).toEqual(python.components.textTokenizer);
    expect(ours.origin).toMatchObject({ tool: 'retake pack build', templates: ['step1-tiny'], variants: ['fp16', 'fp32'] });
    // Each graph's external data sits beside it and is listed after it.
    expect(ours.components.lm.variants.fp16.files.map((f: any) => f.path)).toEqual(['lm.fp16.onnx', 'lm.fp16.onnx.data']);
    const pack = await loadPack(built, { verify: 'sha256' });
    expect(pack.manifest.name).toBe('step-audio-editx');
  });
});

describe('variants', () => {
  it('--variant fp16 builds only the fp16 graph and makes it the default for both devices', async () => {
    const out = fresh('fp16');
    await buildPack({ from: PUBLISHED, templates: [TEMPLATE], out, variants: ['fp16'] });
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(Object.keys(m.components.lm.variants)).toEqual(['fp16']);
    expect(m.components.lm.defaultVariant).toEqual({ cpu: 'fp16', gpu: 'fp16' });
    expect(() => statSync(join(out, 'lm.fp32.onnx'))).toThrow();
    await loadPack(out, { verify: 'sha256' });
  });

  it('refuses a variant no template has', async () => {
    const e = await failure(buildPack({ from: PUBLISHED, templates: [TEMPLATE], out: fresh(), variants: ['int2'] }));
    expect(e.code).toBe('E_VALIDATION');
    expect(e.message).toMatch(/variant int2 \(they offer fp16, fp32, int8, int4, int4-b32\)/);
  });

  it('records the release date it is given, which picks the 2026 prompt profile and the 22 tags of that revision', async () => {
    const out = fresh('rev');
    await buildPack({ from: PUBLISHED, templates: [TEMPLATE], out, variants: ['fp32'], modelRevision: '2026-01-29' });
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(m.components.textTokenizer.modelRevision).toBe('2026-01-29');
    const tags = m.components.textTokenizer.paralinguisticTags as string[];
    expect(tags).toHaveLength(22);
    expect(tags).toContain('clears throat');
    expect(tags).not.toContain('Breathing');
  });
});

describe('checks that refuse the wrong files', () => {
  async function tensorsOfPublished() {
    const reader = new FileReader();
    try {
      const set = await readSafetensorsFolder(PUBLISHED, reader);
      return await Promise.all([...set.tensors.values()].map(async (t) => ({ name: t.name, dtype: 'BF16', shape: t.shape, data: await reader.tensor(t) })));
    } finally {
      await reader.close();
    }
  }

  it('names every missing, unexpected and misshaped tensor and the count, and writes nothing', async () => {
    const tensors = (await tensorsOfPublished())
      .filter((t) => t.name !== 'lm_head.weight' && t.name !== 'model.layers.1.mlp.up_proj.weight')
      .map((t) => (t.name === 'model.norm.weight' ? { ...t, shape: [32, 2] } : t));
    tensors.push({ name: 'model.extra.weight', dtype: 'BF16', shape: [2], data: new Uint8Array(4) });
    const dir = publishedCopy(fresh('pub'), (d) => {
      for (const f of ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']) unlinkSync(join(d, f));
      writeSafetensors(join(d, 'model.safetensors'), tensors);
    });
    const out = fresh();
    const e = await failure(buildPack({ from: dir, templates: [TEMPLATE], out }));
    expect(e.code).toBe('E_MODEL_INVALID');
    expect(e.message).toContain('20 tensors, the template step1-tiny expects 21');
    expect(e.message).toMatch(/missing \(2\): model\.layers\.1\.mlp\.up_proj\.weight, lm_head\.weight|missing \(2\): lm_head\.weight, model\.layers\.1\.mlp\.up_proj\.weight/);
    expect(e.message).toContain('unexpected (1): model.extra.weight');
    expect(e.message).toContain('wrong shape (1): model.norm.weight [32, 2] (expected [64])');
    expect(() => statSync(out)).toThrow();
  });

  it('names a config.json that describes another model', async () => {
    const dir = publishedCopy(fresh('pub'), (d) => {
      const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
      cfg.num_hidden_layers = 3;
      writeFileSync(join(d, 'config.json'), JSON.stringify(cfg));
    });
    const e = await failure(buildPack({ from: dir, templates: [TEMPLATE], out: fresh() }));
    expect(e.code).toBe('E_MODEL_INVALID');
    expect(e.message).toContain('config.json says num_hidden_layers 3, the template is for 2');
  });

  it('names a config.json whose rms_norm_eps is not the one baked into the graph\'s norms', async () => {
    const dir = publishedCopy(fresh('pub'), (d) => {
      const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
      expect(cfg.rms_norm_eps).toBe(1e-5);
      cfg.rms_norm_eps = 1e-6;
      writeFileSync(join(d, 'config.json'), JSON.stringify(cfg));
    });
    const e = await failure(buildPack({ from: dir, templates: [TEMPLATE], out: fresh() }));
    expect(e.code).toBe('E_MODEL_INVALID');
    expect(e.message).toContain('config.json says rms_norm_eps 0.000001, the template is for 0.00001');
  });

  it('names a truncated shard', async () => {
    const dir = publishedCopy(fresh('pub'), (d) => {
      const f = join(d, 'model-00002-of-00002.safetensors');
      truncateSync(f, statSync(f).size - 1000);
    });
    const e = await failure(buildPack({ from: dir, templates: [TEMPLATE], out: fresh() }));
    expect(e.code).toBe('E_MODEL_INVALID');
    expect(e.message).toMatch(/model-00002-of-00002\.safetensors is truncated: tensor .+ ends at byte \d+, the file has \d+/);
  });

  it('names a shard the index promises but the folder lacks', async () => {
    const dir = publishedCopy(fresh('pub'), (d) => unlinkSync(join(d, 'model-00001-of-00002.safetensors')));
    const e = await failure(buildPack({ from: dir, templates: [TEMPLATE], out: fresh() }));
    expect(e.message).toContain('is missing model-00001-of-00002.safetensors (named by model.safetensors.index.json)');
  });

  it('copies a ready file only when its sha256 is the one the template knows', async () => {
    const good = Buffer.from('a ready ONNX file as published\n');
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(good).digest('hex');
    const tpl = templateCopy(fresh('tpl'), (t) => {
      t.sources.ready = { kind: 'file', file: 'campplus.onnx', sha256: sha, bytes: good.length };
      t.copies.push({ from: 'ready', to: 'campplus.onnx' });
    });
    const ok = publishedCopy(fresh('pub'), (d) => writeFileSync(join(d, 'campplus.onnx'), good));
    const out = fresh();
    await buildPack({ from: ok, templates: [tpl], out, variants: ['fp32'] });
    expect(readFileSync(join(out, 'campplus.onnx')).equals(good)).toBe(true);
    const altered = publishedCopy(fresh('pub'), (d) => writeFileSync(join(d, 'campplus.onnx'), Buffer.from('a ready ONNX file as publishe!\n')));
    const e = await failure(buildPack({ from: altered, templates: [tpl], out: fresh(), variants: ['fp32'] }));
    expect(e.code).toBe('E_MODEL_INVALID');
    expect(e.message).toMatch(new RegExp(`campplus\\.onnx is not the published file: sha256 [0-9a-f]{64} \\(31 bytes\\), expected ${sha} \\(31 bytes\\)`));
  });

  it('refuses an output folder that already holds something', async () => {
    const out = fresh('full');
    await buildPack({ from: PUBLISHED, templates: [TEMPLATE], out, variants: ['fp16'] });
    const e = await failure(buildPack({ from: PUBLISHED, templates: [TEMPLATE], out }));
    expect(e.message).toMatch(/already exists and is not empty/);
  });

  it('stops when cancelled and leaves nothing behind', async () => {
    const out = fresh('cancel');
    const ac = new AbortController();
    const seen: string[] = [];
    const e = await failure(
      buildPack({
        from: PUBLISHED,
        templates: [TEMPLATE],
        out,
        chunkBytes: 1 << 16,
        signal: ac.signal,
        onProgress: (p) => {
          seen.push(p.stage);
          if (p.bytesDone > 4e6) ac.abort();
        },
      }),
    );
    expect(e.code).toBe('E_CANCELLED');
    expect(() => statSync(out)).toThrow();
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(root).filter((f) => f.includes('partial'))).toEqual([]);
    expect(seen).toContain('writing lm.fp16.onnx.data');
  });
});
