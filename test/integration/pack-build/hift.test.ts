// The HiFT vocoder's template against the Python exporter: a pack part built in TypeScript from the tiny HiFT written
// as the published hift.pt (a torch zip read by the safe unpickler) and the exporter's graph template must give
// exactly the outputs of the graphs the Python exporter made from the same file (F0 predictor and trunk, on the same
// inputs, bit for bit), and the same manifest entry apart from the files, settings included: both read them from the
// published cosyvoice.yaml, so a yaml whose sample rate or NSF values differ changes the manifest, and one whose sizes
// (baked into the graphs) differ from the template's is refused naming the file and the key.

import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { buildPack } from '../../../src-main/engines/editx/pack/build';
import type { VocoderComponent } from '../../../src-main/engines/editx/pack/manifest';
import { tempDir } from '../../helpers/tmp';
import { HIFT_TEMPLATE, PACK_BUILD, PUBLISHED, PYTHON_HIFT, publishedCopy, requirePackBuildFixtures, lcgValues, readManifest, runGraph } from './fixtures';

const root = tempDir('retake-pack-build-hift-');
let built: string;

function vocoder(dir: string): VocoderComponent {
  return readManifest(dir).components.vocoder!;
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
    const mel = new ort.Tensor('float32', lcgValues(mels * frames, 7), [1, mels, frames]);
    const stft = new ort.Tensor('float32', lcgValues((v.istft.nFft + 2) * stftFrames, 11), [1, v.istft.nFft + 2, stftFrames]);
    for (const [graph, feeds] of [
      ['hift_f0.onnx', { mel }],
      ['hift_trunk.onnx', { mel, source_stft: stft }],
    ] as const) {
      const [ours, python] = [await runGraph(join(built, graph), feeds), await runGraph(join(PYTHON_HIFT, graph), feeds)];
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
      graphs: Object.fromEntries(Object.entries(c.graphs).map(([k, g]) => [k, { ...g, files: undefined }])),
    });
    expect(strip(ours)).toEqual(strip(python));
    expect(ours.graphs.f0.files.map((f) => f.path)).toEqual(['hift_f0.onnx', 'hift_f0.onnx.data']);
    expect(ours.graphs.trunk.files.map((f) => f.path)).toEqual(['hift_trunk.onnx', 'hift_trunk.onnx.data']);
    expect(ours.settingsFrom).toBe('cosyvoice.yaml');
    expect(ours.source.mergeWeight).toHaveLength(ours.source.harmonics);
  });

  const YAML = join('CosyVoice-300M-25Hz', 'cosyvoice.yaml');
  const editYaml = (name: string, from: RegExp, to: string) =>
    publishedCopy(join(root, name), (d) => {
      const text = readFileSync(join(d, YAML), 'utf8');
      expect(text).toMatch(from);
      writeFileSync(join(d, YAML), text.replace(from, to));
    });

  it('takes the sample rate, NSF values and audio limit from cosyvoice.yaml: changed values change the manifest', async () => {
    let from = editYaml('nsf', /\n {4}nsf_alpha: 0\.1\n/, '\n    nsf_alpha: 0.25\n');
    let text = readFileSync(join(from, YAML), 'utf8');
    // sampling_rate is a !ref to the top-level sample_rate, as in the published file
    text = text.replace(/\n {4}audio_limit: 0\.99\n/, '\n    audio_limit: 0.9\n').replace(/^sample_rate: 24000\n/m, 'sample_rate: 22050\n');
    writeFileSync(join(from, YAML), text);
    const out = join(root, 'nsf-out');
    await buildPack({ from, templates: [HIFT_TEMPLATE], out });
    const python = vocoder(PYTHON_HIFT);
    expect(vocoder(out)).toEqual({
      ...vocoder(built),
      sampleRate: 22050,
      audioLimit: 0.9,
      source: { ...python.source, sineAmp: 0.25 },
    });
    // An absent value is the exporter's fallback (HiftConfig's).
    from = editYaml('no-sigma', /\n {4}nsf_sigma: 0\.003\n/, '\n');
    await buildPack({ from, templates: [HIFT_TEMPLATE], out: join(root, 'no-sigma-out') });
    expect(vocoder(join(root, 'no-sigma-out')).source.noiseStd).toBe(0.003);
  });

  it('refuses a cosyvoice.yaml whose sizes are not the ones baked into the graphs, naming file and key', async () => {
    const refusal = async (name: string, from: RegExp, to: string) => {
      const e = await buildPack({ from: editYaml(name, from, to), templates: [HIFT_TEMPLATE], out: join(root, `${name}-out`) }).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(RetakeError);
      expect((e as RetakeError).code).toBe('E_MODEL_INVALID');
      return (e as RetakeError).message;
    };
    expect(await refusal('nfft', /\n {8}n_fft: 16\n/, '\n        n_fft: 20\n')).toContain(
      'CosyVoice-300M-25Hz/cosyvoice.yaml says hift.istft_params.n_fft 20, the template is for 16',
    );
    expect(await refusal('rates', /upsample_rates: \[8, 5, 3\]\n/, 'upsample_rates: [8, 6, 3]\n')).toContain(
      'CosyVoice-300M-25Hz/cosyvoice.yaml says hift.upsample_rates [8,6,3], the template is for [8,5,3]',
    );
    // The harmonics count fixes the merge's shape, read from hift.pt.
    expect(await refusal('harmonics', /\n {4}nb_harmonics: 8\n/, '\n    nb_harmonics: 7\n')).toContain(
      'CosyVoice-300M-25Hz/cosyvoice.yaml says hift.nb_harmonics 7, the template is for 8',
    );
    // An absent key means the exporter's fallback (the published size), not the tiny template's.
    expect(await refusal('no-channels', /\n {4}base_channels: 16\n/, '\n')).toContain(
      'CosyVoice-300M-25Hz/cosyvoice.yaml has no hift.base_channels, which means 512; the template is for 16',
    );
  });

  it('refuses a published folder without cosyvoice.yaml, naming it', async () => {
    const from = publishedCopy(join(root, 'no-yaml'), (d) => rmSync(join(d, YAML)));
    const e = await buildPack({ from, templates: [HIFT_TEMPLATE], out: join(root, 'no-yaml-out') }).then(() => null, (x: unknown) => x);
    expect((e as RetakeError).message).toMatch(/is missing CosyVoice-300M-25Hz\/cosyvoice\.yaml, which the template hift-tiny reads/);
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
