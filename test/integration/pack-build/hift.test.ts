// The HiFT vocoder's template against the Python exporter: a pack part built in TypeScript from the tiny HiFT written
// as the published hift.pt (a torch zip read by the safe unpickler) and the exporter's graph template must give
// exactly the outputs of the graphs the Python exporter made from the same file (F0 predictor and trunk, on the same
// inputs, bit for bit), and the same manifest entry apart from the files and where the settings came from.

import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { buildPack } from '../../../src-main/engines/editx/pack/build';
import { PackManifestSchema, type VocoderComponent } from '../../../src-main/engines/editx/pack/manifest';
import { tempDir } from '../../helpers/tmp';
import { HIFT_TEMPLATE, PACK_BUILD, PUBLISHED, PYTHON_HIFT, publishedCopy, requirePackBuildFixtures } from './fixtures';

const root = tempDir('retake-pack-build-hift-');
let built: string;

function vocoder(dir: string): VocoderComponent {
  const m = PackManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
  return m.components.vocoder!;
}

/** Deterministic inputs in [-1, 1) (a linear congruential sequence: the same on every run and platform). */
function inputs(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x / 2 ** 31 - 1;
  }
  return out;
}

async function run(file: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, Buffer>> {
  const s = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  try {
    const r = await s.run(feeds);
    return Object.fromEntries(Object.entries(r).map(([k, t]) => [k, Buffer.from((t.data as Float32Array).buffer.slice(0))]));
  } finally {
    await s.release();
  }
}

beforeAll(async () => {
  requirePackBuildFixtures();
  built = join(root, 'pack');
  await buildPack({ from: PUBLISHED, templates: [HIFT_TEMPLATE], out: built });
}, 120_000);

describe('a HiFT built from the published hift.pt equals the Python export', () => {
  it('F0 predictor and trunk give identical outputs on the same inputs, bit for bit', async () => {
    const v = vocoder(built);
    const mels = v.config.melBins;
    const frames = 37;
    const stftFrames = (frames * v.samplesPerFrame) / v.istft.hop + 1;
    const mel = new ort.Tensor('float32', inputs(mels * frames, 7), [1, mels, frames]);
    const stft = new ort.Tensor('float32', inputs((v.istft.nFft + 2) * stftFrames, 11), [1, v.istft.nFft + 2, stftFrames]);
    for (const [graph, feeds] of [
      ['hift_f0.onnx', { mel }],
      ['hift_trunk.onnx', { mel, source_stft: stft }],
    ] as const) {
      const [ours, python] = [await run(join(built, graph), feeds), await run(join(PYTHON_HIFT, graph), feeds)];
      expect(Object.keys(ours).sort()).toEqual(Object.keys(python).sort());
      for (const k of Object.keys(python)) {
        const values = new Float32Array(ours[k]!.buffer, ours[k]!.byteOffset, ours[k]!.length / 4);
        expect(new Set(values).size, `${graph} ${k} is not a varied signal`).toBeGreaterThan(20);
        expect(ours[k]!.equals(python[k]!), `${graph} ${k} differs`).toBe(true);
      }
    }
  });

  it('writes the vocoder entry the exporter writes, its graphs as .onnx + external data, the merge read from hift.pt', () => {
    const ours = vocoder(built);
    const python = vocoder(PYTHON_HIFT);
    const strip = (c: VocoderComponent) => ({
      ...c,
      settingsFrom: undefined,
      graphs: Object.fromEntries(Object.entries(c.graphs).map(([k, g]) => [k, { ...g, files: undefined }])),
    });
    expect(strip(ours)).toEqual(strip(python));
    expect(ours.graphs.f0.files.map((f) => f.path)).toEqual(['hift_f0.onnx', 'hift_f0.onnx.data']);
    expect(ours.graphs.trunk.files.map((f) => f.path)).toEqual(['hift_trunk.onnx', 'hift_trunk.onnx.data']);
    expect(ours.settingsFrom).toMatch(/graph template hift-tiny/);
    expect(ours.source.mergeWeight).toHaveLength(ours.source.harmonics);
  });

  it('refuses a hift.pt that is not the template\'s (another checkpoint in its place), naming the counts', async () => {
    const from = publishedCopy(join(root, 'wrong'), (d) => {
      // The torch fixture of the readers' tests: a state dict of other tensors.
      copyFileSync(join(PACK_BUILD, 'torch', 'state.pt'), join(d, 'CosyVoice-300M-25Hz', 'hift.pt'));
    });
    const e = await buildPack({ from, templates: [HIFT_TEMPLATE], out: join(root, 'wrong-out') }).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(RetakeError);
    expect((e as RetakeError).code).toBe('E_MODEL_INVALID');
    expect((e as RetakeError).message).toMatch(/hift\.pt: \d+ tensors, the template hift-tiny expects 246[\s\S]*missing \(\d+\)/);
  });
});
