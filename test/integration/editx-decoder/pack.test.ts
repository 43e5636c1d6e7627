// The decoder's manifest components (flow, vocoder, speakerEncoder): strict settings, the checks between them, their
// files, and graphs that do not match their entry.

import { mkdirSync, readFileSync, readdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RetakeError } from '../../../src-main/contract/errors';
import { EditxDecoder } from '../../../src-main/engines/editx/decoder/decoder';
import { loadPack, parseManifest } from '../../../src-main/engines/editx/pack/load';
import { decoderFiles } from '../../../src-main/engines/editx/pack/manifest';
import { tempDir } from '../../helpers/tmp';
import { TINY_PACK, tinyPack } from './fixtures';

const root = tempDir('retake-decoder-pack-');
let n = 0;

function base(): Record<string, any> {
  return JSON.parse(readFileSync(join(TINY_PACK, 'manifest.json'), 'utf8'));
}

function parseError(mutate: (m: Record<string, any>) => void): string {
  const m = base();
  mutate(m);
  try {
    parseManifest(JSON.stringify(m), 'manifest.json');
  } catch (e) {
    expect(e).toBeInstanceOf(RetakeError);
    return (e as RetakeError).message;
  }
  throw new Error('the manifest was accepted');
}

/** A pack folder linking the tiny pack's files, with its manifest changed and some files left out. */
function linkedPack(mutate: (m: Record<string, any>) => void, omit: string[] = []): string {
  const dir = join(root, `p${n++}`);
  mkdirSync(dir);
  for (const f of readdirSync(TINY_PACK)) {
    if (f === 'manifest.json' || omit.includes(f)) continue;
    symlinkSync(join(TINY_PACK, f), join(dir, f));
  }
  const m = base();
  mutate(m);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

describe('decoder manifest components', () => {
  it('the tiny pack parses, with runtime defaults filled', async () => {
    const pack = await tinyPack();
    const { flow, vocoder, speakerEncoder } = pack.manifest.components;
    expect(flow?.settings.cfgRate).toBe(0.7);
    expect(flow?.settings.timeGrid).toHaveLength(11);
    expect(flow?.settings.bf16Prompt).toBe(true);
    expect(vocoder?.samplesPerFrame).toBe(480);
    expect(speakerEncoder?.standIn).toBe(true);
    expect(speakerEncoder?.published.sha256).toBe('a6ac6a63997761ae2997373e2ee1c47040854b4b759ea41ec48e4e42df0f4d73');
    const m = base();
    delete m.components.flow.runtime;
    delete m.components.vocoder.runtime;
    const parsed = parseManifest(JSON.stringify(m), 'manifest.json');
    expect(parsed.components.flow?.runtime).toEqual({ maxWindowFrames: 2000, overlapTokenFrames: 12, crossfadeFrames: 16 });
    expect(parsed.components.vocoder?.runtime).toEqual({ chunkFrames: 200, contextFrames: 16 });
    expect(decoderFiles(parsed).map((f) => f.path).sort()).toEqual([
      'campplus_standin.onnx', 'flow_encoder.onnx', 'flow_estimator.onnx', 'flow_noise.f32', 'flow_speaker.onnx',
      'hift_f0.onnx', 'hift_trunk.onnx',
    ]);
  });

  it('names misspelled settings', () => {
    expect(parseError((m) => (m.components.flow.settings.cfgRat = 0.5))).toContain('cfgRat');
    expect(parseError((m) => (m.components.vocoder.source.sineAmplitude = 0.1))).toContain('sineAmplitude');
    expect(parseError((m) => (m.components.speakerEncoder.fbank.window = 'blackman'))).toContain('window');
  });

  it('checks the components against each other', () => {
    expect(parseError((m) => (m.components.vocoder.config.melBins = 100))).toContain('vocoder.config.melBins is 100');
    expect(parseError((m) => (m.components.flow.noise.shape = [80, 10]))).toContain('must be 3200');
    expect(parseError((m) => (m.components.flow.settings.timeGrid = [0, 0.5, 1]))).toContain('timeGrid');
    expect(parseError((m) => m.components.vocoder.source.mergeWeight.pop())).toContain('must have 9 values');
    expect(parseError((m) => (m.components.vocoder.samplesPerFrame = 400))).toContain('must be 480');
    expect(parseError((m) => (m.components.speakerEncoder.outputs[0].shape = ['batch', 256]))).toContain('spkEmbedDim');
    expect(parseError((m) => (m.components.flow.promptMel.hop = 256))).toContain("vocoder's frame rate");
  });

  it('refuses a pack with a missing decoder file, naming it: when it is loaded, and when the file goes later', async () => {
    const missing = linkedPack(() => {}, ['hift_trunk.onnx']);
    // The loader checks every file the manifest lists (decoder files included) against its size.
    const early = await loadPack(missing, { variants: [] }).then(() => null, (x: unknown) => x);
    expect(early).toBeInstanceOf(RetakeError);
    expect((early as RetakeError).code).toBe('E_ENGINE_UNAVAILABLE');
    expect((early as RetakeError).message).toContain('hift_trunk.onnx');
    const dir = linkedPack(() => {});
    const pack = await loadPack(dir, { variants: [] });
    unlinkSync(join(dir, 'hift_trunk.onnx'));
    const e = await EditxDecoder.open(pack).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(RetakeError);
    expect((e as RetakeError).code).toBe('E_ENGINE_UNAVAILABLE');
    expect((e as RetakeError).message).toContain('hift_trunk.onnx');
  });

  it('refuses a graph whose inputs differ from its manifest entry', async () => {
    const dir = linkedPack((m) => {
      m.components.flow.graphs.estimator.inputs[1].name = 'mu_renamed';
    });
    const e = await EditxDecoder.open(await loadPack(dir, { variants: [] })).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(RetakeError);
    expect((e as RetakeError).message).toMatch(/flow estimator.*mu_renamed/);
  });
});
