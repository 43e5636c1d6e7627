// The flow's template against the Python exporter: the encoder, guided estimator and speaker graphs built in
// TypeScript from the tiny flow written as the published flow.pt must give exactly the outputs of the graphs the
// Python exporter made from the same file, on the same inputs, bit for bit; the manifest entries must be the
// exporter's apart from the files and the noise (drawn by the builder's own seeded generator), settings included: both
// read them from the published cosyvoice.yaml, so a yaml whose prompt mel differs changes the manifest, and one whose
// sizes or CFG rate (baked into the graphs) differ from the template's is refused naming the file and the key; CAM++
// is copied only when its sha256 is the one the template names, and its I/O is read from the file.

import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { buildPack } from '../../../src-main/engines/editx/pack/build';
import { normalNoise } from '../../../src-main/engines/editx/pack/build/noise';
import type { PackManifest } from '../../../src-main/engines/editx/pack/manifest';
import { tempDir } from '../../helpers/tmp';
import { FLOW_TEMPLATE, PUBLISHED, PYTHON_FLOW, publishedCopy, requirePackBuildFixtures, lcgValues, readManifest, runGraph } from './fixtures';

const root = tempDir('retake-pack-build-flow-');
let built: string;

const manifest = readManifest;



beforeAll(async () => {
  requirePackBuildFixtures();
  built = join(root, 'pack');
  await buildPack({ from: PUBLISHED, templates: [FLOW_TEMPLATE], out: built });
}, 120_000);

describe('a flow built from the published flow.pt equals the Python export', () => {
  it('encoder, guided estimator and speaker graphs give identical outputs on the same inputs, bit for bit', async () => {
    const flow = manifest(built).components.flow!;
    const { vocabSize, melBins, spkEmbedDim } = flow.config;
    const tokenFrames = 9;
    const ids = lcgValues(tokenFrames * 2, 3).map((v) => Math.floor(((v + 1) / 2) * vocabSize));
    const tokens = new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [1, tokenFrames, 2]);
    const frames = 14;
    const mel = (seed: number) => new ort.Tensor('float32', lcgValues(melBins * frames, seed), [1, melBins, frames]);
    const cases: [string, Record<string, ort.Tensor>][] = [
      ['flow_encoder.onnx', { tokens }],
      [
        'flow_estimator.onnx',
        { x: mel(1), mu: mel(2), t: new ort.Tensor('float32', Float32Array.of(0.37), [1]), spks: new ort.Tensor('float32', lcgValues(melBins, 4), [1, melBins]), cond: mel(5) },
      ],
      ['flow_speaker.onnx', { embedding: new ort.Tensor('float32', lcgValues(spkEmbedDim, 6), [1, spkEmbedDim]) }],
    ];
    for (const [graph, feeds] of cases) {
      const [ours, python] = [await runGraph(join(built, graph), feeds), await runGraph(join(PYTHON_FLOW, graph), feeds)];
      expect(Object.keys(ours).sort()).toEqual(Object.keys(python).sort());
      for (const k of Object.keys(python)) {
        const v = new Float32Array(ours[k]!.buffer, ours[k]!.byteOffset, ours[k]!.length / 4);
        expect(new Set(v).size, `${graph} ${k} is not a varied signal`).toBeGreaterThan(20);
        expect(ours[k]!.equals(python[k]!), `${graph} ${k} differs`).toBe(true);
      }
    }
  });

  it('writes the exporter\'s flow and speaker-encoder entries; the noise is the builder\'s seeded draw', () => {
    const ours = manifest(built).components;
    const python = manifest(PYTHON_FLOW).components;
    const strip = (f: NonNullable<PackManifest['components']['flow']>) => ({
      ...f,
      graphs: Object.fromEntries(Object.entries(f.graphs).map(([k, g]) => [k, { ...g, files: undefined }])),
      noise: { ...f.noise, file: undefined, generator: undefined },
    });
    expect(strip(ours.flow!)).toEqual(strip(python.flow!));
    expect(ours.flow!.settings.settingsFrom).toBe('cosyvoice.yaml');
    expect(ours.flow!.noise.generator).toBe('retake-normal-1');
    const noise = new Float32Array(readFileSync(join(built, 'flow_noise.f32')).buffer.slice(0));
    const [rows, frames] = ours.flow!.noise.shape;
    expect(noise.length).toBe(rows * frames);
    expect(Buffer.from(noise.buffer).equals(Buffer.from(normalNoise(rows * frames, ours.flow!.noise.seed!).buffer))).toBe(true);
    const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
    const std = Math.sqrt(noise.reduce((a, b) => a + (b - mean) ** 2, 0) / noise.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
    const spk = ours.speakerEncoder!;
    expect({ inputs: spk.inputs, outputs: spk.outputs }).toEqual({ inputs: python.speakerEncoder!.inputs, outputs: python.speakerEncoder!.outputs });
    expect(spk.files.map((f) => f.path)).toEqual(['campplus.onnx']);
    expect(spk.files[0]!.sha256).toBe(python.speakerEncoder!.files[0]!.sha256);
  });

  it('refuses a campplus.onnx whose sha256 is not the one the template names', async () => {
    const from = publishedCopy(join(root, 'bad-campplus'), (d) => {
      const f = join(d, 'CosyVoice-300M-25Hz', 'campplus.onnx');
      const bytes = readFileSync(f);
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
      writeFileSync(f, bytes);
    });
    const e = await buildPack({ from, templates: [FLOW_TEMPLATE], out: join(root, 'bad-out') }).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(RetakeError);
    expect((e as RetakeError).message).toMatch(/campplus\.onnx is not the published file: sha256/);
  });

  const YAML = join('CosyVoice-300M-25Hz', 'cosyvoice.yaml');
  const editYaml = (name: string, from: RegExp, to: string) =>
    publishedCopy(join(root, name), (d) => {
      const text = readFileSync(join(d, YAML), 'utf8');
      expect(text).toMatch(from);
      writeFileSync(join(d, YAML), text.replace(from, to));
    });

  it('takes the prompt mel from cosyvoice.yaml: a changed mel_conf changes the manifest', async () => {
    const from = editYaml('mel', /\n {4}fmax: 8000\n/, '\n    fmax: 7600\n');
    const out = join(root, 'mel-out');
    await buildPack({ from, templates: [FLOW_TEMPLATE], out });
    const flow = manifest(out).components.flow!;
    expect(flow.promptMel).toEqual({ ...manifest(PYTHON_FLOW).components.flow!.promptMel, fmax: 7600 });
  });

  it('refuses a cosyvoice.yaml whose sizes or CFG rate are not the ones baked into the graphs, naming file and key', async () => {
    const refusal = async (name: string, from: RegExp, to: string) => {
      const e = await buildPack({ from: editYaml(name, from, to), templates: [FLOW_TEMPLATE], out: join(root, `${name}-out`) }).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(RetakeError);
      expect((e as RetakeError).code).toBe('E_MODEL_INVALID');
      return (e as RetakeError).message;
    };
    expect(await refusal('heads', /num_heads: 2\n/, 'num_heads: 4\n')).toContain(
      'CosyVoice-300M-25Hz/cosyvoice.yaml says flow.decoder.estimator.num_heads 4, the template is for 2',
    );
    // The CFG rate is a constant of the guided estimator graph: a pack cannot follow another one.
    expect(await refusal('cfg', /inference_cfg_rate: 0\.7\n/, 'inference_cfg_rate: 0.5\n')).toContain(
      'CosyVoice-300M-25Hz/cosyvoice.yaml says flow.decoder.inference_cfg_rate 0.5, the template is for 0.7',
    );
    // A key the exporter has no fallback for must be there; an absent one with a fallback is the fallback.
    expect(await refusal('no-width', /\n {8}output_size: 32\n/, '\n')).toContain('CosyVoice-300M-25Hz/cosyvoice.yaml has no flow.encoder.output_size');
    expect(await refusal('no-heads', /\n {8}attention_heads: 2\n/, '\n')).toContain(
      'CosyVoice-300M-25Hz/cosyvoice.yaml has no flow.encoder.attention_heads, which means 4; the template is for 2',
    );
  });

  it('refuses a published folder without cosyvoice.yaml, naming it', async () => {
    const from = publishedCopy(join(root, 'no-yaml'), (d) => rmSync(join(d, YAML)));
    const e = await buildPack({ from, templates: [FLOW_TEMPLATE], out: join(root, 'no-yaml-out') }).then(() => null, (x: unknown) => x);
    expect((e as RetakeError).message).toMatch(/is missing CosyVoice-300M-25Hz\/cosyvoice\.yaml, which the template flow-tiny reads/);
  });

  it('refuses a flow.pt of other tensors, naming the counts', async () => {
    const from = publishedCopy(join(root, 'wrong'), (d) => {
      copyFileSync(join(d, 'CosyVoice-300M-25Hz', 'hift.pt'), join(d, 'CosyVoice-300M-25Hz', 'flow.pt'));
    });
    const e = await buildPack({ from, templates: [FLOW_TEMPLATE], out: join(root, 'wrong-out') }).then(() => null, (x: unknown) => x);
    expect((e as RetakeError).code).toBe('E_MODEL_INVALID');
    expect((e as RetakeError).message).toMatch(/flow\.pt: 246 tensors, the template flow-tiny expects 155/);
  });
});
